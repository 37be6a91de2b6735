"""HR's review of welcome videos: approve (it becomes the department's current video) or reject.

Only a complete video (``pending``) can be approved, or a ``retired`` one brought back.
Approving retires the department's previous video in the same transaction; the unique
partial index ``welcome_video_one_approved`` settles two approvals racing each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from portal.db import unique_violation_raises, write_transaction
from portal.domain.errors import Conflict, NotFound, ValidationFailed
from portal.domain.organisation.tables import Department
from portal.domain.staff.tables import StaffUser
from portal.domain.videos.tables import WelcomeVideo
from portal.domain.videos.uploads import video_row_lock
from portal.i18n import gettext as _

REASON_MAX_LENGTH = 500


async def video_approve(*, video_id: int, reviewer_id: int) -> None:
    now = datetime.now(UTC)
    with unique_violation_raises(
        lambda: Conflict(_("Another video of this department was approved at the same time."))
    ):
        async with write_transaction():
            video = await video_row_lock(video_id)
            if video is None:
                raise NotFound(_("This video does not exist."))
            if video.status not in ("pending", "retired"):
                raise Conflict(_("Only a complete video waiting for review can be approved."))
            await WelcomeVideo.update(
                {WelcomeVideo.status: "retired", WelcomeVideo.updated_at: now}
            ).where(
                (WelcomeVideo.department == video.department) & (WelcomeVideo.status == "approved")
            )
            await WelcomeVideo.update(
                {
                    WelcomeVideo.status: "approved",
                    WelcomeVideo.reviewed_by: reviewer_id,
                    WelcomeVideo.reviewed_at: now,
                    WelcomeVideo.reject_reason: "",
                    WelcomeVideo.updated_at: now,
                }
            ).where(WelcomeVideo.id == video.id)


async def video_reject(*, video_id: int, reviewer_id: int, reason: str) -> None:
    """Refuse a pending video, or take the current one down; the uploader sees the reason."""
    reason = reason.strip()
    if not reason:
        raise ValidationFailed({"reason": _("Please give a reason.")})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationFailed(
            {"reason": _("A reason can be at most %(count)s characters long.", count=500)}
        )
    now = datetime.now(UTC)
    async with write_transaction():
        video = await video_row_lock(video_id)
        if video is None:
            raise NotFound(_("This video does not exist."))
        if video.status not in ("pending", "approved"):
            raise Conflict(_("Only a video waiting for review or in use can be rejected."))
        await WelcomeVideo.update(
            {
                WelcomeVideo.status: "rejected",
                WelcomeVideo.reviewed_by: reviewer_id,
                WelcomeVideo.reviewed_at: now,
                WelcomeVideo.reject_reason: reason,
                WelcomeVideo.updated_at: now,
            }
        ).where(WelcomeVideo.id == video.id)


@dataclass(frozen=True)
class VideoRow:
    id: int
    title: str
    status: str
    department_id: int
    department: str
    uploaded_by: str
    total_bytes: int
    received_bytes: int
    media_type: str
    has_poster: bool
    reject_reason: str
    reviewed_by: str
    created_at: datetime
    completed_at: datetime | None
    reviewed_at: datetime | None

    @property
    def percent(self) -> int:
        return int(self.received_bytes * 100 / self.total_bytes) if self.total_bytes else 0

    @property
    def megabytes(self) -> str:
        return f"{self.total_bytes / (1024 * 1024):.1f}"


async def videos_for_admin(*, department_scope: int | None) -> list[VideoRow]:
    """Every video a staff member may see, newest first (a manager: their department's)."""
    query = WelcomeVideo.objects().order_by(WelcomeVideo.id, ascending=False)
    if department_scope is not None:
        query = query.where(WelcomeVideo.department == department_scope)
    return await _rows(await query)


async def _rows(videos: list[WelcomeVideo]) -> list[VideoRow]:
    departments = {
        row["id"]: row["name"] for row in await Department.select(Department.id, Department.name)
    }
    staff_ids = {v.uploaded_by for v in videos} | {v.reviewed_by for v in videos}
    staff_ids.discard(None)
    names = {}
    if staff_ids:
        for row in await StaffUser.select(StaffUser.id, StaffUser.name, StaffUser.email).where(
            StaffUser.id.is_in(list(staff_ids))
        ):
            names[row["id"]] = row["name"] or row["email"]
    return [
        VideoRow(
            id=video.id,
            title=video.title,
            status=video.status,
            department_id=video.department,
            department=departments.get(video.department, ""),
            uploaded_by=names.get(video.uploaded_by, ""),
            total_bytes=video.total_bytes,
            received_bytes=video.received_bytes,
            media_type=video.media_type,
            has_poster=bool(video.poster_key),
            reject_reason=video.reject_reason,
            reviewed_by=names.get(video.reviewed_by, ""),
            created_at=video.created_at,
            completed_at=video.completed_at,
            reviewed_at=video.reviewed_at,
        )
        for video in videos
    ]


async def video_row(*, video_id: int, department_scope: int | None) -> VideoRow:
    """One video for its admin page; NotFound outside the staff member's departments."""
    video = await WelcomeVideo.objects().get(WelcomeVideo.id == video_id)
    if video is None or (department_scope is not None and video.department != department_scope):
        raise NotFound(_("This video does not exist."))
    return (await _rows([video]))[0]
