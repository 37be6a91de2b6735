"""Enqueueing: one row per dedupe key, with its cause's transaction, bad input refused whole."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from portal.db import write_transaction
from portal.domain.candidates.tables import Candidate
from portal.domain.errors import ValidationFailed
from portal.domain.messaging.checks import OutboundMessage
from portal.domain.messaging.enqueue import message_enqueue, messages_enqueue
from portal.domain.messaging.tables import OutboxMessage
from tests.factories import make_candidate
from tests.messaging.helpers import email_to, inbox_to


async def test_same_key_twice_is_one_row_and_returns_the_first(channels):
    candidate = await make_candidate(email="a@example.com")
    first = await message_enqueue(message=email_to(candidate, key="journey:3:1"))
    again = await message_enqueue(message=email_to(candidate, key="journey:3:1", subject="另一个"))
    assert first.created and not again.created
    assert again.id == first.id
    assert await OutboxMessage.count() == 1


async def test_two_concurrent_enqueues_of_one_key_make_one_row(channels):
    candidate = await make_candidate(email="a@example.com")
    results = await asyncio.gather(
        *(message_enqueue(message=email_to(candidate, key="journey:7:race")) for _ in range(5))
    )
    assert len({r.id for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert await OutboxMessage.count() == 1


async def test_message_commits_and_rolls_back_with_its_cause(channels):
    candidate = await make_candidate(email="a@example.com")
    with pytest.raises(RuntimeError):
        async with write_transaction():
            await Candidate.update({Candidate.name: "改名"}).where(Candidate.id == candidate.id)
            await message_enqueue(message=email_to(candidate, key="cause:rolled-back"))
            raise RuntimeError("the cause failed")
    assert await OutboxMessage.count() == 0
    async with write_transaction():
        await message_enqueue(message=email_to(candidate, key="cause:committed"))
    assert await OutboxMessage.count() == 1


async def test_batch_of_a_thousand_is_queued_and_replaying_it_adds_nothing(channels):
    candidates = [await make_candidate(email=f"b{i}@example.com") for i in range(3)]
    messages = [
        email_to(candidates[i % 3], key=f"offer-day:{i}", category="engagement")
        for i in range(1000)
    ]
    queued = await messages_enqueue(messages=messages)
    assert len(queued) == 1000 and all(q.created for q in queued)
    replay = await messages_enqueue(messages=messages)
    assert [q.id for q in replay] == [q.id for q in queued]
    assert not any(q.created for q in replay)
    assert await OutboxMessage.count() == 1000


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"recipient": "not-an-address"}, "recipient"),
        ({"subject": "line\r\nBcc: victim@example.com"}, "subject"),
        ({"subject": ""}, "subject"),
        ({"body": "   "}, "body"),
        ({"body": "长" * 100_001}, "body"),
        ({"link": "https://evil.example/"}, "link"),
        ({"locale": "fr"}, "locale"),
        ({"dedupe_key": "has space"}, "dedupe_key"),
        ({"not_before": datetime(2030, 1, 1)}, "not_before"),
        ({"channel": "fax"}, "channel"),
        ({"category": "alert"}, "category"),
    ],
)
async def test_bad_email_input_is_refused_and_nothing_is_saved(channels, values, field):
    candidate = await make_candidate(email="a@example.com")
    base = {
        "dedupe_key": "bad:1",
        "channel": "email",
        "category": "transactional",
        "candidate_id": candidate.id,
        "subject": "主题",
        "body": "正文",
    }
    with pytest.raises(ValidationFailed) as refused:
        await message_enqueue(message=OutboundMessage(**{**base, **values}))
    assert field in refused.value.errors
    assert await OutboxMessage.count() == 0


async def test_bad_phone_and_long_sms_are_refused(channels):
    candidate = await make_candidate()
    with pytest.raises(ValidationFailed) as refused:
        await message_enqueue(
            message=OutboundMessage(
                dedupe_key="sms:1",
                channel="sms",
                category="transactional",
                candidate_id=candidate.id,
                recipient="12345",
                body="短信",
            )
        )
    assert "recipient" in refused.value.errors
    with pytest.raises(ValidationFailed) as too_long:
        await message_enqueue(
            message=OutboundMessage(
                dedupe_key="sms:2",
                channel="sms",
                category="transactional",
                candidate_id=candidate.id,
                body="字" * 290,
            )
        )
    assert "unsubscribe" in too_long.value.errors["body"].lower() or "退订" in str(too_long.value)
    assert await OutboxMessage.count() == 0


async def test_one_bad_message_rejects_the_whole_batch(channels):
    good = await make_candidate(email="good@example.com")
    no_email = await make_candidate()
    with pytest.raises(ValidationFailed) as refused:
        await messages_enqueue(
            messages=[email_to(good, key="b:1"), email_to(no_email, key="b:2"), inbox_to(good)]
        )
    assert list(refused.value.errors) == ["messages[1].recipient"]
    assert await OutboxMessage.count() == 0


async def test_unconfigured_channel_and_unknown_candidate_are_refused():
    candidate = await make_candidate(email="a@example.com")
    with pytest.raises(ValidationFailed) as refused:
        await message_enqueue(message=email_to(candidate))
    assert "channel" in refused.value.errors
    with pytest.raises(ValidationFailed) as unknown:
        await message_enqueue(
            message=OutboundMessage(
                dedupe_key="x:1",
                channel="inbox",
                category="transactional",
                candidate_id=2**40,
                body="hi",
            )
        )
    assert "candidate" in unknown.value.errors


async def test_bot_messages_need_a_configured_bot_and_fit_its_limit(channels):
    with pytest.raises(ValidationFailed) as no_bot:
        await message_enqueue(
            message=OutboundMessage(
                dedupe_key="ann:1",
                channel="bot",
                category="announcement",
                recipient="cohort:12345",
                body="开营啦",
            )
        )
    assert "recipient" in no_bot.value.errors
    with pytest.raises(ValidationFailed) as too_big:
        await message_enqueue(
            message=OutboundMessage(
                dedupe_key="alert:big",
                channel="bot",
                category="alert",
                recipient="hr",
                body="警" * 1000,  # 3,000 bytes > WeCom's 2,048
            )
        )
    assert "body" in too_big.value.errors
    queued = await message_enqueue(
        message=OutboundMessage(
            dedupe_key="alert:ok",
            channel="bot",
            category="alert",
            recipient="hr",
            body="ok",
            not_before=datetime.now(UTC),
        )
    )
    assert queued.created
