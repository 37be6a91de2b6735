"""Which staff account a single sign-on identity opens (portal.domain.staff.oidc)."""

from __future__ import annotations

import pytest

from portal.domain.staff.oidc import StaffSignInRefused, staff_for_oidc_identity
from portal.domain.staff.tables import StaffUser
from tests.factories import make_department, make_staff

SUBJECT = "idp-subject-1"


async def _identity(**overrides):
    values = {
        "subject": SUBJECT,
        "email": "han.meimei@example.com",
        "email_verified": True,
        "name": "韩梅梅",
        "default_role": None,
    }
    return await staff_for_oidc_identity(**(values | overrides))


async def _rows() -> list[dict]:
    return await StaffUser.select(
        StaffUser.id, StaffUser.email, StaffUser.role, StaffUser.oidc_subject
    ).order_by(StaffUser.id)


async def test_the_account_linked_to_the_subject_wins_over_the_email():
    linked = await make_staff("hr", email="old.address@example.com")
    await StaffUser.update({StaffUser.oidc_subject: SUBJECT}).where(StaffUser.id == linked.id)
    await make_staff("admin", email="han.meimei@example.com")
    staff = await _identity(email_verified=False)
    assert staff.id == linked.id


async def test_a_deactivated_linked_account_is_refused():
    linked = await make_staff("hr")
    await StaffUser.update({StaffUser.oidc_subject: SUBJECT, StaffUser.is_active: False}).where(
        StaffUser.id == linked.id
    )
    with pytest.raises(StaffSignInRefused, match="deactivated"):
        await _identity(default_role="hr")
    assert len(await _rows()) == 1


async def test_a_verified_email_links_the_subject_to_the_existing_account():
    existing = await make_staff(
        "manager", email="han.meimei@example.com", department=await make_department()
    )
    staff = await _identity(email="Han.MeiMei@Example.com")
    assert staff.id == existing.id
    assert await _rows() == [
        {
            "id": existing.id,
            "email": "han.meimei@example.com",
            "role": "manager",
            "oidc_subject": SUBJECT,
        }
    ]


async def test_an_unverified_email_links_nothing():
    await make_staff("hr", email="han.meimei@example.com")
    with pytest.raises(StaffSignInRefused, match="verified: False"):
        await _identity(email_verified=False, default_role="hr")
    assert [row["oidc_subject"] for row in await _rows()] == [None]


async def test_an_email_linked_to_another_subject_is_not_taken_over():
    existing = await make_staff("admin", email="han.meimei@example.com")
    await StaffUser.update({StaffUser.oidc_subject: "someone-else"}).where(
        StaffUser.id == existing.id
    )
    with pytest.raises(StaffSignInRefused, match="another subject"):
        await _identity()
    assert [row["oidc_subject"] for row in await _rows()] == ["someone-else"]


async def test_a_deactivated_account_with_the_email_is_refused_and_not_linked():
    existing = await make_staff("hr", email="han.meimei@example.com")
    await StaffUser.update({StaffUser.is_active: False}).where(StaffUser.id == existing.id)
    with pytest.raises(StaffSignInRefused, match="deactivated"):
        await _identity(default_role="hr")
    assert [row["oidc_subject"] for row in await _rows()] == [None]


async def test_an_unknown_person_is_refused_without_a_default_role():
    with pytest.raises(StaffSignInRefused, match="ONRAMP_OIDC_DEFAULT_ROLE is not set"):
        await _identity()
    assert await _rows() == []


@pytest.mark.parametrize("role", ["hr", "admin"])
async def test_an_unknown_person_gets_a_passwordless_account_with_the_default_role(role):
    staff = await _identity(default_role=role)
    row = await StaffUser.select().where(StaffUser.id == staff.id).first()
    assert row["email"] == "han.meimei@example.com"
    assert row["role"] == role
    assert row["name"] == "韩梅梅"
    assert row["oidc_subject"] == SUBJECT
    assert row["password_hash"] is None
    assert row["department"] is None
    assert row["is_active"] is True


async def test_a_new_account_gets_at_most_a_hundred_characters_of_name():
    staff = await _identity(default_role="hr", name="长" * 150)
    assert staff.name == "长" * 100


async def test_the_default_role_manager_creates_no_account():
    with pytest.raises(StaffSignInRefused, match="manager needs a department"):
        await _identity(default_role="manager")
    assert await _rows() == []


@pytest.mark.parametrize(
    "overrides",
    [
        {"email": None},
        {"email": "not an address"},
        {"email_verified": False},
    ],
    ids=["no-email", "malformed-email", "unverified-email"],
)
async def test_no_account_is_created_without_a_verified_email(overrides):
    with pytest.raises(StaffSignInRefused):
        await _identity(default_role="hr", **overrides)
    assert await _rows() == []


@pytest.mark.parametrize("subject", ["", "s" * 256], ids=["empty", "too-long"])
async def test_an_unusable_subject_is_refused(subject):
    await make_staff("hr", email="han.meimei@example.com")
    with pytest.raises(StaffSignInRefused, match="subject"):
        await _identity(subject=subject, default_role="hr")
    assert [row["oidc_subject"] for row in await _rows()] == [None]
