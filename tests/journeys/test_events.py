"""Transactional events queue their journey messages inside the cause's transaction."""

from __future__ import annotations

import pytest

from portal.auth.sessions import Principal
from portal.db import write_transaction
from portal.domain.candidates.login_links import login_link_create
from portal.domain.candidates.records import candidate_set_status
from portal.domain.checklist.reviews import submission_review
from portal.domain.checklist.tables import ChecklistSubmission, ChecklistTemplate
from portal.domain.journeys.events import journey_event
from portal.domain.learning.points import point_entry_append
from portal.domain.learning.rewards import redemption_fulfil, reward_redeem
from portal.domain.learning.tables import Reward
from portal.domain.rooms.membership import (
    cohort_room_ensure,
    member_for_principal,
    member_for_staff,
)
from portal.domain.rooms.messages import message_send
from tests.factories import make_candidate, make_cohort, make_staff
from tests.journeys.helpers import make_step, outbox, sends, texts


async def _event_step(event: str, body: str, **values) -> int:
    return await make_step(
        trigger="event", event=event, category="transactional",
        variants=texts(("通知", body)), **values,
    )  # fmt: skip


async def _submitted(candidate, title: str = "健康证明") -> ChecklistSubmission:
    template = ChecklistTemplate(title=title)
    await template.save()
    submission = ChecklistSubmission(
        candidate=candidate.id, template=template.id, status="submitted", round=1
    )
    await submission.save()
    return submission


async def test_document_approved_and_rejected_tell_the_candidate_with_the_reason():
    await _event_step("document_approved", "{name}：“{item}”已通过。")
    await _event_step("document_rejected", "{name}：“{item}”需要重传：{reason}")
    hr = await make_staff("hr")
    candidate = await make_candidate(name="赵六")
    approved = await _submitted(candidate, "身份证")
    rejected = await _submitted(candidate, "健康证明")
    await submission_review(submission_id=approved.id, staff=hr, round=1, decision="approved")
    await submission_review(
        submission_id=rejected.id, staff=hr, round=1, decision="rejected", reason_code="blurry"
    )
    bodies = [m["body"] for m in await outbox()]
    assert bodies == ["赵六：“身份证”已通过。", "赵六：“健康证明”需要重传：照片模糊或看不清。"]


async def test_question_answered_in_the_room_tells_the_asker():
    await _event_step("question_answered", "{name}，你的问题有回复了：{link}", link_path="/rooms")
    cohort = await make_cohort()
    candidate = await make_candidate(cohort=cohort, name="提问者")
    room_id = await cohort_room_ensure(cohort.id)
    asker = await member_for_principal(Principal(kind="candidate", id=candidate.id))
    hr = await make_staff("hr")
    question = await message_send(
        room_id=room_id, author=asker, client_id="0f6b6a9e-0000-4000-8000-000000000001",
        kind="question", body="需要带什么材料？",
    )  # fmt: skip
    await message_send(
        room_id=room_id, author=member_for_staff(hr),
        client_id="0f6b6a9e-0000-4000-8000-000000000002", kind="answer",
        body="身份证和照片。", reply_to=question.id,
    )  # fmt: skip
    [message] = await outbox()
    assert message["candidate"] == candidate.id
    assert message["body"] == "提问者，你的问题有回复了：http://testserver.local/rooms"


async def test_reward_fulfilled_names_the_reward():
    await _event_step("reward_fulfilled", "{name}：“{reward}”已发放。")
    candidate = await make_candidate(name="积分王")
    reward = Reward(name="咖啡券", price=10, stock=5)
    await reward.save()
    await point_entry_append(candidate_id=candidate.id, amount=50, reason="测试", source_key="t:1")
    redemption = await reward_redeem(candidate_id=candidate.id, reward_id=reward.id)
    await redemption_fulfil(redemption_id=redemption.id)
    assert [m["body"] for m in await outbox()] == ["积分王：“咖啡券”已发放。"]


async def test_a_new_sign_in_link_is_sent_to_the_candidate_as_it_is():
    await _event_step("login_link_created", "{name}，点此登录：{link}")
    candidate = await make_candidate(name="新人")
    url = await login_link_create(candidate_id=candidate.id)
    [message] = await outbox()
    assert message["body"] == f"新人，点此登录：{url}"


async def test_event_messages_roll_back_with_their_cause():
    step = await _event_step("document_approved", "{item}")
    candidate = await make_candidate()
    with pytest.raises(RuntimeError):
        async with write_transaction():
            await journey_event(
                event="document_approved", candidate_id=candidate.id, ref="s1r1",
                values={"item": "照片"},
            )  # fmt: skip
            raise RuntimeError("the review failed after all")
    assert await outbox() == [] and await sends(step) == []


async def test_the_same_event_twice_queues_once_and_withdrawn_candidates_get_nothing():
    await _event_step("document_approved", "{item}")
    candidate = await make_candidate()
    for _ in range(2):
        await journey_event(
            event="document_approved", candidate_id=candidate.id, ref="s9r1", values={"item": "x"}
        )
    assert len(await outbox()) == 1
    await candidate_set_status(candidate_id=candidate.id, status="withdrawn", reason="不来了")
    await journey_event(
        event="document_approved", candidate_id=candidate.id, ref="s9r2", values={"item": "x"}
    )
    assert len(await outbox()) == 1
