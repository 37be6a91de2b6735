"""Connection reuse for both databases: a pool-like SQLite engine and a queueing PostgreSQL pool.

**SQLite.** Piccolo's engine opens a new connection (and with it a thread) for every query
outside a transaction and for every transaction. A room handshake makes half a dozen small
reads: opening connections cost more than the reads, and a reconnecting cohort started
hundreds of threads at once (each growing its own malloc arena, which stays). Here each
process keeps:

- up to ``readers`` connections for reads (``PRAGMA query_only``, so a write there fails
  loudly instead of taking the write lock through a back door): a statement outside a
  transaction that starts with ``SELECT`` borrows one for that statement;
- inside :func:`portal.db.reads_together` (a room handshake: a few small indexed reads,
  thousands of them at once when a room reconnects), reads run on one query-only
  connection in the event loop's own thread: such a read takes tens of microseconds,
  less than handing it to a thread and back, which under load also waits for the
  interpreter lock each way. Only short reads belong there: they hold the loop;
- a candidate page's reads outside a transaction run there as well
  (:func:`portal.db.page_reads_in_loop`, set for the pages that opt in): a page makes two
  to six such reads, and handing each to a thread and back cost more CPU than running
  it; measured on the pages under load (``bench/page_rps.py``), CPU per request fell by
  20-37 %. Writes and transactions still use the pooled connections;
- one writer connection for every write transaction and every other statement, taken in
  turn (an ``asyncio.Lock``): writers of this process queue here instead of spinning on
  SQLite's busy handler. Other processes still meet at SQLite's file lock: write
  transactions begin ``IMMEDIATE`` and wait up to the busy timeout; WAL lets readers read
  meanwhile. The writer runs with ``PRAGMA synchronous`` from ``ONRAMP_SQLITE_SYNCHRONOUS``:
  ``NORMAL`` by default, the setting SQLite recommends with WAL. With ``FULL`` every commit
  waits for a flush to disk (~2 ms on this project's virtual machines) and, commits queueing
  on the one writer, that capped a process at a few hundred writes a second: link sign-ins,
  one small commit each, topped out there while the CPU idled. ``NORMAL`` never corrupts
  the file; a power cut (not a crash of the process) can lose the last commits.

A statement runs with one hand-off to the connection's thread (``execute_fetchall``)
instead of Piccolo's four (a ``PRAGMA`` before every statement, execute, fetch, close).

**PostgreSQL.** Piccolo uses asyncpg's pool when one is started. :class:`QueueingPool`
wraps it so a connection the server refuses (``TooManyConnectionsError`` when other clients
use up ``max_connections``, or while PostgreSQL starts) is waited for like a busy pool:
retried with back-off until the pool timeout, instead of failing the request.

Inside :func:`page_reads` (a candidate page's request), the page's statements share one
pooled connection, taken at its first statement and given back when the page is sent.
Each statement otherwise took a connection and gave it back: CPU for every acquire, and
under load a page waited in the pool's queue again before each of its statements, behind
pages that had come later (the p99 of a page with four statements was 2-4 times its p50).
A page holding its connection waits once; with 32 pages in flight and 10 connections the
others queue in order at their first statement. A transaction during the page runs on the
same connection (a page never holds two, so pages cannot deadlock on the pool).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import os
import sqlite3
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiosqlite
from piccolo.engine.sqlite import (
    SQLiteEngine,
    SQLiteTransaction,
    TransactionType,
    convert_int_out,
    convert_timestamp_out,
    convert_timestamptz_out,
    dict_factory,
)
from piccolo.querystring import QueryString

logger = logging.getLogger("onramp.db")


class PoolTimeout(TimeoutError):
    """No database connection became free within the pool timeout."""


@contextlib.asynccontextmanager
async def page_reads(*, in_loop: bool = True) -> AsyncIterator[None]:
    """A page's request: its statements on one pooled connection (PostgreSQL, see the
    module's docstring) and, with ``in_loop``, its reads in the loop's thread (SQLite, see
    :func:`page_reads_in_loop`)."""
    page = _PageConnection(asyncio.current_task())
    token = _page_connection.set(page)
    try:
        with page_reads_in_loop(in_loop):
            yield
    finally:
        _page_connection.reset(token)
        if page.connection is not None and page.pool is not None:
            await page.pool.release_to_pool(page.connection)


class _PageConnection:
    """The pooled connection a page holds: only the page's own task uses it (a task the page
    starts copies the context variable, and takes connections of its own)."""

    __slots__ = ("task", "pool", "connection")

    def __init__(self, task: asyncio.Task[Any] | None) -> None:
        self.task = task
        self.pool: QueueingPool | None = None  # the pool it came from
        self.connection: Any = None

    def held_by_this_task(self) -> bool:
        return self.task is not None and self.task is asyncio.current_task()


_page_connection: contextvars.ContextVar[_PageConnection | None] = contextvars.ContextVar(
    "onramp_page_connection", default=None
)


# Set inside reads_together() on SQLite: SELECTs run in the loop's thread (see above).
@contextlib.contextmanager
def page_reads_in_loop(enabled: bool = True) -> Iterator[None]:
    """A light page's reads outside a transaction, in the event loop's thread (SQLite).

    For pages whose reads are a few short, indexed queries (the candidate pages opt in with
    ``opt={"light_reads": True}``, see ``portal/web/light_reads.py``): on SQLite each read
    then runs on a query-only connection in the loop's thread instead of a hand-off to a
    reader's thread and back. Writes and transactions are not affected. A query that can
    take milliseconds (a full-text ranking) opts out with ``page_reads_in_loop(False)``:
    in a thread, SQLite runs it without holding the loop. PostgreSQL ignores this.
    """
    token = _page_reads_in_loop.set(enabled)
    try:
        yield
    finally:
        _page_reads_in_loop.reset(token)


def _integer_out(value: bytes) -> int:
    """Piccolo's converter for INTEGER columns, without its detour for a plain integer.

    Piccolo registers one for every INTEGER column value SQLite returns (ids, foreign keys,
    counts): bytes decoded to text, then ``int(Decimal(text))``, so that a stray ``1.0``
    still reads as 1. That costs ~1.5 µs a value, a tenth of a page's reads. An integer's
    bytes go straight to ``int``; anything else still takes Piccolo's path, so the results
    are the same (tests/portal/test_sqlite_integers.py).
    """
    try:
        return int(value)
    except ValueError:
        return convert_int_out(value)  # type: ignore[no-any-return]


def _remembered(convert: Any, limit: int = 4096) -> Any:
    """``convert`` for the stored text of a time, remembering its last ``limit`` results.

    A page reads the same few times again and again (a question's deadline, a cohort's start,
    a message's time) and parsing each one cost ~1 µs: a third of the tracker's main read.
    A datetime cannot change, so one object serves every read of the same text; the memo is
    emptied when full rather than kept in order (a dict's get and set are safe across the
    pool's threads).
    """
    memo: dict[bytes, Any] = {}

    def converter(value: bytes) -> Any:
        found = memo.get(value)
        if found is None:
            if len(memo) >= limit:
                memo.clear()
            found = memo[value] = convert(value)
        return found

    converter.__wrapped__ = convert  # type: ignore[attr-defined]
    return converter


def _boolean_out(value: bytes) -> bool:
    """Piccolo's converter for BOOLEAN columns (stored ``1``/``0``), without its detour to text."""
    return value == b"1"


# Process-wide, like Piccolo's own registration (this module is imported after Piccolo's).
# Piccolo's array converters hold their own references and are left as they are.
sqlite3.register_converter("INTEGER", _integer_out)
sqlite3.register_converter("BOOLEAN", _boolean_out)
sqlite3.register_converter("TIMESTAMPTZ", _remembered(convert_timestamptz_out))
sqlite3.register_converter("TIMESTAMP", _remembered(convert_timestamp_out))

_inline_reads: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "onramp_inline_reads", default=False
)
# Set for a candidate page's request (portal.db.page_reads_in_loop): its reads outside a
# transaction run in the loop's thread too; unlike reads_together(), writes and
# transactions go on as usual (to the writer, to a pooled reader).
_page_reads_in_loop: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "onramp_page_reads_in_loop", default=False
)
# A read in the loop's thread may wait this long for a lock (WAL makes that rare).
INLINE_BUSY_TIMEOUT_SECONDS = 2.0


