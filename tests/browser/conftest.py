"""A real server (``onramp serve``) and a real browser (Debian's chromium via Playwright)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
SCREENSHOT_DIR = Path(os.environ["ONRAMP_VAR_DIR"]) / "screenshots"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(database_url: str):
    """``onramp serve`` in a subprocess on the test database; yields its base URL."""
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "ONRAMP_DATABASE_URL": database_url, "ONRAMP_BASE_URL": base_url}
    process = subprocess.Popen(
        [sys.executable, "-m", "onramp.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            pytest.fail(f"onramp serve exited early:\n{output}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("onramp serve did not become healthy within 60 s")
        time.sleep(0.2)
    yield base_url
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture
async def phone_page():
    """A fresh chromium page at phone size (390×844), zh-CN like most candidates."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is required in CI")
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = await browser.new_context(
            viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
        )
        page = await context.new_page()
        try:
            yield page
        finally:
            await browser.close()


def live_url(link: str, base_url: str) -> str:
    """A sign-in link made in the test process, pointed at the live server."""
    return base_url + link[link.index("/login/") :]


async def sign_in_by_link(page, link: str) -> None:
    """Open a sign-in link and tap "continue", as a person does (a GET never signs in)."""
    await page.goto(link)
    async with page.expect_navigation():
        await page.get_by_test_id("continue").click()
