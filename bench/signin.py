"""Link sign-ins per second: single-use links redeemed over HTTP against ``onramp serve``.

For each ``--database`` (SQLite, PostgreSQL or both), in one run: a fresh database and var
dir, ``--links`` candidates each given a sign-in link through the service the API calls
(``login_link_create``), then ``onramp serve`` (one worker, no Redis: sessions in the
file store) and a concurrent client (``--concurrency`` keep-alive connections, one
asyncio process) that redeems every link once. A sign-in counts when the answer is a
redirect setting the session cookie. When ``GET /login/{token}`` answers a one-tap
"continue" page instead (a form), the client submits that form, as a person would.

As a reference, the same client in the same run requests ``--reference-path`` (default
``/healthz``: one trivial database read) as many times: the ratio shows how close a
sign-in comes to what the server does for a trivial request on this machine right now.

Prints sign-ins/s, the reference requests/s, p50/p99 latency, and PASS/FAIL against the
target (>= 300 sign-ins/s). Exits 0 unless the benchmark itself failed: it is a
measurement. Only 127.0.0.1 is ever contacted.

Run:   python bench/signin.py                         (2,000 links, SQLite and PostgreSQL)
       python bench/signin.py --database postgres --runs 3
Smoke: python bench/signin.py --links 200
"""

from __future__ import annotations

import argparse
import asyncio
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from room_fanout import (
    PROJECT_ROOT,
    _create_candidates,
    _forget_settings,
    bench_database,
    free_port,
    onramp_environment,
    percentile,
    stop_process,
    tree_cpu_seconds,
    wait_http_ok,
)

TARGET_PER_SECOND = 300.0
_FORM = re.compile(r"<form[^>]*method=\"?post\"?[^>]*>(.*?)</form>", re.I | re.S)
_ACTION = re.compile(r"<form[^>]*action=\"([^\"]*)\"", re.I)
_HIDDEN = re.compile(r"<input[^>]*type=\"hidden\"[^>]*>", re.I)
_ATTR = re.compile(r"(name|value)=\"([^\"]*)\"")


@dataclass
class Rate:
    name: str
    requests: int = 0
    ok: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.ok / max(self.seconds, 1e-9)


