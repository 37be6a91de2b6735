"""Candidate sign-in by link, sign-out, the signed-out page and the language switch."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.datastructures import Cookie
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from portal.auth.sessions import (
    Principal,
    session_cookie,
    session_cookie_cleared,
    session_end,
    session_start,
)
from portal.config import get_settings
from portal.domain.candidates.login_links import LoginLinkRefused, login_link_redeem
from portal.domain.journeys.recipients import candidate_language_set
from portal.i18n import LOCALE_COOKIE, SUPPORTED_LOCALES
from portal.web.guards import safe_next_path


@get("/login/{token:str}", name="login-link")
async def login_with_link(
    request: Request[Any, Any, Any], token: FromPath[str]
) -> Redirect | Template:
    try:
        candidate_id = await login_link_redeem(token)
    except LoginLinkRefused as refused:
        return Template(
            "portal/link_problem.html",
            context={"problem": refused.problem.value},
            status_code=410 if refused.problem.value in ("used", "expired") else 404,
        )
    settings = get_settings()
    session_token = await session_start(
        request.app.state.session_store,
        settings,
        principal=Principal(kind="candidate", id=candidate_id),
        previous_token=request.auth,
    )
    return Redirect("/", cookies=[session_cookie(settings, session_token)])


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
