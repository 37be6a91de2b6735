"""The signed-in staff member's load (every admin request) and the tracker's phrases."""

from __future__ import annotations

from portal.domain.sla.time_left import time_left_phrases
from portal.domain.staff.accounts import staff_get
from portal.domain.staff.tables import StaffUser
from portal.i18n import reset_locale, set_locale
from tests.factories import make_department, make_staff


async def test_staff_get_returns_what_the_query_builder_returned():
    manager = await make_staff("manager", department=await make_department())
    await StaffUser.update({StaffUser.last_login_at: StaffUser.created_at}).where(
        StaffUser.id == manager.id
    )
    expected = await StaffUser.objects().get(StaffUser.id == manager.id)
    found = await staff_get(manager.id)
    assert isinstance(found, StaffUser) and found._exists_in_db
    assert found.to_dict() == expected.to_dict()
    assert found.last_login_at is not None and found.is_active is True
    await StaffUser.update({StaffUser.is_active: False}).where(StaffUser.id == manager.id)
    assert await staff_get(manager.id) is None  # inactive: as if signed out
    assert await staff_get(2**31 - 1) is None


def test_time_left_phrases_are_per_language():
    token = set_locale("en")
    try:
        english = time_left_phrases()
        assert english["left"]["hours"][0].count("{n}") == 1
    finally:
        reset_locale(token)
    token = set_locale("zh_CN")
    try:
        chinese = time_left_phrases()
    finally:
        reset_locale(token)
    assert chinese != english
    assert set(chinese) == {"left", "over"}
    assert all("{n}" in phrase for unit in chinese["over"].values() for phrase in unit)
