"""Who may watch which welcome video, and what the candidate's home page shows.

Candidates see only their own department's current (approved) video. Staff see any
complete video of the departments they may see, so HR can review it before approval.
An upload still in progress is served to no one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from portal.auth.sessions import Principal
from portal.domain.access import candidate_may_watch_video, may_watch_video
from portal.domain.candidates.tables import Candidate
from portal.domain.errors import NotFound
from portal.domain.staff.accounts import staff_get
from portal.domain.videos.tables import WelcomeVideo
from portal.i18n import gettext as _


@dataclass(frozen=True)
class WelcomeVideoView:
    id: int
    title: str
    has_poster: bool
    media_type: str


@dataclass(frozen=True)
class ServedVideo:
    """What a file response needs: the storage key, its media type and validators."""

    key: str
    media_type: str
    modified: datetime
    version: str


async def department_current_video(*, department_id: int) -> WelcomeVideo | None:
    return await WelcomeVideo.objects().get(
        (WelcomeVideo.department == department_id) & (WelcomeVideo.status == "approved")
    )


async def candidate_welcome_video(*, candidate_id: int) -> WelcomeVideoView | None:
    """The video on a candidate's home page: their department's approved one, if any."""
    department = await Candidate.select(Candidate.department).where(Candidate.id == candidate_id)
    if not department:
        return None
    video = await department_current_video(department_id=department[0]["department"])
    if video is None:
        return None
    return WelcomeVideoView(
        id=video.id,
        title=video.title,
        has_poster=bool(video.poster_key),
        media_type=video.media_type,
    )


async def _may_watch(principal: Principal | None, video: WelcomeVideo) -> bool:
    """The session's candidate or staff member, asked of :mod:`portal.domain.access`."""
    if principal is None:
        return False
    if principal.kind == "candidate":
        rows = await Candidate.select(Candidate.department).where(Candidate.id == principal.id)
        return bool(rows) and candidate_may_watch_video(
            candidate_department_id=rows[0]["department"],
            department_id=video.department,
            status=video.status,
        )
    if principal.kind == "staff":
        staff = await staff_get(principal.id)
        return staff is not None and may_watch_video(
            staff, department_id=video.department, status=video.status
        )
    return False


async def video_for_viewer(
    *, video_id: int, principal: Principal | None, poster: bool = False
) -> ServedVideo:
    """The video (or its poster) if this person may see it; NotFound otherwise.

    404 rather than 403, so nobody learns that another department's video exists.
    """
    video = await WelcomeVideo.objects().get(WelcomeVideo.id == video_id)
    if video is None or not await _may_watch(principal, video):
        raise NotFound(_("This video does not exist."))
    modified = video.completed_at or video.created_at
    if poster:
        if not video.poster_key:
            raise NotFound(_("This video has no poster."))
        return ServedVideo(
            key=video.poster_key,
            media_type="image/jpeg",
            modified=modified,
            version=f"p{video.id}-{int(modified.timestamp())}",
        )
    return ServedVideo(
        key=video.storage_key,
        media_type=video.media_type or "application/octet-stream",
        modified=modified,
        version=f"v{video.id}-{int(modified.timestamp())}",
    )
