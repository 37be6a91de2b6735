"""Welcome-video uploads: start a resumable upload, append chunks, finish exactly once.

The browser sends a large video in chunks, each stating the byte offset it starts at.
The stored file's size is the truth about how much arrived: a chunk at any other offset
is refused with the offset to continue from, so after a dropped connection the browser
asks (``video_upload_progress``) and carries on where it stopped.

Appends to one upload are serialised: SQLite's IMMEDIATE write transaction does it for
the whole database, and on PostgreSQL the video's row lock (``FOR UPDATE``) makes a
second chunk for the same upload wait until the first is stored and counted. The last
chunk moves the video from ``uploading`` to ``pending`` inside that same lock, so an
upload cannot be completed twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from portal.config import get_settings
from portal.db import current_engine, write_transaction
from portal.domain.errors import Conflict, DomainError, NotFound, ValidationFailed
from portal.domain.organisation.tables import Department
from portal.domain.validation import whole_number
from portal.domain.videos.posters import PosterUpload, poster_store
from portal.domain.videos.tables import WelcomeVideo
from portal.files.kinds import SNIFF_BYTES, sniff
from portal.files.storage import FileTooLarge, OffsetMismatch, get_storage, new_key
from portal.i18n import gettext as _

# One request's body; the browser sends 4 MB chunks, well under the app's body limit.
MAX_CHUNK_BYTES = 8 * 1024 * 1024
# An upload with no chunk for this long is abandoned: its row and bytes are removed.
ABANDONED_AFTER = timedelta(hours=24)


class UploadOffsetMismatch(Conflict):
    """A chunk did not start where the stored part ends; ``expected`` is where it does."""

    def __init__(self, expected: int) -> None:
        super().__init__(_("The upload continues at byte %(offset)s.", offset=expected))
        self.expected = expected


class UploadTooLarge(DomainError):
    pass


class NotAVideo(DomainError):
    """The first bytes are not an MP4 or WebM video; the upload has been removed."""


@dataclass(frozen=True)
class UploadProgress:
    video_id: int
    offset: int
    total: int
    status: str

    @property
    def complete(self) -> bool:
        return self.status != "uploading"


def video_max_bytes() -> int:
    return get_settings().video_max_bytes


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}"


def _check_start(*, title: str, department_id: int | None, total_bytes: str | int) -> dict:
    errors: dict[str, str] = {}
    clean_title = " ".join(title.split())
    if not clean_title:
        errors["title"] = _("Please enter a title.")
    elif len(clean_title) > 200:
        errors["title"] = _("A title can be at most 200 characters long.")
    if not department_id:
        errors["department"] = _("Please choose a department.")
    size = whole_number(str(total_bytes), maximum=10**15 - 1) or 0
    limit = video_max_bytes()
    if size <= 0:
        errors["file"] = _("Please choose a video file.")
    elif size > limit:
        errors["file"] = _(
            "This video is %(size)s MB; videos can be at most %(limit)s MB.",
            size=_megabytes(size),
            limit=_megabytes(limit),
        )
    if errors:
        raise ValidationFailed(errors)
    return {"title": clean_title, "total_bytes": size}


async def video_upload_start(
    *,
    title: str,
    department_id: int | None,
    total_bytes: str | int,
    uploaded_by: int | None,
    poster: PosterUpload | None = None,
) -> WelcomeVideo:
    """Open an upload session; nothing is stored when the declared size is over the cap."""
    values = _check_start(title=title, department_id=department_id, total_bytes=total_bytes)
    if not await Department.exists().where(Department.id == department_id):
        raise ValidationFailed({"department": _("This department does not exist.")})
    poster_key = await poster_store(poster) if poster is not None else None
    video = WelcomeVideo(
        department=department_id,
        storage_key=new_key("videos"),
        poster_key=poster_key,
        uploaded_by=uploaded_by,
        status="uploading",
        **values,
    )
    try:
        async with write_transaction():
            await video.save()
    except BaseException:
        if poster_key:
            await get_storage().delete(poster_key)
        raise
    return video


async def video_row_lock(video_id: int) -> WelcomeVideo | None:
    """The video's row, locked until the transaction ends (PostgreSQL; SQLite locks all)."""
    if current_engine().engine_type == "postgres":
        await WelcomeVideo.raw("SELECT id FROM welcome_video WHERE id = {} FOR UPDATE", video_id)
    return await WelcomeVideo.objects().get(WelcomeVideo.id == video_id)


async def video_get(*, video_id: int) -> WelcomeVideo:
    video = await WelcomeVideo.objects().get(WelcomeVideo.id == video_id)
    if video is None:
        raise NotFound(_("This video does not exist."))
    return video


