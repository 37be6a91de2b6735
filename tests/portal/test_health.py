from __future__ import annotations

import os
import socket

import httpx
import pytest

from onramp.app import create_app
from portal.config import get_settings


def redis_running() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_url(monkeypatch):
    def use(url: str) -> None:
        monkeypatch.setenv("ONRAMP_REDIS_URL", url)
        get_settings.cache_clear()

    yield use
    monkeypatch.delenv("ONRAMP_REDIS_URL", raising=False)
    get_settings.cache_clear()


async def _get_health(app) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as c:
        return await c.get("/healthz")


async def test_healthy_database_answers_ok(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_unreachable_redis_makes_health_fail(redis_url):
    redis_url(f"redis://127.0.0.1:{_free_port()}/0")
    response = await _get_health(create_app(manage_database=False))
    assert response.status_code == 503
    assert response.json()["redis"] == "unavailable"
    assert response.json()["database"] == "ok"


async def test_configured_redis_is_reported(redis_url):
    if not redis_running():
        if os.environ.get("CI"):
            pytest.fail("Redis is required in CI but is not reachable on 127.0.0.1:6379")
        pytest.skip("Redis is not running (required in CI)")
    redis_url("redis://127.0.0.1:6379/15")
    response = await _get_health(create_app(manage_database=False))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_unreachable_database_makes_health_fail(client):
    from portal.db import bind_engine, create_engine, current_engine

    original = current_engine()
    bind_engine(create_engine(f"postgresql://postgres@127.0.0.1:{_free_port()}/gone"))
    try:
        response = await client.get("/healthz")
    finally:
        bind_engine(original)
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unavailable"}
