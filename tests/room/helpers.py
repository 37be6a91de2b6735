"""Helpers for the room tests (fixtures are in conftest.py)."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
import websockets
from websockets.asyncio.client import ClientConnection

from portal.domain.candidates.login_links import login_link_create
from portal.domain.rooms.membership import cohort_room_ensure
from tests.factories import tap_login_link


async def candidate_cookie(base_url: str, candidate_id: int) -> str:
    """Sign in through the real one-time link and return the session cookie header."""
    link = await login_link_create(candidate_id=candidate_id)
    path = link[link.index("/login/") :]
    async with httpx.AsyncClient(base_url=base_url) as client:
        await tap_login_link(client, path)
        return f"onramp_session={client.cookies['onramp_session']}"


async def staff_cookie(base_url: str, email: str, password: str) -> str:
    async with httpx.AsyncClient(base_url=base_url) as client:
        await client.get("/admin/login")
        response = await client.post(
            "/admin/login",
            data={
                "email": email,
                "password": password,
                "_csrf_token": client.cookies.get("onramp_csrf"),
            },
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        return f"onramp_session={client.cookies['onramp_session']}"


def ws_url(base_url: str, room_id: int, after: int | None = None) -> str:
    url = base_url.replace("http://", "ws://") + f"/ws/rooms/{room_id}"
    return url if after is None else f"{url}?after={after}"


async def connect(
    base_url: str, room_id: int, cookie: str, *, after: int | None = 0, origin: str | None = None
) -> ClientConnection:
    return await websockets.connect(
        ws_url(base_url, room_id, after),
        origin=origin or base_url,
        additional_headers={"Cookie": cookie},
        open_timeout=10,
    )


async def receive(ws: ClientConnection, timeout: float = 5.0) -> dict[str, Any]:  # noqa: ASYNC109
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def receive_until(
    ws: ClientConnection,
    wanted: str,
    timeout: float = 5.0,  # noqa: ASYNC109
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Frames up to the first of type ``wanted``; returns it and the ones before."""
    before: list[dict[str, Any]] = []
    while True:
        frame = await receive(ws, timeout)
        if frame["type"] == wanted:
            return frame, before
        before.append(frame)


async def send(
    ws: ClientConnection, body: str, *, kind: str = "chat", client_id: str | None = None, **extra
) -> str:
    client_id = client_id or str(uuid.uuid4())
    frame = {"type": "send", "client_id": client_id, "kind": kind, "body": body, "reply_to": None}
    await ws.send(json.dumps({**frame, **extra}))
    return client_id


async def quiet(ws: ClientConnection, seconds: float = 0.5) -> list[dict[str, Any]]:
    """Whatever arrives within ``seconds`` (to check nothing else does)."""
    frames = []
    try:
        while True:
            frames.append(await receive(ws, seconds))
    except TimeoutError:
        return frames


__all__ = ["cohort_room_ensure"]


REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_running() -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False
