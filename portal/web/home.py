"""The candidate's home page: the one next step first, then countdown and progress."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.response import Template

from portal.domain.candidates.home import candidate_home_page
from portal.domain.checklist.items import candidate_checklist
from portal.domain.messaging.announcements import pinned_announcements
from portal.domain.shell.badges import Badges
from portal.domain.shell.next_step import next_step_pick
from portal.web.app_shell import app_shell_of


@get(
    "/",
    name="home",
)
async def home(request: Request[Any, Any, Any], candidate_id: NamedDependency[int]) -> Template:
    page = await candidate_home_page(candidate_id=candidate_id)
    checklist = await candidate_checklist(candidate_id=candidate_id)
    # The tab bar's query already read the badges and the next course for this page.
    shell = app_shell_of(request)
    badges = shell.badges if shell else Badges()
    return Template(
        "portal/home.html",
        context={
            "home": page.home,
            "welcome_video": page.welcome_video,
            "checklist": checklist,
            "inbox_unread": badges.inbox,
            "next_step": next_step_pick(checklist=checklist, badges=badges),
            "pinned_announcements": await pinned_announcements(candidate_id=candidate_id),
            "checkin": page.checkin,
        },
    )
