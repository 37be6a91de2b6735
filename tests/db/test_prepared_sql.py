"""PreparedSQL: compiled once per database, and the same rows as Piccolo's ``raw().run()``."""

from __future__ import annotations

import pytest

from portal.db import PreparedSQL, page_reads, write_transaction
from portal.domain.organisation.tables import Department

_DEPARTMENTS = PreparedSQL(
    "SELECT id, name, created_at FROM department WHERE id > {} AND name LIKE {} ORDER BY id"
)


def test_placeholders_compile_for_each_database():
    statement = PreparedSQL("SELECT {} AS a, '{{literal}}' AS b WHERE x = {}")
    assert statement.sqlite == "SELECT ? AS a, '{literal}' AS b WHERE x = ?"
    assert statement.postgres == "SELECT $1 AS a, '{literal}' AS b WHERE x = $2"
    with pytest.raises(ValueError, match="only"):
        PreparedSQL("SELECT {name}")


async def test_rows_are_what_piccolos_raw_returns(database):
    await Department.insert(Department(name="仓储部"), Department(name="仓储二部")).run()
    expected = await Department.raw(_DEPARTMENTS.text, 0, "仓储%").run()
    assert len(expected) == 2
    assert await _DEPARTMENTS.rows(0, "仓储%") == expected
    async with page_reads():
        assert await _DEPARTMENTS.rows(0, "仓储%") == expected
    async with write_transaction():
        await Department(name="仓储三部").save().run()
        inside = await _DEPARTMENTS.rows(0, "仓储%")
    assert [row["name"] for row in inside] == ["仓储部", "仓储二部", "仓储三部"]
    assert await _DEPARTMENTS.rows(0, "无%") == []
