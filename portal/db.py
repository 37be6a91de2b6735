"""Database engines, migrations and write transactions for SQLite and PostgreSQL.

Piccolo finds its engine through ``piccolo_conf.DB``; :func:`bind_engine` swaps it for
every table at once so a process (a test session, say) can move between databases.
Every process reuses its connections (``portal/db_pools.py``): PostgreSQL through a pool
of ``ONRAMP_DATABASE_POOL_SIZE`` connections opened at start-up, SQLite through as many
reader connections plus one writer. A busy pool queues (up to
``ONRAMP_DATABASE_POOL_TIMEOUT_SECONDS``) rather than failing.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import io
import logging
import os
import string
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from types import ModuleType
from urllib.parse import urlsplit

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.querystring import QueryString

from portal.config import get_settings
from portal.db_pools import PooledSQLiteEngine, start_postgres_pool
from portal.db_pools import page_reads as page_reads  # re-exported for pages
from portal.db_pools import page_reads_in_loop as page_reads_in_loop  # re-exported for pages

logger = logging.getLogger("onramp.db")

os.environ.setdefault("PICCOLO_CONF", "portal.piccolo_conf")

# SQLite waits this long for a competing writer before "database is locked".
SQLITE_BUSY_TIMEOUT_SECONDS = 30


def create_engine(database_url: str | None = None) -> Engine:
    url = database_url or get_settings().database_url
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        directory = os.path.dirname(path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        settings = get_settings()
        return PooledSQLiteEngine(
            path=path,
            synchronous=settings.sqlite_synchronous,
            readers=settings.database_pool_size,
            pool_timeout=settings.database_pool_timeout_seconds,
            timeout=SQLITE_BUSY_TIMEOUT_SECONDS,
        )
    parts = urlsplit(url)
    config = {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": parts.username or "postgres",
        "database": (parts.path or "/postgres").lstrip("/") or "postgres",
    }
    if parts.password:
        config["password"] = parts.password
    return PostgresEngine(config=config)


def current_engine() -> Engine:
    # The module is imported on the first call (it imports this one), then kept: every
    # statement asks, and an import statement costs a look-up through the import system.
    global _piccolo_conf
    if _piccolo_conf is None:
        from portal import piccolo_conf

        _piccolo_conf = piccolo_conf
    return _piccolo_conf.DB  # type: ignore[no-any-return]


_piccolo_conf: ModuleType | None = None


def bind_engine(engine: Engine) -> None:
    """Point Piccolo (and every table class already created) at ``engine``."""
    from piccolo.apps.migrations.tables import Migration

    from portal import piccolo_conf
    from portal.piccolo_app import APP_CONFIG

    piccolo_conf.DB = engine
    for table in [*APP_CONFIG.table_classes, Migration]:
        table._meta.db = engine


async def prepare_engine(engine: Engine | None = None) -> None:
    """Per-process start-up: WAL for SQLite, the connection pool for PostgreSQL."""
    engine = engine or current_engine()
    if isinstance(engine, SQLiteEngine):
        # WAL lets readers proceed while one writer writes; it persists in the file.
        await engine.run_ddl("PRAGMA journal_mode=WAL")
    elif isinstance(engine, PostgresEngine) and engine.pool is None:
        settings = get_settings()
        await start_postgres_pool(
            engine,
            size=settings.database_pool_size,
            timeout=settings.database_pool_timeout_seconds,
        )


async def close_engine(engine: Engine | None = None) -> None:
    engine = engine or current_engine()
    if isinstance(engine, PostgresEngine) and engine.pool is not None:
        await engine.close_connection_pool()
        engine.pool = None
    elif isinstance(engine, PooledSQLiteEngine):
        await engine.close_pool()


# The app's start-up and shut-down hooks. Litestar passes the app to a hook that takes an
# argument, so these take none (``prepare_engine(app)`` once left PostgreSQL without a pool).
async def database_start() -> None:
    await prepare_engine()


async def database_stop() -> None:
    await close_engine()


async def migrate(*, quiet: bool = True) -> None:
    """Apply every pending migration (idempotent)."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    await prepare_engine()
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink) if quiet else contextlib.nullcontext():
        result = await run_forwards(app_name="onramp")
    if not result.success:
        raise RuntimeError(f"Migrations failed: {result.message}\n{sink.getvalue()}")


# Callbacks waiting for the outermost write transaction of this context to commit.
_commit_hooks: contextvars.ContextVar[list[Callable[[], Awaitable[None]]] | None] = (
    contextvars.ContextVar("onramp_commit_hooks", default=None)
)


@contextlib.asynccontextmanager
async def write_transaction() -> AsyncIterator[None]:
    """A transaction for writes.

    On SQLite it starts IMMEDIATE, taking the write lock up front: a deferred
    transaction that reads then writes can fail with "database is locked" when
    another writer got there between the two. Inside another write transaction it is
    part of that one (no savepoint): the outermost commits, and runs what
    :func:`after_commit` registered.
    """
    engine = current_engine()
    if engine.current_transaction.get() is not None:
        async with _transaction(engine):
            yield
        return
    hooks: list[Callable[[], Awaitable[None]]] = []
    token = _commit_hooks.set(hooks)
    try:
        async with _transaction(engine):
            yield
    finally:
        _commit_hooks.reset(token)
    for hook in hooks:
        await _run_hook(hook)


def _transaction(engine: Engine):  # type: ignore[no-untyped-def]
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


