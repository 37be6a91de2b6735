"""Room fan-out: Onramp's ``/ws/rooms/{room_id}`` against a bare ``websockets.broadcast()`` room.

For each server, in one run: start it (Onramp: ``onramp serve``, one worker, SQLite, no
Redis, in a fresh temporary var dir), connect ``--members`` signed-in members to one room
(one of them is the sender), measure the server's resident memory before and after they
connect, then post ``--rate`` messages per second for ``--seconds`` seconds and time every
delivery from send to receipt. Both servers are driven by the same load client
(``bench/room_load.py``, ``--load-procs`` processes).

Onramp's sender is a staff member by default (members are rate-limited to 5 messages per
10 s; staff are not). ``--sender candidate`` posts as a candidate instead, with
``ONRAMP_ROOM_RATE_LIMIT_COUNT``/``_SECONDS`` raised for the run.

Run:   python bench/room_fanout.py                      (2,000 members, 10 msg/s, 20 s)
Smoke: python bench/room_fanout.py --members 200 --seconds 5
Why:   --probe (timings inside Onramp: queueing, SQL, store and commit, fan-out loop, GC,
       cProfile; see bench/room_probe.py), --probe-memory (what idle connections hold),
       --deflate (members offer compression like browsers; ``onramp serve`` declines it,
       the reference accepts it).

Prints deliveries expected/received, p50/p99/max latency for both and PASS/FAIL lines for
the targets (nothing lost; Onramp p99 <= 1.5x the reference p99; memory per idle connection
<= 2x the reference). Exits 0 unless the benchmark itself failed: it is a measurement.
Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import math
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from room_load import (
    LoadClient,
    Sender,
    Tally,
    Target,
    cpu_seconds,
    open_member,
    raise_open_file_limit,
)

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
P99_RATIO_TARGET = 1.5
MEMORY_RATIO_TARGET = 2.0
RATE_LIMIT_ENV = ("ONRAMP_ROOM_RATE_LIMIT_COUNT", "ONRAMP_ROOM_RATE_LIMIT_SECONDS")


@dataclass
class Server:
    """A server under test: its process, where members connect and how they sign in."""

    name: str
    process: subprocess.Popen[bytes]
    target: Target
    member_cookies: list[str | None]  # one per receiving member
    sender_cookie: str | None
    notes: list[str] = field(default_factory=list)
    log_path: Path | None = None
    timings_path: Path | None = None  # the server's own timings, written when it stops
    cleanups: list[Any] = field(default_factory=list)  # what to remove when it stops


@dataclass
class Result:
    name: str
    members: int
    connected: int = 0
    connect_errors: list[str] = field(default_factory=list)
    connect_seconds: float = 0.0
    rss_before: int = 0
    rss_after: int = 0
    rss_peak_run: int = 0
    sent: int = 0
    expected: int = 0
    received: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    compressed: int = 0
    closed_by_server: int = 0
    close_codes: list[int] = field(default_factory=list)
    open_after_run: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    ack_ms: list[float] = field(default_factory=list)
    acked: int = 0
    to_first_ms: list[float] = field(default_factory=list)
    to_last_ms: list[float] = field(default_factory=list)
    spread_ms: list[float] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    send_seconds: float = 0.0
    drain_seconds: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    fanout_ms: list[float] = field(default_factory=list)  # server side, per message
    notes: list[str] = field(default_factory=list)

    @property
    def lost(self) -> int:
        return self.expected - self.received

    @property
    def rss_per_connection(self) -> float:
        return (self.rss_after - self.rss_before) / max(1, self.connected)


# helpers -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def tree_pids(pid: int) -> list[int]:
    """``pid`` and its descendants (``onramp serve --workers N`` runs N worker processes)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                parent = int(handle.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(entry))
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(children.get(current, []))
    return found


def rss_bytes(pid: int) -> int:
    """Resident memory of the server: the process and every worker it started."""
    total = 0
    for member in tree_pids(pid):
        try:
            with open(f"/proc/{member}/status") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
                        break
        except OSError:
            continue
    if not total:
        raise RuntimeError(f"no VmRSS for process {pid}")
    return total


