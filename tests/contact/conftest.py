"""The 1:1 thread's socket tests talk to a real ``onramp serve`` over real websockets."""

from __future__ import annotations

import pytest

from tests.live_servers import onramp_server


@pytest.fixture(scope="module")
def contact_server(database_url: str):
    """One server per test module (on SQLite and on PostgreSQL in turn)."""
    with onramp_server(database_url) as base_url:
        yield base_url


@pytest.fixture
def push_channels(monkeypatch):
    """E-mail and SMS offered (configured), so an announcement may use them."""
    from portal.config import get_settings

    monkeypatch.setenv("ONRAMP_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("ONRAMP_SMS_URL", "http://127.0.0.1:9/sms")
    monkeypatch.setenv("ONRAMP_OUTBOUND_ALLOW_PRIVATE", "true")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def contact_redis_server(database_url: str):
    """A server fanning out through Redis, like a multi-worker deployment."""
    import os

    from tests.room.helpers import REDIS_URL, redis_running

    if not redis_running():
        if os.environ.get("CI"):
            pytest.fail("Redis is required in CI but is not reachable on 127.0.0.1:6379")
        pytest.skip("Redis is not running (required in CI)")
    with onramp_server(database_url, env={"ONRAMP_REDIS_URL": REDIS_URL}) as base_url:
        yield base_url
