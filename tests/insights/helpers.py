"""Helpers for the insights tests."""

from __future__ import annotations

import re

import httpx


def csrf(client: httpx.AsyncClient) -> str:
    return client.cookies.get("onramp_csrf") or ""


def form_key_of(html: str) -> str:
    found = re.search(r'name="form_key" value="([0-9a-f]{32})"', html)
    assert found, "no form key on the page"
    return found.group(1)
