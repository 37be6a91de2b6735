"""Reference for the room fan-out benchmark: a bare room on ``websockets.broadcast()``.

The same JSON frames as Onramp's ``/ws/rooms/{room_id}`` (``send`` in; ``ack`` to the
sender and ``message`` to every member out) with none of the product: no sign-in, no
database, one room, ids from a counter. It runs the ``websockets`` asyncio server on
uvloop, with the library's default ping interval and queue sizes. (Onramp serves on
asyncio's loop since round 4, docs/benchmarks.md says why; the reference keeps uvloop,
which can only flatter it.) Listens on 127.0.0.1 only.

Run: python bench/room_reference_server.py --port 8765   (prints "ready" when listening)
``--out FILE`` writes how long each ``broadcast()`` call took (ms, JSON) at exit.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import resource
import signal
import sys
import time
from datetime import UTC, datetime

from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed

ROOM_ID = 1
AUTHOR = {"id": 0, "name": "bench", "role": "hr"}


def _error(code: str, detail: str) -> str:
    return json.dumps({"type": "error", "code": code, "detail": detail})


async def run(port: int, timings: list[float] | None) -> None:
    members: set[ServerConnection] = set()
    ids = itertools.count(1)

    async def room(connection: ServerConnection) -> None:
        members.add(connection)
        try:
            async for raw in connection:
                try:
                    frame = json.loads(raw)
                except ValueError:
                    await connection.send(_error("bad_frame", "Frames are JSON objects."))
                    continue
                if not isinstance(frame, dict) or frame.get("type") != "send":
                    await connection.send(_error("bad_frame", "Unknown frame type."))
                    continue
                message_id = next(ids)
                await connection.send(
                    json.dumps(
                        {"type": "ack", "client_id": frame.get("client_id"), "id": message_id}
                    )
                )
                started = time.monotonic_ns()
                broadcast(
                    members,
                    json.dumps(
                        {
                            "type": "message",
                            "id": message_id,
                            "room": ROOM_ID,
                            "kind": frame.get("kind", "chat"),
                            "body": str(frame.get("body", "")),
                            "author": AUTHOR,
                            "reply_to": frame.get("reply_to"),
                            "created_at": datetime.now(UTC).isoformat(),
                        },
                        ensure_ascii=False,
                    ),
                )
                if timings is not None:
                    timings.append((time.monotonic_ns() - started) / 1e6)
        except ConnectionClosed:
            pass
        finally:
            members.discard(connection)

    stop = asyncio.get_running_loop().create_future()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set_result, None)
    async with serve(room, "127.0.0.1", port, backlog=4096):
        print("ready", flush=True)
        await stop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", help="write the duration of each broadcast() here (JSON)")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover
        print("uvloop not installed: using the default event loop", file=sys.stderr)
    timings: list[float] | None = [] if args.out else None
    try:
        asyncio.run(run(args.port, timings))
    finally:
        if args.out:
            with open(args.out, "w") as handle:
                json.dump({"timings": {"deliver": timings}, "counts": {}}, handle)


if __name__ == "__main__":
    main()
