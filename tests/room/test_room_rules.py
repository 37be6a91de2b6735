"""Room rules over real websockets: limits, mutes, hiding, private questions, answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from portal.domain.rooms.membership import cohort_room_ensure
from portal.domain.rooms.moderation import member_mute, member_unmute, message_hide
from portal.domain.rooms.tables import RoomMessage, RoomQuestion
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
    quiet,
    receive,
    receive_until,
    send,
    staff_cookie,
)


async def _room(base_url: str):
    department = await make_department()
    cohort = await make_cohort(department)
    alice = await make_candidate(department, cohort=cohort, name="Alice")
    bob = await make_candidate(department, cohort=cohort, name="Bob")
    room_id = await cohort_room_ensure(cohort.id)
    hr = await make_staff("hr")
    return {
        "room": room_id,
        "alice": alice,
        "bob": bob,
        "hr": hr,
        "alice_cookie": await candidate_cookie(base_url, alice.id),
        "bob_cookie": await candidate_cookie(base_url, bob.id),
        "hr_cookie": await staff_cookie(base_url, hr.email, STAFF_PASSWORD),
    }


async def test_members_are_rate_limited_with_a_clear_error(room_server):
    r = await _room(room_server)
    async with await connect(room_server, r["room"], r["alice_cookie"]) as a:
        for number in range(5):
            await send(a, f"n{number}")
            await receive_until(a, "ack")
        refused_id = await send(a, "one too many")
        error, _ = await receive_until(a, "error")
    assert error["code"] == "rate_limited"
    assert error["client_id"] == refused_id
    assert "5" in error["detail"] and "10" in error["detail"]
    assert await RoomMessage.count().where(RoomMessage.body == "one too many") == 0


async def test_bad_frames_get_errors_and_change_nothing(room_server):
    r = await _room(room_server)
    async with await connect(room_server, r["room"], r["alice_cookie"]) as a:
        await a.send("not json")
        assert (await receive(a))["code"] == "bad_frame"
        await a.send('{"type": "shout"}')
        assert (await receive(a))["code"] == "bad_type"
        await send(a, "   ")
        assert (await receive(a))["code"] == "empty"
        await send(a, "x" * 1001)
        assert (await receive(a))["code"] == "too_long"
        await send(a, "hi", client_id="../../etc")
        assert (await receive(a))["code"] == "bad_client_id"
        await send(a, "hi", kind="answer")
        assert (await receive(a))["code"] == "bad_kind"
        await send(a, "hi", reply_to=10**9)
        assert (await receive(a))["code"] == "bad_reply_to"
        await send(a, "hi", reply_to="1")
        assert (await receive(a))["code"] == "bad_reply_to"
        await send(a, 12345)
        assert (await receive(a))["code"] == "bad_body"
    assert await RoomMessage.count().where(RoomMessage.room == r["room"]) == 0


async def test_a_muted_member_is_refused_until_unmuted(room_server):
    r = await _room(room_server)
    until = await member_mute(
        staff=r["hr"], room_id=r["room"], candidate_id=r["alice"].id, minutes=10, reason="spam"
    )
    assert until > datetime.now(UTC) + timedelta(minutes=9)
    async with await connect(room_server, r["room"], r["alice_cookie"]) as a:
        await send(a, "let me talk")
        error, _ = await receive_until(a, "error")
        assert error["code"] == "muted"
        await member_unmute(staff=r["hr"], room_id=r["room"], candidate_id=r["alice"].id)
        await send(a, "thanks")
        await receive_until(a, "ack")


async def test_hiding_sends_a_tombstone_and_keeps_the_row(redis_room_server, publish_through_redis):
    room_server = redis_room_server
    r = await _room(room_server)
    async with (
        await connect(room_server, r["room"], r["alice_cookie"]) as a,
        await connect(room_server, r["room"], r["bob_cookie"]) as b,
    ):
        await send(a, "something rude")
        ack, _ = await receive_until(a, "ack")
        await receive(b)
        await message_hide(staff=r["hr"], room_id=r["room"], message_id=ack["id"], reason="rude")
        assert await receive(b) == {"type": "hidden", "id": ack["id"]}
    row = await RoomMessage.select().where(RoomMessage.id == ack["id"]).first().run()
    assert row["body"] == "something rude" and row["hidden_by"] == r["hr"].id
    # Resuming after it: its tombstone is replayed (the page may still show it).
    async with await connect(room_server, r["room"], r["bob_cookie"], after=ack["id"]) as b:
        assert await quiet(b) == [{"type": "hidden", "id": ack["id"]}]
    # From the start: it is not replayed at all.
    async with await connect(room_server, r["room"], r["bob_cookie"], after=0) as b:
        assert await quiet(b) == []


async def test_a_private_question_reaches_only_the_asker_and_staff(room_server):
    r = await _room(room_server)
    async with (
        await connect(room_server, r["room"], r["alice_cookie"]) as a,
        await connect(room_server, r["room"], r["bob_cookie"]) as b,
        await connect(room_server, r["room"], r["hr_cookie"]) as hr,
    ):
        await send(a, "我的工资卡怎么办?", kind="question", private=True)
        ack, _ = await receive_until(a, "ack")
        seen_by_hr = await receive(hr)
        assert seen_by_hr["private"] is True and seen_by_hr["kind"] == "question"
        await send(hr, "入职当天带银行卡即可。", reply_to=ack["id"])
        answer_ack, _ = await receive_until(hr, "ack")
        answer, _ = await receive_until(a, "message")
        assert answer["id"] == answer_ack["id"]
        assert answer["kind"] == "answer" and answer["private"] is True
        assert await quiet(b) == []
    question = await RoomQuestion.select().where(RoomQuestion.message == ack["id"]).first().run()
    assert question["status"] == "answered" and question["answered_by"] == r["hr"].id
    assert question["is_private"] is True
    assert question["deadline_at"] > question["asked_at"]


async def test_a_question_gets_a_deadline_and_a_staff_reply_answers_it(room_server):
    r = await _room(room_server)
    async with (
        await connect(room_server, r["room"], r["alice_cookie"]) as a,
        await connect(room_server, r["room"], r["hr_cookie"]) as hr,
    ):
        await send(a, "培训几点开始?", kind="question")
        ack, _ = await receive_until(a, "ack")
        question = (
            await RoomQuestion.select().where(RoomQuestion.message == ack["id"]).first().run()
        )
        assert question["status"] == "open"
        assert question["deadline_at"] - question["asked_at"] >= timedelta(hours=24)
        await receive(hr)
        await send(hr, "9 点。", reply_to=ack["id"])
        await receive_until(hr, "ack")
        answered, _ = await receive_until(a, "answered")
    assert answered["question"] == ack["id"]
    question = await RoomQuestion.select().where(RoomQuestion.message == ack["id"]).first().run()
    assert question["status"] == "answered"


async def test_another_members_mute_does_not_touch_the_rest(room_server):
    r = await _room(room_server)
    await member_mute(
        staff=r["hr"], room_id=r["room"], candidate_id=r["alice"].id, minutes=60, reason=""
    )
    async with await connect(room_server, r["room"], r["bob_cookie"]) as b:
        await send(b, "still here")
        await receive_until(b, "ack")
