"""Evaluating journeys: each trigger, audiences, idempotence (twice, concurrently, two
processes), and the late-join grace."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from portal.config import PROJECT_ROOT
from portal.domain.candidates.records import candidate_move_stage
from portal.domain.checklist.tables import ChecklistSubmission, ChecklistTemplate
from portal.domain.journeys.evaluation import journeys_evaluate
from portal.domain.journeys.tables import JourneySend
from portal.domain.messaging.relay import Relay
from portal.domain.messaging.tables import OutboxMessage
from portal.domain.organisation.tables import Stage
from portal.domain.resources.tables import Resource
from portal.domain.tags.names import candidate_tags_set
from tests.factories import make_candidate, make_cohort, make_department, make_position
from tests.journeys.helpers import make_step, outbox, sends, texts

SHANGHAI = ZoneInfo("Asia/Shanghai")


async def _stage(code: str) -> int:
    return (await Stage.select(Stage.id).where(Stage.code == code).first())["id"]


def _last_friday_evening() -> datetime:
    """The latest Friday 18:00 in Shanghai more than a day ago (messages due by now)."""
    day = (datetime.now(SHANGHAI) - timedelta(days=1)).date()
    day -= timedelta(days=(day.weekday() - 4) % 7)
    return datetime.combine(day, datetime.min.time(), SHANGHAI).replace(hour=18)


def _start_in(days: int, *, hour: int = 9) -> datetime:
    today = datetime.now(SHANGHAI).date()
    return datetime.combine(today + timedelta(days=days), datetime.min.time(), SHANGHAI).replace(
        hour=hour
    )


async def test_stage_reached_waits_for_its_delay_then_sends_once():
    offer = await _stage("offer_sent")
    step = await make_step(trigger="stage_reached", stage_id=offer, delay_hours="24")
    candidate = await make_candidate(name="李雷")
    await candidate_move_stage(candidate_id=candidate.id, stage_id=offer)
    now = datetime.now(UTC)
    assert (await journeys_evaluate(now=now + timedelta(hours=23))).queued == 0
    assert (await journeys_evaluate(now=now + timedelta(hours=25))).queued == 1
    assert (await journeys_evaluate(now=now + timedelta(hours=26))).queued == 0
    [message] = await outbox()
    assert message["channel"] == "inbox" and message["status"] == "sent"
    assert message["body"] == "李雷，你好！"
    assert message["dedupe_key"] == f"journey:{step}:{candidate.id}:inbox"
    other = await make_candidate(name="韩梅梅")  # never reached the stage
    await journeys_evaluate(now=now + timedelta(hours=30))
    assert [s["candidate"] for s in await sends(step)] == [candidate.id]
    assert other.id not in {m["candidate"] for m in await outbox()}


async def test_cohort_relative_step_uses_the_cohorts_clock_and_skips_late_joiners():
    cohort = await make_cohort(starts_at=_start_in(12), timezone="Asia/Shanghai", place="苏州")
    step = await make_step(
        trigger="cohort_relative",
        offset_days="-10",
        at_time="10:00",
        link_path="/checklist",
        variants=texts(
            ("还有 {days_left} 天", "{name}：还有 {days_left} 天，地点 {place}。{link}")
        ),
    )
    early = await make_candidate(name="早到", cohort=cohort)
    moment = datetime.combine(
        _start_in(12).date() - timedelta(days=10), datetime.min.time(), SHANGHAI
    ).replace(hour=10)
    assert (await journeys_evaluate(now=moment - timedelta(minutes=1))).queued == 0
    done = await journeys_evaluate(now=moment + timedelta(hours=1))
    assert done.queued == 1
    [message] = await outbox()
    assert message["body"].startswith(
        "早到：还有 10 天，地点 苏州。http://testserver.local/checklist"
    )
    # A candidate who joins two days later does not get the old step: skipped, recorded.
    late = await make_candidate(name="晚到", cohort=cohort)
    done = await journeys_evaluate(now=moment + timedelta(days=2))
    assert (done.queued, done.skipped) == (0, 1)
    recorded = {s["candidate"]: (s["status"], s["reason"]) for s in await sends(step)}
    assert recorded == {early.id: ("queued", ""), late.id: ("skipped", "late")}
    # Recorded once: evaluating again neither sends nor records it again.
    assert (await journeys_evaluate(now=moment + timedelta(days=3))).skipped == 0
    assert len(await outbox()) == 1


async def test_within_the_grace_a_late_joiner_still_gets_the_step(settings_env):
    settings_env(ONRAMP_JOURNEY_GRACE_HOURS="72")
    cohort = await make_cohort(starts_at=_start_in(12))
    await make_step(trigger="cohort_relative", offset_days="-10", at_time="10:00")
    await make_candidate(cohort=cohort)
    moment = datetime.combine(
        _start_in(12).date() - timedelta(days=10), datetime.min.time(), SHANGHAI
    ).replace(hour=10)
    assert (await journeys_evaluate(now=moment + timedelta(days=2))).queued == 1


async def test_checklist_nudge_only_for_items_not_handed_in():
    cohort = await make_cohort(starts_at=_start_in(20))
    health = ChecklistTemplate(title="健康证明", days_before_start=5, required=True)
    await health.save()
    photos = ChecklistTemplate(title="照片", days_before_start=5, required=True)
    await photos.save()
    step = await make_step(
        trigger="checklist_due",
        due_in_days="3",
        at_time="10:00",
        goal="checklist_handed_in",
        variants=texts(("{item}", "{name}：“{item}” 将于 {deadline} 截止")),
    )
    candidate = await make_candidate(name="王五", cohort=cohort)
    await ChecklistSubmission(
        candidate=candidate.id, template=photos.id, status="submitted", round=1
    ).save()
    deadline = _start_in(20).date() - timedelta(days=5)
    moment = datetime.combine(deadline - timedelta(days=3), datetime.min.time(), SHANGHAI).replace(
        hour=10
    )
    done = await journeys_evaluate(now=moment + timedelta(minutes=5))
    assert done.queued == 1
    [message] = await outbox()
    assert "“健康证明” 将于" in message["body"] and str(deadline.day) in message["body"]
    [send] = await sends(step)
    assert send["occurrence"] == f"t{health.id}"


async def test_weekly_digest_lists_new_content_and_folds_held_back_messages():
    cohort = await make_cohort(starts_at=_start_in(30))
    candidate = await make_candidate(name="周五", cohort=cohort, email="zhou@example.com")
    friday = _last_friday_evening()
    guide = Resource(
        kind="guide", title="入职指南", status="published", published_at=friday - timedelta(days=1)
    )
    await guide.save()
    # An engagement e-mail the cap held back, not yet folded by the outbox.
    held = OutboxMessage(
        dedupe_key="test:held:1", channel="email", category="engagement", candidate=candidate.id,
        recipient="zhou@example.com", subject="别错过：第一课", body="x", status="suppressed",
        reason="cap",
    )  # fmt: skip
    await held.save()
    step = await make_step(
        trigger="weekly",
        weekday="4",
        at_time="18:00",
        category="digest",
        variants=texts(("本周小结", "{name}，还有 {days_left} 天。\n{digest}")),
    )
    done = await journeys_evaluate(now=friday + timedelta(minutes=1))
    assert done.queued == 1
    [message] = await outbox()
    assert message["category"] == "digest"
    assert "入职指南" in message["body"]
    [send] = await sends(step)
    assert send["occurrence"] == f"w{friday.date().isoformat()}"
    # Inbox-only step: the held-back e-mail belongs to the e-mail channel and stays put.
    assert (await OutboxMessage.select().where(OutboxMessage.id == held.id).first())[
        "folded_into"
    ] is None


async def test_weekly_digest_on_email_folds_what_the_cap_held_back(settings_env, channels):
    cohort = await make_cohort(starts_at=_start_in(30))
    candidate = await make_candidate(name="周五", cohort=cohort, email="zhou@example.com")
    held = OutboxMessage(
        dedupe_key="test:held:2", channel="email", category="engagement", candidate=candidate.id,
        recipient="zhou@example.com", subject="别错过：第一课", body="x", status="suppressed",
        reason="cap",
    )  # fmt: skip
    await held.save()
    await make_step(
        trigger="weekly", weekday="4", at_time="18:00", category="digest", channels=("email",),
        variants=texts(("本周小结", "{name}\n{digest}")),
    )  # fmt: skip
    friday = _last_friday_evening()
    await journeys_evaluate(now=friday + timedelta(minutes=1))
    [digest] = await outbox()
    assert "别错过：第一课" in digest["body"]
    folded = await OutboxMessage.select().where(OutboxMessage.id == held.id).first()
    assert folded["folded_into"] == digest["id"]
    # The relay sends the weekly digest; the outbox's own digest finds nothing left to fold.
    relay = Relay(worker="t")
    await relay.drain(timeout=20)
    await relay.close()
    assert len(channels[0].mails) == 1


async def test_audience_filters_by_department_position_cohort_stage_and_every_tag():
    department = await make_department()
    position = await make_position(department)
    cohort = await make_cohort(department, starts_at=_start_in(5))
    offer = await _stage("offer_sent")
    both = await make_candidate(department, cohort=cohort, name="都有")
    one_tag = await make_candidate(department, cohort=cohort, name="一个")
    elsewhere = await make_candidate(name="别处")
    for candidate in (both, one_tag, elsewhere):
        await candidate_move_stage(candidate_id=candidate.id, stage_id=offer)
    await candidate_tags_set(candidate_id=both.id, tags="技术类、关注职业发展")
    await candidate_tags_set(candidate_id=one_tag.id, tags="技术类")
    await candidate_tags_set(candidate_id=elsewhere.id, tags="技术类、关注职业发展")
    await make_step(
        trigger="stage_reached", stage_id=offer, audience_department_id=department.id,
        audience_tags="技术类，关注职业发展",
    )  # fmt: skip
    await journeys_evaluate(now=datetime.now(UTC) + timedelta(minutes=1))
    assert {m["candidate"] for m in await outbox()} == {both.id}
    # Position, cohort and current stage narrow too.
    from portal.domain.candidates.records import CandidateInput, candidate_update

    await candidate_update(
        candidate_id=one_tag.id,
        data=CandidateInput(
            name="一个", phone=one_tag.phone, department_id=department.id,
            position_id=position.id, cohort_id=cohort.id,
        ),
    )  # fmt: skip
    await make_step(
        trigger="stage_reached", stage_id=offer, audience_position_id=position.id,
        audience_cohort_id=cohort.id, audience_stage_id=offer,
    )  # fmt: skip
    await journeys_evaluate(now=datetime.now(UTC) + timedelta(minutes=2))
    assert sorted(m["candidate"] for m in await outbox()) == sorted([both.id, one_tag.id])


async def test_withdrawn_candidates_and_switched_off_steps_get_nothing():
    from portal.domain.candidates.records import candidate_set_status
    from portal.domain.journeys.editing import step_set_enabled

    offer = await _stage("offer_sent")
    step = await make_step(trigger="stage_reached", stage_id=offer)
    gone = await make_candidate()
    await candidate_move_stage(candidate_id=gone.id, stage_id=offer)
    await candidate_set_status(candidate_id=gone.id, status="withdrawn", reason="另有打算")
    await journeys_evaluate(now=datetime.now(UTC) + timedelta(minutes=1))
    assert await outbox() == []
    stays = await make_candidate()
    await candidate_move_stage(candidate_id=stays.id, stage_id=offer)
    await step_set_enabled(step_id=step, enabled=False, staff_id=None)
    await journeys_evaluate(now=datetime.now(UTC) + timedelta(minutes=1))
    assert await outbox() == []


async def _offer_step_with_candidates(count: int) -> tuple[int, list[int]]:
    offer = await _stage("offer_sent")
    step = await make_step(trigger="stage_reached", stage_id=offer)
    ids = []
    for index in range(count):
        candidate = await make_candidate(name=f"候选人{index}")
        await candidate_move_stage(candidate_id=candidate.id, stage_id=offer)
        ids.append(candidate.id)
    return step, ids


async def test_evaluating_twice_creates_each_message_once():
    step, ids = await _offer_step_with_candidates(3)
    later = datetime.now(UTC) + timedelta(minutes=1)
    first = await journeys_evaluate(now=later)
    second = await journeys_evaluate(now=later)
    assert (first.queued, second.queued) == (3, 0)
    assert sorted(m["candidate"] for m in await outbox()) == sorted(ids)
    assert len(await sends(step)) == 3


async def test_two_concurrent_evaluations_create_each_message_once():
    step, ids = await _offer_step_with_candidates(5)
    later = datetime.now(UTC) + timedelta(minutes=1)
    results = await asyncio.gather(journeys_evaluate(now=later), journeys_evaluate(now=later))
    assert sum(r.queued for r in results) == 5
    assert sorted(m["candidate"] for m in await outbox()) == sorted(ids)
    assert len(await JourneySend.select().where(JourneySend.step == step)) == 5


_WORKER = """
import asyncio, json, sys
from datetime import datetime
from portal.db import bind_engine, create_engine, prepare_engine, close_engine
from portal.domain.journeys.evaluation import journeys_evaluate

async def main():
    engine = create_engine(sys.argv[1])
    bind_engine(engine)
    await prepare_engine(engine)
    done = await journeys_evaluate(now=datetime.fromisoformat(sys.argv[2]))
    await close_engine(engine)
    print(json.dumps({"queued": done.queued}))

asyncio.run(main())
"""


async def test_two_processes_evaluating_at_once_create_each_message_once(database_url):
    step, ids = await _offer_step_with_candidates(8)
    later = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _WORKER,
            database_url,
            later,
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        for _ in range(2)
    ]
    outputs = [await process.communicate() for process in processes]
    for process, (_out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err.decode()[-2000:]
    queued = [json.loads(out.decode().strip().splitlines()[-1])["queued"] for out, _ in outputs]
    assert sum(queued) == 8
    keys = [m["dedupe_key"] for m in await outbox()]
    assert len(keys) == len(set(keys)) == 8
    assert len(await sends(step)) == 8
