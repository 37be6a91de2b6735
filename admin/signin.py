"""Staff sign-in with e-mail and password (rate-limited), and sign-out."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from admin.forms import form_text
from portal.auth.login_throttle import (
    LoginThrottled,
    ThrottleLimits,
    login_throttle_reserve,
    login_throttle_succeeded,
)
from portal.auth.sessions import (
    Principal,
    session_cookie,
    session_cookie_cleared,
    session_end,
    session_start,
)
from portal.config import get_settings
from portal.domain.staff.accounts import staff_authenticate
from portal.i18n import gettext as _
from portal.i18n import ngettext
from portal.web.guards import safe_next_path

ADMIN_HOME = "/admin"


def _login_page(
    *,
    email: str = "",
    next_path: str | None = None,
    error: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Template:
    settings = get_settings()
    next_target = safe_next_path(next_path, "")
    oidc_url = "/admin/oidc/login"
    if next_target:
        oidc_url += "?" + urlencode({"next_path": next_target})
    return Template(
        "admin/login.html",
        context={
            "email": email,
            "next_path": next_target,
            "error": error,
            "oidc_enabled": settings.oidc_enabled,
            "oidc_label": settings.oidc_button_label,
            "oidc_url": oidc_url,
        },
        status_code=status_code,
        headers=headers or {},
    )


def _client_ip(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


@get("/login", name="admin-login")
async def login_page(
    next_path: FromQuery[str | None] = None, error: FromQuery[str | None] = None
) -> Template:
    # Shown even to someone signed in: it is how one switches to another account.
    message = None
    if error == "sso":
        message = _("Single sign-on failed, try again or use your password.")
    return _login_page(next_path=next_path, error=message)


@post("/login", name="admin-login-submit")
async def login_submit(request: Request[Any, Any, Any]) -> Template | Redirect:
    form = await form_text(request, "email", "password", "next_path")
    email = form["email"].strip().lower()
    next_path = form["next_path"]
    if not email or not form["password"]:
        return _login_page(
            email=email,
            next_path=next_path,
            error=_("Enter your e-mail address and password."),
            status_code=400,
        )
    settings = get_settings()
    store = request.app.state.rate_limit_store
    client_ip = _client_ip(request)
    try:
        await login_throttle_reserve(
            store,
            ThrottleLimits(settings.staff_login_max_attempts, settings.staff_login_window_seconds),
            email=email,
            client_ip=client_ip,
        )
    except LoginThrottled as throttled:
        minutes = throttled.retry_after_minutes
        return _login_page(
            email=email,
            next_path=next_path,
            error=ngettext(
                "Too many failed attempts. Try again in %(num)s minute.",
                "Too many failed attempts. Try again in %(num)s minutes.",
                minutes,
            ),
            status_code=429,
            headers={"Retry-After": str(throttled.retry_after_seconds)},
        )
    staff = await staff_authenticate(email=email, password=form["password"])
    if staff is None:
        return _login_page(
            email=email,
            next_path=next_path,
            error=_("The e-mail address or the password is wrong."),
            status_code=400,
        )
    await login_throttle_succeeded(store, email=email, client_ip=client_ip)
    token = await session_start(
        request.app.state.session_store,
        settings,
        principal=Principal(kind="staff", id=staff.id),
        previous_token=request.auth,
    )
    return Redirect(
        safe_next_path(next_path, ADMIN_HOME),
        cookies=[session_cookie(settings, token)],
        status_code=HTTP_303_SEE_OTHER,
    )


@post("/logout", name="admin-logout")
async def logout(request: Request[Any, Any, Any]) -> Redirect:
    await session_end(request.app.state.session_store, request.auth)
    return Redirect(
        "/admin/login",
        cookies=[session_cookie_cleared(get_settings())],
        status_code=HTTP_303_SEE_OTHER,
    )


@get("/", name="admin-home")
async def admin_home() -> Redirect:
    return Redirect("/admin/candidates")
