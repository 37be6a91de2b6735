"""Candidate checklist page: items, deadlines, uploads from the phone, handing items in.

Works as plain HTML forms (multipart upload, one POST per action, 303 back to the page);
a few lines of deferred JS only submit the upload form as soon as files are chosen.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from portal.config import get_settings
from portal.domain.checklist.items import candidate_checklist
from portal.domain.checklist.submissions import (
    candidate_example_get,
    candidate_file_get,
    checklist_file_remove,
    checklist_files_add,
    checklist_item_reopen,
    checklist_item_submit,
)
from portal.domain.errors import Conflict
from portal.files.responses import stored_file_response
from portal.files.uploads import UploadRefused, request_body_limit, uploaded_files
from portal.i18n import gettext as _

# The most files one upload form may carry (a template allows at most 10).
_FILES_PER_REQUEST = 10
_NO_STORE = {"Cache-Control": "no-store"}


def _upload_body_limit() -> int:
    return request_body_limit(get_settings().upload_max_bytes, files=_FILES_PER_REQUEST)


async def _page(
    candidate_id: int,
    *,
    errors: dict[int, str] | None = None,
    notice: str = "",
    status_code: int = 200,
) -> Template:
    return Template(
        "portal/checklist.html",
        context={
            "checklist": await candidate_checklist(candidate_id=candidate_id),
            "errors": errors or {},
            "notice": notice,
            "max_megabytes": max(1, get_settings().upload_max_bytes // (1024 * 1024)),
        },
        status_code=status_code,
        headers=_NO_STORE,
    )


def _back(template_id: int | None = None, notice: str = "") -> Redirect:
    query = f"?done={notice}" if notice else ""
    anchor = f"#item-{template_id}" if template_id else ""
    return Redirect(f"/checklist{query}{anchor}", status_code=HTTP_303_SEE_OTHER)


_NOTICES = {
    "uploaded": lambda: _("Uploaded. Hand the item in when all its files are there."),
    "removed": lambda: _("File removed."),
    "submitted": lambda: _("Handed in. HR will review it soon."),
    "reopened": lambda: _("You can change the files now. Hand the item in again when ready."),
}


@get("/checklist", name="checklist")
async def checklist_page(
    candidate_id: NamedDependency[int], request: Request[Any, Any, Any]
) -> Template:
    notice = _NOTICES.get(request.query_params.get("done") or "")
    return await _page(candidate_id, notice=notice() if notice else "")


@post(
    "/checklist/items/{template_id:int}/files",
    name="checklist-upload",
    request_max_body_size=_upload_body_limit(),
)
async def checklist_upload(
    candidate_id: NamedDependency[int], template_id: FromPath[int], request: Request[Any, Any, Any]
) -> Template | Redirect:
    form = await request.form()
    uploads = uploaded_files(form, "files")
    try:
        await checklist_files_add(
            candidate_id=candidate_id, template_id=template_id, uploads=uploads
        )
    except UploadRefused as refused:
        status = 413 if refused.code == "too_large" else 400
        return await _page(candidate_id, errors={template_id: str(refused)}, status_code=status)
    except Conflict as refused:
        return await _page(candidate_id, errors={template_id: str(refused)}, status_code=409)
    finally:
        # The spooled temporary copies are not needed once stored (or refused).
        for upload in uploads:
            await upload.close()
    return _back(template_id, "uploaded")


@post("/checklist/files/{file_id:int}/delete", name="checklist-file-remove")
async def checklist_file_delete(
    candidate_id: NamedDependency[int], file_id: FromPath[int]
) -> Template | Redirect:
    try:
        await checklist_file_remove(candidate_id=candidate_id, file_id=file_id)
    except Conflict as refused:
        return await _page(candidate_id, notice=str(refused), status_code=409)
    return _back(notice="removed")


@post("/checklist/items/{template_id:int}/submit", name="checklist-submit")
async def checklist_submit(
    candidate_id: NamedDependency[int], template_id: FromPath[int]
) -> Template | Redirect:
    try:
        await checklist_item_submit(candidate_id=candidate_id, template_id=template_id)
    except (Conflict, UploadRefused) as refused:
        return await _page(candidate_id, errors={template_id: str(refused)}, status_code=409)
    return _back(template_id, "submitted")


@post("/checklist/items/{template_id:int}/reopen", name="checklist-reopen")
async def checklist_reopen(
    candidate_id: NamedDependency[int], template_id: FromPath[int]
) -> Template | Redirect:
    try:
        await checklist_item_reopen(candidate_id=candidate_id, template_id=template_id)
    except Conflict as refused:
        return await _page(candidate_id, errors={template_id: str(refused)}, status_code=409)
    return _back(template_id, "reopened")


@get("/checklist/files/{file_id:int}", name="checklist-file")
async def checklist_file(
    candidate_id: NamedDependency[int], file_id: FromPath[int]
) -> Response[Any]:
    key, media_type, name = await candidate_file_get(candidate_id=candidate_id, file_id=file_id)
    return await stored_file_response(key, media_type, name)


@get("/checklist/files/{file_id:int}/thumb", name="checklist-file-thumb")
async def checklist_file_thumb(
    candidate_id: NamedDependency[int], file_id: FromPath[int]
) -> Response[Any]:
    key, media_type, name = await candidate_file_get(
        candidate_id=candidate_id, file_id=file_id, thumbnail=True
    )
    return await stored_file_response(key, media_type, name)


@get("/checklist/examples/{template_id:int}", name="checklist-example")
async def checklist_example(
    candidate_id: NamedDependency[int], template_id: FromPath[int]
) -> Response[Any]:
    key, media_type, name = await candidate_example_get(
        candidate_id=candidate_id, template_id=template_id
    )
    return await stored_file_response(key, media_type, name)


CHECKLIST_PAGES = [
    checklist_page,
    checklist_upload,
    checklist_file_delete,
    checklist_submit,
    checklist_reopen,
    checklist_file,
    checklist_file_thumb,
    checklist_example,
]
