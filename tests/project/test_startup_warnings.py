"""Starting Onramp raises no deprecation warning, from our code or from what it uses.

A deprecation seen at start-up is an API about to go away under us: it is cheapest to
move while the replacement is fresh. (Warnings raised by ``portal``, ``admin`` and
``onramp`` during the tests fail them through pyproject's ``filterwarnings``.)
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from portal.config import PROJECT_ROOT

WARNINGS_AS_ERRORS = ["-W", "error::DeprecationWarning", "-W", "error::PendingDeprecationWarning"]


def python(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *WARNINGS_AS_ERRORS, *args],
        env={**os.environ, "ONRAMP_DATABASE_URL": database_url},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


# What a worker imports builds the database engine (SQLite's or PostgreSQL's): on both.
# The rest once: the command's help and settings table touch no database, and the app
# alone is part of what a worker imports.
@pytest.mark.parametrize(
    "start",
    [
        # What each uvicorn worker imports.
        pytest.param(["-c", "import onramp.asgi"], id="asgi"),
        # The admin app's single sign-on (authlib's OAuth client) and every other module.
        # (Also part of the line above; once is enough for its own sake.)
        pytest.param(
            ["-c", "from onramp.app import create_app; create_app()"],
            id="create_app",
            marks=pytest.mark.one_database,
        ),
        pytest.param(["-m", "onramp.cli", "--help"], id="cli", marks=pytest.mark.one_database),
        pytest.param(
            ["-m", "onramp.cli", "settings"], id="cli-settings", marks=pytest.mark.one_database
        ),
    ],
)
def test_start_up_raises_no_deprecation_warning(database_url, start):
    result = python(database_url, *start)
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr, result.stderr


@pytest.mark.one_database
def test_a_deprecation_at_start_up_would_fail_this_check(database_url):
    result = python(
        database_url, "-c", "import warnings; warnings.warn('old API', DeprecationWarning)"
    )
    assert result.returncode != 0
    assert "DeprecationWarning: old API" in result.stderr
