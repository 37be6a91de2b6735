"""Welcome videos in the admin app: resumable uploads by managers, review by HR.

| action                                  | admin | hr  | manager                  |
|-----------------------------------------|-------|-----|--------------------------|
| see videos, play them                   | all   | all | own department           |
| upload (and resume) a video             | any   | any | own department           |
| approve, reject or withdraw a video     | yes   | yes | no                       |
| delete a video that is not in use       | any   | any | own department           |

The upload endpoints speak JSON to ``static/js/video_upload.js``: ``POST /uploads`` opens
an upload, ``PUT /uploads/{id}`` with ``Upload-Offset`` stores a chunk, ``GET``/``HEAD``
on the same URL answers where the upload stands (``Upload-Offset``) after a dropped
connection. They sit under /admin, so the CSRF token travels in ``x-csrftoken``.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, head, post, put
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from admin.forms import form_id, form_text
from admin.guards import HR_ONLY
from admin.rendering import admin_page
from portal.config import get_settings
from portal.domain.access import department_scope, ensure_department_visible
from portal.domain.candidates.lists import department_choices
from portal.domain.errors import Conflict, NotFound, ValidationFailed
from portal.domain.staff.tables import StaffUser
from portal.domain.validation import whole_number
from portal.domain.videos.posters import PosterUpload
from portal.domain.videos.review import video_approve, video_reject, video_row, videos_for_admin
from portal.domain.videos.uploads import (
    MAX_CHUNK_BYTES,
    NotAVideo,
    UploadOffsetMismatch,
    UploadProgress,
    UploadTooLarge,
    video_delete,
    video_get,
    video_max_bytes,
    video_upload_append,
    video_upload_progress,
    video_upload_start,
    video_uploads_expire,
)
from portal.i18n import gettext as _

CHUNK_BYTES = 4 * 1024 * 1024
_NO_STORE = {"Cache-Control": "no-store"}


def _progress_response(progress: UploadProgress, status_code: int = 200) -> Response[Any]:
    return Response(
        content={
            "id": progress.video_id,
            "offset": progress.offset,
            "total": progress.total,
            "status": progress.status,
            "complete": progress.complete,
        },
        status_code=status_code,
        headers={
            "Upload-Offset": str(progress.offset),
            "Upload-Length": str(progress.total),
            **_NO_STORE,
        },
    )


def _error(message: str, status_code: int, **extra: Any) -> Response[Any]:
    headers = dict(_NO_STORE)
    if "offset" in extra:
        headers["Upload-Offset"] = str(extra["offset"])
    return Response(content={"error": message, **extra}, status_code=status_code, headers=headers)


async def _visible_video(staff: StaffUser, video_id: int):
    video = await video_get(video_id=video_id)
    ensure_department_visible(staff, video.department)
    return video


def _offset_header(request: Request[Any, Any, Any]) -> int | None:
    """``Upload-Offset: n``, or the start of ``Content-Range: bytes a-b/total``."""
    raw = request.headers.get("upload-offset")
    if raw is None:
        content_range = request.headers.get("content-range", "")
        if content_range.startswith("bytes ") and "-" in content_range:
            raw = content_range[6:].split("-", 1)[0]
    return whole_number(raw or "", maximum=10**15 - 1)


async def _list_page(staff: StaffUser, *, status_code: int = 200) -> Template:
    await video_uploads_expire()
    scope = department_scope(staff)
    videos = await videos_for_admin(department_scope=scope)
    return admin_page(
        "admin/videos/list.html",
        staff,
        status_code=status_code,
        departments=await department_choices(department_scope=scope),
        pending=[v for v in videos if v.status == "pending"],
        current=[v for v in videos if v.status == "approved"],
        unfinished=[v for v in videos if v.status == "uploading"],
        others=[v for v in videos if v.status in ("rejected", "retired")],
        max_megabytes=video_max_bytes() // (1024 * 1024),
        max_bytes=video_max_bytes(),
        chunk_bytes=CHUNK_BYTES,
        timezone=get_settings().default_timezone,
    )


async def _detail_page(
    staff: StaffUser, video_id: int, *, errors: dict[str, str] | None = None, status_code: int = 200
) -> Template:
    return admin_page(
        "admin/videos/detail.html",
        staff,
        status_code=status_code,
        video=await video_row(video_id=video_id, department_scope=department_scope(staff)),
        errors=errors or {},
        timezone=get_settings().default_timezone,
    )


class VideoController(Controller):
    path = "/videos"

    @get("/", name="admin-videos")
    async def list_videos(self, staff: NamedDependency[StaffUser]) -> Template:
        return await _list_page(staff)

    @post("/uploads", name="admin-video-upload-start")
    async def start_upload(
        self, request: Request[Any, Any, Any], staff: NamedDependency[StaffUser]
    ) -> Response[Any]:
        values = await form_text(request, "title", "department", "total_bytes")
        form = await request.form()
        scope = department_scope(staff)
        department_id = form_id(values["department"]) if scope is None else scope or None
        poster_field = form.get("poster")
        poster = None
        if isinstance(poster_field, UploadFile) and poster_field.filename:
            poster = PosterUpload(file=poster_field.file)
        try:
            video = await video_upload_start(
                title=values["title"],
                department_id=department_id,
                total_bytes=values["total_bytes"],
                uploaded_by=staff.id,
                poster=poster,
            )
        except ValidationFailed as failed:
            return _error(str(failed), 400, errors=failed.errors)
        progress = UploadProgress(
            video_id=video.id, offset=0, total=video.total_bytes, status=video.status
        )
        response = _progress_response(progress, status_code=201)
        response.headers["Location"] = f"/admin/videos/uploads/{video.id}"
        return response

    @get("/uploads/{video_id:int}", name="admin-video-upload-progress")
    async def upload_progress(
        self, staff: NamedDependency[StaffUser], video_id: FromPath[int]
    ) -> Response[Any]:
        await _visible_video(staff, video_id)
        return _progress_response(await video_upload_progress(video_id=video_id))

    @head("/uploads/{video_id:int}", name="admin-video-upload-offset")
    async def upload_offset(
        self, staff: NamedDependency[StaffUser], video_id: FromPath[int]
    ) -> Response[None]:
        await _visible_video(staff, video_id)
        progress = await video_upload_progress(video_id=video_id)
        return Response(
            content=None,
            headers={
                "Upload-Offset": str(progress.offset),
                "Upload-Length": str(progress.total),
                **_NO_STORE,
            },
        )

    @put("/uploads/{video_id:int}", name="admin-video-upload-chunk", status_code=200)
    async def upload_chunk(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        video_id: FromPath[int],
    ) -> Response[Any]:
        await _visible_video(staff, video_id)
        offset = _offset_header(request)
        if offset is None:
            return _error(_("The Upload-Offset header is missing or not a number."), 400)
        declared = request.headers.get("content-length", "")
        declared_size = whole_number(declared, maximum=10**15 - 1)
        if declared_size is not None and declared_size > MAX_CHUNK_BYTES:
            return _error(_("This chunk goes past the size declared for the upload."), 413)
        data = await request.body()
        try:
            progress = await video_upload_append(video_id=video_id, offset=offset, data=data)
        except UploadOffsetMismatch as mismatch:
            return _error(str(mismatch), 409, offset=mismatch.expected)
        except UploadTooLarge as refused:
            return _error(str(refused), 413)
        except NotAVideo as refused:
            return _error(str(refused), 415)
        except ValidationFailed as failed:
            return _error(str(next(iter(failed.errors.values()))), 400)
        except Conflict as refused:
            return _error(str(refused), 409)
        return _progress_response(progress)

    @get("/{video_id:int}", name="admin-video")
    async def show_video(
        self, staff: NamedDependency[StaffUser], video_id: FromPath[int]
    ) -> Template:
        return await _detail_page(staff, video_id)

    @post("/{video_id:int}/approve", name="admin-video-approve", guards=[HR_ONLY])
    async def approve(
        self, staff: NamedDependency[StaffUser], video_id: FromPath[int]
    ) -> Template | Redirect:
        try:
            await video_approve(video_id=video_id, reviewer_id=staff.id)
        except Conflict as refused:
            return await _detail_page(
                staff, video_id, errors={"approve": str(refused)}, status_code=409
            )
        return Redirect("/admin/videos", status_code=HTTP_303_SEE_OTHER)

    @post("/{video_id:int}/reject", name="admin-video-reject", guards=[HR_ONLY])
    async def reject(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        video_id: FromPath[int],
    ) -> Template | Redirect:
        values = await form_text(request, "reason")
        try:
            await video_reject(video_id=video_id, reviewer_id=staff.id, reason=values["reason"])
        except ValidationFailed as failed:
            return await _detail_page(staff, video_id, errors=failed.errors, status_code=400)
        except Conflict as refused:
            return await _detail_page(
                staff, video_id, errors={"reason": str(refused)}, status_code=409
            )
        return Redirect("/admin/videos", status_code=HTTP_303_SEE_OTHER)

    @post("/{video_id:int}/delete", name="admin-video-delete")
    async def delete(
        self, staff: NamedDependency[StaffUser], video_id: FromPath[int]
    ) -> Template | Redirect:
        try:
            await _visible_video(staff, video_id)
            await video_delete(video_id=video_id)
        except NotFound:
            # Already gone (a double submit), or not theirs to see: the list shows the truth.
            return Redirect("/admin/videos", status_code=HTTP_303_SEE_OTHER)
        except Conflict as refused:
            return await _detail_page(
                staff, video_id, errors={"delete": str(refused)}, status_code=409
            )
        return Redirect("/admin/videos", status_code=HTTP_303_SEE_OTHER)
