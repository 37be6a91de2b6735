"""Room tests talk to a real ``onramp serve`` over real websockets."""

from __future__ import annotations

import os

import pytest

from tests.room.helpers import (
    REDIS_URL,
    redis_running,
)


@pytest.fixture(scope="session")
def room_server(live_server: str) -> str:
    """The session's server (tests/conftest.py), on SQLite and on PostgreSQL in turn."""
    return live_server


@pytest.fixture(scope="module")
def redis_url() -> str:
    if not redis_running():
        if os.environ.get("CI"):
            pytest.fail("Redis is required in CI but is not reachable on 127.0.0.1:6379")
        pytest.skip("Redis is not running (required in CI)")
    return REDIS_URL


@pytest.fixture(scope="session")
def redis_room_server(live_redis_server: str) -> str:
    """The session's server fanning out through Redis, like a multi-worker deployment."""
    return live_redis_server


@pytest.fixture
async def publish_through_redis(redis_url: str, monkeypatch):
    """Services called in the test process publish through Redis to the servers' members."""
    from portal.config import get_settings
    from portal.realtime.hub import stop_hubs

    monkeypatch.setenv("ONRAMP_REDIS_URL", redis_url)
    get_settings.cache_clear()
    yield
    await stop_hubs()
    monkeypatch.delenv("ONRAMP_REDIS_URL")
    get_settings.cache_clear()
