"""The SLA tracker page: what HR and managers see, and what they can do from it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from portal.domain.rooms.tables import RoomMessage, RoomQuestion
from portal.domain.staff.tables import StaffUser
from tests.admin.forms import submit
from tests.factories import (
    make_candidate,
    make_cohort,
    make_department,
    make_position,
    make_staff,
    sign_in_staff,
)
from tests.sla.helpers import category_named, make_question, make_room


async def _setup():
    department = await make_department("生产部")
    position = await make_position(department, "操作工")
    cohort = await make_cohort(department, name="十二月第一期")
    from portal.domain.candidates.records import CandidateInput, candidate_create

    asker = await candidate_create(
        data=CandidateInput(
            name="王五",
            phone="13900001111",
            department_id=department.id,
            position_id=position.id,
            cohort_id=cohort.id,
        ),
        source="test",
    )
    room = await make_room(cohort, name="十二月第一期·大家庭")
    return department, cohort, asker, room


def _card_ids(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'data-testid="question" data-id="(\d+)"', html)]


async def test_hr_sees_open_questions_by_time_left_with_context(client):
    department, cohort, asker, room = await _setup()
    later = await make_question(room, asker, body="几点报到?", hours_left=20)
    overdue = await make_question(room, asker, body="工资怎么算?", hours_left=-2.5)
    soon = await make_question(room, asker, body="要带什么材料?", hours_left=3.2, private=True)
    await make_question(room, asker, body="已经回答过了", hours_left=5, status="answered")
    hr = await make_staff("hr")
    await sign_in_staff(client, hr)
    page = await client.get("/admin/questions")
    assert page.status_code == 200
    html = page.text
    assert _card_ids(html) == [overdue.id, soon.id, later.id]
    assert "已超时 2 小时" in html
    assert "还剩 3 小时" in html
    assert "还剩 19 小时" in html
    for context in ("王五", "十二月第一期", "生产部", "操作工", "十二月第一期·大家庭"):
        assert context in html
    assert 'class="badge sla-overdue" data-testid="urgency"' in html
    assert 'class="badge sla-soon" data-testid="urgency"' in html
    assert 'class="badge sla-plenty" data-testid="urgency"' in html
    assert "已经回答过了" not in html
    assert "1 个已超时" in html and "1 个即将到期" in html

    with_answered = await client.get("/admin/questions?answered=1")
    assert "已经回答过了" in with_answered.text


async def test_question_text_is_escaped(client):
    _department, _cohort, asker, room = await _setup()
    await make_question(room, asker, body="<script>alert(1)</script>")
    hr = await make_staff("hr")
    await sign_in_staff(client, hr)
    html = (await client.get("/admin/questions")).text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


async def test_live_fragment_and_summary_follow_the_database(client):
    _department, _cohort, asker, room = await _setup()
    first = await make_question(room, asker, hours_left=-1)
    hr = await make_staff("hr")
    await sign_in_staff(client, hr)
    live = await client.get("/admin/questions/live")
    assert live.status_code == 200
    assert live.headers["cache-control"] == "no-store"
    assert _card_ids(live.text) == [first.id]
    second = await make_question(room, asker, hours_left=1)
    await RoomQuestion.update({RoomQuestion.status: "answered"}).where(RoomQuestion.id == first.id)
    live = await client.get("/admin/questions/live")
    assert _card_ids(live.text) == [second.id]
    summary = (await client.get("/admin/questions/summary.json")).json()
    assert summary == {"open": 1, "soon": 1, "overdue": 0, "text": "0 个已超时, 1 个即将到期"}


async def test_filters_narrow_the_list(client):
    department, cohort, asker, room = await _setup()
    other_cohort = await make_cohort(department, name="一月期")
    other_asker = await make_candidate(department, cohort=other_cohort, name="赵六")
    other_room = await make_room(other_cohort, name="一月期房间")
    pay = await category_named("薪资福利")
    mine = await make_question(room, asker, category=pay)
    theirs = await make_question(other_room, other_asker)
    hr = await make_staff("hr")
    await sign_in_staff(client, hr)
    assert _card_ids((await client.get(f"/admin/questions?room={room.id}")).text) == [mine.id]
    assert _card_ids((await client.get(f"/admin/questions?cohort={other_cohort.id}")).text) == [
        theirs.id
    ]
    assert _card_ids((await client.get(f"/admin/questions?category={pay.id}")).text) == [mine.id]
    assert _card_ids((await client.get("/admin/questions?mine=1")).text) == []
    # Nonsense filter values are ignored rather than failing.
    junk = await client.get("/admin/questions?room=abc&cohort=-1&category=99999999999")
    assert junk.status_code == 200
    assert sorted(_card_ids(junk.text)) == sorted([mine.id, theirs.id])


async def test_manager_sees_only_manager_questions_from_their_department(client):
    department, cohort, asker, room = await _setup()
    duties = await category_named("岗位职责")
    pay = await category_named("薪资福利")
    routed = await make_question(room, asker, category=duties, body="岗位具体做什么?")
    await make_question(room, asker, category=pay, body="工资几号发?")
    other_department = await make_department("仓储部")
    outsider = await make_candidate(other_department, name="孙七")
    other_room = await make_room(None, name="仓储部房间")
    other_room.department = other_department.id
    await other_room.save()
    elsewhere = await make_question(other_room, outsider, category=duties, hours_left=-1)
    from portal.domain.sla.watch import sla_check

    assert len(await sla_check()) == 1
    manager = await make_staff("manager", department=department)
    await sign_in_staff(client, manager)
    page = await client.get("/admin/questions")
    assert _card_ids(page.text) == [routed.id]
    assert "工资几号发?" not in page.text
    # Neither the other department's room nor its alerts show.
    assert "仓储部房间" not in page.text and "孙七" not in page.text
    summary = (await client.get("/admin/questions/summary.json")).json()
    assert (summary["open"], summary["overdue"]) == (1, 0)
    # Acting on a question outside the scope answers 404 and changes nothing.
    response = await submit(client, f"/admin/questions/{elsewhere.id}/close", {})
    assert response.status_code == 404
    row = await RoomQuestion.select(RoomQuestion.status).where(RoomQuestion.id == elsewhere.id)
    assert row[0]["status"] == "open"


async def test_answer_box_posts_a_reply_that_answers_the_question(client):
    _department, _cohort, asker, room = await _setup()
    question = await make_question(room, asker, body="宿舍几人间?")
    hr = await make_staff("hr")
    await sign_in_staff(client, hr)
    data = {"body": "四人间,有空调。", "client_id": "form-1", "room": str(room.id)}
    response = await submit(client, f"/admin/questions/{question.id}/answer", data)
    assert response.status_code == 303
    assert response.headers["location"] == f"/admin/questions?room={room.id}"
    # The same form submitted twice stores one answer.
    again = await submit(client, f"/admin/questions/{question.id}/answer", data)
    assert again.status_code == 409
    answers = await RoomMessage.select().where(RoomMessage.kind == "answer")
    assert len(answers) == 1
    assert answers[0]["reply_to"] == question.message
    assert answers[0]["author_staff"] == hr.id
    stored = await RoomQuestion.objects().get(RoomQuestion.id == question.id)
    assert stored.status == "answered"
    assert stored.answered_by == hr.id
    assert stored.answer_message_id == answers[0]["id"]


async def test_an_empty_or_huge_answer_is_refused_next_to_the_question(client):
    _department, _cohort, asker, room = await _setup()
    question = await make_question(room, asker)
    hr = await make_staff("hr")
    await sign_in_staff(client, hr)
    empty = await submit(client, f"/admin/questions/{question.id}/answer", {"body": "   "})
    assert empty.status_code == 400
    assert 'data-testid="card-error"' in empty.text
    huge = await submit(client, f"/admin/questions/{question.id}/answer", {"body": "长" * 100_000})
    assert huge.status_code == 400
    assert await RoomMessage.count().where(RoomMessage.kind == "answer") == 0
    missing = await submit(client, "/admin/questions/999999/answer", {"body": "hi"})
    assert missing.status_code == 404


async def test_private_answer_stays_private(client):
    _department, _cohort, asker, room = await _setup()
    question = await make_question(room, asker, private=True)
    hr = await make_staff("hr")
    await sign_in_staff(client, hr)
    response = await submit(
        client, f"/admin/questions/{question.id}/answer", {"body": "已私信回复"}
    )
    assert response.status_code == 303
    answer = await RoomMessage.objects().get(RoomMessage.kind == "answer")
    assert answer.private_to == asker.id


async def test_not_a_question_closes_it(client):
    _department, _cohort, asker, room = await _setup()
    question = await make_question(room, asker, body="大家好!")
    hr = await make_staff("hr")
    await sign_in_staff(client, hr)
    response = await submit(client, f"/admin/questions/{question.id}/close", {})
    assert response.status_code == 303
    stored = await RoomQuestion.objects().get(RoomQuestion.id == question.id)
    assert (stored.status, stored.closed_reason) == ("closed", "not_a_question")
    assert _card_ids((await client.get("/admin/questions")).text) == []
    twice = await submit(client, f"/admin/questions/{question.id}/close", {})
    assert twice.status_code == 409


async def test_assign_to_self_and_to_a_colleague_of_the_right_role(client):
    department, _cohort, asker, room = await _setup()
    duties = await category_named("岗位职责")
    question = await make_question(room, asker)
    manager_question = await make_question(room, asker, category=duties)
    hr = await make_staff("hr")
    colleague = await make_staff("hr")
    manager = await make_staff("manager", department=department)
    other_manager = await make_staff("manager", department=await make_department())
    await sign_in_staff(client, hr)

    response = await submit(client, f"/admin/questions/{question.id}/assign", {"assignee": "me"})
    assert response.status_code == 303
    assert response.headers["location"].endswith(f"#question-{question.id}")
    assert (await RoomQuestion.objects().get(RoomQuestion.id == question.id)).assigned_to == hr.id
    assert _card_ids((await client.get("/admin/questions?mine=1")).text) == [question.id]

    await submit(client, f"/admin/questions/{question.id}/assign", {"assignee": colleague.id})
    stored = await RoomQuestion.objects().get(RoomQuestion.id == question.id)
    assert stored.assigned_to == colleague.id

    # A manager may not take an HR question; the manager of the asker's department may
    # take a question routed to managers, a manager of another department may not.
    refused = await submit(
        client, f"/admin/questions/{question.id}/assign", {"assignee": manager.id}
    )
    assert refused.status_code == 400
    assert 'data-testid="card-error"' in refused.text
    ok = await submit(
        client, f"/admin/questions/{manager_question.id}/assign", {"assignee": manager.id}
    )
    assert ok.status_code == 303
    for bad in (other_manager.id, "abc", "99999"):
        refused = await submit(
            client, f"/admin/questions/{manager_question.id}/assign", {"assignee": bad}
        )
        assert refused.status_code == 400
    stored = await RoomQuestion.objects().get(RoomQuestion.id == manager_question.id)
    assert stored.assigned_to == manager.id
    # Unassign.
    await submit(client, f"/admin/questions/{manager_question.id}/assign", {"assignee": ""})
    stored = await RoomQuestion.objects().get(RoomQuestion.id == manager_question.id)
    assert stored.assigned_to is None


async def test_alerts_show_on_the_tracker(client):
    from portal.domain.sla.watch import sla_check

    _department, _cohort, asker, room = await _setup()
    await make_question(room, asker, hours_left=-1)
    await sla_check(datetime.now(UTC) + timedelta(seconds=1))
    hr = await make_staff("hr")
    await sign_in_staff(client, hr)
    html = (await client.get("/admin/questions")).text
    events = html[html.index('data-testid="sla-events"') :]
    assert "错过截止时间" in events and "王五" in events


async def test_alerts_older_than_seven_days_leave_the_tracker(client):
    from portal.db import write_transaction
    from portal.domain.sla.tables import SlaEvent
    from portal.domain.sla.watch import sla_check

    _department, _cohort, asker, room = await _setup()
    await make_question(room, asker, hours_left=-1)
    await sla_check(datetime.now(UTC) + timedelta(seconds=1))
    await sign_in_staff(client, await make_staff("hr"))
    async with write_transaction():
        await SlaEvent.update(
            {SlaEvent.created_at: datetime.now(UTC) - timedelta(days=6)}, force=True
        )
    html = (await client.get("/admin/questions")).text
    assert "错过截止时间" in html[html.index('data-testid="sla-events"') :]
    async with write_transaction():
        await SlaEvent.update(
            {SlaEvent.created_at: datetime.now(UTC) - timedelta(days=7, minutes=1)}, force=True
        )
    html = (await client.get("/admin/questions")).text
    events = html[html.index('data-testid="sla-events"') :]
    assert "错过截止时间" not in events and "王五" not in events


async def test_tracker_requires_a_signed_in_staff_member(client):
    response = await client.get("/admin/questions", follow_redirects=False)
    assert response.status_code in (302, 303, 307)
    assert "/admin/login" in response.headers["location"]
    response = await client.get("/admin/questions/live", follow_redirects=False)
    assert "/admin/login" in response.headers["location"]


async def test_summary_counts_at_the_urgency_boundaries(client):
    """The summary is counted by the database: the same boundaries as each card's urgency."""
    from portal.domain.sla.policy import sla_policy_get
    from portal.domain.sla.time_left import urgency
    from portal.domain.sla.tracker import (
        TrackerFilters,
        sla_summary,
        summary_of_cards,
        tracker_questions,
    )

    _department, _cohort, asker, room = await _setup()
    now = datetime.now(UTC).replace(microsecond=0)
    warning = timedelta(hours=(await sla_policy_get()).warning_hours)
    deadlines = [
        now,  # overdue at the very second
        now - timedelta(days=3, microseconds=1),
        now + timedelta(microseconds=1),  # soon
        now + warning,  # still soon
        now + warning + timedelta(microseconds=1),  # plenty
        now + timedelta(days=5),
    ]
    for deadline in deadlines:
        await make_question(room, asker, deadline_at=deadline)
    await make_question(room, asker, deadline_at=now - timedelta(hours=1), status="answered")
    hr = await make_staff("hr")
    summary = await sla_summary(hr, now=now)
    cards = await tracker_questions(hr, TrackerFilters(), now=now)
    states = [urgency(card.deadline_at, now, summary.warning_hours) for card in cards]
    assert (summary.open, summary.overdue, summary.soon) == (6, 2, 2)
    assert (states.count("overdue"), states.count("soon")) == (2, 2)
    # The page counts the unfiltered cards instead, with the answered ones among them.
    everything = TrackerFilters(include_answered=True)
    with_answered = await tracker_questions(hr, everything, now=now)
    assert len(with_answered) == 7
    assert summary_of_cards(with_answered, everything, summary.warning_hours) == summary
    assert summary_of_cards(cards, TrackerFilters(), summary.warning_hours) == summary