async def transaction_lock(*keys: int) -> None:
    """Inside a write transaction: wait until no other transaction holds the lock ``keys``
    (one number, or a space and a number), then hold it until this one ends.

    For decisions that read before they write and must not be made twice at once by two
    workers. On PostgreSQL a transaction-scoped advisory lock; on SQLite nothing is needed:
    write transactions begin IMMEDIATE, so they already run one at a time.
    """
    if current_engine().engine_type != "postgres":
        return
    marks = ", ".join("{}" for _ in keys)
    await run_prepared(prepared(f"SELECT pg_advisory_xact_lock({marks})"), keys)


async def rows_hold(table: str, ids: list[int]) -> None:
    """Inside a write transaction: hold these rows of ``table`` until it ends.

    Two transactions deciding on one row (a candidate's points, a pool entry's status) then
    run one after the other, each reading what the other left. On PostgreSQL the rows are
    locked in id order, ``FOR NO KEY UPDATE`` (what an update of them takes: rows that
    merely reference them need not wait, so no deadlock with those); on SQLite nothing is
    needed, write transactions being IMMEDIATE.
    """
    if current_engine().engine_type != "postgres" or not ids:
        return
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), 900):
        chunk = ordered[start : start + 900]
        marks = ", ".join("{}" for _ in chunk)
        await run_prepared(
            prepared(
                f'SELECT id FROM "{table}" WHERE id IN ({marks}) ORDER BY id FOR NO KEY UPDATE'
            ),
            tuple(chunk),
        )


async def after_commit(hook: Callable[[], Awaitable[None]]) -> None:
    """Run ``hook`` once the current write transaction has committed (now, outside one).

    For what other processes must learn only when the change is visible: room sockets
    re-checking membership, events. A failing hook is logged, never raised: the change
    it follows is already committed.
    """
    hooks = _commit_hooks.get()
    if hooks is not None:
        hooks.append(hook)
    else:
        await _run_hook(hook)


async def _run_hook(hook: Callable[[], Awaitable[None]]) -> None:
    try:
        await hook()
    except Exception:
        logger.exception("after-commit hook %r failed", hook)


@contextlib.asynccontextmanager
async def reads_together() -> AsyncIterator[None]:
    """A burst of short reads (a websocket handshake), as cheaply as the database allows.

    On PostgreSQL one pooled connection and one snapshot. On SQLite the reads run on a
    query-only connection in the event loop's thread (``portal/db_pools.py`` says why),
    each from the latest commit; only short, indexed reads belong here, and writing
    there fails loudly.
    """
    engine = current_engine()
    if isinstance(engine, PooledSQLiteEngine):
        async with engine.inline_reads():
            yield
        return
    async with engine.transaction():
        yield


class PreparedSQL:
    """A statement written once with ``{}`` placeholders (as ``Table.raw`` takes them),
    compiled once per database, and run without Piccolo's query builder.

    Pages run a few such reads on every request. ``Table.raw(...).run()`` parsed the text,
    bundled its arguments and compiled it again each time: ~18 µs per statement, as much
    as a short indexed read itself costs SQLite. :meth:`rows` returns what ``raw().run()``
    returns (a list of dicts) and runs where it would: in the current transaction, on the
    page's connection, in the loop or on a pooled reader (``portal/db_pools.py``).
    """

    __slots__ = ("text", "sqlite", "postgres")

    def __init__(self, text: str) -> None:
        self.text = text
        sqlite, postgres = [], []
        count = 0
        for literal, field, spec, conversion in string.Formatter().parse(text):
            sqlite.append(literal)
            postgres.append(literal)
            if field is None:
                continue
            if field or spec or conversion:
                raise ValueError(f"only {{}} placeholders: {{{field}}} in {text[:60]!r}")
            count += 1
            sqlite.append("?")
            postgres.append(f"${count}")
        self.sqlite = "".join(sqlite)
        self.postgres = "".join(postgres)

    async def rows(self, *args: object) -> list[dict]:
        return await run_prepared(self, args)


@functools.lru_cache(maxsize=256)
def prepared(text: str) -> PreparedSQL:
    """The :class:`PreparedSQL` of ``text``, built once per distinct text.

    For a read assembled from a few fixed parts (a list's optional filters, a staff
    member's scope): there are only so many combinations, each compiled once.
    """
    return PreparedSQL(text)


async def run_prepared(statement: PreparedSQL, args: tuple[object, ...]) -> list[dict]:
    """Run ``statement`` on the current engine (tests count statements here too)."""
    engine = current_engine()
    if isinstance(engine, PooledSQLiteEngine):
        return await engine.run_compiled(statement.sqlite, list(args))  # type: ignore[no-any-return]
    if isinstance(engine, PostgresEngine):
        transaction = engine.current_transaction.get()
        if transaction is not None:
            records = await transaction.connection.fetch(statement.postgres, *args)
            return [dict(record) for record in records]
        if engine.pool is not None:
            async with engine.pool.acquire() as connection:
                records = await connection.fetch(statement.postgres, *args)
            return [dict(record) for record in records]
    # No pool (a one-off command before start-up): Piccolo's own way.
    rows = await engine.run_querystring(QueryString(statement.text, *args))
    return [dict(row) for row in rows]


@contextlib.contextmanager
def unique_violation_raises(replacement: Callable[[], Exception]) -> Iterator[None]:
    """Turn a unique-constraint failure into ``replacement()``.

    Services check uniqueness first for a friendly message, but two requests can both pass
    the check; the constraint decides, and the loser gets the same message.
    """
    try:
        yield
    except Exception as error:
        if is_unique_violation(error):
            raise replacement() from error
        raise


def is_unique_violation(error: BaseException) -> bool:
    """True for a unique-constraint failure on either backend."""
    name = type(error).__name__
    text = str(error).lower()
    return name == "UniqueViolationError" or "unique constraint failed" in text
