"""A candidate page's reads run in the event loop's thread on SQLite; writes do not change.

``portal/web/light_reads.py``: the candidate router's pages read a few short rows each, and
on SQLite those reads run on a query-only connection in the loop's thread instead of a
hand-off to a pooled reader's thread and back. Writes and transactions still take the pooled
connections, and the FAQ ranking (which reads thousands of rows) keeps off the loop.
"""

from __future__ import annotations

import pytest

from portal.db import current_engine, page_reads_in_loop
from portal.db_pools import PooledSQLiteEngine
from portal.domain.faq.search import faq_search, reader_for_candidate
from portal.domain.messaging.enqueue import message_enqueue
from portal.domain.messaging.tables import OutboxMessage
from tests.factories import make_candidate, sign_in_candidate
from tests.messaging.helpers import inbox_to

pytestmark = pytest.mark.one_database  # SQLite's behaviour: PostgreSQL has no threads here


@pytest.fixture
def borrowed(monkeypatch) -> list[str]:
    """Every time a pooled reader connection (with its own thread) is taken."""
    engine = current_engine()
    assert isinstance(engine, PooledSQLiteEngine)
    taken: list[str] = []
    original = PooledSQLiteEngine.reader_checkout

    async def counting(self):
        taken.append("reader")
        return await original(self)

    monkeypatch.setattr(PooledSQLiteEngine, "reader_checkout", counting)
    return taken


async def test_pages_read_in_the_loop_and_still_write_through_the_writer(client, borrowed):
    candidate = await make_candidate()
    item = await message_enqueue(message=inbox_to(candidate, subject="欢迎"))
    await sign_in_candidate(client, candidate)
    borrowed.clear()
    for path in ("/", "/learning", "/checklist", "/resources", "/rewards", "/inbox", "/me"):
        assert (await client.get(path)).status_code == 200, path
    assert borrowed == []
    # Opening the item writes read_at (an UPDATE to the writer) within such a request.
    assert (await client.get(f"/inbox/{item.id}")).status_code == 200
    row = await OutboxMessage.select(OutboxMessage.read_at).where(OutboxMessage.id == item.id)
    assert row[0]["read_at"] is not None


async def test_the_faq_ranking_keeps_off_the_loop_even_on_such_a_page(borrowed):
    candidate = await make_candidate()
    reader = await reader_for_candidate(candidate.id)
    borrowed.clear()
    with page_reads_in_loop():
        await faq_search("宿舍在哪里", reader)
    assert borrowed  # its reads took a pooled reader's thread


async def test_without_the_page_setting_reads_take_a_pooled_reader(borrowed):
    candidate = await make_candidate()
    borrowed.clear()
    await reader_for_candidate(candidate.id)
    assert borrowed == ["reader"]
