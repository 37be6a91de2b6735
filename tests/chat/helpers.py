"""Helpers for the chat helper's tests (new sign-in links, points, room)."""

from __future__ import annotations

import re

import httpx

from tests.journeys.helpers import make_step, texts

LINK = re.compile(r"https?://[^\s\"'<>]+/login/[A-Za-z0-9_\-]+")


async def ask_for_link(client: httpx.AsyncClient, phone: str) -> httpx.Response:
    """Post the "get a new link" form the way the signed-out page does."""
    if not client.cookies.get("onramp_csrf"):
        await client.get("/welcome")
    return await client.post(
        "/signin/new-link",
        data={"phone": phone, "_csrf_token": client.cookies.get("onramp_csrf")},
        follow_redirects=False,
    )


async def sms_link_step() -> int:
    return await make_step(
        trigger="event", event="login_link_created", category="transactional",
        channels=("sms",), variants=texts(("登录", "{name}，点此登录：{link}")),
    )  # fmt: skip
