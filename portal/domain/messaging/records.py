"""Recording what happened to a claimed message, and HR's retry of a failed one.

Every write is conditional on the row still being this worker's claim (``status =
'sending' AND leased_by = worker``), so a worker whose lease ran out cannot overwrite the
result of the worker that took the row over.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from piccolo.engine.sqlite import SQLiteEngine

from portal.config import get_settings
from portal.db import current_engine, write_transaction
from portal.domain.messaging.tables import OutboxMessage


def backoff_delay(attempts: int) -> timedelta:
    """Exponential back-off with jitter: base × 2^(attempts−1), capped, × 0.5–1.0.

    The jitter spreads the retries of many messages (and many workers) that failed
    together, so a recovering server is not hit by all of them in the same second.
    """
    settings = get_settings()
    ceiling = min(
        settings.outbox_backoff_max_seconds,
        settings.outbox_backoff_seconds * 2 ** max(0, attempts - 1),
    )
    return timedelta(seconds=ceiling * random.uniform(0.5, 1.0))


class RecordConnection:
    """Where the relay commits "sent": a transaction that does not wait for the disk.

    The result of a send must be committed before the next send (that is what bounds the
    kill window), so its commit sits on the send path of every message. On SQLite the
    relay keeps one connection with ``synchronous=NORMAL`` (WAL: a commit is durable the
    moment it returns as far as a crashed or killed PROCESS is concerned; only a power
    loss or OS crash may roll back the last commits, which would re-send those messages).
    On PostgreSQL the same trade is ``SET LOCAL synchronous_commit = off``.
    """

    def __init__(self) -> None:
        self._sqlite = None
        self._lock = asyncio.Lock()  # one transaction at a time on the one connection

    async def execute(self, sql: str, *args: object) -> list:
        engine = current_engine()
        if isinstance(engine, SQLiteEngine):
            return await self._execute_sqlite(engine, sql, args)
        async with write_transaction():
            await OutboxMessage.raw("SET LOCAL synchronous_commit = off")
            return await OutboxMessage.raw(sql, *args)

    async def _execute_sqlite(self, engine: SQLiteEngine, sql: str, args: tuple) -> list:
        import aiosqlite

        if self._sqlite is None:
            path = engine.connection_kwargs.get("database", engine.path)
            connection = await aiosqlite.connect(path, isolation_level=None)
            await connection.execute("PRAGMA busy_timeout = 30000")
            await connection.execute("PRAGMA synchronous = NORMAL")
            self._sqlite = connection
        connection = self._sqlite
        async with self._lock:
            await connection.execute("BEGIN IMMEDIATE")
            try:
                cursor = await connection.execute(sql.replace("{}", "?"), args)
                rows = await cursor.fetchall()
                await connection.execute("COMMIT")
            except BaseException:
                await connection.execute("ROLLBACK")
                raise
        return rows

    async def close(self) -> None:
        connection, self._sqlite = self._sqlite, None
        if connection is not None:
            await connection.close()


async def outbox_record_sent(
    *,
    message_id: int,
    worker: str,
    provider_message_id: str,
    now: datetime | None = None,
    records: RecordConnection | None = None,
) -> bool:
    """The channel accepted the message. False when the claim was lost meanwhile.

    ``records`` is the relay's own connection (fast commits); without it, a fresh one.
    """
    now = now or datetime.now(UTC)
    own = records is None
    records = records or RecordConnection()
    try:
        rows = await records.execute(
            "UPDATE outbox_message SET status = 'sent', sent_at = {}, "
            "provider_message_id = {}, sent_by = {}, lease_until = NULL, leased_by = '', "
            "reason = '' WHERE id = {} AND status = 'sending' AND leased_by = {} RETURNING id",
            now,
            provider_message_id[:200],
            worker,
            message_id,
            worker,
        )
    finally:
        if own:
            await records.close()
    return bool(rows)


async def outbox_record_failure(
    *,
    message_id: int,
    worker: str,
    error: str,
    attempts: int,
    permanent: bool,
    now: datetime | None = None,
) -> str:
    """A send failed: retry later with back-off, or ``failed`` after the last attempt."""
    now = now or datetime.now(UTC)
    settings = get_settings()
    final = permanent or attempts >= settings.outbox_max_attempts
    status = "failed" if final else "pending"
    next_attempt = now if final else now + backoff_delay(attempts)
    async with write_transaction():
        await OutboxMessage.raw(
            "UPDATE outbox_message SET status = {}, last_error = {}, next_attempt_at = {}, "
            "lease_until = NULL, leased_by = '' "
            "WHERE id = {} AND status = 'sending' AND leased_by = {}",
            status,
            error[:2000],
            next_attempt,
            message_id,
            worker,
        )
    return status


async def outbox_release(*, message_ids: Sequence[int], worker: str) -> None:
    """Hand back claimed messages that were not tried (the attempt is not counted)."""
    if not message_ids:
        return
    marks = ", ".join("{}" for _ in message_ids)
    async with write_transaction():
        await OutboxMessage.raw(
            "UPDATE outbox_message SET status = 'pending', attempts = attempts - 1, "
            "lease_until = NULL, leased_by = '' "
            f"WHERE id IN ({marks}) AND status = 'sending' AND leased_by = {{}}",
            *message_ids,
            worker,
        )


async def outbox_retry(*, message_id: int, now: datetime | None = None) -> bool:
    """HR's "retry" on a failed message: queue it again with fresh attempts.

    A conditional update: a second click (or a second person) finds the message no longer
    ``failed`` and changes nothing; returns False then.
    """
    now = now or datetime.now(UTC)
    async with write_transaction():
        rows = await OutboxMessage.raw(
            "UPDATE outbox_message SET status = 'pending', attempts = 0, next_attempt_at = {}, "
            "due_at = {} WHERE id = {} AND status = 'failed' RETURNING id",
            now,
            now,
            message_id,
        )
    return bool(rows)
