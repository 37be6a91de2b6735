"""HR promotes an answered question (and its answer) to a published FAQ entry."""

from __future__ import annotations

from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.params import FromPath
from litestar.response import Redirect
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_409_CONFLICT

from admin.guards import HR_ONLY
from portal.domain.errors import Conflict
from portal.domain.faq.promote import faq_promote_question
from portal.domain.staff.tables import StaffUser


class FaqPromoteController(Controller):
    path = "/questions"

    @post("/{question_id:int}/promote-faq", name="admin-question-promote-faq", guards=[HR_ONLY])
    async def promote(
        self, staff: NamedDependency[StaffUser], question_id: FromPath[int]
    ) -> Redirect:
        try:
            resource = await faq_promote_question(question_id=question_id, staff=staff)
        except Conflict as refused:
            raise HTTPException(status_code=HTTP_409_CONFLICT, detail=str(refused)) from None
        # The entry's edit page: HR sees it at once and can widen its audience.
        return Redirect(
            f"/admin/resources/{resource.id}/edit?promoted=1", status_code=HTTP_303_SEE_OTHER
        )
