"""Demo welcome video: the production department's approved video, from a committed file.

``media/welcome.mp4`` is a six-second H.264 clip of three title cards (320×176, 256 KB,
``moov`` before ``mdat`` so playback starts at once); ``media/welcome_poster.jpg`` is its
first card.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

from portal.domain.organisation.tables import Department
from portal.domain.staff.tables import StaffUser
from portal.domain.videos.tables import WelcomeVideo
from portal.files.storage import get_storage, new_key

DEMO_DEPARTMENT = "生产部"
DEMO_TITLE = "欢迎加入生产部 · 李强"
MEDIA_DIR = Path(__file__).parent / "media"
WELCOME_MP4 = MEDIA_DIR / "welcome.mp4"
WELCOME_POSTER = MEDIA_DIR / "welcome_poster.jpg"


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def load_demo_videos() -> None:
    """The production department's approved welcome video (stored once per installation)."""
    department = await Department.objects().get(Department.name == DEMO_DEPARTMENT)
    if department is None or await WelcomeVideo.exists().where(
        WelcomeVideo.department == department.id
    ):
        return
    manager = await StaffUser.objects().get(StaffUser.department == department.id)
    storage = get_storage()
    video_key, poster_key = new_key("videos"), new_key("video-posters")
    data, poster = WELCOME_MP4.read_bytes(), WELCOME_POSTER.read_bytes()
    await storage.save(video_key, _once(data), max_bytes=len(data))
    await storage.save(poster_key, _once(poster), max_bytes=len(poster))
    now = datetime.now(UTC)
    await WelcomeVideo(
        department=department.id,
        title=DEMO_TITLE,
        status="approved",
        storage_key=video_key,
        poster_key=poster_key,
        total_bytes=len(data),
        received_bytes=len(data),
        media_type="video/mp4",
        uploaded_by=manager.id if manager else None,
        completed_at=now,
        reviewed_at=now,
    ).save()
