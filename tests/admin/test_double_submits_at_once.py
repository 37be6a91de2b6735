"""Admin forms submitted twice at once: the unique column decides, the loser gets the form's
message (a ValidationFailed, a 400 next to the field), never a 500."""

from __future__ import annotations

import asyncio

from portal.domain.errors import ValidationFailed
from portal.domain.organisation.departments import department_rename
from portal.domain.organisation.stages import StageInput, stage_create
from portal.domain.organisation.tables import Department, Stage
from portal.domain.staff.accounts import staff_create
from portal.domain.staff.tables import StaffUser
from tests.factories import STAFF_PASSWORD, make_department


async def _outcomes(*calls) -> list[str]:
    results = await asyncio.gather(*calls, return_exceptions=True)
    outcomes = []
    for result in results:
        if isinstance(result, ValidationFailed):
            outcomes.append("refused:" + ",".join(sorted(result.errors)))
        elif isinstance(result, BaseException):
            raise result
        else:
            outcomes.append("done")
    return sorted(outcomes)


async def test_a_stage_created_twice_at_once_is_created_once():
    try:
        outcomes = await _outcomes(
            *(stage_create(data=StageInput(code="medical", name="体检")) for _ in range(3))
        )
        assert outcomes == ["done", "refused:code", "refused:code"]
        assert await Stage.count().where(Stage.code == "medical") == 1
    finally:
        # Stages are seed data, kept between tests: the default pipeline goes back.
        await Stage.delete().where(Stage.code == "medical")


async def test_a_staff_account_created_twice_at_once_is_created_once():
    outcomes = await _outcomes(
        *(
            staff_create(email="new.hr@example.com", role="hr", password=STAFF_PASSWORD)
            for _ in range(3)
        )
    )
    assert outcomes == ["done", "refused:email", "refused:email"]
    assert await StaffUser.count().where(StaffUser.email == "new.hr@example.com") == 1


async def test_two_departments_renamed_to_one_name_at_once():
    first, second = await make_department("甲部"), await make_department("乙部")
    outcomes = await _outcomes(
        department_rename(department_id=first.id, name="质量部"),
        department_rename(department_id=second.id, name="质量部"),
    )
    assert outcomes == ["done", "refused:name"]
    assert await Department.count().where(Department.name == "质量部") == 1


class _SlowAdminCount:
    """StaffUser, whose count() of the other admins takes a moment: both demotions count
    before either writes, as two requests on two workers may."""

    def __getattr__(self, name):
        return getattr(StaffUser, name)

    def count(self):
        counting = StaffUser.count()

        class Where:
            def where(self, *conditions):
                async def slowly():
                    await asyncio.sleep(0.2)
                    return await counting.where(*conditions)

                return slowly()

        return Where()


async def test_two_admins_demoting_each_other_at_once_leave_one_admin(monkeypatch):
    """Each counted the other as the admin who stays: both were demoted, no admin was left."""
    from portal.domain.staff import accounts
    from portal.domain.staff.accounts import staff_update
    from tests.factories import make_staff

    await StaffUser.update({StaffUser.is_active: False}).where(StaffUser.role == "admin")
    first, second = await make_staff("admin"), await make_staff("admin")
    monkeypatch.setattr(accounts, "StaffUser", _SlowAdminCount())
    outcomes = await _outcomes(
        staff_update(
            staff_id=second.id, actor_id=first.id, role="hr", name="", department_id=None,
            is_active=True,
        ),
        staff_update(
            staff_id=first.id, actor_id=second.id, role="hr", name="", department_id=None,
            is_active=True,
        ),
    )  # fmt: skip
    assert outcomes == ["done", "refused:role"]
    admins = await StaffUser.count().where(
        (StaffUser.role == "admin") & (StaffUser.is_active == True)  # noqa: E712
    )
    assert admins == 1
