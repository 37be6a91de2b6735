"""An open room socket stops working the moment its right to be there ends.

Two paths, each tested: the revocation published after the change (through Redis to every
worker, or in memory inside the one server) closes the socket at once; and when a socket
missed it (here: the change is made by the test process, which cannot reach a server
without Redis), its next send is refused inside the send's transaction and nothing is
stored.
"""

from __future__ import annotations

import json
import time
import uuid

import httpx
import websockets

from portal.auth.sessions import session_end
from portal.auth.stores import store_for
from portal.auth.tokens import hash_token, new_token
from portal.config import get_settings
from portal.domain.candidates.records import CandidateInput, candidate_set_status, candidate_update
from portal.domain.rooms.membership import cohort_room_ensure, room_archive
from portal.domain.rooms.tables import RoomMessage
from portal.domain.staff.accounts import staff_update
from tests.factories import (
    STAFF_PASSWORD,
    make_candidate,
    make_cohort,
    make_department,
    make_staff,
)
from tests.room.helpers import (
    candidate_cookie,
    connect,
    receive_until,
    send,
    staff_cookie,
)


async def closed_with(ws, timeout: float = 10.0) -> int | None:  # noqa: ASYNC109
    """Read until the server closes the socket; its close code (None if it did not)."""
    import asyncio

    try:
        async with asyncio.timeout(timeout):
            while True:
                await ws.recv()
    except websockets.ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None
    except TimeoutError:
        return None


async def _setup(base_url: str):
    department = await make_department()
    cohort = await make_cohort(department)
    alice = await make_candidate(department, cohort=cohort, name="Alice")
    bob = await make_candidate(department, cohort=cohort, name="Bob")
    room_id = await cohort_room_ensure(cohort.id)
    return {
        "department": department,
        "cohort": cohort,
        "room": room_id,
        "alice": alice,
        "bob": bob,
        "alice_cookie": await candidate_cookie(base_url, alice.id),
        "bob_cookie": await candidate_cookie(base_url, bob.id),
    }


def _token(cookie: str) -> str:
    return cookie.split("=", 1)[1]


async def _stored(body: str) -> int:
    return await RoomMessage.count().where(RoomMessage.body == body)


# signing out -------------------------------------------------------------------------------


async def test_signing_out_closes_the_sessions_room_sockets(room_server):
    r = await _setup(room_server)
    async with (
        await connect(room_server, r["room"], r["alice_cookie"]) as mine,
        await connect(room_server, r["room"], r["bob_cookie"]) as bobs,
    ):
        async with httpx.AsyncClient(base_url=room_server) as browser:
            browser.cookies.set("onramp_session", _token(r["alice_cookie"]))
            await browser.get("/welcome")
            response = await browser.post(
                "/logout",
                data={"_csrf_token": browser.cookies.get("onramp_csrf")},
                follow_redirects=False,
            )
            assert response.status_code in (302, 303), response.text
        assert await closed_with(mine) == 4401
        # Someone else's socket is untouched.
        await send(bobs, "still here")
        await receive_until(bobs, "ack")


async def test_a_socket_that_missed_the_sign_out_cannot_send(room_server):
    r = await _setup(room_server)
    async with await connect(room_server, r["room"], r["alice_cookie"]) as ws:
        # Signed out by a process whose revocation never reaches this server.
        await session_end(store_for(get_settings(), "sessions"), _token(r["alice_cookie"]))
        client_id = await send(ws, "after signing out")
        error, _ = await receive_until(ws, "error")
        assert (error["code"], error["client_id"]) == ("signed_out", client_id)
        assert await closed_with(ws) == 4401
    assert await _stored("after signing out") == 0


async def test_a_socket_closes_when_its_session_expires(room_server):
    r = await _setup(room_server)
    # A session with two seconds left, written where the server reads sessions.
    token = new_token()
    payload = {"kind": "candidate", "id": r["alice"].id, "iat": time.time(), "exp": time.time() + 2}
    await store_for(get_settings(), "sessions").set(
        hash_token(token), json.dumps(payload).encode(), expires_in=60
    )
    async with await connect(room_server, r["room"], f"onramp_session={token}") as ws:
        assert await closed_with(ws, timeout=10) == 4401


# candidates --------------------------------------------------------------------------------


async def test_withdrawing_a_candidate_closes_their_sockets_on_every_worker(
    redis_room_server, publish_through_redis
):
    server = redis_room_server
    r = await _setup(server)
    async with (
        await connect(server, r["room"], r["alice_cookie"]) as alices,
        await connect(server, r["room"], r["bob_cookie"]) as bobs,
    ):
        await candidate_set_status(candidate_id=r["alice"].id, status="withdrawn", reason="left")
        assert await closed_with(alices) == 4403
        await send(bobs, "bob stays")
        await receive_until(bobs, "ack")
    # And the withdrawn candidate cannot come back in.
    try:
        await connect(server, r["room"], r["alice_cookie"])
        raise AssertionError("a withdrawn candidate connected")
    except websockets.InvalidStatus as refused:
        assert refused.response.status_code == 403


async def test_a_withdrawn_candidate_whose_socket_missed_it_cannot_send(room_server):
    r = await _setup(room_server)
    async with await connect(room_server, r["room"], r["alice_cookie"]) as ws:
        await candidate_set_status(candidate_id=r["alice"].id, status="withdrawn", reason="left")
        client_id = await send(ws, "withdrawn but typing")
        error, _ = await receive_until(ws, "error")
        assert (error["code"], error["client_id"]) == ("forbidden", client_id)
        assert await closed_with(ws) == 4403
    assert await _stored("withdrawn but typing") == 0


