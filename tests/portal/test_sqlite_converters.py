"""Times and booleans read from SQLite as Piccolo's converters read them, faster."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest
from piccolo.engine.sqlite import (
    convert_boolean_out,
    convert_timestamp_out,
    convert_timestamptz_out,
)

from portal.db_pools import _boolean_out, _remembered

pytestmark = pytest.mark.one_database

STORED_TIMES = [
    b"2026-11-29 06:52:15.430422+00:00",
    b"2026-11-29 06:52:15+00:00",
    b"2026-11-29T06:52:15.430422",
    b"2026-11-29 14:52:15.430422+08:00",  # Piccolo keeps the wall time and calls it UTC
    b"2026-02-28",
]


@pytest.mark.parametrize("stored", STORED_TIMES)
@pytest.mark.parametrize("piccolos", [convert_timestamptz_out, convert_timestamp_out])
def test_a_remembered_time_is_piccolos_time(stored, piccolos):
    ours = _remembered(piccolos)
    first, again = ours(stored), ours(stored)
    assert first == piccolos(stored)
    assert first.tzinfo == piccolos(stored).tzinfo
    assert again is first  # the second read is the remembered object


def test_what_piccolo_refuses_is_refused_and_not_remembered():
    ours = _remembered(convert_timestamptz_out)
    for _attempt in range(2):
        with pytest.raises(ValueError):
            ours(b"not a time")


def test_the_memo_is_emptied_when_full_and_still_answers():
    calls = []

    def parse(value: bytes) -> datetime:
        calls.append(value)
        return convert_timestamptz_out(value)

    ours = _remembered(parse, limit=3)
    texts = [f"2026-01-0{day} 00:00:00+00:00".encode() for day in range(1, 6)]
    for text in texts:
        assert ours(text) == datetime(2026, 1, int(text[9:10]), tzinfo=UTC)
    assert len(calls) == 5
    assert ours(texts[-1]) == datetime(2026, 1, 5, tzinfo=UTC)
    assert len(calls) == 5  # the latest entry survived the emptying
    ours(texts[0])
    assert len(calls) == 6  # an early one did not


@pytest.mark.parametrize("stored", [b"1", b"0", b"", b"true", b"True", b"2"])
def test_booleans_read_as_piccolo_reads_them(stored):
    assert _boolean_out(stored) is convert_boolean_out(stored)


def test_they_are_the_registered_converters():
    connection = sqlite3.connect(":memory:", detect_types=sqlite3.PARSE_DECLTYPES)
    connection.execute("CREATE TABLE t (at TIMESTAMPTZ, naive TIMESTAMP, flag BOOLEAN)")
    connection.execute(
        "INSERT INTO t VALUES (?, ?, ?)",
        ("2026-11-29 06:52:15.430422+00:00", "2026-11-29 06:52:15", 1),
    )
    assert sqlite3.converters["BOOLEAN"] is _boolean_out
    at, naive, flag = connection.execute("SELECT at, naive, flag FROM t").fetchone()
    assert at == datetime(2026, 11, 29, 6, 52, 15, 430422, tzinfo=UTC)
    assert naive == datetime(2026, 11, 29, 6, 52, 15)
    assert flag is True
    assert sqlite3.converters["TIMESTAMPTZ"].__wrapped__ is convert_timestamptz_out
    assert sqlite3.converters["TIMESTAMP"].__wrapped__ is convert_timestamp_out
