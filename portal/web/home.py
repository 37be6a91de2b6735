"""The candidate's home page."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency
from litestar.response import Template

from portal.domain.candidates.home import candidate_home
from portal.domain.checklist.items import candidate_checklist
from portal.domain.messaging.inbox import inbox_unread_count
from portal.domain.videos.watch import candidate_welcome_video


@get(
    "/",
    name="home",
)
async def home(candidate_id: NamedDependency[int]) -> Template:
    return Template(
        "portal/home.html",
        context={
            "home": await candidate_home(candidate_id=candidate_id),
            "welcome_video": await candidate_welcome_video(candidate_id=candidate_id),
            "checklist": await candidate_checklist(candidate_id=candidate_id),
            "inbox_unread": await inbox_unread_count(candidate_id=candidate_id),
        },
    )
