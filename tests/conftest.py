"""Test set-up: every test that touches the database runs on SQLite and again on PostgreSQL.

The environment is set before Onramp is imported, because settings are read once.
PostgreSQL is required when ``CI`` is set; locally its tests skip if it is not running.
"""

from __future__ import annotations

import inspect
import os
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
        # And the full risk recompute (a minute after start-up, then hourly): the session's
        # shared servers live that long, and it raced the insights tests' own recomputes.
        "ONRAMP_RISK_RECOMPUTE_MINUTES": "0",
        # Redis pub/sub ignores database numbers: runs sharing one Redis keep apart by name.
        "ONRAMP_REDIS_NAMESPACE": f"onramp-test-{uuid.uuid4().hex[:8]}",
    }
)
for name in list(os.environ):
    if name.startswith("ONRAMP_OIDC_") or name == "ONRAMP_REDIS_URL":
        del os.environ[name]

import httpx  # noqa: E402
import pytest  # noqa: E402
from argon2 import PasswordHasher  # noqa: E402

from portal.auth.passwords import password_hasher_use  # noqa: E402
from portal.db import bind_engine, close_engine, create_engine, migrate, prepare_engine  # noqa: E402
from tests.databases import (  # noqa: E402
    POSTGRES_HOST,
    postgres_admin_execute,
    postgres_running,
)

# Argon2's production profile costs ~50 ms and 64 MiB a hash; tests hash thousands of
# passwords to exercise sign-in, not argon2. (A hash carries its parameters, so servers
# the tests start verify these cheaply too.)
password_hasher_use(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


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


# The URL of the database the current tests run on, for subprocesses (CLI, servers).
CURRENT = {"database_url": ""}


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
async def database(request: pytest.FixtureRequest):
    """A freshly migrated database of each kind, bound as Piccolo's engine."""
    backend = request.param
    if backend == "postgres":
        if not postgres_running():
            if os.environ.get("CI"):
                pytest.fail("PostgreSQL is required in CI but is not reachable on 127.0.0.1:5432")
            pytest.skip("PostgreSQL is not running (required in CI)")
        name = f"onramp_test_{uuid.uuid4().hex[:10]}"
        await postgres_admin_execute(f'CREATE DATABASE "{name}"')
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
        await postgres_admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_url(database: str) -> str:
    return CURRENT["database_url"]


# PostgreSQL's sequences, found once per database: reset after each test as TRUNCATE's
# RESTART IDENTITY did (TRUNCATE of ~50 tables cost ~0.6 s a test; DELETE costs ~2 ms).
_SEQUENCES: dict[str, list[str]] = {}


async def _postgres_sequences() -> list[str]:
    from portal.domain.organisation.tables import Stage

    url = CURRENT["database_url"]
    if url not in _SEQUENCES:
        rows = await Stage.raw(
            "SELECT pg_get_serial_sequence(quote_ident(table_name), column_name) AS seq "
            "FROM information_schema.columns WHERE table_schema = 'public' "
            "AND column_default LIKE 'nextval%%'"
        ).run()
        seeded = {f"public.{table}_" for table in SEEDED_TABLES}
        _SEQUENCES[url] = [
            row["seq"]
            for row in rows
            if row["seq"] and not any(row["seq"].startswith(prefix) for prefix in seeded)
        ]
    return _SEQUENCES[url]


@pytest.fixture(autouse=True)
async def clean_database(database: str):
    yield
    from portal.domain.organisation.tables import Stage

    if database == "postgres":
        # One round trip: asyncpg sends a script without parameters as one simple query,
        # which PostgreSQL runs as one transaction. Sequence names come from the catalogue.
        script = ";".join(
            [f"DELETE FROM {table}" for table in CLEANED_TABLES]  # noqa: S608 - fixed names
            + [f"SELECT setval('{seq}', 1, false)" for seq in await _postgres_sequences()]
        )
        async with Stage._meta.db.pool.acquire() as connection:
            await connection.execute(script)
        return
    # One transaction on one connection, children before parents.
    async with Stage._meta.db.transaction():
        for table in CLEANED_TABLES:
            await Stage.raw(f"DELETE FROM {table}").run()  # noqa: S608 - fixed table names


@pytest.fixture(scope="session")
async def app():
    """One app for the session: building it costs ~0.4 s, and tests share no state in it
    but the rate-limit store, which :func:`forget_rate_limits` empties after each test."""
    from onramp.app import create_app

    return create_app(manage_database=False)


# The session-long servers share the test database with every later test of their worker,
# whose rows are deleted and ids reused after each test. Their activity writer and risk
# watcher wrote on their own schedule: page views buffered during one test landed in
# another's database (a writer test counted 5 events for 1), and a background rescore made
# a CLI test's first assessment the server's. No test relies on those two in a shared server;
# tests of them run them in process or start a server of their own.
SHARED_SERVER_ENV = {"ONRAMP_ACTIVITY_FLUSH_SECONDS": "0", "ONRAMP_RISK_RECOMPUTE_MINUTES": "0"}


@pytest.fixture(scope="session")
def live_server(database_url: str):
    """``onramp serve`` on the test database; yields its base URL.

    One per worker and database for the whole session (starting one costs 2 to 8 s on a
    loaded machine): the browser, room, 1:1 thread and API tests share it, as the tests of
    one module always did. Tests that need a server configured otherwise start their own.
    """
    from tests.live_servers import onramp_server

    with onramp_server(database_url, env=SHARED_SERVER_ENV) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def live_redis_server(database_url: str):
    """Like :func:`live_server`, fanning out through Redis like a multi-worker deployment."""
    from tests.live_servers import onramp_server
    from tests.room.helpers import REDIS_URL, redis_running

    if not redis_running():
        if os.environ.get("CI"):
            pytest.fail("Redis is required in CI but is not reachable on 127.0.0.1:6379")
        pytest.skip("Redis is not running (required in CI)")
    with onramp_server(
        database_url, env={**SHARED_SERVER_ENV, "ONRAMP_REDIS_URL": REDIS_URL}
    ) as base_url:
        yield base_url


@pytest.fixture
async def staff_client(app):
    """Open a second client signed in as new staff: ``hr = await staff_client("hr")``."""
    from tests.factories import sign_in_as

    opened: list[httpx.AsyncClient] = []

    async def open_signed_in(role: str = "hr", *, department=None) -> httpx.AsyncClient:
        opened.append(
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://testserver.local"
            )
        )
        await sign_in_as(opened[-1], role, department=department)
        return opened[-1]

    yield open_signed_in
    for each in opened:
        await each.aclose()


