"""The suggestion box for staff: open ones by deadline, handle with a reply, export.

HR and admins see every suggestion, a manager those routed to their department. An
anonymous suggestion shows "Anonymous" wherever a name would be, here and in the export:
its row holds no candidate to show.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_409_CONFLICT

from admin.forms import form_text
from admin.rendering import admin_page
from portal.domain.errors import Conflict, ValidationFailed
from portal.domain.sla.policy import sla_policy_get
from portal.domain.sla.time_left import time_left_label
from portal.domain.spreadsheets import spreadsheet_cell
from portal.domain.staff.tables import StaffUser
from portal.domain.suggestions.box import (
    SuggestionView,
    suggestion_for_staff,
    suggestion_handle,
    suggestions_for_staff,
)
from portal.i18n import gettext as _


async def _one(
    staff: StaffUser, suggestion_id: int, *, status_code: int = 200, **extra: Any
) -> Template:
    policy = await sla_policy_get()
    suggestion = await suggestion_for_staff(staff, suggestion_id)
    context: dict[str, Any] = {"errors": {}, "values": {"handling": "", "reply": ""}, **extra}
    return admin_page(
        "admin/suggestions/one.html",
        staff,
        status_code=status_code,
        s=suggestion,
        timezone=policy.timezone,
        time_left=time_left_label(suggestion.deadline_at, datetime.now(UTC)),
        **context,
    )


def suggestions_csv(rows: list[SuggestionView]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(
        [_("Number"), _("Kind"), _("Category"), _("From"), _("Cohort"), _("Arrived"),
         _("Status"), _("Suggestion"), _("Handling"), _("Reply")]
    )  # fmt: skip
    for row in rows:
        writer.writerow(
            [
                row.id,
                row.kind_label,
                row.category_label,
                spreadsheet_cell(_("Anonymous") if row.is_anonymous else row.author_name),
                spreadsheet_cell(row.cohort_name),
                row.created_at.date().isoformat(),
                row.status,
                spreadsheet_cell(row.body),
                spreadsheet_cell(row.handling),
                spreadsheet_cell(row.reply),
            ]
        )
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


class SuggestionController(Controller):
    path = "/suggestions"

    @get("/", name="admin-suggestions")
    async def list_suggestions(
        self, request: Request[Any, Any, Any], staff: NamedDependency[StaffUser]
    ) -> Template:
        include_handled = request.query_params.get("handled") == "1"
        rows = await suggestions_for_staff(staff, include_handled=include_handled)
        now = datetime.now(UTC)
        policy = await sla_policy_get()
        return admin_page(
            "admin/suggestions/list.html",
            staff,
            rows=rows,
            include_handled=include_handled,
            timezone=policy.timezone,
            time_left={row.id: time_left_label(row.deadline_at, now) for row in rows},
            now=now,
        )

    @get("/export.csv", name="admin-suggestions-csv")
    async def export(self, staff: NamedDependency[StaffUser]) -> Response[bytes]:
        rows = await suggestions_for_staff(staff, include_handled=True, limit=100_000)
        return Response(
            suggestions_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": 'attachment; filename="suggestions.csv"',
                "Cache-Control": "no-store",
            },
        )

    @get("/{suggestion_id:int}", name="admin-suggestion")
    async def show(
        self, staff: NamedDependency[StaffUser], suggestion_id: FromPath[int]
    ) -> Template:
        return await _one(staff, suggestion_id)

    @post("/{suggestion_id:int}/handle", name="admin-suggestion-handle")
    async def handle(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        suggestion_id: FromPath[int],
    ) -> Template | Redirect:
        form = await form_text(request, "handling", "reply")
        try:
            await suggestion_handle(
                staff=staff,
                suggestion_id=suggestion_id,
                handling=form["handling"],
                reply=form["reply"],
            )
        except ValidationFailed as failed:
            return await _one(
                staff, suggestion_id, status_code=400, errors=failed.errors, values=form
            )
        except Conflict as refused:
            raise HTTPException(status_code=HTTP_409_CONFLICT, detail=str(refused)) from None
        return Redirect(
            f"/admin/suggestions/{suggestion_id}?saved=1", status_code=HTTP_303_SEE_OTHER
        )
