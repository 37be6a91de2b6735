"""Who may use the admin app: a signed-in, active staff member, with role and department scope."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.response import Redirect

from portal.auth.sessions import Principal
from portal.domain.errors import NotFound
from portal.domain.staff.accounts import staff_get
from portal.domain.staff.tables import StaffUser
from portal.i18n import gettext as _


class StaffSignInRequired(NotAuthorizedException):
    """No staff session: admin pages redirect to the staff sign-in page."""


async def provide_staff(request: Request[Any, Any, Any]) -> StaffUser:
    """The signed-in staff member; a deactivated account is signed out at once."""
    principal: Principal | None = request.user
    if principal is None or principal.kind != "staff":
        raise StaffSignInRequired()
    staff = await staff_get(principal.id)
    if staff is None:
        raise StaffSignInRequired()
    return staff


def redirect_to_staff_login(request: Request[Any, Any, Any], exc: Exception) -> Redirect:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    return Redirect(f"/admin/login?next_path={quote(target, safe='')}")


def ensure_role(staff: StaffUser, *roles: str) -> None:
    if staff.role not in roles:
        raise PermissionDeniedException(_("Your role does not allow this."))


def department_scope(staff: StaffUser) -> int | None:
    """The only department a manager may see; None means every department (admin, HR)."""
    if staff.role != "manager":
        return None
    # A manager without a department (e.g. created by single sign-on) sees no one's
    # candidates rather than everyone's: 0 is no department's id.
    return staff.department or 0


def ensure_department_visible(staff: StaffUser, department_id: int | None) -> None:
    """Managers reach only their own department's candidates and cohorts."""
    scope = department_scope(staff)
    if scope is not None and department_id != scope:
        # 404, not 403: don't confirm that another department's record exists.
        raise NotFound(_("Not found."))
