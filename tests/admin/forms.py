"""Posting admin forms the way a browser does: with the CSRF cookie's token."""

from __future__ import annotations

import re
from typing import Any

import httpx


async def csrf_token(client: httpx.AsyncClient) -> str:
    if not client.cookies.get("onramp_csrf"):
        await client.get("/admin/login")
    token = client.cookies.get("onramp_csrf")
    assert token
    return token


async def submit(client: httpx.AsyncClient, path: str, data: dict[str, Any]) -> httpx.Response:
    token = await csrf_token(client)
    return await client.post(path, data={**data, "_csrf_token": token}, follow_redirects=False)


def field_error(html: str, field: str) -> str | None:
    """The error message shown next to ``field``, or None."""
    match = re.search(rf'data-testid="error-{re.escape(field)}">([^<]*)<', html)
    return match.group(1) if match else None
