"""Recall cadence through the outbox; the outbox refuses stopped and expired candidates."""

from __future__ import annotations

import contextlib
from datetime import timedelta

import pytest

from portal.domain.candidates.records import candidate_set_status
from portal.domain.errors import ValidationFailed
from portal.domain.messaging.enqueue import OutboundMessage, message_enqueue, messages_enqueue
from portal.domain.messaging.tables import OutboxMessage
from portal.domain.talent.recalls import contact_stop, recall_outcome_record, recalls_send_due
from portal.domain.talent.tables import TalentCadenceStep, TalentEntry, TalentRecall, TalentTask
from tests.factories import make_candidate
from tests.talent.helpers import now, withdrawn


def _sms(candidate_id: int, key: str = "test:1") -> OutboundMessage:
    return OutboundMessage(
        dedupe_key=key, channel="sms", category="engagement", candidate_id=candidate_id,
        body="你好",
    )  # fmt: skip


async def _outbox(candidate_id: int) -> list[dict]:
    return await OutboxMessage.select().where(OutboxMessage.candidate == candidate_id)


async def test_day_30_check_in_goes_through_the_outbox_once_without_the_job(channels):
    candidate, entry = await withdrawn(reason="salary", days_ago=31, name="李雷")
    tick = await recalls_send_due(now=now())
    assert tick.sent == 1
    messages = await _outbox(candidate.id)
    assert len(messages) == 1
    message = messages[0]
    assert message["channel"] == "sms" and message["category"] == "engagement"
    assert "李雷" in message["body"] and "招聘" not in message["body"]
    assert (await recalls_send_due(now=now())).sent == 0
    assert len(await _outbox(candidate.id)) == 1
    refreshed = await TalentEntry.objects().get(TalentEntry.id == entry.id)
    assert refreshed.last_contact_at is not None


async def test_day_90_speaks_to_the_reason_and_missed_steps_are_skipped(channels):
    candidate, entry = await withdrawn(reason="commute", days_ago=95)
    await recalls_send_due(now=now())
    [message] = await _outbox(candidate.id)
    assert "班车" in message["body"]
    recalls = (
        await TalentRecall.select().where(TalentRecall.entry == entry.id).order_by(TalentRecall.day)
    )
    assert [(r["day"], r["status"]) for r in recalls] == [(30, "skipped"), (90, "queued")]


async def test_no_consent_means_no_recall(channels):
    candidate, _entry = await withdrawn(consent=False, days_ago=31)
    assert (await recalls_send_due(now=now())).sent == 0
    assert await _outbox(candidate.id) == []


async def test_a_step_hr_prefers_as_a_call_becomes_a_to_do_with_a_due_date(channels):
    await recalls_send_due(now=now())  # defaults exist
    await TalentCadenceStep.update({TalentCadenceStep.mode: "task"}).where(
        TalentCadenceStep.day == 30
    )
    candidate, entry = await withdrawn(days_ago=31, name="韩梅梅")
    tick = await recalls_send_due(now=now())
    assert tick.tasks == 1 and tick.sent == 0
    [task] = await TalentTask.select().where(TalentTask.entry == entry.id)
    assert "韩梅梅" in task["title"] and task["due_at"] > now()
    assert await _outbox(candidate.id) == []


async def test_outbox_refuses_a_candidate_who_said_stop(channels):
    candidate, entry = await withdrawn(days_ago=31)
    await recalls_send_due(now=now())
    await contact_stop(entry_id=entry.id, actor_id=None, now=now())
    [pending] = await _outbox(candidate.id)
    assert pending["status"] == "suppressed"
    with pytest.raises(ValidationFailed) as refused:
        await message_enqueue(message=_sms(candidate.id))
    assert "candidate" in refused.value.errors
    for channel in ("inbox", "sms"):
        with pytest.raises(ValidationFailed):
            await message_enqueue(
                message=OutboundMessage(
                    dedupe_key=f"x:{channel}",
                    channel=channel,
                    category="transactional",
                    candidate_id=candidate.id,
                    body="hi",
                )  # fmt: skip
            )
    assert len(await _outbox(candidate.id)) == 1
    # Permanent: a later tick sends nothing, reactivating is refused.
    assert (await recalls_send_due(now=now() + timedelta(days=200))).sent == 0
    with pytest.raises(ValidationFailed):
        await candidate_set_status(candidate_id=candidate.id, status="active")


