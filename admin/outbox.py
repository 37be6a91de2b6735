"""Messages (the outbox) for HR: counts, failed messages with a retry button, what waits
and why, the stuck-outbox banner, cohort group bots and cohort announcements.

HR and admins only (``guards=[HR_ONLY]``); managers get 403.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from admin.forms import form_text
from admin.guards import HR_ONLY
from admin.rendering import admin_page
from portal.domain.errors import ValidationFailed
from portal.domain.messaging.bots import (
    CohortBotInput,
    cohort_announcement_send,
    cohort_bot_delete,
    cohort_bot_save,
)
from portal.domain.messaging.incidents import outbox_open_incident
from portal.domain.messaging.records import outbox_retry
from portal.domain.messaging.selectors import (
    cohort_bots,
    outbox_counts,
    outbox_rows,
    reason_label,
    status_label,
)
from portal.domain.messaging.tables import BOT_KINDS, STATUSES
from portal.domain.staff.tables import StaffUser

# Where redirects go. The controller's own path is relative to the /admin router: declaring
# it as PAGE once made the page /admin/admin/outbox.
PAGE = "/admin/outbox"


class OutboxController(Controller):
    path = "/outbox"
    guards = [HR_ONLY]

    @get("", name="admin-outbox")
    async def overview(
        self, staff: NamedDependency[StaffUser], request: Request[Any, Any, Any]
    ) -> Template:
        chosen = request.query_params.get("status") or "failed"
        status = chosen if chosen in STATUSES else "failed"
        return admin_page(
            "admin/outbox/overview.html",
            staff,
            counts=await outbox_counts(),
            status=status,
            statuses=STATUSES,
            rows=await outbox_rows(status=status),
            incident=await outbox_open_incident(),
            reason_label=reason_label,
            status_label=status_label,
            notice=request.query_params.get("notice") or "",
        )

    @post("/{message_id:int}/retry", name="admin-outbox-retry")
    async def retry(self, message_id: FromPath[int]) -> Redirect:
        # Idempotent: a double click finds the message pending already and changes nothing.
        queued = 0 < message_id < 2**31 and await outbox_retry(message_id=message_id)
        notice = "retried" if queued else "not-failed"
        return Redirect(f"{PAGE}?status=failed&notice={notice}", status_code=HTTP_303_SEE_OTHER)

    @get("/bots", name="admin-outbox-bots")
    async def bots(self, staff: NamedDependency[StaffUser]) -> Template:
        return await _bots_page(staff)

    @post("/bots/{cohort_id:int}", name="admin-outbox-bot-save")
    async def bot_save(
        self,
        staff: NamedDependency[StaffUser],
        cohort_id: FromPath[int],
        request: Request[Any, Any, Any],
    ) -> Template | Redirect:
        values = await form_text(request, "kind", "url", "secret")
        try:
            await cohort_bot_save(
                cohort_id=cohort_id,
                data=CohortBotInput(
                    kind=values["kind"], url=values["url"][:2000], secret=values["secret"][:500]
                ),
            )
        except ValidationFailed as failed:
            return await _bots_page(
                staff, failed_cohort=cohort_id, values=values, errors=failed.errors, status_code=400
            )
        return Redirect(f"{PAGE}/bots?saved={cohort_id}", status_code=HTTP_303_SEE_OTHER)

    @post("/bots/{cohort_id:int}/delete", name="admin-outbox-bot-delete")
    async def bot_delete(self, cohort_id: FromPath[int]) -> Redirect:
        await cohort_bot_delete(cohort_id=cohort_id)
        return Redirect(f"{PAGE}/bots", status_code=HTTP_303_SEE_OTHER)

    @post("/bots/{cohort_id:int}/announce", name="admin-outbox-announce")
    async def announce(
        self,
        staff: NamedDependency[StaffUser],
        cohort_id: FromPath[int],
        request: Request[Any, Any, Any],
    ) -> Template | Redirect:
        values = await form_text(request, "text", "client_id")
        try:
            await cohort_announcement_send(
                cohort_id=cohort_id,
                text=values["text"][:100_000],
                client_id=values["client_id"],
                staff_id=staff.id,
            )
        except ValidationFailed as failed:
            message = failed.errors.get("body") or failed.errors.get("recipient") or str(failed)
            return await _bots_page(
                staff,
                failed_cohort=cohort_id,
                values=values,
                errors={"text": message},
                status_code=400,
            )
        return Redirect(f"{PAGE}/bots?announced={cohort_id}", status_code=HTTP_303_SEE_OTHER)


async def _bots_page(
    staff: StaffUser,
    *,
    failed_cohort: int | None = None,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    import uuid

    return admin_page(
        "admin/outbox/bots.html",
        staff,
        status_code=status_code,
        bots=await cohort_bots(),
        kinds=BOT_KINDS,
        failed_cohort=failed_cohort,
        values=values or {},
        errors=errors or {},
        client_id=uuid.uuid4().hex,
    )