async def test_moving_a_candidate_to_another_cohort_closes_the_old_rooms_socket(
    redis_room_server, publish_through_redis
):
    server = redis_room_server
    r = await _setup(server)
    other = await make_cohort(r["department"])
    async with await connect(server, r["room"], r["alice_cookie"]) as ws:
        await candidate_update(
            candidate_id=r["alice"].id,
            data=CandidateInput(
                name="Alice",
                phone=r["alice"].phone,
                department_id=r["department"].id,
                cohort_id=other.id,
            ),
        )
        assert await closed_with(ws) == 4403


async def test_a_moved_candidate_whose_socket_missed_it_cannot_send(room_server):
    r = await _setup(room_server)
    other = await make_cohort(r["department"])
    async with await connect(room_server, r["room"], r["alice_cookie"]) as ws:
        await candidate_update(
            candidate_id=r["alice"].id,
            data=CandidateInput(
                name="Alice",
                phone=r["alice"].phone,
                department_id=r["department"].id,
                cohort_id=other.id,
            ),
        )
        await send(ws, "from the old cohort")
        error, _ = await receive_until(ws, "error")
        assert error["code"] == "forbidden"
    assert await _stored("from the old cohort") == 0


async def test_editing_a_candidate_without_moving_them_leaves_their_socket_open(
    redis_room_server, publish_through_redis
):
    server = redis_room_server
    r = await _setup(server)
    async with await connect(server, r["room"], r["alice_cookie"]) as ws:
        await candidate_update(
            candidate_id=r["alice"].id,
            data=CandidateInput(
                name="Alice Li",
                phone=r["alice"].phone,
                department_id=r["department"].id,
                cohort_id=r["cohort"].id,
            ),
        )
        await send(ws, "still mine")
        ack, _ = await receive_until(ws, "ack")
    row = await RoomMessage.select(RoomMessage.body).where(RoomMessage.id == ack["id"]).first()
    assert row["body"] == "still mine"


# staff and rooms ---------------------------------------------------------------------------


async def test_a_deactivated_staff_socket_closes_and_gets_no_private_question(
    redis_room_server, publish_through_redis
):
    server = redis_room_server
    r = await _setup(server)
    admin = await make_staff("admin")
    hr = await make_staff("hr")
    hr_cookie = await staff_cookie(server, hr.email, STAFF_PASSWORD)
    async with (
        await connect(server, r["room"], hr_cookie) as hrs,
        await connect(server, r["room"], r["alice_cookie"]) as alices,
    ):
        await staff_update(
            staff_id=hr.id,
            actor_id=admin.id,
            role="hr",
            name="",
            department_id=None,
            is_active=False,
        )
        frames_before_close = []
        code = None
        await send(alices, "a private question", kind="question", private=True)
        await receive_until(alices, "ack")
        try:
            while True:
                frames_before_close.append(json.loads(await hrs.recv()))
        except websockets.ConnectionClosed as closed:
            code = closed.rcvd.code if closed.rcvd else None
    assert code == 4403
    assert [f for f in frames_before_close if f.get("body") == "a private question"] == []


async def test_a_deactivated_staff_socket_that_missed_it_cannot_send(room_server):
    r = await _setup(room_server)
    admin = await make_staff("admin")
    hr = await make_staff("hr")
    hr_cookie = await staff_cookie(room_server, hr.email, STAFF_PASSWORD)
    async with await connect(room_server, r["room"], hr_cookie) as ws:
        await staff_update(
            staff_id=hr.id,
            actor_id=admin.id,
            role="hr",
            name="",
            department_id=None,
            is_active=False,
        )
        await send(ws, "from a closed account")
        error, _ = await receive_until(ws, "error")
        assert error["code"] == "forbidden"
        assert await closed_with(ws) == 4403
    assert await _stored("from a closed account") == 0


async def test_archiving_a_room_closes_its_sockets(redis_room_server, publish_through_redis):
    server = redis_room_server
    r = await _setup(server)
    async with (
        await connect(server, r["room"], r["alice_cookie"]) as a,
        await connect(server, r["room"], r["bob_cookie"]) as b,
    ):
        await room_archive(r["room"])
        assert await closed_with(a) == 4403
        assert await closed_with(b) == 4403


async def test_a_socket_that_missed_the_archiving_cannot_send(room_server):
    r = await _setup(room_server)
    async with await connect(room_server, r["room"], r["alice_cookie"]) as ws:
        await room_archive(r["room"])
        await send(ws, "into an archived room")
        error, _ = await receive_until(ws, "error")
        assert error["code"] == "forbidden"
    assert await _stored("into an archived room") == 0


async def test_a_client_id_is_still_acknowledged_after_a_refused_send(room_server):
    """A refused send does not poison the idempotency key (the same send, retried later)."""
    r = await _setup(room_server)
    client_id = uuid.uuid4().hex
    async with await connect(room_server, r["room"], r["bob_cookie"]) as ws:
        await send(ws, "first", client_id=client_id)
        first, _ = await receive_until(ws, "ack")
        await send(ws, "first", client_id=client_id)
        again, _ = await receive_until(ws, "ack")
    assert first["id"] == again["id"]
