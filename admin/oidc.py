"""Staff single sign-on (OpenID Connect): off to the provider, and back with a session.

The state, nonce and PKCE verifier are kept server-side (``portal.auth.oidc``: the
session store, ten minutes, one use), because single use needs server-side memory
anyway and the store is shared by every worker. The browser additionally carries the
state in a short-lived cookie: a callback URL started in another browser is refused,
so nobody can sign a colleague in under the attacker's own identity (login CSRF).

Every failure ends on the sign-in page with one generic message; the reason goes to the
log only, since provider errors can carry internals (and attacker-chosen text).
"""

from __future__ import annotations

import hmac
import logging
from typing import Annotated, Any

from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromQuery, QueryParameter
from litestar.response import Redirect
from litestar.status_codes import HTTP_303_SEE_OTHER

from portal.auth.cookies import ResponseCookie
from portal.auth.oidc import (
    PENDING_TTL_SECONDS,
    OidcError,
    OidcPending,
    oidc_authorization_start,
    oidc_identity_from_code,
    oidc_pending_take,
)
from portal.auth.sessions import Principal, session_cookie, session_start
from portal.config import Settings, get_settings
from portal.domain.staff.accounts import staff_record_login
from portal.domain.staff.oidc import StaffSignInRefused, staff_for_oidc_identity
from portal.web.guards import safe_next_path

logger = logging.getLogger("onramp.oidc")

ADMIN_HOME = "/admin"
SSO_FAILED = "/admin/login?error=sso"
STATE_COOKIE = "onramp_oidc_state"
STATE_COOKIE_PATH = "/admin/oidc"


def _state_cookie(settings: Settings, state: str, *, max_age: int) -> ResponseCookie:
    # SameSite=Lax still travels with the provider's top-level GET redirect back here.
    return ResponseCookie(
        key=STATE_COOKIE,
        value=state,
        max_age=max_age,
        path=STATE_COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )


def _configured_settings() -> Settings:
    settings = get_settings()
    if not settings.oidc_enabled:
        raise NotFoundException()
    return settings


def _failed(settings: Settings, reason: object) -> Redirect:
    logger.warning("Single sign-on failed: %s", reason)
    return Redirect(
        SSO_FAILED,
        cookies=[_state_cookie(settings, "", max_age=0)],
        status_code=HTTP_303_SEE_OTHER,
    )


@get("/oidc/login", name="admin-oidc-login")
async def oidc_login(
    request: Request[Any, Any, Any], next_path: FromQuery[str | None] = None
) -> Redirect:
    settings = _configured_settings()
    try:
        start = await oidc_authorization_start(
            request.app.state.session_store,
            settings,
            next_path=safe_next_path(next_path, ADMIN_HOME),
        )
    except OidcError as error:
        return _failed(settings, f"could not start: {error}")
    return Redirect(
        start.authorization_url,
        cookies=[_state_cookie(settings, start.state, max_age=PENDING_TTL_SECONDS)],
        status_code=HTTP_303_SEE_OTHER,
    )


async def _pending_login(request: Request[Any, Any, Any], state: str | None) -> OidcPending:
    """The login this browser started with this state, used up by asking."""
    browser_state = request.cookies.get(STATE_COOKIE) or ""
    if not state or not hmac.compare_digest(
        state.encode("utf-8", "replace"), browser_state.encode("utf-8", "replace")
    ):
        raise OidcError("state does not match this browser's state cookie")
    pending = await oidc_pending_take(request.app.state.session_store, state)
    if pending is None:
        raise OidcError("unknown, expired or already used state")
    return pending


@get("/oidc/callback", name="admin-oidc-callback")
async def oidc_callback(
    request: Request[Any, Any, Any],
    # "state" is a name Litestar reserves for the application state.
    returned_state: Annotated[str | None, QueryParameter(name="state")] = None,
    code: FromQuery[str | None] = None,
    error: FromQuery[str | None] = None,
) -> Redirect:
    settings = _configured_settings()
    try:
        pending = await _pending_login(request, returned_state)
        if error or not code:
            # %r: the provider's text is attacker-controllable; keep it on one log line.
            raise OidcError(f"provider returned no code, error={(error or '')[:100]!r}")
        identity = await oidc_identity_from_code(settings, code=code, pending=pending)
    except OidcError as failure:
        return _failed(settings, failure)
    try:
        staff = await staff_for_oidc_identity(
            subject=identity.subject,
            email=identity.email,
            email_verified=identity.email_verified,
            name=identity.name,
            default_role=settings.oidc_default_role,
        )
    except StaffSignInRefused as refusal:
        return _failed(
            settings, f"refused subject {identity.subject!r} ({identity.email!r}): {refusal}"
        )
    token = await session_start(
        request.app.state.session_store,
        settings,
        principal=Principal(kind="staff", id=staff.id),
        previous_token=request.auth,
    )
    await staff_record_login(staff_id=staff.id)
    logger.info("Staff %s signed in with single sign-on", staff.id)
    return Redirect(
        safe_next_path(pending.next_path, ADMIN_HOME),
        cookies=[session_cookie(settings, token), _state_cookie(settings, "", max_age=0)],
        status_code=HTTP_303_SEE_OTHER,
    )
