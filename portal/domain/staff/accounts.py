"""Staff accounts: HR, managers and admins."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from portal.auth.passwords import (
    password_generate,
    password_hash,
    password_problem,
    password_verify,
)
from portal.auth.sessions import Principal, sessions_revoke
from portal.db import (
    PreparedSQL,
    after_commit,
    transaction_lock,
    unique_violation_raises,
    write_transaction,
)
from portal.domain.access import ADMIN_ROLES, StaffRef, is_admin, role_is_department_scoped
from portal.domain.errors import NotFound, ValidationFailed
from portal.domain.organisation.tables import Department
from portal.domain.rooms.membership import member_sockets_recheck
from portal.domain.staff.tables import STAFF_ROLES, StaffUser
from portal.domain.validation import normalize_email
from portal.i18n import gettext as _


async def staff_create(
    *,
    email: str,
    role: str,
    password: str | None,
    name: str = "",
    department_id: int | None = None,
    oidc_subject: str | None = None,
) -> StaffUser:
    errors: dict[str, str] = {}
    try:
        clean_email = normalize_email(email)
    except ValueError:
        clean_email = None
    if not clean_email:
        errors["email"] = _("Enter a valid e-mail address.")
    elif await StaffUser.exists().where(StaffUser.email == clean_email):
        errors["email"] = _("A staff account with this e-mail already exists.")
    if role not in STAFF_ROLES:
        errors["role"] = _("Role must be one of %(roles)s.", roles=", ".join(STAFF_ROLES))
    if role_is_department_scoped(role) and department_id is None:
        errors["department"] = _("A manager needs a department.")
    if department_id is not None and not await Department.exists().where(
        Department.id == department_id
    ):
        errors["department"] = _("This department does not exist.")
    if password is not None and (problem := password_problem(password)):
        errors["password"] = problem
    if errors:
        raise ValidationFailed(errors)
    staff = StaffUser(
        email=clean_email,
        role=role,
        name=name.strip() or (clean_email or "").split("@")[0],
        department=department_id,
        password_hash=password_hash(password) if password else None,
        oidc_subject=oidc_subject,
    )
    # Checked above for the message; two submits at once both pass the check, and the
    # unique e-mail decides (the loser gets the same message, not a 500).
    with unique_violation_raises(
        lambda: ValidationFailed({"email": _("A staff account with this e-mail already exists.")})
    ):
        await staff.save()
    return staff


async def staff_authenticate(*, email: str, password: str) -> StaffUser | None:
    """The active staff member with these credentials, or None (same timing either way)."""
    staff = await StaffUser.objects().get(StaffUser.email == email.strip().lower())
    # argon2 takes tens of milliseconds on purpose: keep it off the event loop.
    valid = await asyncio.to_thread(
        password_verify, staff.password_hash if staff else None, password
    )
    if not valid or staff is None or not staff.is_active:
        return None
    await staff_record_login(staff_id=staff.id)
    return staff


async def staff_record_login(*, staff_id: int) -> None:
    await StaffUser.update({StaffUser.last_login_at: datetime.now(UTC)}).where(
        StaffUser.id == staff_id
    )


# Every admin request loads its signed-in staff member: the statement is built once, not by
# Piccolo's query builder each time (that was most of the load's cost).
_STAFF_READ = PreparedSQL(
    "SELECT "
    + ", ".join(
        f'"{column._meta.db_column_name}" AS "{column._meta.name}"'
        for column in StaffUser._meta.columns
    )
    + " FROM staff_user WHERE id = {} AND is_active = {} LIMIT 1"
)


async def staff_get(staff_id: int) -> StaffUser | None:
    """An active staff member, as ``StaffUser.objects().get(...)`` returns one."""
    rows = await _STAFF_READ.rows(staff_id, True)
    return StaffUser(**rows[0], _exists_in_db=True) if rows else None


_STAFF_CHANGE_LOCK = 0x73746166  # "staf"


async def staff_update(
    *,
    staff_id: int,
    actor_id: int,
    role: str,
    name: str,
    department_id: int | None,
    is_active: bool,
) -> None:
    """Change a staff member's role, department or access.

    The last active admin can be neither demoted nor deactivated, and nobody can lock
    themselves out: otherwise no one would be left to undo it.
    """
    errors: dict[str, str] = {}
    if role not in STAFF_ROLES:
        errors["role"] = _("Role must be one of %(roles)s.", roles=", ".join(STAFF_ROLES))
    if role_is_department_scoped(role) and department_id is None:
        errors["department"] = _("A manager needs a department.")
    if department_id is not None and not await Department.exists().where(
        Department.id == department_id
    ):
        errors["department"] = _("This department does not exist.")
    name = " ".join(name.split())
    if len(name) > 100:
        errors["name"] = _("A name can be at most 100 characters long.")
    if errors:
        raise ValidationFailed(errors)
    async with write_transaction():
        # One change of staff accounts at a time: two admins demoting each other at once
        # each counted the other as the admin who stays, and both succeeded.
        await transaction_lock(_STAFF_CHANGE_LOCK)
        staff = await StaffUser.objects().get(StaffUser.id == staff_id)
        if staff is None:
            raise NotFound(_("This staff member does not exist."))
        becomes = StaffRef(role=role, department=department_id)
        loses_admin = is_admin(staff) and staff.is_active and not (is_admin(becomes) and is_active)
        if loses_admin:
            other_admins = await StaffUser.count().where(
                StaffUser.role.is_in(list(ADMIN_ROLES))
                & (StaffUser.is_active == True)  # noqa: E712
                & (StaffUser.id != staff_id)
            )
            if other_admins == 0:
                raise ValidationFailed({"role": _("The last active admin must stay an admin.")})
        if staff_id == actor_id and (not is_active or role != staff.role):
            raise ValidationFailed({"role": _("You cannot change your own role or access.")})
        await StaffUser.update(
            {
                StaffUser.role: role,
                StaffUser.name: name or staff.name,
                StaffUser.department: department_id,
                StaffUser.is_active: is_active,
            }
        ).where(StaffUser.id == staff_id)
    if not is_active:
        # A deactivated account's sessions end, wherever they are.
        principal = Principal(kind="staff", id=staff_id)
        await after_commit(lambda: sessions_revoke(principal=principal))
    # Role, department or access may have changed the rooms (and private threads) they see.
    await member_sockets_recheck(staff_id=staff_id)


async def staff_reset_password(*, staff_id: int) -> str:
    """Give the staff member a new generated password, shown once to the admin."""
    password = password_generate()
    updated = (
        await StaffUser.update({StaffUser.password_hash: password_hash(password)})
        .where(StaffUser.id == staff_id)
        .returning(StaffUser.id)
    )
    if not updated:
        raise NotFound(_("This staff member does not exist."))
    return password


async def staff_members_list() -> list[dict]:
    """Every staff account, active or not, with its department's name, by e-mail."""
    return await StaffUser.select(
        StaffUser.id,
        StaffUser.email,
        StaffUser.name,
        StaffUser.role,
        StaffUser.is_active,
        StaffUser.last_login_at,
        StaffUser.department.name.as_alias("department_name"),
        StaffUser.department,
    ).order_by(StaffUser.email)


async def staff_member_get(member_id: int) -> StaffUser | None:
    """A staff account whether active or not (for the accounts page)."""
    return await StaffUser.objects().get(StaffUser.id == member_id)
