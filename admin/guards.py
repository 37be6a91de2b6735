"""Who may use the admin app: a signed-in, active staff member, with a role.

Role checks are Litestar guards on controllers and handlers (``guards=[HR_ONLY]``); which
rows a staff member sees is :mod:`portal.domain.access`. The staff member is loaded once
per request, by whichever of the guard and the ``staff`` dependency asks first.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.response import Redirect
from litestar.types import Guard

from portal.auth.sessions import Principal
from portal.domain.access import ADMIN_ROLES, HR_ROLES
from portal.domain.staff.accounts import staff_get
from portal.domain.staff.tables import StaffUser
from portal.i18n import gettext as _

_SCOPE_KEY = "onramp.staff"


class StaffSignInRequired(NotAuthorizedException):
    """No staff session: admin pages redirect to the staff sign-in page."""


async def signed_in_staff(connection: ASGIConnection[Any, Any, Any, Any]) -> StaffUser:
    """The signed-in staff member; a deactivated account is signed out at once."""
    cached = connection.scope.get(_SCOPE_KEY)  # type: ignore[call-overload]
    if cached is not None:
        return cached
    principal: Principal | None = connection.scope.get("user")  # type: ignore[call-overload]
    if principal is None or principal.kind != "staff":
        raise StaffSignInRequired()
    staff = await staff_get(principal.id)
    if staff is None:
        raise StaffSignInRequired()
    connection.scope[_SCOPE_KEY] = staff  # type: ignore[literal-required]
    return staff


async def provide_staff(request: Request[Any, Any, Any]) -> StaffUser:
    return await signed_in_staff(request)


def requires_role(*roles: str) -> Guard:
    """A guard letting through signed-in staff with one of ``roles`` (others get 403)."""

    async def guard(
        connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler
    ) -> None:
        staff = await signed_in_staff(connection)
        if staff.role not in roles:
            raise PermissionDeniedException(_("Your role does not allow this."))

    return guard


HR_ONLY = requires_role(*HR_ROLES)
ADMIN_ONLY = requires_role(*ADMIN_ROLES)


def redirect_to_staff_login(request: Request[Any, Any, Any], exc: Exception) -> Redirect:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    return Redirect(f"/admin/login?next_path={quote(target, safe='')}")


def ensure_role(staff: StaffUser, *roles: str) -> None:
    """Deprecated in favour of guards; kept while handlers move over."""
    if staff.role not in roles:
        raise PermissionDeniedException(_("Your role does not allow this."))
