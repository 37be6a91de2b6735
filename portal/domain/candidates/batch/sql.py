"""The few statements a batch needs, written as SQL: Piccolo's builder is too slow for them.

Building a 1,000-row INSERT through Piccolo (its query string walks every argument)
cost more than running it, so batches write plain SQL on the transaction's own
connection, with the dialect differences kept here:

- a list of values is one parameter (``= ANY(array)`` on PostgreSQL, ``json_each`` on
  SQLite), so a lookup over 10,000 phone numbers is one statement;
- rows to insert, update or delete are a row source: on PostgreSQL ``unnest`` of one
  array per column (one short statement for the whole batch, whatever its size); on
  SQLite, in-process, ``VALUES`` lists of up to 1,000 rows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from piccolo.engine.postgres import PostgresEngine

from portal.db import current_engine
from portal.domain.candidates.tables import Candidate

# Rows per VALUES list on SQLite: 1,000 rows of 13 columns stay under its parameter cap.
SQLITE_CHUNK = 1000


def is_postgres() -> bool:
    return isinstance(current_engine(), PostgresEngine)


def in_list(column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
    """``column IN (values)`` as SQL with a single placeholder, and its argument."""
    if is_postgres():
        return f"{column} = ANY({{}})", [list(values)]
    return f"{column} IN (SELECT value FROM json_each({{}}))", [json.dumps(list(values))]


def _compiled(template: str, count: int) -> str:
    if is_postgres():
        return template.format(*(f"${number}" for number in range(1, count + 1)))
    return template.format(*(["?"] * count))


async def run(template: str, *args: Any) -> list[dict[str, Any]]:
    """Run ``template`` (``{}`` placeholders); on the transaction's connection when in one."""
    transaction = current_engine().current_transaction.get()
    if transaction is None:
        return await Candidate.raw(template, *args)
    query = _compiled(template, len(args))
    if is_postgres():
        return [dict(row) for row in await transaction.connection.fetch(query, *args)]
    return list(await transaction.connection.execute_fetchall(query, args))


def row_sources(types: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[tuple[str, list[Any]]]:
    """``rows`` as SQL row sources named ``v`` with columns ``column1``…, and their arguments."""
    if not rows:
        return []
    names = ", ".join(f"column{number}" for number in range(1, len(types) + 1))
    if is_postgres():
        arrays = ", ".join(f"CAST({{}} AS {kind}[])" for kind in types)
        columns = [list(column) for column in zip(*rows, strict=True)]
        return [(f"unnest({arrays}) AS v({names})", columns)]
    placeholders = "(" + ", ".join(["{}"] * len(types)) + ")"
    sources = []
    for start in range(0, len(rows), SQLITE_CHUNK):
        chunk = rows[start : start + SQLITE_CHUNK]
        values = ", ".join([placeholders] * len(chunk))
        sources.append(
            (f"(SELECT * FROM (VALUES {values})) AS v", [v for row in chunk for v in row])
        )
    return sources


async def insert_rows(
    table: str,
    columns: Sequence[str],
    types: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    returning: str = "",
    suffix: str = "",
) -> list[dict[str, Any]]:
    """INSERT ``rows`` (one statement on PostgreSQL), returning what ``returning`` names."""
    found: list[dict[str, Any]] = []
    names = ", ".join(f"v.column{number}" for number in range(1, len(columns) + 1))
    for source, args in row_sources(types, rows):
        # "WHERE true": SQLite would read ON CONFLICT as a join's ON without it.
        sql = f"INSERT INTO {table} ({', '.join(columns)}) SELECT {names} FROM {source} WHERE true"
        if suffix:
            sql += f" {suffix}"
        if returning:
            sql += f" RETURNING {returning}"
        found.extend(await run(sql, *args))
    return found
