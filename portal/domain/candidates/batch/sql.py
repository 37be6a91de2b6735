"""The few statements a batch needs that Piccolo's query builder would build too slowly.

Building a 1,000-row INSERT with Piccolo costs far more than running it, so batches
write with plain SQL here, one dialect difference at a time: a list of values is one
parameter (``= ANY(array)`` on PostgreSQL, ``json_each`` on SQLite) so a lookup over
10,000 phone numbers is one statement whatever the database's limit on parameters.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from piccolo.engine.postgres import PostgresEngine

from portal.db import current_engine
from portal.domain.candidates.tables import Candidate

# Rows per INSERT: 1,000 rows of ~11 columns stay far below both databases' parameter caps.
INSERT_CHUNK = 1000


def is_postgres() -> bool:
    return isinstance(current_engine(), PostgresEngine)


def in_list(column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
    """``column IN (values)`` as SQL with a single placeholder, and its argument."""
    if is_postgres():
        return f"{column} = ANY({{}})", [list(values)]
    return f"{column} IN (SELECT value FROM json_each({{}}))", [json.dumps(list(values))]


def typed(placeholder_type: str) -> str:
    """A placeholder PostgreSQL can type inside VALUES (SQLite needs no cast)."""
    return f"CAST({{}} AS {placeholder_type})" if is_postgres() else "{}"


async def run(sql: str, *args: Any) -> list[dict[str, Any]]:
    return await Candidate.raw(sql, *args)


async def insert_rows(
    table: str,
    columns: Sequence[str],
    types: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    returning: str = "",
    suffix: str = "",
) -> list[dict[str, Any]]:
    """Multi-row INSERTs of ``rows`` (in chunks), returning what ``returning`` names."""
    found: list[dict[str, Any]] = []
    placeholders = "(" + ", ".join(typed(kind) for kind in types) + ")"
    for start in range(0, len(rows), INSERT_CHUNK):
        chunk = rows[start : start + INSERT_CHUNK]
        sql = (
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
            + ", ".join([placeholders] * len(chunk))
            + (f" {suffix}" if suffix else "")
            + (f" RETURNING {returning}" if returning else "")
        )
        args = [value for row in chunk for value in row]
        result = await run(sql, *args)
        if returning:
            found.extend(result)
    return found
