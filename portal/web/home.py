"""The candidate's home page."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency
from litestar.response import Template

from portal.domain.candidates.home import candidate_home_page
from portal.domain.checklist.items import candidate_checklist
from portal.domain.learning.earning import daily_checkin_state
from portal.domain.messaging.announcements import pinned_announcements


@get(
    "/",
    name="home",
)
async def home(candidate_id: NamedDependency[int]) -> Template:
    page = await candidate_home_page(candidate_id=candidate_id)
    return Template(
        "portal/home.html",
        context={
            "home": page.home,
            "welcome_video": page.welcome_video,
            "checklist": await candidate_checklist(candidate_id=candidate_id),
            "inbox_unread": page.inbox_unread,
            "checkin": await daily_checkin_state(candidate_id=candidate_id),
            "pinned_announcements": await pinned_announcements(candidate_id=candidate_id),
        },
    )
