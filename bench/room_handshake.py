"""Room handshakes: how fast members connect, and what an idle member costs in memory.

Measured from outside, the way a reviewer would: one ``websockets`` client process (this
one, on the standard asyncio loop; ``--uvloop`` switches), no compression offered, at most
``--concurrency`` handshakes in flight. For each server, in the same run:

1. **reference**: ``bench/room_reference_server.py`` (a bare ``websockets`` server, no
   sign-in, no database);
2. **onramp**: ``onramp serve`` on a fresh database with ``--members`` signed-in members of
   one cohort (``--database sqlite|postgres``, ``--workers N``, ``--redis``: see
   ``room_fanout.py``, whose set-up this reuses).

Each: one warm-up connection, the server's resident memory (all its processes), then
``--members`` connections opened (time from the first attempt to the last one open), a
``--settle`` pause, memory again (÷ connections = memory per idle connection), one message
sent to the room and counted at every member (nothing lost?), then everyone leaves.

Prints both, the ratios (targets: handshake time ≤ 3×, memory per idle connection ≤ 2×)
and PASS/FAIL lines; also the server's CPU time per handshake (all its processes), which a
busy machine disturbs far less than wall time. ``--runs N`` repeats the pair. Exits 0
unless it crashed: it is a measurement. Only 127.0.0.1 is ever contacted.

Run:   python bench/room_handshake.py                    (2,000 members, SQLite, 1 worker)
       python bench/room_handshake.py --database postgres --workers 2
Smoke: python bench/room_handshake.py --members 200
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass, field

from room_fanout import (
    Server,
    add_backend_arguments,
    backend_text,
    rss_bytes,
    start_onramp,
    start_reference,
    stop_onramp,
    stop_process,
    tree_cpu_seconds,
)
from room_load import raise_open_file_limit
from websockets.asyncio.client import ClientConnection, connect

HANDSHAKE_RATIO_TARGET = 3.0
MEMORY_RATIO_TARGET = 2.0


@dataclass
class Handshakes:
    name: str
    members: int
    connected: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    rss_before: int = 0
    rss_after: int = 0
    cpu_seconds: float = 0.0  # the server's (all processes) while the members connected
    delivered: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def per_connection(self) -> float:
        return (self.rss_after - self.rss_before) / max(1, self.connected)


def _uri(server: Server) -> str:
    return f"ws://{server.target.host}:{server.target.port}{server.target.path}"


async def _open(server: Server, cookie: str | None) -> ClientConnection:
    headers = {"Cookie": cookie} if cookie else None
    return await connect(
        _uri(server),
        origin=server.target.origin,  # type: ignore[arg-type]
        additional_headers=headers,
        compression=None,
        open_timeout=120,
        ping_interval=None,
        max_queue=None,
    )


async def _count_message(connection: ClientConnection, marker: str, timeout: float) -> bool:
    """True when a ``message`` frame carrying ``marker`` arrives."""
    deadline = time.monotonic() + timeout
    try:
        while (left := deadline - time.monotonic()) > 0:
            raw = await asyncio.wait_for(connection.recv(), left)
            if marker in raw and '"message"' in raw:
                return True
    except (TimeoutError, Exception):  # noqa: BLE001 - a closed or silent socket counts as lost
        return False
    return False


async def measure(server: Server, args: argparse.Namespace) -> Handshakes:
    cookies = server.member_cookies
    result = Handshakes(name=server.name, members=len(cookies))
    result.notes.extend(server.notes)
    pid = server.process.pid
    warm = await _open(server, server.sender_cookie)
    await asyncio.sleep(1)
    result.rss_before = rss_bytes(pid)
    gate = asyncio.Semaphore(args.concurrency)
    opened: list[ClientConnection] = []

    async def one(cookie: str | None) -> None:
        async with gate:
            try:
                opened.append(await _open(server, cookie))
            except Exception as error:  # noqa: BLE001 - counted and reported
                result.failures.append(f"{type(error).__name__}: {error}"[:200])

    cpu_before = tree_cpu_seconds(pid)
    started = time.monotonic()
    await asyncio.gather(*(one(cookie) for cookie in cookies))
    result.seconds = time.monotonic() - started
    result.cpu_seconds = tree_cpu_seconds(pid) - cpu_before
    result.connected = len(opened)
    await asyncio.sleep(args.settle)
    result.rss_after = rss_bytes(pid)
    # Everyone reads what they were sent on connecting, then one message goes round.
    for connection in opened:
        while True:
            try:
                await asyncio.wait_for(connection.recv(), 0.001)
            except (TimeoutError, Exception):  # noqa: BLE001
                break
    marker = f"handshake-bench-{time.monotonic_ns()}"
    await warm.send(
        json.dumps({"type": "send", "client_id": marker[-32:], "kind": "chat", "body": marker})
    )
    received = await asyncio.gather(*(_count_message(c, marker, 30) for c in opened))
    result.delivered = sum(received)
    await asyncio.gather(*(c.close() for c in [*opened, warm]), return_exceptions=True)
    return result


def _kb(value: float) -> str:
    return f"{value / 1024:.1f}"


def report(pairs: list[tuple[Handshakes, Handshakes]], args: argparse.Namespace) -> None:
    print()
    print(
        f"Room handshakes: {args.members:,} members, one websockets client "
        f"({'uvloop' if args.uvloop else 'asyncio'}), no compression, "
        f"{args.concurrency} handshakes in flight; Onramp: {backend_text(args)}; "
        f"{os.cpu_count()} CPUs"
    )
    header = (
        f"  {'run':<4}{'load avg':>16}{'onramp s':>10}{'ref s':>8}{'ratio':>8}"
        f"{'CPU ms/hs':>11}{'ref':>6}{'ratio':>7}"
        f"{'onramp KB':>11}{'ref KB':>8}{'ratio':>8}{'failed':>8}{'lost':>7}"
    )
    print(header)
    for number, (onramp, reference) in enumerate(pairs, 1):
        time_ratio = onramp.seconds / max(reference.seconds, 1e-9)
        memory_ratio = onramp.per_connection / max(reference.per_connection, 1e-9)
        load = next((n for n in onramp.notes if n.startswith("load")), "?").split(": ")[-1]
        cpu = 1000 * onramp.cpu_seconds / max(1, onramp.members)
        cpu_ref = 1000 * reference.cpu_seconds / max(1, reference.members)
        print(
            f"  {number:<4}{load:>16}{onramp.seconds:>10.2f}{reference.seconds:>8.2f}"
            f"{time_ratio:>8.2f}{cpu:>11.2f}{cpu_ref:>6.2f}{cpu / max(cpu_ref, 1e-9):>7.2f}"
            f"{_kb(onramp.per_connection):>11}"
            f"{_kb(reference.per_connection):>8}{memory_ratio:>8.2f}"
            f"{len(onramp.failures):>8}{onramp.connected - onramp.delivered:>7}"
        )
    for onramp, reference in pairs:
        for result in (onramp, reference):
            for failure in sorted(set(result.failures))[:3]:
                print(f"  [{result.name}] failed handshake: {failure}")
    for note in pairs[0][0].notes:
        if not note.startswith("load"):
            print(f"  [onramp] {note}")
    print()
    for number, (onramp, reference) in enumerate(pairs, 1):
        time_ratio = onramp.seconds / max(reference.seconds, 1e-9)
        memory_ratio = onramp.per_connection / max(reference.per_connection, 1e-9)
        ok = not onramp.failures and onramp.connected == onramp.members
        print(
            f"{'PASS' if ok else 'FAIL'}: run {number}: {onramp.connected:,} of "
            f"{onramp.members:,} handshakes succeeded ({len(onramp.failures)} failed)"
        )
        print(
            f"{'PASS' if onramp.delivered == onramp.connected else 'FAIL'}: run {number}: "
            f"a message reached {onramp.delivered:,} of {onramp.connected:,} members"
        )
        print(
            f"{'PASS' if time_ratio <= HANDSHAKE_RATIO_TARGET else 'FAIL'}: run {number}: "
            f"handshake time onramp/reference = {time_ratio:.2f} ({onramp.seconds:.2f} s vs "
            f"{reference.seconds:.2f} s; target <= {HANDSHAKE_RATIO_TARGET})"
        )
        print(
            f"{'PASS' if memory_ratio <= MEMORY_RATIO_TARGET else 'FAIL'}: run {number}: "
            f"memory per idle connection onramp/reference = {memory_ratio:.2f} "
            f"({_kb(onramp.per_connection)} KB vs {_kb(reference.per_connection)} KB; "
            f"target <= {MEMORY_RATIO_TARGET})"
        )


def _loadavg() -> str:
    with open("/proc/loadavg") as handle:
        return " ".join(handle.read().split()[:3])


async def one_run(args: argparse.Namespace) -> tuple[Handshakes, Handshakes]:
    load = _loadavg()
    reference = await start_reference(args.members + 1)
    try:
        ref_result = await measure(reference, args)
    finally:
        stop_process(reference.process)
        if reference.timings_path is not None:
            reference.timings_path.unlink(missing_ok=True)
    ref_result.notes.insert(0, f"load average: {load}")
    await asyncio.sleep(2)
    load = _loadavg()
    onramp, var_dir = await start_onramp(args)
    try:
        onramp_result = await measure(onramp, args)
    finally:
        await stop_onramp(onramp)
        if not args.keep:
            shutil.rmtree(var_dir, ignore_errors=True)
    onramp_result.notes.insert(0, f"load average: {load}")
    await asyncio.sleep(2)
    return onramp_result, ref_result


async def run(args: argparse.Namespace) -> list[tuple[Handshakes, Handshakes]]:
    pairs = []
    for number in range(args.runs):
        pairs.append(await one_run(args))
        print(f"run {number + 1} of {args.runs} done", file=sys.stderr)
    return pairs


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--members", type=int, default=2000, help="connections to open")
    parser.add_argument("--concurrency", type=int, default=100, help="handshakes in flight")
    parser.add_argument("--settle", type=float, default=3.0, help="pause before reading RSS")
    parser.add_argument("--runs", type=int, default=1, help="measure the pair this many times")
    parser.add_argument("--uvloop", action="store_true", help="run the client on uvloop")
    add_backend_arguments(parser)
    parser.add_argument("--keep", action="store_true", help="keep Onramp's temporary var dir")
    args = parser.parse_args(argv)
    # What room_fanout's set-up expects: every member a candidate, the sender staff.
    args.sender = "staff"
    args.members += 1  # the warm-up connection is the (staff) sender
    if args.members < 3:
        parser.error("--members must be at least 2")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    raise_open_file_limit()
    if args.uvloop:
        import uvloop

        uvloop.install()
    pairs = asyncio.run(run(args))
    args.members -= 1
    report(pairs, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
