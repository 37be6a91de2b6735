"""Fan-out across processes: two app instances sharing the database and Redis."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time

import pytest
import websockets

from portal.domain.rooms.membership import cohort_room_ensure
from tests.factories import make_candidate, make_cohort, make_department
from tests.live_servers import free_port, onramp_server, onramp_servers
from tests.room.helpers import candidate_cookie, connect, quiet, receive, receive_until, send


async def _members(base_url: str, count: int):
    department = await make_department()
    cohort = await make_cohort(department)
    people = [await make_candidate(department, cohort=cohort) for _ in range(count)]
    room_id = await cohort_room_ensure(cohort.id)
    return room_id, [await candidate_cookie(base_url, person.id) for person in people]


async def test_two_instances_deliver_each_others_messages(
    database_url, redis_url, redis_room_server
):
    # The session's Redis server (tests/conftest.py) and a second instance beside it.
    first = redis_room_server
    with onramp_server(database_url, env={"ONRAMP_REDIS_URL": redis_url}) as second:
        room_id, (alice, bob) = await _members(first, 2)
        async with (
            await connect(first, room_id, alice) as a,
            await connect(second, room_id, bob) as b,
        ):
            await send(a, "from the first instance")
            ack, _ = await receive_until(a, "ack")
            seen = await receive(b)
            assert (seen["id"], seen["body"]) == (ack["id"], "from the first instance")
            await send(b, "and back")
            back_ack, _ = await receive_until(b, "ack")
            # Through Redis, a sender's own copy may come after its ack.
            ids = [f["id"] for f in await quiet(a, 1.0) if f["type"] == "message"]
            assert ids in ([back_ack["id"]], [ack["id"], back_ack["id"]])
            assert [f["id"] for f in await quiet(b) if f["type"] == "message"] in (
                [],
                [back_ack["id"]],
            )


def _start_redis(port: int, directory: str) -> subprocess.Popen:
    # Persistent like a production Redis should be, so sign-ins survive the restart.
    process = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--port", str(port),
         "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes",
         "--appendfsync", "always", "--dir", directory],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        import socket

        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("redis-server did not start")


async def test_a_restarted_redis_loses_no_message(database_url, redis_url, tmp_path):
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    port = free_port()
    redis = _start_redis(port, str(tmp_path))
    env = {"ONRAMP_REDIS_URL": f"redis://127.0.0.1:{port}/0"}
    try:
        with onramp_servers(database_url, 2, env=env) as (first, second):
            room_id, (alice, bob) = await _members(first, 2)
            b = await connect(second, room_id, bob)
            last_seen = 0
            async with await connect(first, room_id, alice) as a:
                redis.kill()
                redis.wait()
                # Redis is gone: messages are still stored and acknowledged.
                for body in ("during one", "during two"):
                    await send(a, body)
                    await receive_until(a, "ack")
            redis = _start_redis(port, str(tmp_path))
            # Bob's instance resubscribes and closes his socket (1012) so he resumes.
            seen: list[dict] = []
            try:
                while True:
                    frame = await receive(b, timeout=15)
                    if frame["type"] == "message":
                        seen.append(frame)
                        last_seen = max(last_seen, frame["id"])
            except websockets.ConnectionClosed as closed:
                assert closed.rcvd is None or closed.rcvd.code in (1012, 1006, 1011)
            async with await connect(second, room_id, bob, after=last_seen) as b2:
                seen += [f for f in await quiet(b2, 1.0) if f["type"] == "message"]
            assert [f["body"] for f in seen] == ["during one", "during two"]
            async with (
                await connect(first, room_id, alice) as a,
                await connect(second, room_id, bob, after=seen[-1]["id"]) as b3,
            ):
                await asyncio.sleep(0.5)
                await send(a, "after the restart")
                await receive_until(a, "ack")
                frame, _ = await receive_until(b3, "message")
                assert frame["body"] == "after the restart"
    finally:
        redis.kill()
        redis.wait()
