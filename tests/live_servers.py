"""Real ``onramp serve`` processes for tests that need a network server (websockets)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import typing
from collections.abc import Iterator

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def onramp_server(
    database_url: str, *, env: dict[str, str] | None = None, workers: int = 1
) -> Iterator[str]:
    """Run ``onramp serve`` on a free loopback port until the block ends; yields its URL."""
    with onramp_servers(database_url, 1, env=env, workers=workers) as (base_url,):
        yield base_url


@contextlib.contextmanager
def onramp_servers(
    database_url: str, count: int, *, env: dict[str, str] | None = None, workers: int = 1
) -> Iterator[list[str]]:
    """Run ``count`` ``onramp serve`` processes at once (each starts in 2 to 8 s: they start
    side by side, not one after the other) until the block ends; yields their URLs."""
    started: list[tuple[subprocess.Popen[bytes], typing.IO[bytes], str]] = []
    try:
        for _ in range(count):
            started.append(_launch(database_url, env or {}, workers))
        deadline = time.monotonic() + 60
        for process, log, base_url in started:
            _wait_healthy(process, log, base_url, deadline)
        yield [base_url for _process, _log, base_url in started]
    finally:
        for process, _log, _base_url in started:
            process.terminate()
        for process, log, _base_url in started:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()


def _launch(
    database_url: str, env: dict[str, str], workers: int
) -> tuple[subprocess.Popen[bytes], typing.IO[bytes], str]:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    process_env = {
        **os.environ,
        "ONRAMP_DATABASE_URL": database_url,
        "ONRAMP_BASE_URL": base_url,
        **env,
    }
    command = [sys.executable, "-m", "onramp.cli", "serve", "--port", str(port)]
    if workers > 1:
        command += ["--workers", str(workers)]
    # A file, not a pipe: a chatty server must never block on a full pipe buffer.
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by onramp_servers
    try:
        process = subprocess.Popen(
            command,
            env=process_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    except BaseException:
        log.close()
        raise
    return process, log, base_url


def _wait_healthy(
    process: subprocess.Popen[bytes], log: typing.IO[bytes], base_url: str, deadline: float
) -> None:
    while True:
        if process.poll() is not None:
            log.seek(0)
            output = log.read().decode(errors="replace")
            raise RuntimeError(f"onramp serve exited early:\n{output}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("onramp serve did not become healthy within 60 s")
        time.sleep(0.05)