class PooledSQLiteTransaction(SQLiteTransaction):
    """A transaction on a pooled connection: a reader (``read_only``) or the writer."""

    __slots__ = ("read_only",)

    def __init__(
        self,
        engine: PooledSQLiteEngine,
        transaction_type: TransactionType = TransactionType.deferred,
        allow_nested: bool = True,
        read_only: bool = False,
    ) -> None:
        super().__init__(engine, transaction_type=transaction_type, allow_nested=allow_nested)
        self.read_only = read_only

    async def __aenter__(self) -> PooledSQLiteTransaction:
        engine: PooledSQLiteEngine = self.engine  # type: ignore[assignment]
        if not self.read_only and _inline_reads.get():
            raise RuntimeError("A write transaction cannot nest inside reads_together().")
        if self._parent is not None:
            if self._parent.read_only and not self.read_only:  # type: ignore[attr-defined]
                raise RuntimeError("A write transaction cannot nest inside reads_together().")
            return self._parent  # type: ignore[return-value]
        if self.read_only:
            self.connection = await engine.reader_checkout()
        else:
            self.connection = await engine.writer_checkout()
        try:
            await self.begin()
        except BaseException:
            await self._release(broken=False)
            raise
        self.context = engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type, exception, traceback) -> bool:  # type: ignore[no-untyped-def]
        if self._parent:
            return exception is None
        try:
            if exception:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        finally:
            self.engine.current_transaction.reset(self.context)
            await self._release(broken=False)
        return exception is None

    async def _release(self, *, broken: bool) -> None:
        engine: PooledSQLiteEngine = self.engine  # type: ignore[assignment]
        connection = self.connection
        # A commit or rollback that failed (or was cancelled) may leave the transaction
        # open: never hand such a connection to the next user.
        if connection.in_transaction:
            try:
                await connection.execute_fetchall("ROLLBACK")
            except Exception:  # noqa: BLE001 - the connection is replaced below
                broken = True
        if self.read_only:
            engine.reader_checkin(connection, broken=broken)
        else:
            await engine.writer_checkin(connection, broken=broken)


class PooledSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine with reused connections (see the module's docstring)."""

    __slots__ = (
        "readers",
        "synchronous",
        "pool_timeout",
        "_inline",
        "_inline_thread",
        "_idle",
        "_open_readers",
        "_waiters",
        "_writer",
        "_writer_lock",
        "_loop",
    )

    def __init__(
        self,
        path: str,
        *,
        readers: int,
        pool_timeout: float,
        synchronous: str = "NORMAL",
        **kwargs: Any,
    ) -> None:
        super().__init__(path=path, **kwargs)
        if synchronous not in ("NORMAL", "FULL"):
            raise ValueError(f"synchronous must be NORMAL or FULL, not {synchronous!r}")
        self.synchronous = synchronous
        self.readers = max(1, readers)
        self.pool_timeout = pool_timeout
        self._inline: sqlite3.Connection | None = None
        self._inline_thread: int | None = None
        self._reset_pool_state()

    def _reset_pool_state(self) -> None:
        self._idle: list[aiosqlite.Connection] = []
        self._open_readers = 0
        self._waiters: deque[asyncio.Future[aiosqlite.Connection]] = deque()
        self._writer: aiosqlite.Connection | None = None
        self._writer_lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _bind_loop(self) -> None:
        """Locks and waiters belong to one event loop; a new loop starts a fresh pool.

        (The CLI migrates in one loop and then serves in another; connections of the old
        one were closed by :meth:`close_pool`.)
        """
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            for connection in [*self._idle, *([self._writer] if self._writer else [])]:
                connection.stop()
            self._reset_pool_state()
            self._loop = loop
            self._writer_lock = asyncio.Lock()

    async def _connect(self, *, read_only: bool) -> aiosqlite.Connection:
        connection = aiosqlite.connect(**self.connection_kwargs)
        # A connection somebody forgot to close must not keep the process from exiting.
        thread = getattr(connection, "_thread", None)
        if thread is not None:
            thread.daemon = True
        await connection
        connection.row_factory = dict_factory  # type: ignore[assignment]
        await connection.execute_fetchall("PRAGMA foreign_keys = 1")
        if read_only:
            await connection.execute_fetchall("PRAGMA query_only = 1")
        else:
            await connection.execute_fetchall(f"PRAGMA synchronous = {self.synchronous}")
        return connection

    # readers ------------------------------------------------------------------------------

    async def reader_checkout(self) -> aiosqlite.Connection:
        self._bind_loop()
        if self._idle:
            return self._idle.pop()
        if self._open_readers < self.readers:
            self._open_readers += 1
            try:
                return await self._connect(read_only=True)
            except BaseException:
                self._open_readers -= 1
                raise
        # All readers busy: queue (first come, first served) until one is checked in.
        waiter: asyncio.Future[aiosqlite.Connection] = self._loop.create_future()  # type: ignore[union-attr]
        self._waiters.append(waiter)
        try:
            return await asyncio.wait_for(waiter, self.pool_timeout)
        except BaseException as error:
            if waiter.done() and not waiter.cancelled():
                # Handed a connection just as the wait ended: give it back.
                self.reader_checkin(waiter.result(), broken=False)
            if isinstance(error, TimeoutError):
                raise PoolTimeout(
                    f"no free SQLite reader connection within {self.pool_timeout:g} s"
                ) from None
            raise
        finally:
            with contextlib.suppress(ValueError):
                self._waiters.remove(waiter)

    def reader_checkin(self, connection: aiosqlite.Connection, *, broken: bool) -> None:
        if broken or self._loop is not asyncio.get_running_loop():
            self._open_readers = max(0, self._open_readers - 1)
            connection.stop()  # closes it on its own thread
            return
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(connection)
                return
        self._idle.append(connection)

    # the writer ---------------------------------------------------------------------------

    async def writer_checkout(self) -> aiosqlite.Connection:
        self._bind_loop()
        assert self._writer_lock is not None
        started = time.monotonic()
        try:
            await asyncio.wait_for(self._writer_lock.acquire(), self.pool_timeout)
        except TimeoutError:
            raise PoolTimeout(
                f"the SQLite writer stayed busy for {time.monotonic() - started:.0f} s"
            ) from None
        try:
            if self._writer is None:
                self._writer = await self._connect(read_only=False)
            return self._writer
        except BaseException:
            self._writer_lock.release()
            raise

    async def writer_checkin(self, connection: aiosqlite.Connection, *, broken: bool) -> None:
        try:
            if broken and self._writer is connection:
                self._writer = None
                with contextlib.suppress(Exception):
                    await connection.close()
        finally:
            if self._writer_lock is not None and self._writer_lock.locked():
                self._writer_lock.release()

    # reads in the loop's thread ----------------------------------------------------------

    @contextlib.asynccontextmanager
    async def inline_reads(self) -> AsyncIterator[None]:
        token = _inline_reads.set(True)
        try:
            yield
        finally:
            _inline_reads.reset(token)

    def _inline_connection(self) -> sqlite3.Connection:
        thread = threading.get_ident()
        if self._inline is None or self._inline_thread != thread:
            kwargs = {**self.connection_kwargs, "timeout": INLINE_BUSY_TIMEOUT_SECONDS}
            connection = sqlite3.connect(**kwargs)  # rows as tuples: _run makes the dicts
            connection.execute("PRAGMA foreign_keys = 1")
            connection.execute("PRAGMA query_only = 1")
            self._inline, self._inline_thread = connection, thread
        return self._inline

    async def close_pool(self) -> None:
        """Close every pooled connection (at shut-down, or before the event loop changes)."""
        if self._inline is not None and self._inline_thread == threading.get_ident():
            self._inline.close()
        self._inline = self._inline_thread = None
        connections = [*self._idle]
        if self._writer is not None:
            connections.append(self._writer)
        self._reset_pool_state()
        for connection in connections:
            with contextlib.suppress(Exception):
                await connection.close()

    # Piccolo's engine interface ------------------------------------------------------------

    def transaction(  # type: ignore[override]
        self,
        transaction_type: TransactionType = TransactionType.deferred,
        allow_nested: bool = True,
    ) -> PooledSQLiteTransaction:
        """A transaction on the writer: any transaction may write."""
        return PooledSQLiteTransaction(
            self, transaction_type=transaction_type, allow_nested=allow_nested
        )

    def read_transaction(self) -> PooledSQLiteTransaction:
        """Several reads on one reader connection, from one snapshot."""
        return PooledSQLiteTransaction(self, read_only=True)

    async def get_connection(self) -> aiosqlite.Connection:
        # Only Piccolo's batch() asks for a connection of its own (and closes it).
        return await self._connect(read_only=False)

    async def run_querystring(self, querystring: QueryString, in_pool: bool = False):  # type: ignore[no-untyped-def]
        query, args = querystring.compile_string(engine_type=self.engine_type)
        return await self._run(query, args, querystring=querystring)

    async def run_ddl(self, ddl: str, in_pool: bool = False):  # type: ignore[no-untyped-def]
        return await self._run(ddl, [], querystring=None)

    async def run_compiled(self, query: str, args: list[Any]) -> Any:
        """A statement already in SQLite's form (``portal.db.PreparedSQL``)."""
        return await self._run(query, args, querystring=None)

    async def _run(self, query: str, args: list[Any], *, querystring: QueryString | None) -> Any:
        query_id = self.get_query_id()
        if self.log_queries:
            self.print_query(query_id=query_id, query=str(querystring or query))
        transaction = self.current_transaction.get()
        if transaction is not None:
            response = await transaction.connection.execute_fetchall(query, args)
        elif _inline_reads.get() or (_page_reads_in_loop.get() and _is_read(query)):
            if not _is_read(query):
                raise RuntimeError("reads_together() is for reads; write in write_transaction().")
            cursor = self._inline_connection().execute(query, args)
            # Piccolo's row factory builds each dict name by name from the description;
            # the names are the same for every row of a statement, so take them once.
            response = cursor.fetchall()
            if response:
                names = [column[0] for column in cursor.description]
                response = [dict(zip(names, row, strict=True)) for row in response]
        elif _is_read(query):
            connection = await self.reader_checkout()
            broken = False
            try:
                response = await connection.execute_fetchall(query, args)
            except aiosqlite.Error as error:
                broken = _connection_broken(error)
                raise
            finally:
                self.reader_checkin(connection, broken=broken)
        else:
            connection = await self.writer_checkout()
            broken = False
            try:
                response = await connection.execute_fetchall(query, args)
            except aiosqlite.Error as error:
                broken = _connection_broken(error)
                raise
            finally:
                await self.writer_checkin(connection, broken=broken)
        if not isinstance(response, list):  # the loop's reads made their list already
            response = list(response)
        if self.log_responses:
            self.print_response(query_id=query_id, response=response)
        return response


def _is_read(query: str) -> bool:
    # Nearly every read starts with the word as written here: no copy made to check it.
    return query.startswith("SELECT") or query.lstrip()[:6].upper() == "SELECT"


def _connection_broken(error: BaseException) -> bool:
    # Constraint violations and the like leave the connection fine; I/O errors don't.
    return isinstance(error, (aiosqlite.OperationalError, aiosqlite.DatabaseError)) and (
        "disk i/o" in str(error).lower() or "malformed" in str(error).lower()
    )


# PostgreSQL -------------------------------------------------------------------------------

# Refusals that mean "not now": the server is full or starting. Waited for, like a busy pool.
_RETRY_ERROR_NAMES = {"TooManyConnectionsError", "CannotConnectNowError"}


def _retryable(error: BaseException) -> bool:
    return type(error).__name__ in _RETRY_ERROR_NAMES or isinstance(
        error, (ConnectionRefusedError, ConnectionResetError)
    )


class QueueingPool:
    """asyncpg's pool, taken in turn, with refused connections waited for instead of failing.

    Turns: asyncpg's pool queues its waiters in an ``asyncio.Queue``, which is not fair: a
    task arriving just after a connection came back takes it before the waiter that was
    woken for it, and that waiter goes to the back of the queue. Under load (a cohort
    opening its pages at once) pages waited behind later ones over and over: p99 several
    times the median. A fair semaphore of the pool's size is taken first, in arrival order,
    so asyncpg's own queue never has waiters.

    Piccolo awaits ``acquire()`` (transactions) or uses it as an async context manager
    (single statements), and calls ``release()`` and ``close()``.
    """

    def __init__(self, pool: Any, *, timeout: float, size: int) -> None:
        self.pool = pool
        self.timeout = timeout
        self._turns = asyncio.Semaphore(size)

    def acquire(self) -> _Acquire:
        return _Acquire(self)

    async def acquire_connection(self) -> Any:
        page = _page_connection.get()
        if page is None or not page.held_by_this_task():
            return await self._acquire_from_pool()
        if page.connection is None:
            page.connection = await self._acquire_from_pool()
            page.pool = self
        return page.connection

    async def _acquire_from_pool(self) -> Any:
        deadline = time.monotonic() + self.timeout
        if self._turns.locked():
            try:
                async with asyncio.timeout(self.timeout):
                    await self._turns.acquire()
            except TimeoutError:
                raise PoolTimeout(f"no PostgreSQL connection within {self.timeout:g} s") from None
        else:
            await self._turns.acquire()  # returns at once
        try:
            return await self._connection_within(deadline)
        except BaseException:
            self._turns.release()
            raise

    async def _connection_within(self, deadline: float) -> Any:
        delay = 0.05
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise PoolTimeout(f"no PostgreSQL connection within {self.timeout:g} s")
            try:
                return await self.pool.acquire(timeout=left)
            except TimeoutError:
                raise PoolTimeout(f"no PostgreSQL connection within {self.timeout:g} s") from None
            except Exception as error:
                if not _retryable(error):
                    raise
                logger.warning("PostgreSQL refused a connection (%s); waiting", error)
                await asyncio.sleep(min(delay, max(0.0, deadline - time.monotonic())))
                delay = min(delay * 2, 1.0)

    async def release(self, connection: Any) -> None:
        page = _page_connection.get()
        if page is not None and connection is page.connection:
            return  # the page's: given back when the page ends (page_reads)
        await self.release_to_pool(connection)

    async def release_to_pool(self, connection: Any) -> None:
        try:
            await self.pool.release(connection)
        finally:
            self._turns.release()

    async def close(self) -> None:
        await self.pool.close()

    def get_size(self) -> int:
        return self.pool.get_size()


class _Acquire:
    __slots__ = ("queueing", "connection")

    def __init__(self, queueing: QueueingPool) -> None:
        self.queueing = queueing
        self.connection: Any = None

    def __await__(self):  # type: ignore[no-untyped-def]
        return self.queueing.acquire_connection().__await__()

    async def __aenter__(self) -> Any:
        self.connection = await self.queueing.acquire_connection()
        return self.connection

    async def __aexit__(self, *exc_info: object) -> None:
        await self.queueing.release(self.connection)


def _connection_class() -> Any:
    import asyncpg

    class SessionlessConnection(asyncpg.Connection):  # type: ignore[misc]
        """A pooled connection handed back without asyncpg's reset query.

        asyncpg runs ``SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL``
        every time a connection goes back to the pool, which Piccolo does after every
        statement outside a transaction: a second round trip for each of them (a link
        sign-in is one UPDATE, so it was half of its database time). Onramp keeps no
        session state on its connections: settings are ``SET LOCAL``, advisory locks are
        ``pg_advisory_xact_lock``, nothing LISTENs or leaves a cursor open, all of which
        end with their transaction; an open transaction is still rolled back on release.
        """

        def get_reset_query(self) -> str:
            return ""

    return SessionlessConnection


async def start_postgres_pool(engine: Any, *, size: int, timeout: float) -> None:
    """Open ``size`` connections now (a reconnecting crowd then opens none) and queue beyond.

    Start-up waits too when PostgreSQL is full or still starting, up to ``timeout``.
    """
    import asyncpg

    deadline = time.monotonic() + timeout
    delay = 0.2
    while True:
        try:
            pool = await asyncpg.create_pool(
                **engine.config,
                # Which process holds which connection, in pg_stat_activity.
                server_settings={"application_name": f"onramp-{os.getpid()}"},
                min_size=size,
                max_size=size,
                connection_class=_connection_class(),
                # Keep them: connections reopened lazily later could be refused mid-storm.
                max_inactive_connection_lifetime=0,
            )
            break
        except Exception as error:
            if not _retryable(error) or time.monotonic() + delay > deadline:
                raise
            logger.warning("PostgreSQL refused the pool (%s); retrying", error)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)
    engine.pool = QueueingPool(pool, timeout=timeout, size=size)