async def test_the_summary_is_read_when_the_cards_are_not_all_of_them(client, monkeypatch):
    """A filtered list, or one the limit cut short, does not hold every open question."""
    from portal.domain.sla import tracker
    from portal.domain.sla.tracker import TrackerFilters, summary_of_cards, tracker_questions

    _department, _cohort, asker, room = await _setup()
    for hours in (-1, 2, 30):
        await make_question(room, asker, deadline_at=datetime.now(UTC) + timedelta(hours=hours))
    hr = await make_staff("hr")
    cards = await tracker_questions(hr, TrackerFilters())
    assert summary_of_cards(cards, TrackerFilters(), 4) is not None
    for narrowed in (
        TrackerFilters(room_id=room.id),
        TrackerFilters(cohort_id=asker.cohort),
        TrackerFilters(category_id=1),
        TrackerFilters(mine=True),
    ):
        assert summary_of_cards(cards, narrowed, 4) is None
    monkeypatch.setattr(tracker, "TRACKER_LIMIT", 3)
    assert summary_of_cards(cards, TrackerFilters(), 4) is None
    # The page then shows the database's count: all three, though the cards are cut at two.
    monkeypatch.setattr(tracker, "TRACKER_LIMIT", 2)
    await sign_in_staff(client, hr)
    page = await client.get("/admin/questions")
    assert page.text.count('data-testid="question"') == 2
    summary = page.text.split('data-testid="sla-summary"')[1].split("</p>")[0]
    assert "1 个已超时" in summary and "1 个即将到期" in summary and "3 " in summary


