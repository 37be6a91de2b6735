"""Onramp's server with timers around the room's send path, for ``room_fanout.py --probe``.

Serves exactly what ``onramp serve`` serves (it runs that command's own code: one worker,
the same uvicorn settings, ``RoomSocketFrontDoor`` in front of the Litestar app) but wraps,
at run time and without touching the source, the steps a posted message goes through:

- ``queued``: from the sender's clock reading (in the bench body) to the server starting to
  handle that frame: time spent waiting behind earlier frames of the same connection;
- ``handle_frame`` (``portal.web.room_socket._handle_frame``: JSON in, ``message_send``,
  ack out), ``message_send`` and inside it ``transaction`` (``write_transaction``: store and
  commit) with ``store`` (``_store``: checks and insert, before the commit), ``deliver``
  (``LocalHub.deliver``, the synchronous fan-out loop over the room's connections) and every
  SQL statement; ``existing_send`` (the client_id lookup) only runs for a refused or
  duplicate send, so it only shows up if some send was retried;
- ``loop_lag``: how late a 10 ms timer fires on the server's event loop;
- ``gc0``/``gc1``/``gc2``: garbage-collection pauses by generation (the app freezes its
  start-up objects and raises the thresholds; the frozen count is reported).

One fan-out in ten runs under cProfile instead (its functions by own time are reported).

Each function is replaced where it is looked up: ``_handle_frame`` and ``message_send`` in
``portal.web.room_socket`` (``_serve`` and ``_handle_frame`` read them from that module's
globals), ``write_transaction``, ``_store`` and ``_existing_send`` in
``portal.domain.rooms.messages``, ``deliver`` on ``LocalHub`` (``publish`` calls
``self.deliver``). Only frames carrying a bench body are timed. On exit (SIGTERM) the
timings are written as JSON to ``--out``. Run by the benchmark; not meant for production.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import contextvars
import cProfile
import gc
import io
import json
import pstats
import re
import time
from collections import defaultdict
from typing import Any

TIMINGS: dict[str, list[float]] = defaultdict(list)
COUNTS: dict[str, int] = defaultdict(int)
IN_BENCH = contextvars.ContextVar("in_bench", default=False)
BENCH_BODY = re.compile(r"bench:(\d+):(\d+)")
_lag_task: asyncio.Task[None] | None = None
PROFILER = cProfile.Profile()
PROFILE_EVERY = 10
MEMORY: list[str] = []


def _record(name: str, started_ns: int) -> None:
    TIMINGS[name].append((time.monotonic_ns() - started_ns) / 1e6)


def _timed(name: str, function: Any) -> Any:
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not IN_BENCH.get():
            return await function(*args, **kwargs)
        started = time.monotonic_ns()
        try:
            return await function(*args, **kwargs)
        finally:
            _record(name, started)

    return wrapper


async def _loop_lag() -> None:
    while True:
        started = time.monotonic_ns()
        await asyncio.sleep(0.01)
        TIMINGS["loop_lag"].append(max(0.0, (time.monotonic_ns() - started) / 1e6 - 10))


_gc_started: list[int] = [0]


def _gc_callback(phase: str, info: dict[str, Any]) -> None:
    """Record each garbage collection's pause, by generation, once the bench has started."""
    if phase == "start":
        _gc_started[0] = time.monotonic_ns()
    elif _lag_task is not None and _gc_started[0]:
        TIMINGS[f"gc{info['generation']}"].append((time.monotonic_ns() - _gc_started[0]) / 1e6)


