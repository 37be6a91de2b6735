"""Candidate sign-in by link, sign-out, the signed-out page and the language switch."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.datastructures import Cookie
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from portal.auth.sessions import (
    Principal,
    session_cookie,
    session_cookie_cleared,
    session_end,
    session_start,
)
from portal.config import get_settings
from portal.domain.candidates.login_links import (
    LoginLinkRefused,
    login_link_peek,
    login_link_redeem,
)
from portal.domain.journeys.recipients import candidate_language_set
from portal.i18n import LOCALE_COOKIE, SUPPORTED_LOCALES
from portal.web.guards import safe_next_path


def link_problem_page(problem: str) -> Template:
    """Why a sign-in or message link did not work (used, expired, withdrawn, unknown)."""
    return Template(
        "portal/link_problem.html",
        context={"problem": problem},
        status_code=410
        if problem in ("used", "expired")
        else 403
        if problem == "withdrawn"
        else 404,
        headers={"Cache-Control": "no-store"},
    )


@get("/login/{token:str}", name="login-link")
async def login_link_page(
    request: Request[Any, Any, Any], token: FromPath[str]
) -> Redirect | Template:
    """A one-tap "continue" page: looking at a link never uses it up (see login_link_peek)."""
    try:
        candidate_id = await login_link_peek(token)
    except LoginLinkRefused as refused:
        return link_problem_page(refused.problem.value)
    principal: Principal | None = request.user
    if principal == Principal(kind="candidate", id=candidate_id):
        # Already signed in as this candidate (a robot has no such session): go home, and
        # the link stays usable for another phone.
        return Redirect("/")
    return Template(
        "portal/login_link.html",
        context={"token": token},
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


@post("/login/{token:str}", name="login-link-use")
async def login_with_link(
    request: Request[Any, Any, Any], token: FromPath[str]
) -> Redirect | Template:
    """The tap: redeem the link once (a conditional UPDATE) and sign the candidate in."""
    try:
        candidate_id = await login_link_redeem(token)
    except LoginLinkRefused as refused:
        return link_problem_page(refused.problem.value)
    settings = get_settings()
    session_token = await session_start(
        request.app.state.session_store,
        settings,
        principal=Principal(kind="candidate", id=candidate_id),
        previous_token=request.auth,
    )
    return Redirect(
        "/", cookies=[session_cookie(settings, session_token)], status_code=HTTP_303_SEE_OTHER
    )


@post("/logout", name="logout")
async def logout(request: Request[Any, Any, Any]) -> Redirect:
    await session_end(request.app.state.session_store, request.auth)
    return Redirect("/welcome", cookies=[session_cookie_cleared(get_settings())])


@get("/welcome", name="welcome")
async def welcome(request: Request[Any, Any, Any]) -> Template:
    signed_in = request.user is not None and request.user.kind == "candidate"
    return Template("portal/welcome.html", context={"signed_in": signed_in})


@get("/lang/{code:str}", name="set-language")
async def set_language(
    request: Request[Any, Any, Any], code: FromPath[str], next_path: FromQuery[str | None] = None
) -> Redirect:
    """Remember the chosen language (a preference, harmless as a GET link)."""
    target = safe_next_path(next_path)
    if code not in SUPPORTED_LOCALES:
        return Redirect(target)
    if request.user is not None and request.user.kind == "candidate":
        # Their messages follow the language they read the portal in.
        await candidate_language_set(candidate_id=request.user.id, locale=code)
    cookie = Cookie(
        key=LOCALE_COOKIE,
        value=code,
        max_age=365 * 24 * 3600,
        path="/",
        samesite="lax",
        secure=get_settings().secure_cookies,
    )
    return Redirect(target, cookies=[cookie])
