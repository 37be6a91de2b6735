"""Candidate sign-in by link, sign-out, the signed-out page and the language switch."""

from __future__ import annotations

import logging
import time
from typing import Any

from litestar import Request, get, post
from litestar.background_tasks import BackgroundTask
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from portal.auth.cookies import ResponseCookie
from portal.auth.login_throttle import LoginThrottled, ThrottleLimits
from portal.auth.rate_limits import rate_limit_key, rate_limit_take
from portal.auth.sessions import (
    Principal,
    session_cookie,
    session_cookie_cleared,
    session_end,
    session_start,
)
from portal.config import get_settings
from portal.domain.candidates.link_requests import link_request_phone, link_request_submit
from portal.domain.candidates.login_links import (
    LoginLinkRefused,
    login_link_peek,
    login_link_redeem,
)
from portal.domain.journeys.recipients import candidate_language_set
from portal.i18n import LOCALE_COOKIE, SUPPORTED_LOCALES, ngettext
from portal.i18n import gettext as _
from portal.web.guards import safe_next_path

logger = logging.getLogger("onramp.signin")

# A second request for the same number within this time gets the same page and no new link.
RESEND_SECONDS = 60


def link_problem_page(problem: str) -> Template:
    """Why a sign-in or message link did not work (used, expired, withdrawn, unknown), with
    the form that asks for a new one and HR's phone number."""
    return Template(
        "portal/link_problem.html",
        context={"problem": problem, "hr_phone": get_settings().hr_contact_phone},
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
    checked_at = time.time()  # the session dates from the link's check
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
        issued_at=checked_at,
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
    return Template(
        "portal/welcome.html",
        context={"signed_in": signed_in, "hr_phone": get_settings().hr_contact_phone},
    )


def _new_link_page(
    *,
    phone: str = "",
    error: str = "",
    sent: bool = False,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Template:
    return Template(
        "portal/new_link.html",
        context={
            "phone": phone,
            "error": error,
            "sent": sent,
            "hr_phone": get_settings().hr_contact_phone,
        },
        status_code=status_code,
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


@get("/signin/new-link", name="new-link")
async def new_link_form() -> Template:
    return _new_link_page()


@post("/signin/new-link", name="new-link-request")
async def new_link_request(request: Request[Any, Any, Any]) -> Template:
    """Ask for a new sign-in link by phone number: one answer whether the number is known.

    The rate limit counts every request, known number or not, so it reveals nothing
    either. The lookup and the send run after the response (a background task), so a
    known number does not answer later than an unknown one.
    """
    form = await request.form()
    raw = form.get("phone")
    raw = raw if isinstance(raw, str) else ""
    phone = link_request_phone(raw)
    if phone is None:
        return _new_link_page(
            phone=raw[:40],
            error=_("Enter the 11-digit mobile number HR has for you."),
            status_code=400,
        )
    settings = get_settings()
    window = settings.link_request_window_seconds
    client_ip = request.client.host if request.client else "unknown"
    try:
        await rate_limit_take(
            request.app.state.rate_limit_store,
            {
                rate_limit_key("link-request-phone", phone): ThrottleLimits(
                    settings.link_request_max_per_phone, window
                ),
                rate_limit_key("link-request-ip", client_ip): ThrottleLimits(
                    settings.link_request_max_per_ip, window
                ),
            },
        )
    except LoginThrottled as throttled:
        minutes = throttled.retry_after_minutes
        return _new_link_page(
            phone=raw[:40],
            error=ngettext(
                "Too many requests. Try again in %(num)s minute.",
                "Too many requests. Try again in %(num)s minutes.",
                minutes,
            ),
            status_code=429,
            headers={"Retry-After": str(throttled.retry_after_seconds)},
        )
    response = _new_link_page(sent=True)
    try:
        # A double tap (or a reload of the POST) within a minute sends no second link.
        await rate_limit_take(
            request.app.state.rate_limit_store,
            {rate_limit_key("link-request-once", phone): ThrottleLimits(1, RESEND_SECONDS)},
        )
    except LoginThrottled:
        return response
    response.background = BackgroundTask(_submit_quietly, phone)
    return response


async def _submit_quietly(phone: str) -> None:
    try:
        outcome = await link_request_submit(phone=phone)
    except Exception:  # noqa: BLE001 - after the response; nobody to tell but the log
        logger.exception("new sign-in link request failed")
        return
    logger.info("new sign-in link request: %s", outcome)


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
    cookie = ResponseCookie(
        key=LOCALE_COOKIE,
        value=code,
        max_age=365 * 24 * 3600,
        path="/",
        samesite="lax",
        secure=get_settings().secure_cookies,
    )
    return Redirect(target, cookies=[cookie])
