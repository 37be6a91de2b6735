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
    outcomes = await _outcomes(
        *(stage_create(data=StageInput(code="medical", name="体检")) for _ in range(3))
    )
    assert outcomes == ["done", "refused:code", "refused:code"]
    assert await Stage.count().where(Stage.code == "medical") == 1


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