async def test_outbox_refuses_a_candidate_whose_consent_expired_even_in_a_batch(channels):
    other = await make_candidate()
    candidate, entry = await withdrawn(days_ago=400)
    with pytest.raises(ValidationFailed) as refused:
        await messages_enqueue(messages=[_sms(other.id, "a:1"), _sms(candidate.id, "a:2")])
    assert "messages[1].candidate" in refused.value.errors
    assert await _outbox(other.id) == [] and await _outbox(candidate.id) == []
    assert (await recalls_send_due(now=now())).sent == 0


async def test_not_interested_ends_the_cadence(channels):
    candidate, entry = await withdrawn(days_ago=31)
    await recalls_send_due(now=now())
    await recall_outcome_record(
        entry_id=entry.id, outcome="not_interested", actor_id=None, now=now()
    )
    later = now() + timedelta(days=100)
    assert (await recalls_send_due(now=later)).sent == 0
    [recall] = await TalentRecall.select().where(TalentRecall.entry == entry.id)
    assert recall["outcome"] == "not_interested"
    with pytest.raises(ValidationFailed):
        await recall_outcome_record(entry_id=entry.id, outcome="maybe", actor_id=None, now=now())


async def test_without_sms_or_email_the_step_becomes_a_to_do_for_hr():
    candidate, entry = await withdrawn(days_ago=31)
    tick = await recalls_send_due(now=now())
    assert tick.tasks == 1
    assert await TalentTask.count().where(TalentTask.entry == entry.id) == 1
    assert await _outbox(candidate.id) == []


async def test_day_180_invites_back_with_the_growth_path_link_and_a_b_variants(channels):
    from tests.factories import make_department, make_position

    department = await make_department()
    position = await make_position(department, "装配工")
    candidate, entry = await withdrawn(days_ago=181, department=department)
    await TalentEntry.update({TalentEntry.position: position.id}).where(TalentEntry.id == entry.id)
    await recalls_send_due(now=now())
    [message] = await _outbox(candidate.id)
    assert f"http://testserver.local/growth/{position.id}" in message["body"]
    [recall] = await TalentRecall.select().where(
        (TalentRecall.entry == entry.id) & (TalentRecall.status == "queued")
    )
    assert recall["day"] == 180 and recall["variant"] == ("B" if candidate.id % 2 else "A")


async def test_a_text_too_long_for_an_sms_becomes_a_to_do_instead(channels):
    await recalls_send_due(now=now())  # defaults exist
    await TalentCadenceStep.update({TalentCadenceStep.body_a: "很长" * 150}).where(
        TalentCadenceStep.day == 30
    )
    candidate, entry = await withdrawn(days_ago=31)
    tick = await recalls_send_due(now=now())
    assert tick.tasks == 1 and await _outbox(candidate.id) == []
    assert await TalentTask.count().where(TalentTask.entry == entry.id) == 1


async def test_a_message_queued_before_consent_expired_is_never_sent(channels):
    from portal.domain.messaging.claims import outbox_claim

    candidate, entry = await withdrawn(days_ago=31)
    await recalls_send_due(now=now())
    [queued] = await _outbox(candidate.id)
    assert queued["status"] == "pending"
    # The consent runs out before the relay gets to it.
    await TalentEntry.update({TalentEntry.consent_until: now() - timedelta(minutes=1)}).where(
        TalentEntry.id == entry.id
    )
    result = await outbox_claim(worker="test", now=now(), channels=["sms", "email"])
    assert result.sendable == []
    [held] = await _outbox(candidate.id)
    assert held["status"] == "suppressed" and held["reason"] == "no_consent"


async def test_a_candidate_anonymised_while_the_tick_runs_gets_no_recall(monkeypatch):
    """Another worker's tick anonymised the candidate after this one read the due entries:
    no to-do brings the name back, nothing is sent."""
    from portal.domain.talent import recalls
    from portal.domain.talent.anonymise import candidate_anonymise

    candidate, entry = await withdrawn(days_ago=31, name="李雷雷")
    real_transaction = recalls.write_transaction

    @contextlib.asynccontextmanager
    async def anonymised_first():
        await candidate_anonymise(candidate_id=candidate.id, now=now())
        async with real_transaction():
            yield

    monkeypatch.setattr(recalls, "write_transaction", anonymised_first)
    tick = await recalls_send_due(now=now())
    assert (tick.sent, tick.tasks) == (0, 0)
    assert await TalentTask.count().where(TalentTask.entry == entry.id) == 0
    assert await TalentRecall.count().where(TalentRecall.entry == entry.id) == 0
    assert await _outbox(candidate.id) == []
