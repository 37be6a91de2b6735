"""Admin test set-up: failed sign-ins must not carry over from one test to the next."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
async def forget_login_attempts(app):
    # The rate-limit store lives under the session's var/ directory and outlives a test;
    # every test client also shares one client IP.
    yield
    await app.state.rate_limit_store.delete_all()
