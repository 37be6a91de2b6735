"""Every database access reuses pooled connections, and a busy pool queues instead of failing."""

from __future__ import annotations

import asyncio
import os
import threading
import uuid

import asyncpg
import pytest
from piccolo.engine.sqlite import TransactionType

from portal.db import (
    after_commit,
    create_engine,
    current_engine,
    reads_together,
    write_transaction,
)
from portal.db_pools import PooledSQLiteEngine, start_postgres_pool
from portal.domain.organisation.tables import Department
from tests.databases import POSTGRES_ADMIN_URL, POSTGRES_HOST
from tests.live_servers import onramp_server


async def test_a_burst_of_reads_uses_at_most_the_pool_of_reader_threads(database):
    if database != "sqlite":
        pytest.skip("SQLite's reader connections (PostgreSQL: see the server pool test)")
    engine = current_engine()
    before = threading.active_count()
    peak = 0

    async def handshake_like() -> None:
        nonlocal peak
        async with reads_together():
            await Department.select().run()
            peak = max(peak, threading.active_count() - before)
            await asyncio.sleep(0.01)
            await Department.count().run()

    await asyncio.gather(*(handshake_like() for _ in range(60)))
    assert peak <= engine.readers + 1  # readers plus the one writer


async def test_a_write_inside_reads_together_fails_loudly(database):
    if database != "sqlite":
        pytest.skip("SQLite reader connections are query-only")
    with pytest.raises(Exception, match="readonly|read-only|reads_together"):
        async with reads_together():
            await Department(name="written by a reader").save().run()
    with pytest.raises(RuntimeError, match="reads_together"):
        async with reads_together(), write_transaction():
            pass
    assert not await Department.exists().where(Department.name == "written by a reader")


async def test_two_processes_writers_interleave_without_losing_an_update(database, tmp_path):
    """Two engines on one file stand for two workers: IMMEDIATE transactions serialise them."""
    if database != "sqlite":
        pytest.skip("SQLite's file lock between processes")
    path = str(tmp_path / "two-workers.db")
    first, second = (
        PooledSQLiteEngine(path=path, readers=2, pool_timeout=30, timeout=30) for _ in range(2)
    )
    await first.run_ddl("PRAGMA journal_mode=WAL")
    await first.run_ddl("CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER)")
    await first.run_ddl("INSERT INTO counter (id, value) VALUES (1, 0)")

    async def increment(engine: PooledSQLiteEngine) -> None:
        # Read, then write what was read plus one: a lost update shows in the total.
        async with engine.transaction(transaction_type=TransactionType.immediate):
            rows = await engine.run_ddl("SELECT value FROM counter WHERE id = 1")
            await asyncio.sleep(0)
            await engine.run_ddl(f"UPDATE counter SET value = {rows[0]['value'] + 1} WHERE id = 1")

    try:
        await asyncio.gather(*(increment(engine) for engine in [first, second] * 25))
        rows = await second.run_ddl("SELECT value FROM counter WHERE id = 1")
        assert rows[0]["value"] == 50
    finally:
        await first.close_pool()
        await second.close_pool()


async def test_after_commit_waits_for_the_outermost_commit_and_skips_a_rollback(database):
    seen: list[str] = []

    async def remember() -> None:
        # Runs when the row is visible to everyone, i.e. committed.
        seen.append(
            "visible" if await Department.exists().where(Department.name == "after") else "not"
        )

    async with write_transaction():
        await Department(name="after").save().run()
        async with write_transaction():  # nested: part of the outer one
            await after_commit(remember)
        assert seen == []
    assert seen == ["visible"]

    with pytest.raises(ZeroDivisionError):
        async with write_transaction():
            await after_commit(remember)
            1 / 0  # noqa: B018
    assert seen == ["visible"]

    await after_commit(remember)  # outside a transaction: at once
    assert seen == ["visible", "visible"]


async def test_a_busy_pool_queues_instead_of_failing(database, monkeypatch):
    """Many more concurrent transactions than connections: all of them succeed."""
    engine = current_engine()
    if database == "sqlite":
        monkeypatch.setattr(engine, "readers", 2)
    else:
        # A pool of 2 connections for this test, in front of the session's engine.
        saved = engine.pool
        engine.pool = None
        await start_postgres_pool(engine, size=2, timeout=30)

    async def read_slowly() -> int:
        async with reads_together():
            await asyncio.sleep(0.02)
            return await Department.count().run()

    try:
        results = await asyncio.gather(*(read_slowly() for _ in range(40)))
        assert results == [0] * 40
    finally:
        if database == "postgres":
            await engine.pool.close()
            engine.pool = saved


async def test_a_full_postgresql_is_waited_for_not_failed(database):
    """A server refusing connections (a role's limit reached) makes the pool wait, not crash."""
    if database != "postgres":
        pytest.skip("PostgreSQL connection limits")
    role = f"onramp_full_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL.replace("postgresql://", "postgres://"))
    # Superusers ignore connection limits; this role does not.
    await admin.execute(f'CREATE ROLE "{role}" LOGIN CONNECTION LIMIT 1')
    url = f"postgresql://{role}@{POSTGRES_HOST}:5432/postgres"
    engine = create_engine(url)
    starting = None
    try:
        blocker = await asyncpg.connect(url.replace("postgresql://", "postgres://"))
        starting = asyncio.create_task(start_postgres_pool(engine, size=1, timeout=30))
        await asyncio.sleep(1.0)
        assert not starting.done()  # waiting for a free slot, not failed
        await blocker.close()
        await asyncio.wait_for(starting, 20)
        async with engine.transaction():
            rows = await engine.run_ddl("SELECT 1 AS one")
        assert [dict(row) for row in rows] == [{"one": 1}]
    finally:
        if starting is not None and not starting.done():
            starting.cancel()
        if engine.pool is not None:
            await engine.close_connection_pool()
        await admin.execute(
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'"
        )
        await admin.execute(f'DROP ROLE IF EXISTS "{role}"')
        await admin.close()


async def test_a_server_process_keeps_its_pool_of_postgresql_connections(database_url, database):
    """``onramp serve`` opens its pool at start-up (it used to open a connection per query)."""
    if database != "postgres":
        pytest.skip("PostgreSQL's pool")
    # Only the server started here: servers of earlier tests may still be closing theirs.
    query = (
        "SELECT application_name AS name FROM pg_stat_activity "
        "WHERE datname = current_database() AND application_name LIKE 'onramp-%%'"
    )
    before = {row["name"] for row in await Department.raw(query).run()}
    with onramp_server(database_url, env={"ONRAMP_DATABASE_POOL_SIZE": "3"}):
        mine = f"onramp-{os.getpid()}"
        rows = await Department.raw(query).run()
    names = [row["name"] for row in rows if row["name"] not in before | {mine}]
    assert len(set(names)) == 1, names
    assert len(names) == 3
