"""One-tap links from messages: ``/go/<token>`` signs the candidate in and opens the page.

``GET`` never uses the link up (link previews and mail scanners fetch every URL they see):
it shows a one-tap "continue" page, whose ``POST`` redeems the link, signs in and lands
on the link's page. A visitor already signed in as the link's candidate is taken there at
once (a robot has no such session); the tap is still recorded.
"""

from __future__ import annotations

import time
from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from portal.auth.sessions import Principal, session_cookie, session_start
from portal.config import get_settings
from portal.domain.journeys.compose import cohort_map_url
from portal.domain.journeys.links import (
    TapProblem,
    TapRefused,
    message_link_peek,
    message_link_redeem,
)
from portal.web.guards import safe_next_path
from portal.web.signin import link_problem_page


def _signed_in_candidate(request: Request[Any, Any, Any]) -> int | None:
    principal: Principal | None = request.user
    return principal.id if principal is not None and principal.kind == "candidate" else None


@get("/go/{token:str}", name="message-link")
async def message_link_page(
    request: Request[Any, Any, Any], token: FromPath[str]
) -> Template | Redirect:
    try:
        state = await message_link_peek(token)
    except TapRefused as refused:
        return link_problem_page(refused.problem.value)
    me = _signed_in_candidate(request)
    if me is not None and me == state.candidate_id and state.problem != TapProblem.WITHDRAWN:
        # Their own link: nothing to sign in; land on the page (the tap counts as opened).
        try:
            link = await message_link_redeem(token, signed_in_as=me)
        except TapRefused as refused:
            return link_problem_page(refused.problem.value)
        return Redirect(safe_next_path(link.target))
    if state.problem is not None:
        return link_problem_page(state.problem.value)
    return Template(
        "portal/message_link.html",
        context={"token": token},
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


@post("/go/{token:str}", name="message-link-use")
async def message_link_use(
    request: Request[Any, Any, Any], token: FromPath[str]
) -> Template | Redirect:
    checked_at = time.time()  # the session dates from the link's check
    try:
        link = await message_link_redeem(token, signed_in_as=_signed_in_candidate(request))
    except TapRefused as refused:
        return link_problem_page(refused.problem.value)
    settings = get_settings()
    session_token = await session_start(
        request.app.state.session_store,
        settings,
        principal=Principal(kind="candidate", id=link.candidate_id),
        previous_token=request.auth,
        issued_at=checked_at,
    )
    return Redirect(
        safe_next_path(link.target),
        cookies=[session_cookie(settings, session_token)],
        status_code=HTTP_303_SEE_OTHER,
    )


@get("/map/{key:str}", name="cohort-map")
async def cohort_map(key: FromPath[str]) -> Redirect | Template:
    """The ``{map_link}`` of messages: a short URL that opens the cohort's place on a map."""
    url = await cohort_map_url(key[:40])
    if url is None:
        return link_problem_page("unknown")
    return Redirect(url)
