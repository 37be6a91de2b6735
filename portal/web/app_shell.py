"""The candidate app's shell: which tab a page belongs to, and the tab bar's badges.

A ``before_request`` hook on the candidate router: for a signed-in candidate's GET of a
page that has a tab, it reads the badges (one query, see portal/domain/shell/badges.py)
into the request's state (``app_shell``); ``templates/portal/base.html`` draws the tab bar from
it. Pages without a tab (sign-in, videos, files) pay nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request

from portal.auth.sessions import Principal
from portal.domain.shell.badges import Badges, answers_seen, candidate_badges

# Route path templates (as declared on the handlers) → their tab.
TAB_OF_PATH = {
    "/": "home",
    "/learning": "learn",
    "/learning/courses/{course_id:int}": "learn",
    "/learning/courses/{course_id:int}/lessons/{number:int}": "learn",
    "/learning/courses/{course_id:int}/quiz": "learn",
    "/learning/leaderboard": "learn",
    "/learning/results/{token:str}": "learn",
    "/rooms": "chat",
    "/rooms/{room_id:int}": "chat",
    "/inbox": "inbox",
    "/inbox/{item_id:int}": "inbox",
    "/inbox/preferences": "inbox",
    "/me": "me",
    "/profile": "me",
    "/checklist": "me",
    "/rewards": "learn",
    "/resources": "me",
    "/resources/{resource_id:int}": "me",
    "/growth": "me",
    "/growth/{position_id:int}": "me",
    "/leave": "me",
}

# The shell's key in the request's state dict (scope["state"]).
_SHELL_KEY = "app_shell"


@dataclass(frozen=True, slots=True)
class AppShell:
    tab: str
    badges: Badges


def _tab_of(request: Request[Any, Any, Any]) -> str | None:
    for path in request.route_handler.paths:
        tab = TAB_OF_PATH.get(path)
        if tab:
            return tab
    return None


async def app_shell_load(request: Request[Any, Any, Any]) -> None:
    """``before_request``: the shell for a candidate's page, or nothing."""
    if request.method != "GET":
        return
    principal: Principal | None = request.user
    if principal is None or principal.kind != "candidate":
        return
    tab = _tab_of(request)
    if tab is None:
        return
    badges = await candidate_badges(candidate_id=principal.id, with_course=tab == "home")
    if tab == "chat" and badges.answers and "room_id" in request.path_params:
        # Opening a room shows the answers: they are no longer new (a write only then).
        await answers_seen(candidate_id=principal.id)
        badges = Badges(
            inbox=badges.inbox,
            rejected=badges.rejected,
            course_id=badges.course_id,
            course_title=badges.course_title,
        )
    # The scope's state dict itself: ``request.state`` wraps it in a new State each time.
    request.scope.setdefault("state", {})[_SHELL_KEY] = AppShell(tab=tab, badges=badges)


def app_shell_of(request: Request[Any, Any, Any]) -> AppShell | None:
    return request.scope.get("state", {}).get(_SHELL_KEY)  # type: ignore[no-any-return]
