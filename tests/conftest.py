"""Test set-up: every test runs on SQLite and again on PostgreSQL.

The environment is set before Onramp is imported, because settings are read once.
PostgreSQL is required when ``CI`` is set; locally its tests skip if it is not running.
"""

from __future__ import annotations

import os
import socket
import tempfile
import uuid

_VAR_DIR = tempfile.mkdtemp(prefix="onramp-test-")
os.environ.update(
    {
        "ONRAMP_VAR_DIR": _VAR_DIR,
        "ONRAMP_SECRET_KEY": "test-secret-key-" + "x" * 32,
        "ONRAMP_BASE_URL": "http://testserver.local",
        "ONRAMP_DATABASE_URL": f"sqlite:///{_VAR_DIR}/bootstrap.db",
        # Servers started by tests share the test database: their background deadline
        # checks would race the SLA tests' own. Those tests run the check themselves.
        "ONRAMP_SLA_CHECK_SECONDS": "0",
        # Likewise the outbox relay: the messaging tests start it where they need it.
        "ONRAMP_OUTBOX_RELAY_SECONDS": "0",
        # And the journey evaluator: the journey tests run the evaluation themselves.
        "ONRAMP_JOURNEY_EVALUATE_SECONDS": "0",
        # Redis pub/sub ignores database numbers: runs sharing one Redis keep apart by name.
        "ONRAMP_REDIS_NAMESPACE": f"onramp-test-{uuid.uuid4().hex[:8]}",
    }
)
for name in list(os.environ):
    if name.startswith("ONRAMP_OIDC_") or name == "ONRAMP_REDIS_URL":
        del os.environ[name]

import httpx  # noqa: E402
import pytest  # noqa: E402

from portal.db import bind_engine, close_engine, create_engine, migrate, prepare_engine  # noqa: E402

POSTGRES_HOST = os.environ.get("ONRAMP_TEST_POSTGRES_HOST", "127.0.0.1")
POSTGRES_ADMIN_URL = f"postgresql://postgres@{POSTGRES_HOST}:5432/postgres"


# Tables whose rows the migrations seed (the pipeline, question categories): kept.
SEEDED_TABLES = {"stage", "question_category"}


def _cleaned_tables() -> tuple[str, ...]:
    """Every Onramp table but the seeded ones, children before parents.

    Derived from the Piccolo app, so a new table is cleaned between tests without
    anyone remembering to list it; the order lets SQLite's DELETE respect foreign keys.
    """
    from piccolo.table import sort_table_classes

    from portal.piccolo_app import APP_CONFIG

    parents_first = sort_table_classes(list(APP_CONFIG.table_classes))
    return tuple(
        table._meta.tablename
        for table in reversed(parents_first)
        if table._meta.tablename not in SEEDED_TABLES
    )


CLEANED_TABLES = _cleaned_tables()


def _postgres_running() -> bool:
    try:
        with socket.create_connection((POSTGRES_HOST, 5432), timeout=1):
            return True
    except OSError:
        return False


async def _admin_execute(sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(POSTGRES_ADMIN_URL.replace("postgresql://", "postgres://"))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


# The URL of the database the current tests run on, for subprocesses (CLI, servers).
CURRENT = {"database_url": ""}


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
async def database(request: pytest.FixtureRequest):
    """A freshly migrated database of each kind, bound as Piccolo's engine."""
    backend = request.param
    if backend == "postgres":
        if not _postgres_running():
            if os.environ.get("CI"):
                pytest.fail("PostgreSQL is required in CI but is not reachable on 127.0.0.1:5432")
            pytest.skip("PostgreSQL is not running (required in CI)")
        name = f"onramp_test_{uuid.uuid4().hex[:10]}"
        await _admin_execute(f'CREATE DATABASE "{name}"')
        url = f"postgresql://postgres@{POSTGRES_HOST}:5432/{name}"
    else:
        url = f"sqlite:///{_VAR_DIR}/test-{uuid.uuid4().hex[:8]}.db"
    CURRENT["database_url"] = url
    engine = create_engine(url)
    bind_engine(engine)
    await prepare_engine(engine)
    await migrate()
    yield backend
    await close_engine(engine)
    if backend == "postgres":
        await _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_url(database: str) -> str:
    return CURRENT["database_url"]


@pytest.fixture(autouse=True)
async def clean_database(database: str):
    yield
    from portal.domain.organisation.tables import Stage

    if database == "postgres":
        await Stage.raw(f"TRUNCATE {', '.join(CLEANED_TABLES)} RESTART IDENTITY CASCADE").run()
    else:
        for table in CLEANED_TABLES:
            await Stage.raw(f"DELETE FROM {table}").run()  # noqa: S608 - fixed table names


@pytest.fixture
async def app():
    from onramp.app import create_app

    return create_app(manage_database=False)


@pytest.fixture
async def client(app):
    """An HTTP client calling the app in this event loop (the database pool lives here too)."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as c:
        yield c