@pytest.fixture(autouse=True)
def forget_buffered_activity():
    """Page views are buffered in the process until a writer flushes them, and tests run
    without that writer: one test's views must not reach the next test's database (a test of
    the writer counted four events another test had left, seen in CI)."""
    from portal.domain.insights.activity import activity_buffer_clear, activity_candidates_take

    activity_buffer_clear()
    activity_candidates_take()  # and who was active, for the risk watcher
    yield
    activity_buffer_clear()
    activity_candidates_take()


@pytest.fixture(autouse=True)
def forget_settings():
    """Settings are read once and cached; a test that changes the environment (monkeypatch
    undoes that after it) must not leave its settings to the next test."""
    yield
    from portal.config import get_settings

    get_settings.cache_clear()


@pytest.fixture(autouse=True)
async def forget_rate_limits(request: pytest.FixtureRequest):
    yield
    if "app" in request.fixturenames:
        await request.getfixturevalue("app").state.rate_limit_store.delete_all()


@pytest.fixture
def settings_env(monkeypatch):
    """``settings_env(ONRAMP_X="1", …)`` sets variables for one test (settings re-read)."""
    from portal.config import get_settings

    def apply(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()

    yield apply
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture
def smtp_sink():
    """A local SMTP server that keeps what it receives (tests/messaging/servers.py)."""
    from tests.messaging.servers import SmtpSink

    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def http_sink():
    """A local HTTP server that records requests (SMS provider, bots, webhooks)."""
    from tests.messaging.servers import HttpSink

    sink = HttpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def channels(settings_env, smtp_sink, http_sink):
    """E-mail and SMS configured against local servers; no quiet hours."""
    settings_env(
        ONRAMP_SMTP_HOST="127.0.0.1",
        ONRAMP_SMTP_PORT=str(smtp_sink.port),
        ONRAMP_SMTP_TLS="none",
        ONRAMP_SMS_URL=http_sink.url("/sms"),
        ONRAMP_OUTBOUND_ALLOW_PRIVATE="true",
        ONRAMP_OUTBOX_QUIET_HOURS="off",
    )
    return smtp_sink, http_sink


@pytest.fixture
async def client(app):
    """An HTTP client calling the app in this event loop (the database pool lives here too)."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as c:
        yield c


# Fixtures through which a test reaches a database even when its own code is synchronous.
_DATABASE_FIXTURES = {"database", "database_url", "live_server", "app", "client"}


def _runs_on_one_database(item: pytest.Item) -> bool:
    """Whether the database cannot matter to ``item``, so it need not run twice.

    Browser tests test pages, not databases; a synchronous test cannot await a query
    (Piccolo is async), so unless it asks for a database fixture it never touches one.
    """
    if item.nodeid.startswith("tests/browser/") or item.get_closest_marker("one_database"):
        return True
    function = getattr(item, "function", None)
    if function is None or inspect.iscoroutinefunction(function):
        return False
    return not _DATABASE_FIXTURES & set(item._fixtureinfo.argnames)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    twice = [
        item
        for item in items
        if getattr(item, "callspec", None) is not None
        and item.callspec.params.get("database") == "postgres"
        and _runs_on_one_database(item)
    ]
    if twice:
        dropped = set(twice)
        items[:] = [item for item in items if item not in dropped]
        config.hook.pytest_deselected(items=twice)
