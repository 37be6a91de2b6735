"""A delivered message is recorded ``sent`` even when the first try to record it fails.

The duplicate once seen with two servers on SQLite: the channel accepted a message, the
``sent`` commit failed ("database is locked"), the row stayed ``sending`` and was sent again
once its lease ran out. Here another connection holds the lock the recording needs (SQLite:
the write lock; PostgreSQL: the row) from the moment the SMTP server receives the message
until the relay's first attempt to record it has failed (at most ``HOLD_SECONDS``, longer
than any wait for a lock before the fix), and the server must have received it once.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time

import asyncpg

from portal.domain.messaging.enqueue import message_enqueue
from portal.domain.messaging.relay import Relay
from portal.domain.messaging.tables import OutboxMessage
from tests.factories import make_candidate
from tests.messaging.helpers import email_to, row

HOLD_SECONDS = 35.0
LEASE_SECONDS = 2.0


def _first_attempt_failed(relay: Relay) -> bool:
    return getattr(relay.records, "retries", 0) >= 1


def _hold_sqlite_write_lock(path: str, relay: Relay):
    """On the first message: take SQLite's write lock until the recording has failed once."""
    taken = threading.Event()

    def hold() -> None:
        connection = sqlite3.connect(path, isolation_level=None, timeout=10)
        connection.execute("BEGIN IMMEDIATE")
        taken.set()
        deadline = time.monotonic() + HOLD_SECONDS
        while not _first_attempt_failed(relay) and time.monotonic() < deadline:
            time.sleep(0.01)
        connection.execute("COMMIT")
        connection.close()

    async def before_accept() -> None:
        if not taken.is_set():
            threading.Thread(target=hold, daemon=True).start()
            await asyncio.get_running_loop().run_in_executor(None, taken.wait, 10)

    return before_accept


def _hold_postgres_row_lock(url: str, message_id: int, relay: Relay):
    """On the first message: lock its row (another connection) until recording failed once."""
    state: dict[str, object] = {}

    async def hold(connection) -> None:
        deadline = time.monotonic() + HOLD_SECONDS
        while not _first_attempt_failed(relay) and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        await connection.execute("COMMIT")
        await connection.close()

    async def before_accept() -> None:
        if "task" in state:
            return
        connection = await asyncpg.connect(url.replace("postgresql://", "postgres://"))
        await connection.execute("BEGIN")
        await connection.execute(
            "SELECT id FROM outbox_message WHERE id = $1 FOR UPDATE", message_id
        )
        state["task"] = asyncio.get_running_loop().create_task(hold(connection))

    return before_accept


async def _relay_round(relay: Relay) -> None:
    """One round as ``onramp serve`` runs it: a failed round is logged, the relay goes on."""
    try:
        await relay.drain(timeout=HOLD_SECONDS + 10)
    except Exception:  # what _relay_forever does with a failed round
        logging.getLogger(__name__).exception("relay round failed")


async def test_a_failed_first_recording_is_retried_and_the_message_sent_once(
    database, database_url, channels, settings_env
):
    smtp, _http = channels
    settings_env(ONRAMP_OUTBOX_LEASE_SECONDS=str(LEASE_SECONDS))
    candidate = await make_candidate(email="zhao.liu@example.com")
    queued = await message_enqueue(message=email_to(candidate, key="record:locked"))
    relay = Relay(worker="w1")
    relay.records.busy_timeout_seconds = 0.2  # one attempt's wait for the lock
    if database == "sqlite":
        smtp.before_accept = _hold_sqlite_write_lock(database_url.removeprefix("sqlite:///"), relay)
    else:
        smtp.before_accept = _hold_postgres_row_lock(database_url, queued.id, relay)
    try:
        await _relay_round(relay)
        # Whatever a lost recording would have left behind is claimable again by now.
        await asyncio.sleep(LEASE_SECONDS + 0.5)
        await _relay_round(relay)
    finally:
        await relay.close()
    assert list(smtp.counts().values()) == [1]
    stored = await row(queued.id)
    assert stored["status"] == "sent"
    assert stored["attempts"] == 1
    assert stored["sent_by"] == "w1"
    assert stored["provider_message_id"] == smtp.mails[0].message_id
    assert await OutboxMessage.count().where(OutboxMessage.status == "sending") == 0
    assert _first_attempt_failed(relay), "the lock did not make the first recording fail"
