"""Recording what happened to a claimed message, and HR's retry of a failed one.

Every write is conditional on the row still being this worker's claim (``status =
'sending' AND leased_by = worker``), so a worker whose lease ran out cannot overwrite the
result of the worker that took the row over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import sqlite3
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from piccolo.engine.sqlite import SQLiteEngine

from portal.config import get_settings
from portal.db import current_engine, write_transaction
from portal.domain.messaging.tables import OutboxMessage

logger = logging.getLogger("onramp.outbox")


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
    """Where the relay commits results: its own connection, fast commits, retried until done.

    The result of a send must be committed before the next send (that is what bounds the
    kill window), so its commit sits on the send path of every message. On SQLite the
    relay keeps one connection with ``synchronous=NORMAL`` (WAL: a commit is durable the
    moment it returns as far as a crashed or killed PROCESS is concerned; only a power
    loss or OS crash may roll back the last commits, which would re-send those messages).
    On PostgreSQL the same trade is ``synchronous_commit = off`` on a connection of its
    own (not the pool's: one round trip per result, and a page burst cannot delay it).

    A write that fails (SQLite busy past a short wait, a dropped or restarted PostgreSQL
    connection) is retried with back-off until it lands: a message the channel accepted
    must never go back to be claimed again, which is what a row left ``sending`` does once
    its lease ends. Only a dying process leaves such a row (the kill window). ``retries``
    counts the failed attempts (logged; the tests read it).
    """

    # One attempt waits this long for SQLite's write lock, then backs off and retries.
    # Short: SQLite's own busy handler sleeps in growing steps (up to 100 ms) and is not
    # fair, so a long wait inside it both starves and hides the trouble from the log.
    busy_timeout_seconds = 1.0
    retry_first_seconds = 0.05
    retry_max_seconds = 2.0

    def __init__(self) -> None:
        self._sqlite: sqlite3.Connection | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._postgres: Any = None
        self._lock = asyncio.Lock()  # one transaction at a time on the one connection
        self.retries = 0

    async def execute(self, sql: str, *args: object) -> list:
        """Run one short write in its own transaction; retried until it commits."""
        delay = self.retry_first_seconds
        async with self._lock:
            while True:
                try:
                    return await self._execute_once(sql, args)
                except _TRANSIENT as error:
                    self.retries += 1
                    logger.warning(
                        "outbox: recording a result failed (%s: %s); retrying in %.2f s",
                        type(error).__name__,
                        error,
                        delay,
                    )
                    await self._drop()
                    await asyncio.sleep(delay * random.uniform(0.5, 1.0))
                    delay = min(self.retry_max_seconds, delay * 2)

    async def _execute_once(self, sql: str, args: tuple) -> list:
        engine = current_engine()
        if isinstance(engine, SQLiteEngine):
            return await self._execute_sqlite(engine, sql, args)
        return await self._execute_postgres(engine, sql, args)

    async def _execute_sqlite(self, engine: SQLiteEngine, sql: str, args: tuple) -> list:
        # BEGIN, the statement and COMMIT in one hand-off to the connection's thread.
        return await self._in_sqlite_thread(engine, _sqlite_transaction, _numbered(sql, "?"), args)

    async def _in_sqlite_thread(self, engine: SQLiteEngine, function: Any, *args: Any) -> Any:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="outbox-records")
        if self._sqlite is None:
            path = engine.connection_kwargs.get("database", engine.path)
            self._sqlite = await asyncio.get_running_loop().run_in_executor(
                self._executor, _sqlite_connect, path, self.busy_timeout_seconds
            )
        return await asyncio.get_running_loop().run_in_executor(
            self._executor, function, self._sqlite, *args
        )

    async def _execute_postgres(self, engine: Any, sql: str, args: tuple) -> list:
        import asyncpg

        if self._postgres is None or self._postgres.is_closed():
            self._postgres = await asyncpg.connect(
                **engine.config,
                timeout=self.busy_timeout_seconds * 10,
                server_settings={
                    "synchronous_commit": "off",
                    # A row locked elsewhere fails this attempt (retried) instead of
                    # blocking the relay for as long as the other transaction lasts.
                    "lock_timeout": f"{max(1, int(self.busy_timeout_seconds * 1000))}ms",
                    "application_name": "onramp outbox relay",
                },
            )
        # One statement outside a transaction block: its own transaction, one round trip.
        return await self._postgres.fetch(_numbered(sql, "$"), *args)

    async def data_version(self) -> int:
        """SQLite's ``PRAGMA data_version`` on this connection: changes when another
        connection commits (the relay's cheap "anything new?" while idle)."""
        engine = current_engine()
        async with self._lock:
            try:
                rows = await self._in_sqlite_thread(
                    engine,  # type: ignore[arg-type]
                    _sqlite_read,
                    "PRAGMA data_version",
                    (),
                )
            except _TRANSIENT:
                await self._drop()
                return -1
        return int(rows[0][0])

    async def _drop(self) -> None:
        """Forget the connection after an error: the next attempt opens a fresh one."""
        sqlite, self._sqlite = self._sqlite, None
        postgres, self._postgres = self._postgres, None
        if sqlite is not None and self._executor is not None:
            with contextlib.suppress(Exception):
                await asyncio.get_running_loop().run_in_executor(self._executor, sqlite.close)
        if postgres is not None:
            postgres.terminate()

    async def close(self) -> None:
        async with self._lock:
            await self._drop_quietly()

    async def _drop_quietly(self) -> None:
        postgres, self._postgres = self._postgres, None
        if postgres is not None:
            with contextlib.suppress(Exception):
                await postgres.close(timeout=5)
        await self._drop()
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False)


def _sqlite_connect(path: str, busy_timeout: float) -> sqlite3.Connection:
    # Used only in the one thread of the RecordConnection's executor, one call at a time.
    connection = sqlite3.connect(
        path, isolation_level=None, timeout=busy_timeout, check_same_thread=False
    )
    connection.execute("PRAGMA synchronous = NORMAL")
    return connection


def _sqlite_transaction(connection: sqlite3.Connection, sql: str, args: tuple) -> list:
    connection.execute("BEGIN IMMEDIATE")
    try:
        rows = connection.execute(sql, args).fetchall()
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                connection.execute("ROLLBACK")
        raise
    return rows


def _sqlite_read(connection: sqlite3.Connection, sql: str, args: tuple) -> list:
    return connection.execute(sql, args).fetchall()


def _numbered(sql: str, style: str) -> str:
    """``{}`` placeholders (as in ``Table.raw``) → ``?`` (SQLite) or ``$1, $2…`` (asyncpg)."""
    if style == "?":
        return sql.replace("{}", "?")
    parts = sql.split("{}")
    return "".join(
        part + (f"${n}" if n < len(parts) else "") for n, part in enumerate(parts, start=1)
    )


def _transient_errors() -> tuple[type[BaseException], ...]:
    import asyncpg

    # Syntax errors are PostgresErrors too; they do not reach a release (the tests run it).
    return (sqlite3.Error, asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError)


_TRANSIENT = _transient_errors()


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
    records: RecordConnection | None = None,
) -> str:
    """A send failed: retry later with back-off, or ``failed`` after the last attempt."""
    now = now or datetime.now(UTC)
    settings = get_settings()
    final = permanent or attempts >= settings.outbox_max_attempts
    status = "failed" if final else "pending"
    next_attempt = now if final else now + backoff_delay(attempts)
    sql = (
        "UPDATE outbox_message SET status = {}, last_error = {}, next_attempt_at = {}, "
        "lease_until = NULL, leased_by = '' "
        "WHERE id = {} AND status = 'sending' AND leased_by = {}"
    )
    args = (status, error[:2000], next_attempt, message_id, worker)
    if records is not None:
        await records.execute(sql, *args)
        return status
    async with write_transaction():
        await OutboxMessage.raw(sql, *args)
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
