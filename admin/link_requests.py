"""Sign-in link requests for HR: candidates who asked for a new link that no message could
deliver; one click sends it the usual way (``login_link_send``: the outbox, never shown).

HR and admins only (``guards=[HR_ONLY]``); managers get 403.
"""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from admin.guards import HR_ONLY
from admin.rendering import admin_page
from portal.domain.candidates.link_requests import link_request_send, link_requests_pending
from portal.domain.errors import DomainError, NotFound
from portal.domain.staff.tables import StaffUser

PAGE = "/admin/link-requests"


async def _page(staff: StaffUser, *, error: str = "", status_code: int = 200) -> Template:
    return admin_page(
        "admin/link_requests.html",
        staff,
        status_code=status_code,
        requests=await link_requests_pending(),
        error=error,
    )


class LinkRequestController(Controller):
    path = "/link-requests"
    guards = [HR_ONLY]

    @get("", name="admin-link-requests")
    async def pending(self, staff: NamedDependency[StaffUser]) -> Template:
        return await _page(staff)

    @post("/{request_id:int}/send", name="admin-link-request-send")
    async def send(
        self, staff: NamedDependency[StaffUser], request_id: FromPath[int]
    ) -> Template | Redirect:
        try:
            await link_request_send(request_id=request_id, staff_id=staff.id)
        except NotFound:
            raise
        except DomainError as refused:
            return await _page(staff, error=str(refused), status_code=409)
        return Redirect(f"{PAGE}?sent=1", status_code=HTTP_303_SEE_OTHER)
