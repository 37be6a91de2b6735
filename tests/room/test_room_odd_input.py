"""Hostile or odd input on the room's websocket gets a clear 4xx or the documented error frame."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets

from portal.domain.rooms.membership import cohort_room_ensure
from portal.domain.rooms.tables import RoomMessage
from tests.factories import make_candidate, make_cohort, make_department
from tests.room.helpers import candidate_cookie, connect, receive, send


async def _member(base_url: str):
    department = await make_department()
    cohort = await make_cohort(department)
    alice = await make_candidate(department, cohort=cohort, name="Alice")
    return await cohort_room_ensure(cohort.id), await candidate_cookie(base_url, alice.id)


async def _status(base_url: str, path: str, cookie: str) -> int:
    url = base_url.replace("http://", "ws://") + path
    with pytest.raises(websockets.InvalidStatus) as refused:
        await websockets.connect(url, origin=base_url, additional_headers={"Cookie": cookie})
    return refused.value.response.status_code


@pytest.mark.parametrize(
    "after",
    [
        "%C2%B2",  # "²": str.isdigit() says yes, int() says no
        "%D9%A3",  # Arabic-Indic three
        "abc",
        "-1",
        "1.5",
        "9" * 19,
        "2147483648",  # past PostgreSQL's integer: the database is never asked
        "9" * 5000,
    ],
)
async def test_a_malformed_after_is_refused_with_400(room_server, after):
    room_id, cookie = await _member(room_server)
    assert await _status(room_server, f"/ws/rooms/{room_id}?after={after}", cookie) == 400


async def test_a_room_id_in_other_digits_is_refused_with_400(room_server):
    _room_id, cookie = await _member(room_server)
    assert await _status(room_server, "/ws/rooms/%C2%B2", cookie) == 400


@pytest.mark.parametrize("room_id", ["2147483648", "99999999999", "0"])
async def test_a_room_id_no_database_integer_holds_is_refused_with_404(room_server, room_id):
    _room_id, cookie = await _member(room_server)
    assert await _status(room_server, f"/ws/rooms/{room_id}", cookie) == 404


async def test_odd_values_in_a_send_frame_get_their_error_frames(room_server):
    room_id, cookie = await _member(room_server)
    async with await connect(room_server, room_id, cookie) as ws:
        await send(ws, "which category?", kind="question", category="²")
        assert (await receive(ws))["code"] == "bad_category"
        await send(ws, "which category?", kind="question", category="9" * 40)
        assert (await receive(ws))["code"] == "bad_category"
        await send(ws, "reply to what?", reply_to="²")
        assert (await receive(ws))["code"] == "bad_reply_to"
        await send(ws, "reply to what?", reply_to=["1"])
        assert (await receive(ws))["code"] == "bad_reply_to"
        for too_large in (2**31, 2**63, 10**20):
            await send(ws, "reply to what?", reply_to=too_large)
            assert (await receive(ws))["code"] == "bad_reply_to"
            await send(ws, "which category?", kind="question", category=too_large)
            assert (await receive(ws))["code"] == "bad_category"
        await send(ws, "private?", kind="question", private="yes")  # not true: a public one
        assert (await receive(ws))["type"] in ("ack", "message")
    assert await RoomMessage.count().where(RoomMessage.body.like("which%")) == 0


@pytest.mark.parametrize("depth", [1_000, 5_000])
async def test_deeply_nested_json_gets_bad_frame_and_the_socket_lives_on(room_server, depth):
    room_id, cookie = await _member(room_server)
    async with await connect(room_server, room_id, cookie) as ws:
        await ws.send("[" * depth + "]" * depth)
        assert (await receive(ws))["code"] == "bad_frame"
        nested_body = {"type": "send", "client_id": "x1", "body": json.loads("[" * 50 + "]" * 50)}
        await ws.send(json.dumps(nested_body))
        assert (await receive(ws))["code"] == "bad_body"
        await ws.send('{"type": "ping"}')
        assert await receive(ws) == {"type": "pong"}


async def test_binary_and_oversized_frames_get_bad_frame(room_server):
    room_id, cookie = await _member(room_server)
    async with await connect(room_server, room_id, cookie) as ws:
        await ws.send(b"\xff\xfe\x00")
        assert (await receive(ws))["code"] == "bad_frame"
        await ws.send(json.dumps({"type": "send", "body": "x" * 20_000}))
        assert (await receive(ws))["code"] == "bad_frame"
        await asyncio.sleep(0)
        await ws.send('{"type": "ping"}')
        assert await receive(ws) == {"type": "pong"}
