"""INTEGER columns read from SQLite as Piccolo's converter read them, faster."""

from __future__ import annotations

import sqlite3

import pytest
from piccolo.engine.sqlite import convert_int_out

from portal.db_pools import _integer_out

pytestmark = pytest.mark.one_database


@pytest.mark.parametrize(
    "stored", [b"0", b"7", b"-42", b"9223372036854775807", b"1.0", b"-3.0", b"12345678901234567890"]
)
def test_the_same_value_as_piccolos_converter(stored):
    assert _integer_out(stored) == convert_int_out(stored)
    assert type(_integer_out(stored)) is int


def test_what_piccolo_refuses_is_refused():
    with pytest.raises(Exception) as ours:
        _integer_out(b"hello")
    with pytest.raises(Exception) as theirs:
        convert_int_out(b"hello")
    assert type(ours.value) is type(theirs.value)


def test_it_is_the_registered_converter_for_integer_columns():
    assert sqlite3.converters["INTEGER"] is _integer_out
    connection = sqlite3.connect(":memory:", detect_types=sqlite3.PARSE_DECLTYPES)
    connection.execute("CREATE TABLE t (n INTEGER)")
    connection.executemany("INSERT INTO t VALUES (?)", [(5,), (2.0,), ("8",)])
    assert [row[0] for row in connection.execute("SELECT n FROM t ORDER BY rowid")] == [5, 2, 8]