def install() -> None:
    gc.callbacks.append(_gc_callback)

    from portal.db_pools import PooledSQLiteEngine as SQLiteEngine
    from portal.domain.rooms import messages as room_messages
    from portal.realtime.hub import LocalHub
    from portal.web import room_socket

    handle_frame = room_socket._handle_frame

    async def timed_handle_frame(send: Any, connection: Any, store: Any, raw: str) -> None:
        global _lag_task
        if _lag_task is None:
            _lag_task = asyncio.get_running_loop().create_task(_loop_lag())
            # Start-up is over: what onramp.app.freeze_startup_objects left to the collector.
            COUNTS["gc_frozen"] = gc.get_freeze_count()
            COUNTS["gc_threshold0"], COUNTS["gc_threshold1"], COUNTS["gc_threshold2"] = (
                gc.get_threshold()
            )
        match = BENCH_BODY.search(raw)
        if match is None:
            await handle_frame(send, connection, store, raw)
            return
        started = time.monotonic_ns()
        TIMINGS["queued"].append((started - int(match.group(2))) / 1e6)
        token = IN_BENCH.set(True)
        try:
            await handle_frame(send, connection, store, raw)
        finally:
            _record("handle_frame", started)
            IN_BENCH.reset(token)

    # ``_serve`` calls ``_handle_frame``, which calls ``message_send``, through the globals of
    # ``portal.web.room_socket``; ``message_send`` finds the others in ``room_messages``'.
    room_socket._handle_frame = timed_handle_frame
    room_socket.message_send = _timed("message_send", room_socket.message_send)
    room_messages._store = _timed("store", room_messages._store)
    # Only for a refused or duplicate send (the unique index decides, nothing looks first).
    room_messages._existing_send = _timed("existing_send", room_messages._existing_send)

    write_transaction = room_messages.write_transaction

    @contextlib.asynccontextmanager
    async def timed_transaction() -> Any:
        started = time.monotonic_ns()
        try:
            async with write_transaction():
                yield
        finally:
            if IN_BENCH.get():
                _record("transaction", started)

    room_messages.write_transaction = timed_transaction

    deliver = LocalHub.deliver

    def timed_deliver(self: LocalHub, room_id: int, text: str, *args: Any) -> None:
        if "bench:" not in text:
            deliver(self, room_id, text, *args)
            return
        COUNTS["deliver_calls"] += 1
        # One fan-out in PROFILE_EVERY runs under cProfile (and is left out of the timings).
        if COUNTS["deliver_calls"] % PROFILE_EVERY == 0:
            PROFILER.enable()
            deliver(self, room_id, text, *args)
            PROFILER.disable()
            COUNTS["deliver_profiled"] += 1
            return
        started = time.monotonic_ns()
        deliver(self, room_id, text, *args)
        _record("deliver", started)
        COUNTS["deliver_connections"] = len(self.rooms.get(room_id, ()))

    LocalHub.deliver = timed_deliver  # type: ignore[method-assign]

    run_querystring = SQLiteEngine.run_querystring

    async def timed_querystring(self: SQLiteEngine, *args: Any, **kwargs: Any) -> Any:
        if not IN_BENCH.get():
            return await run_querystring(self, *args, **kwargs)
        started = time.monotonic_ns()
        try:
            return await run_querystring(self, *args, **kwargs)
        finally:
            _record("sql", started)

    SQLiteEngine.run_querystring = timed_querystring  # type: ignore[method-assign]


def _memory_report(snapshots: list[Any]) -> str:
    """What the allocations between two snapshots are, by the code that made them."""
    before, after = snapshots
    lines = []
    total = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    lines.append(f"traced growth: {total / 1024:,.0f} KB")
    lines.append("by file:")
    for stat in after.compare_to(before, "filename")[:12]:
        frame = stat.traceback[0]
        lines.append(
            f"  {stat.size_diff / 1024:>9,.0f} KB {stat.count_diff:>8,} blocks  {frame.filename}"
        )
    lines.append("by line:")
    for stat in after.compare_to(before, "lineno")[:20]:
        frame = stat.traceback[0]
        lines.append(
            f"  {stat.size_diff / 1024:>9,.0f} KB {stat.count_diff:>8,} blocks  "
            f"{frame.filename}:{frame.lineno}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="on SIGUSR1 start tracing allocations and take a snapshot; the last two are compared",
    )
    args = parser.parse_args()
    snapshots: list[Any] = []
    if args.tracemalloc:
        import signal
        import tracemalloc

        def snapshot(signum: int, frame: Any) -> None:
            # Tracing runs from the first snapshot to the second only: start-up and the
            # sending phase are not slowed down by it.
            if not snapshots:
                tracemalloc.start(1)
                snapshots.append(tracemalloc.take_snapshot())
            elif tracemalloc.is_tracing():
                snapshots.append(tracemalloc.take_snapshot())
                tracemalloc.stop()
                MEMORY.append(_memory_report(snapshots[-2:]))

        signal.signal(signal.SIGUSR1, snapshot)

    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    from onramp.cli import main as onramp

    install()
    import signal

    # uvicorn re-raises SIGTERM once it has shut down: exit through ``finally`` below.
    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    try:
        # ``onramp serve``'s own code (migrations, base URL, uvicorn and its websocket
        # settings); it imports ``onramp.asgi:app`` after the timers are in place.
        onramp(
            ["serve", "--host", "127.0.0.1", "--port", str(args.port), "--workers", "1"],
            prog_name="onramp",
            standalone_mode=False,
        )
    finally:
        profile = ""
        if COUNTS["deliver_profiled"]:
            stream = io.StringIO()
            stats = pstats.Stats(PROFILER, stream=stream)
            stats.sort_stats("tottime").print_stats(14)
            profile = stream.getvalue()
        memory = MEMORY[0] if MEMORY else ""
        with open(args.out, "w") as handle:
            json.dump(
                {"timings": TIMINGS, "counts": COUNTS, "profile": profile, "memory": memory},
                handle,
            )


if __name__ == "__main__":
    main()