class Connection:
    """A minimal HTTP/1.1 keep-alive client: the load generator must not be the bottleneck."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, list[str]], bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}"]
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}")
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        assert self.reader is not None
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split()[1])
        found: dict[str, list[str]] = {}
        for line in header_lines:
            if ":" in line:
                name, value = line.split(":", 1)
                found.setdefault(name.strip().lower(), []).append(value.strip())
        length = int(found.get("content-length", ["0"])[0])
        content = await self.reader.readexactly(length) if length else b""
        if "close" in found.get("connection", [""])[0].lower():
            self.close()
        return status, found, content

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def _signed_in(status: int, headers: dict[str, list[str]]) -> bool:
    return status in (302, 303, 307) and any(
        cookie.startswith("onramp_session=") and not cookie.startswith("onramp_session=;")
        for cookie in headers.get("set-cookie", [])
    )


async def _redeem(connection: Connection, path: str) -> tuple[bool, str]:
    status, headers, content = await connection.request("GET", path)
    if _signed_in(status, headers):
        return True, ""
    if status == 200 and (form := _FORM.search(content.decode("utf-8", "replace"))):
        # A one-tap "continue" page: submit its form with its hidden fields and cookies.
        page = content.decode("utf-8", "replace")
        action_match = _ACTION.search(page)
        action = html.unescape(action_match.group(1)) if action_match else path
        fields = {}
        for tag in _HIDDEN.findall(form.group(0)):
            attributes = dict(_ATTR.findall(tag))
            if "name" in attributes:
                fields[attributes["name"]] = html.unescape(attributes.get("value", ""))
        cookies = "; ".join(c.split(";", 1)[0] for c in headers.get("set-cookie", []))
        request_headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if cookies:
            request_headers["Cookie"] = cookies
        request_headers["Origin"] = f"http://127.0.0.1:{connection.port}"
        status, headers, _content = await connection.request(
            "POST", urlsplit(action).path or path, urlencode(fields).encode(), request_headers
        )
        if _signed_in(status, headers):
            return True, ""
    return False, f"HTTP {status}"


async def drive(
    name: str, port: int, pid: int, paths: list[str], concurrency: int, redeem: bool
) -> Rate:
    rate = Rate(name=name, requests=len(paths))
    queue = list(reversed(paths))

    async def worker() -> None:
        connection = Connection(port)
        try:
            while queue:
                path = queue.pop()
                started = time.perf_counter()
                try:
                    if redeem:
                        ok, problem = await _redeem(connection, path)
                    else:
                        status, _headers, _content = await connection.request("GET", path)
                        ok, problem = status == 200, f"HTTP {status}"
                except (OSError, asyncio.IncompleteReadError, ValueError) as error:
                    connection.close()
                    ok, problem = False, f"{type(error).__name__}: {error}"
                rate.latencies.append(time.perf_counter() - started)
                if ok:
                    rate.ok += 1
                else:
                    rate.failures.append(problem)
        finally:
            connection.close()

    cpu_before = tree_cpu_seconds(pid)
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    rate.seconds = time.perf_counter() - started
    rate.cpu_seconds = tree_cpu_seconds(pid) - cpu_before
    rate.latencies.sort()
    return rate


async def make_links(count: int) -> tuple[list[str], float]:
    """``count`` candidates, each with one link from ``login_link_create`` (as the API does)."""
    from datetime import UTC, datetime, timedelta

    from portal.db import close_engine, prepare_engine
    from portal.domain.candidates.login_links import login_link_create
    from portal.domain.organisation.tables import Cohort, Department

    await prepare_engine()
    department = Department(name="基准测试部")
    await department.save()
    cohort = Cohort(
        name="基准测试期",
        department=department.id,
        starts_at=datetime.now(UTC) + timedelta(days=14),
        place="苏州培训中心",
        timezone="Asia/Shanghai",
        capacity=count,
    )
    await cohort.save()
    candidates = await _create_candidates(count, department.id, cohort.id)
    started = time.monotonic()
    urls = [await login_link_create(candidate_id=candidate_id) for candidate_id in candidates]
    seconds = time.monotonic() - started
    await close_engine()
    return [urlsplit(url).path for url in urls], seconds


async def one_run(database: str, args: argparse.Namespace) -> tuple[Rate, Rate, list[str]]:
    var_dir = Path(tempfile.mkdtemp(prefix="onramp-signin-bench-"))
    port = free_port()
    database_url, drop_database = await bench_database(database, var_dir)
    notes: list[str] = []
    process = None
    try:
        env = onramp_environment(var_dir, port, "staff", database_url=database_url)
        subprocess.run(
            [sys.executable, "-m", "onramp.cli", "migrate"],
            cwd=PROJECT_ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        for key in [key for key in os.environ if key.startswith("ONRAMP_")]:
            del os.environ[key]
        os.environ.update({k: v for k, v in env.items() if k.startswith("ONRAMP_")})
        os.environ["PICCOLO_CONF"] = env["PICCOLO_CONF"]
        if str(PROJECT_ROOT) not in sys.path:
            sys.path.insert(0, str(PROJECT_ROOT))
        _forget_settings()
        paths, link_seconds = await make_links(args.links)
        notes.append(
            f"{len(paths):,} links made with login_link_create in {link_seconds:.1f} s "
            f"({len(paths) / max(link_seconds, 1e-9):.0f}/s)"
        )
        log = open(var_dir / "server.log", "wb")  # noqa: SIM115 - closed with the process
        command = [sys.executable, "-m", "onramp.cli", "serve", "--port", str(port)]
        process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env={**env, "PYTHONPATH": str(PROJECT_ROOT)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        await wait_http_ok(f"http://127.0.0.1:{port}/healthz", process, timeout=180)
        # Warm-up: imports, templates and connections made once, not per request.
        await drive("warm-up", port, process.pid, [args.reference_path] * 50, 4, redeem=False)
        await drive("warm-up", port, process.pid, ["/login/not-a-real-token"] * 20, 4, True)
        reference = await drive(
            "reference", port, process.pid, [args.reference_path] * len(paths),
            args.concurrency, redeem=False,
        )  # fmt: skip
        signins = await drive("sign-in", port, process.pid, paths, args.concurrency, True)
        again = await drive("again", port, process.pid, paths[:50], 4, True)
        notes.append(
            f"the same links again: {again.ok} of {again.requests} signed in (single use: 0)"
        )
    finally:
        if process is not None:
            stop_process(process)
        await drop_database()
        shutil.rmtree(var_dir, ignore_errors=True)
    return signins, reference, notes


def _loadavg() -> str:
    with open("/proc/loadavg") as handle:
        return " ".join(handle.read().split()[:3])


def _ms(value: float) -> str:
    return f"{1000 * value:.1f}"


def report(database: str, runs: list[tuple[Rate, Rate, list[str]]], args: argparse.Namespace):
    print()
    print(
        f"Link sign-ins, {database}: {args.links:,} links, {args.concurrency} keep-alive "
        "connections, 1 worker, sessions in the file store; "
        f"reference GET {args.reference_path}; {os.cpu_count()} CPUs; "
        f"load {_loadavg()}"
    )
    print(
        f"  {'run':<4}{'sign-ins/s':>11}{'p50 ms':>8}{'p99 ms':>8}{'CPU ms':>8}"
        f"{'ref req/s':>11}{'p99 ms':>8}{'CPU ms':>8}{'ratio':>7}{'failed':>8}"
    )
    for number, (signins, reference, _notes) in enumerate(runs, 1):
        print(
            f"  {number:<4}{signins.per_second:>11.0f}"
            f"{_ms(percentile(signins.latencies, 0.5)):>8}"
            f"{_ms(percentile(signins.latencies, 0.99)):>8}"
            f"{_ms(signins.cpu_seconds / max(1, signins.requests)):>8}"
            f"{reference.per_second:>11.0f}{_ms(percentile(reference.latencies, 0.99)):>8}"
            f"{_ms(reference.cpu_seconds / max(1, reference.requests)):>8}"
            f"{signins.per_second / max(reference.per_second, 1e-9):>7.2f}"
            f"{len(signins.failures):>8}"
        )
    for note in runs[0][2]:
        print(f"  {note}")
    for signins, _reference, _notes in runs:
        for failure in sorted(set(signins.failures))[:3]:
            print(f"  failed sign-in: {failure}")
    for number, (signins, _reference, _notes) in enumerate(runs, 1):
        ok = signins.per_second >= TARGET_PER_SECOND and not signins.failures
        print(
            f"{'PASS' if ok else 'FAIL'}: {database} run {number}: "
            f"{signins.per_second:.0f} sign-ins/s (target >= {TARGET_PER_SECOND:.0f}), "
            f"{signins.ok:,} of {signins.requests:,} signed in"
        )


async def run(args: argparse.Namespace) -> None:
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    for database in databases:
        runs = [await one_run(database, args) for _ in range(args.runs)]
        report("SQLite" if database == "sqlite" else "PostgreSQL", runs, args)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--links", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--reference-path", default="/healthz")
    args = parser.parse_args(argv)
    asyncio.run(run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
