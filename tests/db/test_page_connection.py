"""PostgreSQL: a page's statements share one pooled connection; the pool is taken in turn.

``portal/db_pools.py``: inside ``page_reads()`` (every candidate page's GET) the page takes
one connection at its first statement and gives it back at its end; a transaction on the
page runs on that same connection, and a task the page starts takes its own. Waiters for a
connection are served in arrival order, however the connections come back.
"""

from __future__ import annotations

import asyncio

import pytest

from portal.db import current_engine, page_reads, write_transaction
from portal.db_pools import PoolTimeout, start_postgres_pool
from portal.domain.organisation.tables import Department


@pytest.fixture
async def small_pool(database):
    """A pool of 2 connections in front of the session's engine, for one test."""
    if database != "postgres":
        pytest.skip("PostgreSQL's connection pool")
    engine = current_engine()
    saved = engine.pool
    engine.pool = None
    await start_postgres_pool(engine, size=2, timeout=30)
    try:
        yield engine
    finally:
        await engine.pool.close()
        engine.pool = saved


async def _backend(engine) -> int:
    rows = await engine.run_ddl("SELECT pg_backend_pid() AS pid")
    return rows[0]["pid"]


def _free(engine) -> int:
    return engine.pool._turns._value


async def test_a_pages_statements_share_one_connection_given_back_at_its_end(small_pool):
    engine = small_pool
    async with page_reads():
        first = await _backend(engine)
        assert _free(engine) == 1  # the page holds one, between its statements too
        assert await _backend(engine) == first
        await Department.count().run()
        async with write_transaction():
            await Department(name="页面里的写入").save().run()
            assert await _backend(engine) == first  # the transaction is on the page's
        assert _free(engine) == 1
    assert _free(engine) == 2
    assert await Department.exists().where(Department.name == "页面里的写入")


async def test_a_page_that_fails_gives_its_connection_back(small_pool):
    engine = small_pool
    with pytest.raises(ZeroDivisionError):
        async with page_reads():
            await _backend(engine)
            1 / 0  # noqa: B018 - a page failing after a statement
    assert _free(engine) == 2
    # A failed statement on the page's connection: the page still ends cleanly.
    with pytest.raises(Exception, match="does_not_exist"):
        async with page_reads():
            await engine.run_ddl("SELECT * FROM does_not_exist")
    assert _free(engine) == 2


async def test_a_task_started_by_a_page_takes_its_own_connection(small_pool):
    engine = small_pool
    async with page_reads():
        mine = await _backend(engine)
        theirs = await asyncio.create_task(_backend(engine))
        assert theirs != mine
        assert _free(engine) == 1  # the task gave its connection back at once
    assert _free(engine) == 2


async def test_waiters_are_served_in_arrival_order(small_pool):
    """A connection given back goes to the oldest waiter, never to a newcomer."""
    engine = small_pool
    served: list[str] = []
    release = [asyncio.Event(), asyncio.Event()]

    async def holder(index: int) -> None:
        async with page_reads():
            await _backend(engine)
            await release[index].wait()

    async def page(name: str) -> None:
        async with page_reads():
            await _backend(engine)
            served.append(name)

    holders = [asyncio.create_task(holder(i)) for i in range(2)]
    while _free(engine):
        await asyncio.sleep(0.01)
    waiting = []
    for name in ("first", "second", "third"):
        waiting.append(asyncio.create_task(page(name)))
        await asyncio.sleep(0.01)  # they queue in this order
    # One connection comes back (the other stays held): the waiters take it in turn.
    release[0].set()
    # A newcomer arriving in the same instant as the release must queue behind them.
    late = asyncio.create_task(page("newcomer"))
    await asyncio.gather(*waiting, late)
    assert served == ["first", "second", "third", "newcomer"]
    release[1].set()
    await asyncio.gather(*holders)
    assert _free(engine) == 2


async def test_no_connection_within_the_timeout_is_a_pool_timeout(small_pool):
    engine = small_pool
    engine.pool.timeout = 0.3
    hold = asyncio.Event()

    async def holder() -> None:
        async with page_reads():
            await _backend(engine)
            await hold.wait()

    holders = [asyncio.create_task(holder()) for _ in range(2)]
    while _free(engine):
        await asyncio.sleep(0.01)
    with pytest.raises(PoolTimeout):
        await Department.count().run()
    hold.set()
    await asyncio.gather(*holders)
    assert _free(engine) == 2
    assert await Department.count().run() >= 0


async def test_a_candidate_page_and_the_sla_tracker_take_one_connection_each(
    database, client, monkeypatch
):
    if database != "postgres":
        pytest.skip("PostgreSQL's connection pool")
    from portal.db_pools import QueueingPool
    from tests.factories import make_candidate, sign_in_as, sign_in_candidate

    taken: list[int] = []
    original = QueueingPool._acquire_from_pool

    async def counting(self):  # type: ignore[no-untyped-def]
        connection = await original(self)
        taken.append(id(connection))
        return connection

    monkeypatch.setattr(QueueingPool, "_acquire_from_pool", counting)
    await sign_in_candidate(client, await make_candidate())
    for path in ("/", "/checklist", "/inbox"):
        taken.clear()
        assert (await client.get(path)).status_code == 200, path
        assert len(taken) == 1, path  # several statements, one connection
    client.cookies.clear()
    await sign_in_as(client, "hr")
    for path in ("/admin/questions", "/admin/questions/live"):
        taken.clear()
        assert (await client.get(path)).status_code == 200, path
        assert len(taken) == 1, path
