"""A real server (``onramp serve``) and a real browser (Debian's chromium via Playwright).

One chromium for the session, a fresh context (cookies, storage) for every test. Browser
tests run on SQLite only (see ``pytest_collection_modifyitems`` in tests/conftest.py):
the database is exercised by the rest of the suite, the browser tests test the pages.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.helpers import CHROMIUM, CHROMIUM_ARGS, PHONE

# ``live_server`` (tests/conftest.py): ``onramp serve`` on the test database, one per session.


@pytest.fixture(scope="session")
async def chromium():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is required in CI")
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
async def phone_page(chromium):
    """A fresh page at phone size (390×844) in a fresh context, zh-CN like most candidates."""
    context = await chromium.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    try:
        yield await context.new_page()
    finally:
        await context.close()
