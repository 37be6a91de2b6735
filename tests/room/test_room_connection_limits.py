"""Limits on connections: room sockets per session, and half-open connections (slowloris)."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
import websockets

from portal.domain.rooms.membership import cohort_room_ensure
from tests.factories import make_candidate, make_cohort, make_department
from tests.live_servers import onramp_server
from tests.room.helpers import candidate_cookie, connect, receive_until, send

CAP = 3
HEADER_TIMEOUT = 2


@pytest.fixture(scope="module")
def limited_server(database_url: str):
    env = {
        "ONRAMP_ROOM_SOCKETS_PER_SESSION": str(CAP),
        "ONRAMP_HEADER_TIMEOUT_SECONDS": str(HEADER_TIMEOUT),
    }
    with onramp_server(database_url, env=env) as base_url:
        yield base_url


async def _member(base_url: str):
    department = await make_department()
    cohort = await make_cohort(department)
    alice = await make_candidate(department, cohort=cohort, name="Alice")
    bob = await make_candidate(department, cohort=cohort, name="Bob")
    room_id = await cohort_room_ensure(cohort.id)
    return (
        room_id,
        await candidate_cookie(base_url, alice.id),
        await candidate_cookie(base_url, bob.id),
    )


async def test_one_session_opens_at_most_its_cap_of_room_sockets(limited_server):
    room_id, alice, bob = await _member(limited_server)
    sockets = [await connect(limited_server, room_id, alice) for _ in range(CAP)]
    try:
        with pytest.raises(websockets.InvalidStatus) as refused:
            await connect(limited_server, room_id, alice)
        assert refused.value.response.status_code == 429
        # Another session is not affected.
        async with await connect(limited_server, room_id, bob) as other:
            await send(other, "hello")
            await receive_until(other, "ack")
        # Closing one frees a place.
        await sockets.pop().close()
        await asyncio.sleep(0.3)
        sockets.append(await connect(limited_server, room_id, alice))
    finally:
        await asyncio.gather(*(ws.close() for ws in sockets))


async def test_a_burst_of_handshakes_on_one_cookie_stays_within_the_cap(limited_server):
    room_id, alice, _bob = await _member(limited_server)

    async def attempt():
        try:
            return await connect(limited_server, room_id, alice)
        except websockets.InvalidStatus as refused:
            return refused.response.status_code

    results = await asyncio.gather(*(attempt() for _ in range(40)))
    opened = [result for result in results if not isinstance(result, int)]
    try:
        assert len(opened) == CAP
        assert {result for result in results if isinstance(result, int)} == {429}
    finally:
        await asyncio.gather(*(ws.close() for ws in opened))


async def _half_open(port: int, path: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n".encode())
    await writer.drain()
    return reader, writer


async def _closed_within(reader: asyncio.StreamReader, seconds: float) -> bool:
    try:
        async with asyncio.timeout(seconds):
            while await reader.read(4096):
                pass
        return True
    except TimeoutError:
        return False
    except ConnectionError:
        return True


async def test_half_open_connections_are_closed_after_the_header_timeout(limited_server):
    port = int(limited_server.rsplit(":", 1)[1])
    upgrade = "/ws/rooms/1"
    connections = [await _half_open(port, upgrade if n % 2 else "/welcome") for n in range(60)]
    started = time.monotonic()

    async def trickle(writer: asyncio.StreamWriter) -> None:
        # A header line now and then, never the blank line that ends them (slowloris).
        for number in range(20):
            await asyncio.sleep(0.5)
            try:
                writer.write(f"X-Slow-{number}: 1\r\n".encode())
                await writer.drain()
            except ConnectionError:
                return

    trickling = [asyncio.create_task(trickle(writer)) for _reader, writer in connections]
    try:
        closed = await asyncio.gather(
            *(_closed_within(reader, HEADER_TIMEOUT + 4) for reader, _writer in connections)
        )
        assert all(closed)
        assert time.monotonic() - started < HEADER_TIMEOUT + 4
        # Meanwhile the server answers everyone else.
        async with httpx.AsyncClient(base_url=limited_server) as client:
            assert (await client.get("/healthz")).status_code == 200
    finally:
        for task in trickling:
            task.cancel()
        for _reader, writer in connections:
            writer.close()


async def test_a_silent_connection_is_closed_too(limited_server):
    port = int(limited_server.rsplit(":", 1)[1])
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        assert await _closed_within(reader, HEADER_TIMEOUT + 4)
    finally:
        writer.close()


async def test_a_kept_alive_connection_gets_a_fresh_deadline_per_request(limited_server):
    port = int(limited_server.rsplit(":", 1)[1])
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for _ in range(3):
            await asyncio.sleep(HEADER_TIMEOUT * 0.6)  # within keep-alive, not over the limit
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            await writer.drain()
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            assert head.startswith(b"HTTP/1.1 200")
            length = int(
                next(
                    line.split(b":")[1]
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                )
            )
            await reader.readexactly(length)
    finally:
        writer.close()
