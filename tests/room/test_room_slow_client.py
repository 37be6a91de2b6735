"""A client that stops reading never slows the others, and is dropped when far behind."""

from __future__ import annotations

import asyncio
import json
import socket
import time
import uuid

import websockets

from portal.domain.rooms.membership import cohort_room_ensure
from tests.factories import STAFF_PASSWORD, make_candidate, make_cohort, make_department, make_staff
from tests.room.helpers import candidate_cookie, connect, staff_cookie, ws_url

BODY = "慢" * 1000  # 3 KB a frame
MESSAGES = 2500


async def test_a_stalled_reader_is_dropped_and_the_others_get_everything(room_server):
    department = await make_department()
    cohort = await make_cohort(department)
    fast = await make_candidate(department, cohort=cohort)
    slow = await make_candidate(department, cohort=cohort)
    room_id = await cohort_room_ensure(cohort.id)
    hr = await make_staff("hr")
    hr_cookie = await staff_cookie(room_server, hr.email, STAFF_PASSWORD)
    slow_cookie = await candidate_cookie(room_server, slow.id)

    # The stalled phone: a tiny receive buffer, and it never reads.
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.connect(("127.0.0.1", int(room_server.rsplit(":", 1)[1])))
    stalled = await websockets.connect(
        ws_url(room_server, room_id, 0),
        sock=raw,
        origin=room_server,
        additional_headers={"Cookie": slow_cookie},
        max_queue=1,
    )

    received = 0
    async with (
        await connect(room_server, room_id, await candidate_cookie(room_server, fast.id)) as reader,
        await connect(room_server, room_id, hr_cookie) as sender,
    ):

        async def read_all():
            nonlocal received
            while received < MESSAGES:
                frame = json.loads(await asyncio.wait_for(reader.recv(), 30))
                if frame["type"] == "message":
                    received += 1

        reading = asyncio.create_task(read_all())
        started = time.monotonic()
        for _ in range(MESSAGES):
            await sender.send(
                json.dumps({"type": "send", "client_id": str(uuid.uuid4()), "kind": "chat",
                            "body": BODY, "reply_to": None})
            )  # fmt: skip
            while json.loads(await sender.recv())["type"] != "ack":
                pass
        await reading
        elapsed = time.monotonic() - started
    assert received == MESSAGES
    assert elapsed < 120
    # The stalled client was cut off: once it reads again, the socket ends (4008 or closed).
    closed_with = None
    try:
        async with asyncio.timeout(30):
            while True:
                await stalled.recv()
    except websockets.ConnectionClosed as closed:
        closed_with = closed
    assert closed_with is not None
    await stalled.close()
