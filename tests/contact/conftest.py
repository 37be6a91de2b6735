"""The 1:1 thread's socket tests talk to a real ``onramp serve`` over real websockets."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def contact_server(live_server: str) -> str:
    """The session's server (tests/conftest.py), on SQLite and on PostgreSQL in turn."""
    return live_server


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


@pytest.fixture(scope="session")
def contact_redis_server(live_redis_server: str) -> str:
    """The session's server fanning out through Redis, like a multi-worker deployment."""
    return live_redis_server
