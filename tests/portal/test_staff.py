from __future__ import annotations

import pytest

from portal.auth.passwords import password_verify
from portal.domain.errors import ValidationFailed
from portal.domain.staff.accounts import staff_authenticate, staff_reset_password, staff_update
from portal.domain.staff.tables import StaffUser
from tests.factories import STAFF_PASSWORD, make_department, make_staff


async def test_password_is_hashed_with_argon2_and_checked():
    staff = await make_staff(email="hr@example.com")
    assert staff.password_hash.startswith("$argon2id$")
    assert STAFF_PASSWORD not in staff.password_hash
    assert (
        await staff_authenticate(email="HR@example.com ", password=STAFF_PASSWORD)
    ).id == staff.id
    assert await staff_authenticate(email="hr@example.com", password="wrong password") is None
    assert await staff_authenticate(email="nobody@example.com", password=STAFF_PASSWORD) is None


async def test_deactivated_staff_cannot_sign_in():
    admin = await make_staff("admin")
    hr = await make_staff("hr", email="hr@example.com")
    await staff_update(
        staff_id=hr.id, actor_id=admin.id, role="hr", name="", department_id=None, is_active=False
    )
    assert await staff_authenticate(email="hr@example.com", password=STAFF_PASSWORD) is None


async def test_the_last_admin_cannot_be_demoted_or_deactivated():
    admin = await make_staff("admin")
    other = await make_staff("hr")
    for role, active in (("hr", True), ("admin", False)):
        with pytest.raises(ValidationFailed):
            await staff_update(
                staff_id=admin.id,
                actor_id=other.id,
                role=role,
                name="",
                department_id=None,
                is_active=active,
            )
    assert (await StaffUser.objects().get(StaffUser.id == admin.id)).role == "admin"


async def test_nobody_locks_themselves_out():
    admin = await make_staff("admin")
    await make_staff("admin")
    with pytest.raises(ValidationFailed):
        await staff_update(
            staff_id=admin.id,
            actor_id=admin.id,
            role="hr",
            name="",
            department_id=None,
            is_active=True,
        )


async def test_manager_needs_a_department():
    admin = await make_staff("admin")
    hr = await make_staff("hr")
    with pytest.raises(ValidationFailed) as failure:
        await staff_update(
            staff_id=hr.id,
            actor_id=admin.id,
            role="manager",
            name="",
            department_id=None,
            is_active=True,
        )
    assert "department" in failure.value.errors
    department = await make_department()
    await staff_update(
        staff_id=hr.id,
        actor_id=admin.id,
        role="manager",
        name="经理",
        department_id=department.id,
        is_active=True,
    )
    updated = await StaffUser.objects().get(StaffUser.id == hr.id)
    assert (updated.role, updated.department, updated.name) == ("manager", department.id, "经理")


async def test_reset_password_replaces_the_old_one():
    staff = await make_staff()
    new_password = await staff_reset_password(staff_id=staff.id)
    stored = (await StaffUser.objects().get(StaffUser.id == staff.id)).password_hash
    assert password_verify(stored, new_password)
    assert not password_verify(stored, STAFF_PASSWORD)
