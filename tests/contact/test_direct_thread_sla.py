"""The thread's questions on the SLA tracker and watch: routing, breach once, one notice."""

from __future__ import annotations

from datetime import timedelta

from portal.domain.messaging.tables import OutboxMessage
from portal.domain.rooms.tables import RoomQuestion
from portal.domain.sla.tables import SlaEvent
from portal.domain.sla.watch import sla_check
from tests.contact.helpers import (
    candidate_post,
    category_for,
    open_thread,
    questions_of,
    staff_post,
)
from tests.factories import make_candidate, make_department, sign_in_candidate


async def test_thread_questions_are_on_the_tracker_of_those_who_may_answer(client, staff_client):
    production, sales = await make_department(), await make_department()
    me = await make_candidate(production, name="孙七")
    await sign_in_candidate(client, me)
    room_id = await open_thread(client)
    await candidate_post(client, room_id, "上班穿什么？", category=await category_for("manager"))
    await candidate_post(client, room_id, "社保怎么交？", category=await category_for("hr"))
    hr = await staff_client("hr")
    tracker = await hr.get("/admin/questions")
    assert "上班穿什么？" in tracker.text and "社保怎么交？" in tracker.text
    own = await staff_client("manager", department=production)
    tracker = await own.get("/admin/questions")
    assert "上班穿什么？" in tracker.text and "社保怎么交？" not in tracker.text
    other = await staff_client("manager", department=sales)
    tracker = await other.get("/admin/questions")
    assert "上班穿什么？" not in tracker.text and "社保怎么交？" not in tracker.text


async def test_a_waiting_message_breaches_once_and_a_reply_ends_it(client, staff_client):
    me = await make_candidate()
    await sign_in_candidate(client, me)
    room_id = await open_thread(client)
    await candidate_post(client, room_id, "有人吗？")
    question = (await questions_of(room_id))[0]
    later = question["deadline_at"] + timedelta(minutes=1)
    first = await sla_check(now=later)
    again = await sla_check(now=later + timedelta(minutes=5))
    assert [(e.question_id, e.kind) for e in first] == [(question["id"], "breach")]
    assert again == []
    assert await SlaEvent.count().where(SlaEvent.question == question["id"]) == 1
    hr = await staff_client("hr")
    await staff_post(hr, room_id, "抱歉久等了。")
    answered = await RoomQuestion.select().where(RoomQuestion.id == question["id"]).first()
    assert answered["status"] == "answered"
    # One inbox item for the reply (no second "your question was answered" from journeys).
    items = await OutboxMessage.select().where(OutboxMessage.candidate == me.id)
    assert [(i["channel"], i["link"]) for i in items] == [("inbox", f"/rooms/{room_id}")]
