"""What browser tests share besides fixtures: chromium's settings and live-server links."""

from __future__ import annotations

import os
from pathlib import Path

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


def live_url(link: str, base_url: str) -> str:
    """A sign-in link made in the test process, pointed at the live server."""
    return base_url + link[link.index("/login/") :]


async def sign_in_by_link(page, link: str) -> None:
    """Open a sign-in link and tap "continue", as a person does (a GET never signs in)."""
    await page.goto(link)
    async with page.expect_navigation():
        await page.get_by_test_id("continue").click()
