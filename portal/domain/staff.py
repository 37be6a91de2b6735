"""Staff accounts: HR, managers and admins."""

from __future__ import annotations

from datetime import UTC, datetime

from portal.auth.passwords import password_hash, password_problem, password_verify
from portal.domain.errors import ValidationFailed
from portal.domain.tables import STAFF_ROLES, Department, StaffUser
from portal.domain.validation import normalize_email


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
        errors["email"] = "Enter a valid e-mail address."
    elif await StaffUser.exists().where(StaffUser.email == clean_email):
        errors["email"] = "A staff account with this e-mail already exists."
    if role not in STAFF_ROLES:
        errors["role"] = f"Role must be one of {', '.join(STAFF_ROLES)}."
    if role == "manager" and department_id is None:
        errors["department"] = "A manager needs a department."
    if department_id is not None and not await Department.exists().where(
        Department.id == department_id
    ):
        errors["department"] = "This department does not exist."
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
    await staff.save()
    return staff


async def staff_authenticate(*, email: str, password: str) -> StaffUser | None:
    """The active staff member with these credentials, or None (same timing either way)."""
    staff = await StaffUser.objects().get(StaffUser.email == email.strip().lower())
    valid = password_verify(staff.password_hash if staff else None, password)
    if not valid or staff is None or not staff.is_active:
        return None
    await staff_record_login(staff_id=staff.id)
    return staff


async def staff_record_login(*, staff_id: int) -> None:
    await StaffUser.update({StaffUser.last_login_at: datetime.now(UTC)}).where(
        StaffUser.id == staff_id
    )


async def staff_get(staff_id: int) -> StaffUser | None:
    return await StaffUser.objects().get(
        (StaffUser.id == staff_id) & (StaffUser.is_active == True)  # noqa: E712
    )
