"""Database engines, migrations and write transactions for SQLite and PostgreSQL.

Piccolo finds its engine through ``piccolo_conf.DB``; :func:`bind_engine` swaps it for
every table at once so a process (a test session, say) can move between databases.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import AsyncIterator, Callable, Iterator
from urllib.parse import urlsplit

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from portal.config import get_settings

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
        return SQLiteEngine(path=path, timeout=SQLITE_BUSY_TIMEOUT_SECONDS)
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
    from portal import piccolo_conf

    return piccolo_conf.DB


def bind_engine(engine: Engine) -> None:
    """Point Piccolo (and every table class already created) at ``engine``."""
    from piccolo.apps.migrations.tables import Migration

    from portal import piccolo_conf
    from portal.piccolo_app import APP_CONFIG

    piccolo_conf.DB = engine
    for table in [*APP_CONFIG.table_classes, Migration]:
        table._meta.db = engine


async def prepare_engine(engine: Engine | None = None) -> None:
    """Per-process start-up: WAL for SQLite, a connection pool for PostgreSQL."""
    engine = engine or current_engine()
    if isinstance(engine, SQLiteEngine):
        # WAL lets readers proceed while one writer writes; it persists in the file.
        await engine.run_ddl("PRAGMA journal_mode=WAL")
    elif isinstance(engine, PostgresEngine) and engine.pool is None:
        await engine.start_connection_pool(min_size=1, max_size=10)


async def close_engine(engine: Engine | None = None) -> None:
    engine = engine or current_engine()
    if isinstance(engine, PostgresEngine) and engine.pool is not None:
        await engine.close_connection_pool()
        engine.pool = None


async def migrate(*, quiet: bool = True) -> None:
    """Apply every pending migration (idempotent)."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    await prepare_engine()
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink) if quiet else contextlib.nullcontext():
        result = await run_forwards(app_name="onramp")
    if not result.success:
        raise RuntimeError(f"Migrations failed: {result.message}\n{sink.getvalue()}")


@contextlib.asynccontextmanager
async def write_transaction() -> AsyncIterator[None]:
    """A transaction for writes.

    On SQLite it starts IMMEDIATE, taking the write lock up front: a deferred
    transaction that reads then writes can fail with "database is locked" when
    another writer got there between the two.
    """
    engine = current_engine()
    if isinstance(engine, SQLiteEngine):
        async with engine.transaction(transaction_type=TransactionType.immediate):
            yield
    else:
        async with engine.transaction():
            yield


@contextlib.asynccontextmanager
async def reads_together() -> AsyncIterator[None]:
    """Several reads on one connection.

    Piccolo's SQLite engine opens a connection per query outside a transaction; a burst of
    small reads (a websocket handshake) is much cheaper on one. On PostgreSQL it is one
    pooled connection and a consistent snapshot.
    """
    async with current_engine().transaction():
        yield


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
