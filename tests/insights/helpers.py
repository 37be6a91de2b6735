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


def onramp(database_url: str, *args: str):  # noqa: ANN201
    """Run the ``onramp`` command against the test database (as tests/portal/test_cli.py)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "ONRAMP_DATABASE_URL": database_url}
    return subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "onramp.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        check=False,
    )
