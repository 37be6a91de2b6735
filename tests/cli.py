"""The ``onramp`` command against the test database: in this process, or as a real subprocess.

A subprocess costs ~1.5 s (a fresh interpreter importing Onramp); most CLI tests test what
a command does, so they call it in this process (:func:`onramp`), which takes ~0.1 s. Each
command family keeps one test through :func:`onramp_subprocess`, proving
``python -m onramp.cli`` really works; the live servers (``tests/live_servers.py``) run
``onramp serve`` for real too.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import traceback
from dataclasses import dataclass


@dataclass(frozen=True)
class Ran:
    """What a command did, shaped like :class:`subprocess.CompletedProcess`."""

    returncode: int
    stdout: str
    stderr: str


def onramp_subprocess(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m onramp.cli ARGS`` in a subprocess, on ``database_url``."""
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


def onramp(database_url: str, *args: str) -> Ran:
    """``onramp ARGS`` in this process, on ``database_url``, as the subprocess would run it.

    The command runs in a thread of its own: it calls ``asyncio.run`` (its own event loop,
    which cannot nest in the test's) on an engine of its own for ``database_url``, which it
    migrates and closes as in a real run. The test's loop waits (blocked, so nothing else
    touches the database meanwhile) and gets its own engine back afterwards. Its
    environment is the test's with ``ONRAMP_DATABASE_URL`` set, its stdin no terminal.
    """
    from click.testing import CliRunner

    from onramp.cli import main
    from portal.config import get_settings
    from portal.db import bind_engine, create_engine, current_engine

    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            bind_engine(create_engine(database_url))
            runner = CliRunner()
            outcome["result"] = runner.invoke(
                main,
                list(args),
                prog_name="onramp",
                env={"ONRAMP_DATABASE_URL": database_url},
                catch_exceptions=True,
            )
        except BaseException as error:  # noqa: BLE001 - reported to the test below
            outcome["error"] = error

    test_engine = current_engine()
    get_settings.cache_clear()
    try:
        thread = threading.Thread(target=run, name="onramp-cli")
        thread.start()
        thread.join()
    finally:
        bind_engine(test_engine)
        get_settings.cache_clear()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    result = outcome["result"]
    stderr = result.stderr  # type: ignore[attr-defined]
    exception = result.exception  # type: ignore[attr-defined]
    if exception is not None and not isinstance(exception, SystemExit):
        # An uncaught exception: Python's own report on stderr, exit status 1.
        stderr += "".join(traceback.format_exception(*result.exc_info))  # type: ignore[attr-defined]
    return Ran(result.exit_code, result.stdout, stderr)  # type: ignore[attr-defined]