def tree_cpu_seconds(pid: int) -> float:
    total = 0.0
    for member in tree_pids(pid):
        with contextlib.suppress(OSError):
            total += cpu_seconds(member)
    return total


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of sorted ``values``."""
    if not values:
        return math.nan
    rank = max(1, math.ceil(fraction * len(values)))
    return values[min(rank, len(values)) - 1]


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def wait_http_ok(url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} while starting")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - 127.0.0.1
                if response.status == 200:
                    return
        except OSError:
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


# Onramp ---------------------------------------------------------------------------------


def onramp_environment(
    var_dir: Path,
    port: int,
    sender_kind: str,
    *,
    database_url: str | None = None,
    redis_url: str | None = None,
) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("ONRAMP_") and key != "PICCOLO_CONF"
    }
    env.update(
        {
            "ONRAMP_VAR_DIR": str(var_dir),
            "ONRAMP_DATABASE_URL": database_url or f"sqlite:///{var_dir / 'bench.db'}",
            "ONRAMP_BASE_URL": f"http://127.0.0.1:{port}",
            "ONRAMP_REDIS_NAMESPACE": f"onramp-bench-{secrets.token_hex(4)}",
            "PICCOLO_CONF": "portal.piccolo_conf",
        }
    )
    if redis_url:
        env["ONRAMP_REDIS_URL"] = redis_url
    if sender_kind == "candidate":
        env[RATE_LIMIT_ENV[0]] = "1000000"
        env[RATE_LIMIT_ENV[1]] = "1"
    return env


# Where the benchmark may create (and drop) its own PostgreSQL database: loopback only.
POSTGRES_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"


async def _postgres_admin(sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def bench_database(kind: str, var_dir: Path) -> tuple[str, Any]:
    """The database URL for a run and a coroutine function that removes it afterwards."""
    if kind == "sqlite":

        async def nothing() -> None:
            return None

        return f"sqlite:///{var_dir / 'bench.db'}", nothing
    name = f"onramp_bench_{secrets.token_hex(5)}"
    await _postgres_admin(f'CREATE DATABASE "{name}"')

    async def drop() -> None:
        await _postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"postgresql://postgres@127.0.0.1:5432/{name}", drop


def start_redis(directory: Path) -> tuple[str, subprocess.Popen[bytes]]:
    """A private redis-server on a free loopback port (the machine's shared one is left alone)."""
    port = free_port()
    process = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--port", str(port),
         "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(directory)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return f"redis://127.0.0.1:{port}/0", process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("redis-server did not start")


async def onramp_populate(members: int, sender_kind: str) -> dict[str, Any]:
    """Department, cohort, its room, candidates, a staff sender and everyone's session.

    Runs in this process against the database and session store the server will use
    (``ONRAMP_*`` already point there); the server is started afterwards.
    """
    from datetime import UTC, datetime, timedelta

    from portal.auth.sessions import SESSION_COOKIE, Principal, session_start
    from portal.auth.stores import store_for
    from portal.config import get_settings
    from portal.db import close_engine, prepare_engine
    from portal.domain.organisation.tables import Cohort, Department
    from portal.domain.rooms.tables import Room
    from portal.domain.staff.accounts import staff_create

    settings = get_settings()
    await prepare_engine()
    department = Department(name="基准测试部")
    await department.save()
    cohort = Cohort(
        name="基准测试期",
        department=department.id,
        starts_at=datetime.now(UTC) + timedelta(days=14),
        place="苏州培训中心",
        timezone="Asia/Shanghai",
        capacity=members,
    )
    await cohort.save()
    room_id, how = await _cohort_room(cohort.id, Room)

    started = time.monotonic()
    receivers = members - 1 if sender_kind == "staff" else members
    candidates = await _create_candidates(receivers, department.id, cohort.id)
    create_seconds = time.monotonic() - started

    store = store_for(settings, "sessions")
    started = time.monotonic()
    cookies: list[str | None] = []
    for candidate_id in candidates:
        token = await session_start(
            store,
            settings,
            principal=Principal(kind="candidate", id=candidate_id),
            previous_token=None,
        )
        cookies.append(f"{SESSION_COOKIE}={token}")
    if sender_kind == "staff":
        staff = await staff_create(
            email="bench-sender@example.com",
            role="hr",
            name="基准发送者",
            password=secrets.token_urlsafe(18),
        )
        sender_token = await session_start(
            store, settings, principal=Principal(kind="staff", id=staff.id), previous_token=None
        )
        sender_cookie: str | None = f"{SESSION_COOKIE}={sender_token}"
        member_cookies = cookies
    else:
        sender_cookie, member_cookies = cookies[0], cookies[1:]
    session_seconds = time.monotonic() - started
    await close_engine()
    return {
        "room_id": room_id,
        "room_how": how,
        "member_cookies": member_cookies,
        "sender_cookie": sender_cookie,
        "create_seconds": create_seconds,
        "session_seconds": session_seconds,
    }


async def _create_candidates(count: int, department_id: int, cohort_id: int) -> list[int]:
    """``count`` candidates of the cohort, as ``candidate_create`` leaves them, in bulk.

    The first goes through ``candidate_create`` itself; the others are inserted in one
    transaction with the same columns (first stage, active, the department's next ordinals,
    a stage-history row each), which takes a second instead of a minute.
    """
    from portal.db import write_transaction
    from portal.domain.candidates.records import CandidateInput, candidate_create
    from portal.domain.candidates.tables import Candidate, StageChange
    from portal.domain.organisation.tables import Department

    first = await candidate_create(
        data=CandidateInput(
            name="候选人1",
            phone="13900000001",
            email=None,
            department_id=department_id,
            cohort_id=cohort_id,
        ),
        source="bench",
    )
    rows = [
        Candidate(
            name=f"候选人{number}",
            phone=f"139{number:08d}",
            department=department_id,
            cohort=cohort_id,
            stage=first.stage,
            status=first.status,
            ordinal=first.ordinal + number - 1,
        )
        for number in range(2, count + 1)
    ]
    async with write_transaction():
        for start in range(0, len(rows), 400):
            await Candidate.insert(*rows[start : start + 400])
        await Department.update({Department.last_ordinal: first.ordinal + count - 1}).where(
            Department.id == department_id
        )
    ids = [
        row["id"]
        for row in await Candidate.select(Candidate.id)
        .where(Candidate.cohort == cohort_id)
        .order_by(Candidate.id)
    ]
    changes = [
        StageChange(candidate=candidate_id, to_stage=first.stage, source="bench")
        for candidate_id in ids
        if candidate_id != first.id
    ]
    async with write_transaction():
        for start in range(0, len(changes), 400):
            await StageChange.insert(*changes[start : start + 400])
    return ids


async def _cohort_room(cohort_id: int, room_table: Any) -> tuple[int, str]:
    """The cohort's room through the rooms service (``cohort_room_ensure``), else a Room row."""
    try:
        from portal.domain.rooms.membership import cohort_room_ensure
    except ImportError:  # an older tree without the rooms service
        room = room_table(name="基准测试期", cohort=cohort_id)
        await room.save()
        return int(room.id), "a Room row"
    return int(
        await cohort_room_ensure(cohort_id)
    ), "portal.domain.rooms.membership.cohort_room_ensure"


async def start_onramp(args: argparse.Namespace) -> tuple[Server, Path]:
    """Onramp on a fresh database (``--database``), with ``--workers`` and its own Redis.

    The server's ``cleanups`` remove what was made for it (its Redis, a PostgreSQL
    database); :func:`stop_onramp` runs them.
    """
    var_dir = Path(tempfile.mkdtemp(prefix="onramp-room-bench-"))
    cleanups: list[Any] = []
    try:
        server = await _start_onramp(var_dir, args, cleanups)
    except BaseException:
        await run_cleanups(cleanups)
        if not args.keep:
            shutil.rmtree(var_dir, ignore_errors=True)
        raise
    server.cleanups = cleanups
    return server, var_dir


async def run_cleanups(cleanups: list[Any]) -> None:
    for cleanup in reversed(cleanups):
        try:
            result = cleanup()
            if asyncio.iscoroutine(result):
                await result
        except Exception as error:  # noqa: BLE001 - report and go on cleaning
            print(f"cleanup failed: {error}", file=sys.stderr)
    cleanups.clear()


async def stop_onramp(server: Server) -> None:
    stop_process(server.process)
    await run_cleanups(server.cleanups)


def backend_text(args: argparse.Namespace) -> str:
    database = "PostgreSQL" if args.database == "postgres" else "SQLite"
    fan_out = "Redis" if uses_redis(args) else "in memory"
    return f"{database}, {args.workers} worker(s), fan-out {fan_out}"


def uses_redis(args: argparse.Namespace) -> bool:
    return bool(args.redis or args.workers > 1)


async def _start_onramp(var_dir: Path, args: argparse.Namespace, cleanups: list[Any]) -> Server:
    members, sender_kind, keep = args.members, args.sender, args.keep
    probed = getattr(args, "probe", False) or getattr(args, "probe_memory", False)
    probe_out = var_dir / "probe.json" if probed else None
    if probed and args.workers > 1:
        raise SystemExit("--probe runs one worker")
    port = free_port()
    database_url, drop_database = await bench_database(args.database, var_dir)
    cleanups.append(drop_database)
    redis_url = None
    if uses_redis(args):
        redis_url, redis_process = start_redis(var_dir)
        cleanups.append(lambda: stop_process(redis_process))
    env = onramp_environment(
        var_dir, port, sender_kind, database_url=database_url, redis_url=redis_url
    )
    subprocess.run(
        [sys.executable, "-m", "onramp.cli", "migrate"],
        cwd=PROJECT_ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    # This process writes the rows and sessions the server will read.
    for key in [key for key in os.environ if key.startswith("ONRAMP_")]:
        del os.environ[key]
    os.environ.update({key: value for key, value in env.items() if key.startswith("ONRAMP_")})
    os.environ["PICCOLO_CONF"] = env["PICCOLO_CONF"]
    if str(PROJECT_ROOT) not in sys.path:
        sys.path.insert(0, str(PROJECT_ROOT))
    _forget_settings()
    started = time.monotonic()
    population = await onramp_populate(members, sender_kind)
    setup_seconds = time.monotonic() - started
    log_path = var_dir / "server.log"
    with open(log_path, "wb") as log:
        command = [sys.executable, "-m", "onramp.cli", "serve", "--port", str(port)]
        if args.workers > 1:
            command += ["--workers", str(args.workers)]
        if probe_out is not None:
            command = [
                sys.executable,
                str(BENCH_DIR / "room_probe.py"),
                "--port",
                str(port),
                "--out",
                str(probe_out),
                *(["--tracemalloc"] if args.probe_memory else []),
            ]
        process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env={**env, "PYTHONPATH": str(PROJECT_ROOT)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        await wait_http_ok(f"http://127.0.0.1:{port}/healthz", process, timeout=180)
    except BaseException:
        stop_process(process)
        raise
    store = "Redis" if redis_url else "the file store"
    notes = [
        f"backend: {backend_text(args)}",
        f"room: {population['room_how']} (id {population['room_id']}); "
        f"{members} members created and signed in in {setup_seconds:.1f} s "
        f"(candidates {population['create_seconds']:.1f} s in bulk, "
        f"sessions {population['session_seconds']:.1f} s via session_start on {store})",
        "sender: "
        + (
            "a staff (hr) member, who is not rate-limited"
            if sender_kind == "staff"
            else f"a candidate, with {RATE_LIMIT_ENV[0]}=1000000 {RATE_LIMIT_ENV[1]}=1"
        ),
        f"var dir: {var_dir}" + (" (kept)" if keep else " (removed at exit)"),
    ]
    return Server(
        name="onramp",
        process=process,
        target=Target(
            port=port,
            path=f"/ws/rooms/{population['room_id']}",
            origin=f"http://127.0.0.1:{port}",
        ),
        member_cookies=population["member_cookies"],
        sender_cookie=population["sender_cookie"],
        notes=notes,
        log_path=log_path,
        timings_path=probe_out,
    )


def _forget_settings() -> None:
    """Settings, engine and stores cached by an earlier run in this process start afresh."""
    if "portal.config" not in sys.modules:
        return
    from portal import piccolo_conf
    from portal.auth import stores
    from portal.config import get_settings
    from portal.db import bind_engine, create_engine

    get_settings.cache_clear()
    stores._redis_stores.clear()
    bind_engine(create_engine())
    del piccolo_conf


async def start_reference(members: int) -> Server:
    port = free_port()
    timings_path = Path(tempfile.mkstemp(prefix="room-reference-", suffix=".json")[1])
    process = subprocess.Popen(
        [
            sys.executable,
            str(BENCH_DIR / "room_reference_server.py"),
            "--port",
            str(port),
            "--out",
            str(timings_path),
        ],
        stdout=subprocess.PIPE,
    )
    line = await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), 30)  # type: ignore[union-attr]
    if line.strip() != b"ready":
        stop_process(process)
        raise RuntimeError(f"reference server did not start: {line!r}")
    return Server(
        name="reference",
        process=process,
        target=Target(port=port, path="/ws/rooms/1", origin=f"http://127.0.0.1:{port}"),
        member_cookies=[None] * (members - 1),
        sender_cookie=None,
        notes=["websockets.asyncio.server + broadcast(), uvloop, no auth, no database"],
        timings_path=timings_path,
    )


# the measurement ------------------------------------------------------------------------


async def warm_up(server: Server) -> str:
    """One connection and one message, so lazy imports and caches are not counted per member."""
    tally = Tally(1)
    sender = await open_member(Sender, tally, server.target, server.sender_cookie)
    warm_up_frame = {
        "type": "send",
        "client_id": secrets.token_hex(16),
        "kind": "chat",
        "body": "warm-up",
        "reply_to": None,
    }
    sender.send_text(json.dumps(warm_up_frame))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and tally.other_frames < 2 and not sender.lost:
        await asyncio.sleep(0.05)
    sender.close()
    await asyncio.sleep(0.5)
    if sender.errors:
        return f"warm-up refused: {sender.errors[0]}"
    return f"warm-up: {tally.other_frames} frames back"


async def measure(server: Server, args: argparse.Namespace) -> Result:
    members = len(server.member_cookies) + 1
    messages = int(args.rate * args.seconds)
    result = Result(name=server.name, members=members)
    result.notes.extend(server.notes)
    server.target = dataclasses.replace(server.target, deflate=args.deflate)
    with open("/proc/loadavg") as handle:
        result.notes.append(f"load average at the start: {' '.join(handle.read().split()[:3])}")
    pid = server.process.pid

    result.notes.append(await warm_up(server))
    await asyncio.sleep(1)
    result.rss_before = rss_bytes(pid)
    if args.probe_memory and server.name == "onramp":
        os.kill(pid, signal.SIGUSR1)  # room_probe.py: tracemalloc snapshot
        await asyncio.sleep(2)

    load = LoadClient(args.load_procs)
    try:
        started = time.monotonic()
        connected = await load.connect(
            server.target, server.member_cookies, messages, concurrency=args.concurrency
        )
        sender_tally = Tally(messages)
        sender = await open_member(Sender, sender_tally, server.target, server.sender_cookie)
        result.connect_seconds = time.monotonic() - started
        result.connected = connected["connected"] + 1
        result.connect_errors = connected["errors"]
        await asyncio.sleep(args.settle)
        result.rss_after = rss_bytes(pid)
        if args.probe_memory and server.name == "onramp":
            os.kill(pid, signal.SIGUSR1)
            await asyncio.sleep(10)
        if result.connected < members:
            result.notes.append(
                f"only {result.connected} of {members} members connected; first errors: "
                + "; ".join(sorted(set(result.connect_errors))[:3])
            )

        server_cpu_0, client_cpu_0 = tree_cpu_seconds(pid), load.cpu_seconds()
        wall_0 = time.monotonic()
        begin = time.monotonic() + 0.2
        sent_ns = array("q", bytes(8 * messages))
        for seq in range(messages):
            delay = begin + seq / args.rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            if sender.lost:
                result.notes.append(f"the sender's connection closed after {seq} messages")
                break
            sent_ns[seq] = sender.post(seq)
        result.sent = sender.sent
        result.send_seconds = time.monotonic() - begin
        result.expected = result.sent * result.connected

        drain_started = time.monotonic()
        last_total, last_change = -1, time.monotonic()
        while True:
            progress = await load.progress()
            total = progress["received"] + sender_tally.received
            now = time.monotonic()
            if total >= result.expected and not sender.pending:
                break
            if total != last_total:
                last_total, last_change = total, now
            elif now - last_change > args.drain:
                break
            if now - drain_started > 120:
                break
            await asyncio.sleep(0.25)
        result.drain_seconds = time.monotonic() - drain_started
        wall = time.monotonic() - wall_0
        result.server_cpu = (tree_cpu_seconds(pid) - server_cpu_0) / wall
        result.client_cpu = (load.cpu_seconds() - client_cpu_0) / wall
        result.rss_peak_run = rss_bytes(pid)
        result.open_after_run = progress["open"] + (0 if sender.lost else 1)

        tallies = await load.collect()
        _merge(result, tallies, sender_tally, sender, sent_ns, messages)
        sender.close()
    finally:
        await load.close()
    return result


def _merge(
    result: Result,
    tallies: list[dict[str, Any]],
    sender_tally: Tally,
    sender: Sender,
    sent_ns: array,
    messages: int,
) -> None:
    exported = [*tallies, {**sender_tally.export(), "closed_by_server": 0, "close_codes": []}]
    latencies: list[int] = []
    first = [0] * messages
    last = [0] * messages
    for tally in exported:
        values = array("q")
        values.frombytes(tally["latencies"])
        latencies.extend(values)
        firsts, lasts = array("q"), array("q")
        firsts.frombytes(tally["first_ns"])
        lasts.frombytes(tally["last_ns"])
        for seq in range(messages):
            if firsts[seq] and (first[seq] == 0 or firsts[seq] < first[seq]):
                first[seq] = firsts[seq]
            if lasts[seq] > last[seq]:
                last[seq] = lasts[seq]
        result.duplicates += tally["duplicates"]
        result.compressed += tally["compressed"]
        result.out_of_order += tally["out_of_order"]
        result.closed_by_server += tally["closed_by_server"]
        result.close_codes = sorted(set(result.close_codes) | set(tally["close_codes"]))
    if sender.close_code is not None:
        result.closed_by_server += 1
        result.close_codes = sorted(set(result.close_codes) | {sender.close_code})
    result.received = len(latencies)
    result.latencies_ms = sorted(value / 1e6 for value in latencies)
    sent = range(result.sent)
    result.ack_ms = sorted(sender.ack_ns[seq] / 1e6 for seq in sent if sender.ack_ns[seq])
    result.acked = len(result.ack_ms)
    result.to_first_ms = [
        (first[seq] - sent_ns[seq]) / 1e6 for seq in range(result.sent) if first[seq]
    ]
    result.to_last_ms = [(last[seq] - sent_ns[seq]) / 1e6 for seq in sent if last[seq]]
    result.spread_ms = sorted(
        (last[seq] - first[seq]) / 1e6 for seq in range(result.sent) if first[seq]
    )
    result.errors = sender.errors


# report ---------------------------------------------------------------------------------


def _ms(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:,.1f}"


def _row(label: str, values: list[str]) -> str:
    return f"  {label:<42}" + "".join(f"{value:>22}" for value in values)


def report(results: list[Result], args: argparse.Namespace) -> None:
    messages = int(args.rate * args.seconds)
    print()
    print(
        f"Room fan-out: {args.members:,} members in one room, {args.rate:g} msg/s for "
        f"{args.seconds:g} s from one member ({messages} messages); Onramp: "
        f"{backend_text(args)}; load client: {args.load_procs} process(es); "
        f"{os.cpu_count()} CPUs; "
        f"load average before: {_loadavg_text()}"
    )
    print(_row("", [result.name for result in results]))
    rows: list[tuple[str, Any]] = [
        ("members connected", lambda r: f"{r.connected:,}"),
        ("connect time (s)", lambda r: f"{r.connect_seconds:.1f}"),
        ("messages sent / acked", lambda r: f"{r.sent} / {r.acked}"),
        ("deliveries expected", lambda r: f"{r.expected:,}"),
        ("deliveries received", lambda r: f"{r.received:,}"),
        ("lost", lambda r: f"{r.lost:,}"),
        ("duplicated / out of order", lambda r: f"{r.duplicates} / {r.out_of_order}"),
        ("messages received compressed", lambda r: f"{r.compressed:,}"),
        ("latency p50 (ms)", lambda r: _ms(percentile(r.latencies_ms, 0.50))),
        ("latency p99 (ms)", lambda r: _ms(percentile(r.latencies_ms, 0.99))),
        ("latency max (ms)", lambda r: _ms(r.latencies_ms[-1] if r.latencies_ms else math.nan)),
        ("send -> ack p50 / p99 (ms)", lambda r: _pair(r.ack_ms)),
        ("send -> first member p50 / p99 (ms)", lambda r: _pair(sorted(r.to_first_ms))),
        ("send -> last member p50 / p99 (ms)", lambda r: _pair(sorted(r.to_last_ms))),
        ("first -> last member p50 / p99 (ms)", lambda r: _pair(r.spread_ms)),
        ("send -> last member, first/last 10% (ms)", lambda r: _trend(r.to_last_ms)),
        ("server fan-out loop p50 / p99 (ms)", lambda r: _pair(r.fanout_ms)),
        ("drain after the last send (s)", lambda r: f"{r.drain_seconds:.1f}"),
        ("server CPU while sending (% of a core)", lambda r: f"{100 * r.server_cpu:.0f}"),
        ("load client CPU (% of a core)", lambda r: f"{100 * r.client_cpu:.0f}"),
        ("closed by the server", lambda r: f"{r.closed_by_server} {r.close_codes or ''}".strip()),
        ("server RSS before (MB)", lambda r: f"{r.rss_before / 2**20:.1f}"),
        ("server RSS, members idle (MB)", lambda r: f"{r.rss_after / 2**20:.1f}"),
        ("server RSS after the run (MB)", lambda r: f"{r.rss_peak_run / 2**20:.1f}"),
        ("RSS per idle connection (KB)", lambda r: f"{r.rss_per_connection / 1024:.1f}"),
    ]
    for label, value in rows:
        print(_row(label, [value(result) for result in results]))
    for result in results:
        for note in result.notes:
            print(f"  [{result.name}] {note}")
        for error in result.errors[:5]:
            print(f"  [{result.name}] error frame: {error}")
        if len(result.errors) > 5:
            print(f"  [{result.name}] ... {len(result.errors)} error frames in all")
    by_name = {result.name: result for result in results}
    print()
    for result in results:
        print(
            f"{'PASS' if result.lost == 0 and result.expected > 0 else 'FAIL'}: {result.name} "
            f"lost {result.lost:,} of {result.expected:,} deliveries"
        )
    onramp, reference = by_name.get("onramp"), by_name.get("reference")
    if onramp and reference and onramp.latencies_ms and reference.latencies_ms:
        ratio = percentile(onramp.latencies_ms, 0.99) / percentile(reference.latencies_ms, 0.99)
        print(
            f"{'PASS' if ratio <= P99_RATIO_TARGET else 'FAIL'}: p99 ratio onramp/reference = "
            f"{ratio:.2f} (target <= {P99_RATIO_TARGET})"
        )
    if onramp and reference and reference.rss_per_connection > 0:
        ratio = onramp.rss_per_connection / reference.rss_per_connection
        print(
            f"{'PASS' if ratio <= MEMORY_RATIO_TARGET else 'FAIL'}: memory per idle connection "
            f"onramp/reference = {ratio:.2f} ({onramp.rss_per_connection / 1024:.1f} KB vs "
            f"{reference.rss_per_connection / 1024:.1f} KB; target <= {MEMORY_RATIO_TARGET})"
        )


def _pair(values: list[float]) -> str:
    return f"{_ms(percentile(values, 0.5))} / {_ms(percentile(values, 0.99))}"


def _trend(values: list[float]) -> str:
    """Mean of the first and the last tenth of messages: growth means a queue building up."""
    if len(values) < 10:
        return "n/a"
    tenth = max(1, len(values) // 10)
    head = sum(values[:tenth]) / tenth
    tail = sum(values[-tenth:]) / tenth
    return f"{head:,.0f} -> {tail:,.0f}"


_LOADAVG: list[str] = []
PROBE_REPORT: list[str] = []
PROBE_STEPS = (
    ("queued", "waiting behind earlier frames of the sender's connection"),
    ("handle_frame", "handling one send frame (parse, message_send, ack)"),
    ("message_send", "  message_send"),
    ("transaction", "    store and commit (write_transaction)"),
    ("store", "      checks and insert, before the commit (_store)"),
    ("existing_send", "    client_id lookup (only on refusals and retries)"),
    ("deliver", "    fan-out loop over the room's connections"),
    ("sql", "  each SQL statement"),
    ("loop_lag", "event loop lag (10 ms timer, whole run)"),
    ("gc0", "garbage collection pauses, generation 0"),
    ("gc1", "garbage collection pauses, generation 1"),
    ("gc2", "garbage collection pauses, generation 2 (full)"),
)


def read_timings(path: Path | None) -> dict[str, Any] | None:
    """A server's own timings (JSON it wrote when stopped); the file is removed."""
    if path is None:
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    finally:
        path.unlink(missing_ok=True)


def probe_report(data: dict[str, Any] | None) -> list[str]:
    """Where a message's time went inside Onramp, from room_probe.py's timings."""
    if data is None:
        return ["probe: no timings were written"]
    timings = data["timings"]
    lines = [
        "Inside Onramp, per bench message (ms; from bench/room_probe.py):",
        f"  {'step':<58}{'count':>7}{'mean':>9}{'p50':>9}{'p99':>9}{'max':>9}",
    ]
    for key, label in PROBE_STEPS:
        values = sorted(timings.get(key, []))
        if not values:
            continue
        lines.append(
            f"  {label:<58}{len(values):>7}{sum(values) / len(values):>9.1f}"
            f"{percentile(values, 0.5):>9.1f}{percentile(values, 0.99):>9.1f}{values[-1]:>9.1f}"
        )
    connections = data["counts"].get("deliver_connections")
    if connections:
        delivered = timings.get("deliver", [])
        if delivered:
            mean = sum(delivered) / len(delivered)
            lines.append(
                f"  fan-out: {connections} connections, {1000 * mean / connections:.1f} µs each"
            )
    counts = data["counts"]
    if "gc_frozen" in counts:
        thresholds = ", ".join(str(counts.get(f"gc_threshold{n}", "?")) for n in range(3))
        lines.append(
            f"  gc: {counts['gc_frozen']:,} start-up objects frozen, thresholds ({thresholds})"
        )
    if data.get("memory"):
        lines.append("  allocations held by the idle connections (tracemalloc):")
        lines.extend(
            "    " + line.replace(str(PROJECT_ROOT) + "/", "")
            for line in data["memory"].splitlines()
        )
    if data.get("profile"):
        calls = data["counts"].get("deliver_profiled", 0)
        lines.append(f"  cProfile of {calls} fan-out loop(s), by own time:")
        body = data["profile"].split("ncalls", 1)
        if len(body) == 2:
            lines.extend(
                "    " + line.replace(str(PROJECT_ROOT) + "/", "")
                for line in ("ncalls" + body[1]).strip().splitlines()
            )
    return lines


def _loadavg_text() -> str:
    return _LOADAVG[0] if _LOADAVG else "?"


# main -----------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> list[Result]:
    results: list[Result] = []
    if args.server in ("both", "reference"):
        reference = await start_reference(args.members)
        try:
            result = await measure(reference, args)
            results.append(result)
        finally:
            stop_process(reference.process)
            timings = read_timings(reference.timings_path)
            if timings:
                result.fanout_ms = sorted(timings["timings"].get("deliver", [])[1:])
        await asyncio.sleep(2)
    if args.server in ("both", "onramp"):
        onramp, var_dir = await start_onramp(args)
        try:
            result = await measure(onramp, args)
            results.insert(0, result)
        finally:
            await stop_onramp(onramp)
            if onramp.timings_path is not None:
                traced = ", tracemalloc on: RSS, latency inflated" if args.probe_memory else ""
                result.notes.append(f"server run under bench/room_probe.py (timers on{traced})")
                timings = read_timings(onramp.timings_path)
                if timings:
                    result.fanout_ms = sorted(timings["timings"].get("deliver", []))
                PROBE_REPORT.extend(probe_report(timings))
            if onramp.log_path and args.show_log:
                print(onramp.log_path.read_text(errors="replace")[-4000:])
            if not args.keep:
                shutil.rmtree(var_dir, ignore_errors=True)
    return results


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--members", type=int, default=2000, help="connections in the room")
    parser.add_argument("--rate", type=float, default=10.0, help="messages per second")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long to send")
    parser.add_argument("--load-procs", type=int, default=2, help="load client processes")
    parser.add_argument(
        "--concurrency", type=int, default=64, help="handshakes in flight at a time"
    )
    parser.add_argument(
        "--drain", type=float, default=10.0, help="give up after this long without a delivery"
    )
    parser.add_argument(
        "--settle", type=float, default=3.0, help="seconds between connecting and measuring RSS"
    )
    parser.add_argument(
        "--deflate",
        action="store_true",
        help="members offer permessage-deflate like browsers (default: plain frames; "
        "onramp serve declines it, the reference accepts it)",
    )
    parser.add_argument("--server", choices=("both", "onramp", "reference"), default="both")
    parser.add_argument(
        "--sender",
        choices=("staff", "candidate"),
        default="staff",
        help="Onramp sender: staff (not rate-limited) or a candidate with the limit raised",
    )
    parser.add_argument(
        "--probe",
        action="store_true",
        help="serve Onramp through bench/room_probe.py and print where each message's time goes",
    )
    parser.add_argument(
        "--probe-memory",
        action="store_true",
        help="also trace Onramp's allocations and print what the idle connections hold",
    )
    add_backend_arguments(parser)
    parser.add_argument("--keep", action="store_true", help="keep Onramp's temporary var dir")
    parser.add_argument("--show-log", action="store_true", help="print the end of Onramp's log")
    args = parser.parse_args(argv)
    if args.members < 2:
        parser.error("--members must be at least 2 (one sender, one receiver)")
    if args.rate <= 0 or args.seconds <= 0:
        parser.error("--rate and --seconds must be positive")
    return args


def add_backend_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database",
        choices=("sqlite", "postgres"),
        default="sqlite",
        help="Onramp's database: a fresh SQLite file, or a fresh database on 127.0.0.1:5432",
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="onramp serve --workers (above 1 implies --redis)"
    )
    parser.add_argument(
        "--redis",
        action="store_true",
        help="fan out through a private redis-server started for the run",
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    limit = raise_open_file_limit()
    if limit < args.members + 256:
        print(f"warning: open-file limit {limit} is low for {args.members} members")
    with open("/proc/loadavg") as handle:
        _LOADAVG.append(" ".join(handle.read().split()[:3]))
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover
        pass
    results = asyncio.run(run(args))
    report(results, args)
    if PROBE_REPORT:
        print()
        print("\n".join(PROBE_REPORT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