async def test_filter_choices_are_in_their_order_and_a_managers_scope():
    """Rooms by name, cohorts newest first, categories as HR sorted them; a manager gets
    their own department's cohorts and rooms only."""
    from portal.domain.rooms.tables import QuestionCategory
    from portal.domain.sla.question_actions import _ASSIGNEES_READ
    from portal.domain.sla.tracker_side import tracker_side

    async def tracker_filter_choices(staff):
        return (await tracker_side(staff)).choices

    production, stores = await make_department("生产部"), await make_department("门店")
    now = datetime.now(UTC)
    older = await make_cohort(production, name="B 十一月", starts_at=now + timedelta(days=3))
    newer = await make_cohort(production, name="A 十二月", starts_at=now + timedelta(days=30))
    elsewhere = await make_cohort(stores, name="C 门店", starts_at=now + timedelta(days=60))
    rooms = [await make_room(cohort, name=f"{cohort.name} 房间") for cohort in (older, newer)]
    rooms.append(await make_room(elsewhere, name="0 门店房间"))

    hr = await tracker_filter_choices(await make_staff("hr"))
    assert [c["id"] for c in hr["cohorts"]] == [elsewhere.id, newer.id, older.id]
    assert [r["name"] for r in hr["rooms"]] == ["0 门店房间", "A 十二月 房间", "B 十一月 房间"]
    categories = await QuestionCategory.select(QuestionCategory.id).order_by(
        QuestionCategory.sort_order
    )
    assert [c["id"] for c in hr["categories"]] == [row["id"] for row in categories]

    manager = await tracker_filter_choices(await make_staff("manager", department=production))
    assert [c["id"] for c in manager["cohorts"]] == [newer.id, older.id]
    assert [r["name"] for r in manager["rooms"]] == ["A 十二月 房间", "B 十一月 房间"]

    # The assignees ride along: the active staff by name, as their own read gives them.
    gone, manager_a = await make_staff("hr"), await make_staff("manager", department=stores)
    await StaffUser.update({StaffUser.name: "Z 离职", StaffUser.is_active: False}).where(
        StaffUser.id == gone.id
    )
    await StaffUser.update({StaffUser.name: "A 经理"}).where(StaffUser.id == manager_a.id)
    active_staff = (await tracker_side(await make_staff("hr"))).active_staff
    assert active_staff == await _ASSIGNEES_READ.rows(True)
    assert "Z 离职" not in [person["name"] for person in active_staff]
    names = [person["name"] or "" for person in active_staff]
    assert names == sorted(names) and "A 经理" in names
