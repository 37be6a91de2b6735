"""``GET /healthz``: the database, and Redis when configured, answer."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Request, get
from litestar.response import Response

from portal.config import get_settings
from portal.domain.organisation.tables import Stage

CHECK_TIMEOUT_SECONDS = 3


async def _database_ok() -> bool:
    try:
        await asyncio.wait_for(Stage.raw("SELECT 1").run(), CHECK_TIMEOUT_SECONDS)
    except Exception:
        return False
    return True


async def _redis_ok() -> bool:
    from redis.asyncio import Redis

    client = Redis.from_url(get_settings().redis_url, socket_connect_timeout=CHECK_TIMEOUT_SECONDS)
    try:
        return bool(await asyncio.wait_for(client.ping(), CHECK_TIMEOUT_SECONDS))
    except Exception:
        return False
    finally:
        await client.aclose()


@get("/healthz", name="healthz", cache=False, opt={"exclude_from_csrf": True})
async def healthz(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    settings = get_settings()
    checks: dict[str, str] = {"database": "ok" if await _database_ok() else "unavailable"}
    if settings.redis_url:
        checks["redis"] = "ok" if await _redis_ok() else "unavailable"
    healthy = all(value == "ok" for value in checks.values())
    body = {"status": "ok" if healthy else "unavailable", **checks}
    return Response(body, status_code=200 if healthy else 503)
