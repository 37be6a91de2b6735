"""Real ``onramp serve`` processes for tests that need a network server (websockets)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
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
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    process_env = {
        **os.environ,
        "ONRAMP_DATABASE_URL": database_url,
        "ONRAMP_BASE_URL": base_url,
        **(env or {}),
    }
    command = [sys.executable, "-m", "onramp.cli", "serve", "--port", str(port)]
    if workers > 1:
        command += ["--workers", str(workers)]
    # A file, not a pipe: a chatty server must never block on a full pipe buffer.
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
    process = subprocess.Popen(
        command, env=process_env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                log.seek(0)
                output = log.read().decode(errors="replace")
                raise RuntimeError(f"onramp serve exited early:\n{output}")
            try:
                if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("onramp serve did not become healthy within 60 s")
            time.sleep(0.2)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
