"""The document review queue: handed-in checklist items, their files, approve or reject.

Everyone on the staff sees the queue (managers only their own department's candidates);
only admin and HR approve or reject. Every file download is authorised here, per request.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from admin.forms import query_int
from admin.guards import HR_ONLY
from admin.rendering import admin_page
from portal.config import get_settings
from portal.domain.access import department_scope
from portal.domain.checklist.cohorts import (
    cohort_checklist,
    cohort_checklist_csv,
    cohorts_checklist_summary,
)
from portal.domain.checklist.items import REJECT_REASONS, reject_reason_label, status_label
from portal.domain.checklist.reviews import (
    QUEUE_LIMIT,
    QUEUE_STATUSES,
    review_queue,
    staff_file_get,
    submission_detail,
    submission_review,
)
from portal.domain.checklist.templates import templates_list
from portal.domain.errors import Conflict, ValidationFailed
from portal.domain.organisation.cohort_lists import cohort_choices
from portal.domain.staff.tables import StaffUser
from portal.files.responses import stored_file_response
from portal.i18n import gettext as _


async def _detail_page(
    staff: StaffUser,
    submission_id: int,
    *,
    error: str = "",
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    return admin_page(
        "admin/documents/detail.html",
        staff,
        status_code=status_code,
        detail=await submission_detail(
            submission_id=submission_id, department_scope=department_scope(staff)
        ),
        reasons=[(code, reject_reason_label(code)) for code in REJECT_REASONS],
        error=error,
        values=values or {},
        timezone=get_settings().default_timezone,
    )


class DocumentsController(Controller):
    path = "/documents"

    @get("/", name="admin-documents")
    async def queue(
        self, request: Request[Any, Any, Any], staff: NamedDependency[StaffUser]
    ) -> Template:
        params = request.query_params
        status = params.get("status") or "submitted"
        if status not in (*QUEUE_STATUSES, "all"):
            status = "submitted"
        filters = {
            "cohort": query_int(params.get("cohort")),
            "item": query_int(params.get("item")),
            "status": status,
        }
        scope = department_scope(staff)
        rows = await review_queue(
            department_scope=scope,
            cohort_id=filters["cohort"],
            template_id=filters["item"],
            status=status,
        )
        done = params.get("done")
        return admin_page(
            "admin/documents/queue.html",
            staff,
            rows=rows,
            filters=filters,
            cohorts=await cohort_choices(department_scope=scope),
            items=[row.template for row in await templates_list()],
            statuses=[(s, status_label(s)) for s in QUEUE_STATUSES],
            limit=QUEUE_LIMIT,
            timezone=get_settings().default_timezone,
            notice={
                "approved": _("Approved. The candidate sees it now."),
                "rejected": _("Rejected. The candidate sees the reason now."),
            }.get(done or "", ""),
        )

    @get("/submissions/{submission_id:int}", name="admin-document")
    async def detail(
        self, staff: NamedDependency[StaffUser], submission_id: FromPath[int]
    ) -> Template:
        return await _detail_page(staff, submission_id)

    @post("/submissions/{submission_id:int}/review", name="admin-document-review", guards=[HR_ONLY])
    async def review(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        submission_id: FromPath[int],
    ) -> Template | Redirect:
        form = await request.form()
        values = {
            name: value[:2000] if isinstance(value := form.get(name), str) else ""
            for name in ("round", "decision", "reason", "reason_text")
        }
        round_number = query_int(values["round"]) or 0
        try:
            await submission_review(
                submission_id=submission_id,
                staff=staff,
                round=round_number,
                decision=values["decision"],
                reason_code=values["reason"],
                reason_text=values["reason_text"],
                department_scope=department_scope(staff),
            )
        except ValidationFailed as failed:
            error = next(iter(failed.errors.values()))
            return await _detail_page(
                staff, submission_id, error=error, values=values, status_code=400
            )
        except Conflict as refused:
            return await _detail_page(staff, submission_id, error=str(refused), status_code=409)
        return Redirect(
            f"/admin/documents?done={values['decision']}", status_code=HTTP_303_SEE_OTHER
        )

    @get("/files/{file_id:int}", name="admin-document-file")
    async def file(
        self, staff: NamedDependency[StaffUser], file_id: FromPath[int]
    ) -> Response[Any]:
        key, media_type, name = await staff_file_get(
            file_id=file_id, department_scope=department_scope(staff)
        )
        return await stored_file_response(key, media_type, name)

    @get("/files/{file_id:int}/thumb", name="admin-document-file-thumb")
    async def thumb(
        self, staff: NamedDependency[StaffUser], file_id: FromPath[int]
    ) -> Response[Any]:
        key, media_type, name = await staff_file_get(
            file_id=file_id, department_scope=department_scope(staff), thumbnail=True
        )
        return await stored_file_response(key, media_type, name)

    @get("/cohorts", name="admin-documents-cohorts")
    async def cohorts(self, staff: NamedDependency[StaffUser]) -> Template:
        return admin_page(
            "admin/documents/cohorts.html",
            staff,
            summaries=await cohorts_checklist_summary(department_scope=department_scope(staff)),
        )

    @get("/cohorts/{cohort_id:int}", name="admin-documents-cohort")
    async def cohort(self, staff: NamedDependency[StaffUser], cohort_id: FromPath[int]) -> Template:
        return admin_page(
            "admin/documents/cohort.html",
            staff,
            summary=await cohort_checklist(
                cohort_id=cohort_id, department_scope=department_scope(staff)
            ),
        )

    @get("/cohorts/{cohort_id:int}/export.csv", name="admin-documents-cohort-csv")
    async def cohort_csv(
        self, staff: NamedDependency[StaffUser], cohort_id: FromPath[int]
    ) -> Response[bytes]:
        summary = await cohort_checklist(
            cohort_id=cohort_id, department_scope=department_scope(staff)
        )
        return Response(
            content=cohort_checklist_csv(summary),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="checklist-cohort-{cohort_id}.csv"',
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )
