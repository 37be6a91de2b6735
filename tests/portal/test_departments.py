from __future__ import annotations

import pytest

from portal.domain.errors import NotFound, ValidationFailed
from portal.domain.organisation.departments import (
    department_create,
    department_rename,
    departments_with_positions,
    position_create,
)
from portal.domain.organisation.tables import Department, Position


async def test_departments_and_positions_are_created_and_listed():
    production = await department_create(name="  生产部 ")
    await position_create(department_id=production.id, name="装配工")
    await position_create(department_id=production.id, name="质检员")
    retail = await department_create(name="门店运营")
    listing = await departments_with_positions()
    assert [d["name"] for d in listing] == sorted(["生产部", "门店运营"])
    by_name = {d["name"]: d for d in listing}
    assert [p["name"] for p in by_name["生产部"]["positions"]] == sorted(["装配工", "质检员"])
    assert by_name["门店运营"]["positions"] == []
    assert retail.id != production.id


async def test_duplicate_and_empty_names_are_refused_and_nothing_written():
    await department_create(name="生产部")
    with pytest.raises(ValidationFailed) as duplicate:
        await department_create(name="生产部")
    assert "name" in duplicate.value.errors
    with pytest.raises(ValidationFailed):
        await department_create(name="   ")
    with pytest.raises(ValidationFailed):
        await department_create(name="长" * 101)
    assert await Department.count() == 1


async def test_same_position_name_is_fine_in_another_department_only():
    first = await department_create(name="一部")
    second = await department_create(name="二部")
    await position_create(department_id=first.id, name="操作工")
    await position_create(department_id=second.id, name="操作工")
    with pytest.raises(ValidationFailed):
        await position_create(department_id=first.id, name="操作工")
    assert await Position.count() == 2


async def test_rename_checks_uniqueness_and_existence():
    first = await department_create(name="一部")
    await department_create(name="二部")
    with pytest.raises(ValidationFailed):
        await department_rename(department_id=first.id, name="二部")
    await department_rename(department_id=first.id, name="装配一部")
    assert (await Department.objects().get(Department.id == first.id)).name == "装配一部"
    with pytest.raises(NotFound):
        await department_rename(department_id=999_999, name="不存在")
    with pytest.raises(NotFound):
        await position_create(department_id=999_999, name="岗位")