async def _discard(video: WelcomeVideo) -> None:
    storage = get_storage()
    await storage.delete(video.storage_key)
    if video.poster_key:
        await storage.delete(video.poster_key)
    await WelcomeVideo.delete().where(WelcomeVideo.id == video.id)


async def video_upload_append(*, video_id: int, offset: int, data: bytes) -> UploadProgress:
    """Store one chunk that starts at byte ``offset``; the last chunk completes the upload."""
    storage = get_storage()
    refused: DomainError | None = None
    async with write_transaction():
        video = await video_row_lock(video_id)
        if video is None:
            raise NotFound(_("This upload does not exist."))
        if video.status != "uploading":
            raise Conflict(_("This upload is already complete."))
        stored = await storage.size(video.storage_key) or 0
        if offset != stored:
            raise UploadOffsetMismatch(stored)
        if not data:
            raise ValidationFailed({"file": _("The chunk is empty.")})
        if len(data) > MAX_CHUNK_BYTES or offset + len(data) > video.total_bytes:
            raise UploadTooLarge(_("This chunk goes past the size declared for the upload."))
        media_type = video.media_type
        if offset == 0:
            # Judge the file by its first bytes before anything is written.
            kind = sniff(data[:SNIFF_BYTES])
            if len(data) < min(SNIFF_BYTES, video.total_bytes):
                refused = ValidationFailed(
                    {"file": _("The first chunk is too short to tell what the file is.")}
                )
            elif kind is None or kind.family != "video":
                await _discard(video)
                refused = NotAVideo(_("This file is not an MP4 or WebM video."))
            else:
                media_type = kind.media_type
        if refused is None:
            try:
                size = await storage.append(
                    video.storage_key, data, offset=offset, max_bytes=video.total_bytes
                )
            except OffsetMismatch as mismatch:
                raise UploadOffsetMismatch(mismatch.expected) from None
            except FileTooLarge:
                raise UploadTooLarge(
                    _("This chunk goes past the size declared for the upload.")
                ) from None
            return await _record_progress(video, size=size, media_type=media_type)
    # Raised after the transaction so that discarding a refused upload is committed.
    raise refused


async def _record_progress(video: WelcomeVideo, *, size: int, media_type: str) -> UploadProgress:
    now = datetime.now(UTC)
    values: dict = {
        WelcomeVideo.received_bytes: size,
        WelcomeVideo.media_type: media_type,
        WelcomeVideo.updated_at: now,
    }
    status = "uploading"
    if size == video.total_bytes:
        status = "pending"
        values[WelcomeVideo.status] = status
        values[WelcomeVideo.completed_at] = now
    await WelcomeVideo.update(values).where(
        (WelcomeVideo.id == video.id) & (WelcomeVideo.status == "uploading")
    )
    return UploadProgress(video_id=video.id, offset=size, total=video.total_bytes, status=status)


async def video_upload_progress(*, video_id: int) -> UploadProgress:
    """Where an upload stands, for a browser resuming after a dropped connection."""
    video = await video_get(video_id=video_id)
    if video.status != "uploading":
        return UploadProgress(
            video_id=video.id,
            offset=video.total_bytes,
            total=video.total_bytes,
            status=video.status,
        )
    stored = await get_storage().size(video.storage_key) or 0
    if stored == video.total_bytes and video.media_type:
        # Every byte arrived but the request that wrote the last one did not commit.
        async with write_transaction():
            locked = await video_row_lock(video_id)
            if locked is not None and locked.status == "uploading":
                return await _record_progress(locked, size=stored, media_type=locked.media_type)
        return await video_upload_progress(video_id=video_id)
    return UploadProgress(
        video_id=video.id, offset=stored, total=video.total_bytes, status=video.status
    )


async def video_uploads_expire(*, now: datetime | None = None) -> int:
    """Remove uploads nobody has added to for ``ABANDONED_AFTER``; returns how many."""
    cutoff = (now or datetime.now(UTC)) - ABANDONED_AFTER
    stale = await WelcomeVideo.objects().where(
        (WelcomeVideo.status == "uploading") & (WelcomeVideo.updated_at < cutoff)
    )
    removed = 0
    for video in stale:
        async with write_transaction():
            locked = await video_row_lock(video.id)
            if locked is None or locked.status != "uploading" or locked.updated_at >= cutoff:
                continue
            await _discard(locked)
            removed += 1
    return removed


async def video_delete(*, video_id: int) -> None:
    """Delete an unfinished, pending, rejected or retired video (never the current one)."""
    async with write_transaction():
        video = await video_row_lock(video_id)
        if video is None:
            raise NotFound(_("This video does not exist."))
        if video.status == "approved":
            raise Conflict(_("Candidates are watching this video. Withdraw it before deleting it."))
        await _discard(video)
