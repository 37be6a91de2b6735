"""CSV import of candidates: upload, preview every row's problems, then import (HR only)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_413_REQUEST_ENTITY_TOO_LARGE

from admin.forms import form_text
from admin.guards import HR_ONLY
from admin.rendering import admin_page
from portal.domain.candidates.imports import (
    COLUMN_TITLES,
    FIELDS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    PREVIEW_TTL_SECONDS,
    REQUIRED_FIELDS,
    ConfirmResult,
    ImportFileInvalid,
    ImportPreview,
    candidate_import_confirm,
    candidate_import_preview,
    file_too_large,
    import_known_names,
    import_template_csv,
)
from portal.domain.staff.tables import StaffUser
from portal.i18n import get_locale
from portal.i18n import gettext as _

UPLOAD_PATH = "/admin/candidates/import"
# A preview lists every row with problems up to this many, and the first rows ready to
# import: a 10,000-row file would otherwise be a page of several megabytes.
INVALID_ROWS_SHOWN = 1000
VALID_ROWS_SHOWN = 200
IMPORTED_ROWS_SHOWN = 200
# Room for the multipart envelope around a file of the largest accepted size.
_MAX_REQUEST_BYTES = MAX_FILE_BYTES + 64 * 1024


def _too_large_upload(request: Request[Any, Any, Any], exc: HTTPException) -> Redirect:
    # The body is refused while it is read, before the handler runs: say why on the form.
    return Redirect(f"{UPLOAD_PATH}?error=too_large", status_code=HTTP_303_SEE_OTHER)


async def _upload_page(staff: StaffUser, *, error: str = "", status_code: int = 200) -> Template:
    return admin_page(
        "admin/import_upload.html",
        staff,
        status_code=status_code,
        error=error,
        fields=FIELDS,
        required_fields=REQUIRED_FIELDS,
        column_titles=COLUMN_TITLES,
        max_rows=f"{MAX_ROWS:,}",
        max_megabytes=MAX_FILE_BYTES // (1024 * 1024),
        known=await import_known_names(),
    )


def _preview_page(
    staff: StaffUser,
    preview: ImportPreview,
    *,
    alert: str = "",
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    return admin_page(
        "admin/import_preview.html",
        staff,
        status_code=status_code,
        preview=preview,
        fields=FIELDS,
        column_titles=COLUMN_TITLES,
        alert=alert,
        errors=errors or {},
        minutes=PREVIEW_TTL_SECONDS // 60,
        invalid_shown=INVALID_ROWS_SHOWN,
        valid_shown=VALID_ROWS_SHOWN,
    )


async def _confirm_page(staff: StaffUser, result: ConfirmResult) -> Template:
    if result.outcome in ("imported", "already_done", "in_progress"):
        return admin_page(
            "admin/import_done.html",
            staff,
            result=result,
            imported_shown=IMPORTED_ROWS_SHOWN,
            status_code=200 if result.outcome == "imported" else 409,
        )
    if result.outcome == "missing":
        return await _upload_page(
            staff,
            error=_(
                "This preview is no longer available: it expired, or it was imported "
                "already. Check the candidate list before you upload the file again."
            ),
            status_code=404,
        )
    assert result.preview is not None
    if result.outcome == "needs_confirmation":
        return _preview_page(
            staff,
            result.preview,
            errors={
                "confirm_partial": _("Tick the box to confirm that the other rows are skipped.")
            },
            status_code=400,
        )
    alerts = {
        "changed": _(
            "Something changed since you checked the file, so nothing was imported. "
            "The rows below show the problems as they are now."
        ),
        "not_clean": _(
            "This file has rows with problems: fix them, or import only the valid rows."
        ),
        "nothing_to_import": _("No row of this file can be imported."),
    }
    return _preview_page(staff, result.preview, alert=alerts[result.outcome], status_code=409)


class CandidateImportController(Controller):
    path = "/candidates/import"
    guards = [HR_ONLY]

    @get("/", name="admin-candidate-import")
    async def upload_form(
        self, staff: NamedDependency[StaffUser], error: FromQuery[str | None] = None
    ) -> Template:
        message = str(file_too_large()) if error == "too_large" else ""
        return await _upload_page(staff, error=message)

    @get("/template.csv", name="admin-candidate-import-template")
    async def template_csv(self, staff: NamedDependency[StaffUser]) -> Response[bytes]:
        return Response(
            import_template_csv(chinese=get_locale() == "zh_CN"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="onramp-candidates.csv"'},
        )

    @post(
        "/",
        name="admin-candidate-import-preview",
        request_max_body_size=_MAX_REQUEST_BYTES,
        exception_handlers={HTTP_413_REQUEST_ENTITY_TOO_LARGE: _too_large_upload},
    )
    async def preview(
        self, request: Request[Any, Any, Any], staff: NamedDependency[StaffUser]
    ) -> Template:
        upload = (await request.form()).get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return await _upload_page(
                staff, error=_("Choose a CSV file to upload."), status_code=400
            )
        try:
            preview = await candidate_import_preview(
                store=request.app.state.session_store,
                staff_id=staff.id,
                filename=upload.filename,
                content=await upload.read(),
            )
        except ImportFileInvalid as invalid:
            return await _upload_page(staff, error=str(invalid), status_code=400)
        finally:
            await upload.close()
        return _preview_page(staff, preview)

    @post("/confirm", name="admin-candidate-import-confirm")
    async def confirm(
        self, request: Request[Any, Any, Any], staff: NamedDependency[StaffUser]
    ) -> Template:
        values = await form_text(request, "token", "mode", "confirm_partial")
        result = await candidate_import_confirm(
            store=request.app.state.session_store,
            token=values["token"],
            staff_id=staff.id,
            only_valid=values["mode"] != "all",
            confirmed=values["confirm_partial"] == "yes",
        )
        return await _confirm_page(staff, result)
