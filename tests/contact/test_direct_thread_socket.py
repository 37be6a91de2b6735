"""The 1:1 thread over the room's websocket: live both ways, idempotent, resumable, private."""

from __future__ import annotations

import pytest
import websockets

from portal.domain.rooms.direct import direct_thread_ensure
from tests.contact.helpers import messages_of, questions_of
from tests.factories import STAFF_PASSWORD, make_candidate, make_department, make_staff
from tests.room.helpers import (
    candidate_cookie,
    connect,
    quiet,
    receive,
    receive_until,
    send,
    staff_cookie,
)


async def test_a_message_reaches_hr_live_and_the_reply_answers_it(contact_server):
    await _live_both_ways(contact_server)


async def test_the_same_through_redis(contact_redis_server):
    await _live_both_ways(contact_redis_server)


async def _live_both_ways(contact_server: str) -> None:
    me = await make_candidate()  # no cohort
    room_id = await direct_thread_ensure(me.id)
    hr = await make_staff("hr")
    mine = await candidate_cookie(contact_server, me.id)
    theirs = await staff_cookie(contact_server, hr.email, STAFF_PASSWORD)
    async with (
        await connect(contact_server, room_id, mine) as candidate,
        await connect(contact_server, room_id, theirs) as staff,
    ):
        client_id = await send(candidate, "培训几点开始？", kind="chat")
        ack, _ = await receive_until(candidate, "ack")
        # The same client_id again (a reconnecting phone): the first message's id, once.
        await send(candidate, "培训几点开始？", kind="chat", client_id=client_id)
        again, _ = await receive_until(candidate, "ack")
        assert again["id"] == ack["id"]
        question = await receive(staff)
        assert (question["type"], question["kind"], question["body"]) == (
            "message",
            "question",
            "培训几点开始？",
        )
        assert question["private"] is True
        assert await quiet(staff, 0.3) == []  # the retry was not delivered twice
        await send(staff, "早上九点。")
        reply, _ = await receive_until(candidate, "message")
        assert reply["body"] == "早上九点。"
        assert reply["author"]["role"] == "hr"
        answered, _ = await receive_until(candidate, "answered")
        assert answered == {"type": "answered", "question": ack["id"], "answer": reply["id"]}
    assert [q["status"] for q in await questions_of(room_id)] == ["answered"]
    assert len(await messages_of(room_id)) == 2
    # Resuming after the question gets the reply only.
    async with await connect(contact_server, room_id, mine, after=ack["id"]) as resumed:
        frames = await quiet(resumed, 0.5)
        assert [f["body"] for f in frames if f["type"] == "message"] == ["早上九点。"]


async def test_another_candidate_or_departments_manager_cannot_connect(contact_server):
    production, sales = await make_department(), await make_department()
    me = await make_candidate(production)
    room_id = await direct_thread_ensure(me.id)
    other = await make_candidate(production)
    manager = await make_staff("manager", department=sales)
    for cookie in (
        await candidate_cookie(contact_server, other.id),
        await staff_cookie(contact_server, manager.email, STAFF_PASSWORD),
    ):
        with pytest.raises(websockets.InvalidStatus) as refused:
            await connect(contact_server, room_id, cookie)
        assert refused.value.response.status_code == 403


async def test_an_empty_or_oversized_frame_is_refused_and_nothing_is_stored(contact_server):
    me = await make_candidate()
    room_id = await direct_thread_ensure(me.id)
    async with await connect(
        contact_server, room_id, await candidate_cookie(contact_server, me.id)
    ) as candidate:
        await send(candidate, "  ")
        error, _ = await receive_until(candidate, "error")
        assert error["code"] == "empty"
        await send(candidate, "长" * 1500)
        error, _ = await receive_until(candidate, "error")
        assert error["code"] == "too_long"
    assert await messages_of(room_id) == []
    assert await questions_of(room_id) == []


async def test_a_group_chat_is_live_for_its_members_only(contact_server):
    from portal.domain.rooms.groups import group_create, group_member_add

    hr = await make_staff("hr")
    member = await make_candidate()
    outsider = await make_candidate()
    room_id = await group_create(name="生产岗新人群", staff_id=hr.id)
    await group_member_add(room_id=room_id, kind="candidate", contact=member.phone, staff_id=hr.id)
    with pytest.raises(websockets.InvalidStatus) as refused:
        await connect(contact_server, room_id, await candidate_cookie(contact_server, outsider.id))
    assert refused.value.response.status_code == 403
    async with (
        await connect(contact_server, room_id, await candidate_cookie(contact_server, member.id))
        as candidate,
        await connect(contact_server, room_id, await staff_cookie(contact_server, hr.email,
                                                                  STAFF_PASSWORD)) as staff,
    ):  # fmt: skip
        await send(candidate, "大家好")
        await receive_until(candidate, "ack")
        frame, _ = await receive_until(staff, "message")
        assert (frame["body"], frame["kind"], frame["private"]) == ("大家好", "chat", False)
