"""Who may use the admin app: a signed-in, active staff member, with a role.

Role checks are Litestar guards on controllers and handlers (``guards=[HR_ONLY]``); which
rows a staff member sees is :mod:`portal.domain.access`. The staff member is loaded once
per request, by whichever of a guard and the ``staff`` dependency asks first, and so is
the candidate of a ``/candidates/{candidate_id}`` page (``candidate`` dependency,
``CANDIDATE_IN_SCOPE`` guard).

Guards run before the handler's parameters are read, in order (router, controller,
handler): ``guards=[CANDIDATE_IN_SCOPE, HR_ONLY]`` answers 404 for a candidate outside a
manager's department before 403 for the manager's role. Without a staff session every
guard and the ``staff`` dependency raise :class:`StaffSignInRequired`, which the admin
router turns into a redirect to the sign-in page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.response import Redirect

from portal.auth.sessions import Principal
from portal.domain.access import ADMIN_ROLES, HR_ROLES, Staff, has_role
from portal.domain.candidates.access import candidate_for_staff
from portal.domain.candidates.tables import Candidate
from portal.domain.staff.accounts import staff_get
from portal.domain.staff.tables import StaffUser
from portal.i18n import gettext as _

_STAFF_KEY = "onramp.staff"
_CANDIDATE_KEY = "onramp.candidate"


class StaffSignInRequired(NotAuthorizedException):
    """No staff session: admin pages redirect to the staff sign-in page."""


async def signed_in_staff(connection: ASGIConnection[Any, Any, Any, Any]) -> StaffUser:
    """The signed-in staff member; a deactivated account is signed out at once."""
    cached = connection.scope.get(_STAFF_KEY)  # type: ignore[call-overload]
    if cached is not None:
        return cached
    principal: Principal | None = connection.scope.get("user")  # type: ignore[call-overload]
    if principal is None or principal.kind != "staff":
        raise StaffSignInRequired()
    staff = await staff_get(principal.id)
    if staff is None:
        raise StaffSignInRequired()
    connection.scope[_STAFF_KEY] = staff  # type: ignore[literal-required]
    return staff


async def provide_staff(request: Request[Any, Any, Any]) -> StaffUser:
    return await signed_in_staff(request)


@dataclass(frozen=True)
class RoleGuard:
    """A guard letting through signed-in staff with one of ``roles`` (others get 403)."""

    name: str
    roles: tuple[str, ...]

    def allows(self, staff: Staff) -> bool:
        return has_role(staff, self.roles)

    async def __call__(
        self, connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler
    ) -> None:
        if not self.allows(await signed_in_staff(connection)):
            raise PermissionDeniedException(_("Your role does not allow this."))


def requires_role(*roles: str, name: str = "") -> RoleGuard:
    return RoleGuard(name=name or "requires_role" + repr(roles), roles=roles)


HR_ONLY = requires_role(*HR_ROLES, name="HR_ONLY")
ADMIN_ONLY = requires_role(*ADMIN_ROLES, name="ADMIN_ONLY")


async def candidate_in_scope(connection: ASGIConnection[Any, Any, Any, Any]) -> Candidate:
    """The candidate named by the path's ``candidate_id``, if the staff member may see it.

    NotFound (404) otherwise, the same for another department's candidate as for one that
    does not exist.
    """
    cached = connection.scope.get(_CANDIDATE_KEY)  # type: ignore[call-overload]
    if cached is not None:
        return cached
    staff = await signed_in_staff(connection)
    candidate = await candidate_for_staff(staff, connection.path_params["candidate_id"])
    connection.scope[_CANDIDATE_KEY] = candidate  # type: ignore[literal-required]
    return candidate


async def _candidate_in_scope_guard(
    connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler
) -> None:
    await candidate_in_scope(connection)


# Before a role guard: 404 for a candidate outside the scope comes before 403 for the role.
CANDIDATE_IN_SCOPE = _candidate_in_scope_guard


async def provide_candidate(request: Request[Any, Any, Any]) -> Candidate:
    return await candidate_in_scope(request)


def redirect_to_staff_login(request: Request[Any, Any, Any], exc: Exception) -> Redirect:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    return Redirect(f"/admin/login?next_path={quote(target, safe='')}")
