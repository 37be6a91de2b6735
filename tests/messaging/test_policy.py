"""Respecting attention: quiet hours defer, the cap folds into a digest, unsubscribe wins."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from portal.domain.messaging import digests
from portal.domain.messaging.digests import digests_compose
from portal.domain.messaging.enqueue import message_enqueue, messages_enqueue
from portal.domain.messaging.policy import QuietHours
from portal.domain.messaging.preferences import preference_set
from portal.domain.messaging.relay import Relay
from portal.domain.messaging.tables import OutboxMessage
from tests.factories import make_candidate, make_cohort
from tests.messaging.helpers import email_to, row

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_quiet_hours_defer_to_the_next_allowed_minute():
    hours = QuietHours.parse("21:00-08:30")
    zone = "Asia/Shanghai"
    late = datetime(2026, 12, 1, 22, 15, tzinfo=SHANGHAI)
    morning = datetime(2026, 12, 2, 8, 30, tzinfo=SHANGHAI)
    assert hours.allowed_from(late, zone) == morning
    assert hours.allowed_from(datetime(2026, 12, 2, 7, 0, tzinfo=SHANGHAI), zone) == morning
    assert hours.allowed_from(morning, zone) is None
    assert hours.allowed_from(datetime(2026, 12, 2, 20, 59, tzinfo=SHANGHAI), zone) is None
    # In the cohort's zone: 22:15 in Shanghai is 15:15 in Berlin, outside quiet hours.
    assert hours.allowed_from(late, "Europe/Berlin") is None
    lunch = QuietHours.parse("12:00-13:00")
    assert lunch.allowed_from(datetime(2026, 12, 2, 12, 30, tzinfo=SHANGHAI), "Asia/Shanghai") == (
        datetime(2026, 12, 2, 13, 0, tzinfo=SHANGHAI)
    )


async def test_email_in_quiet_hours_is_deferred_not_dropped(channels, settings_env):
    smtp, _ = channels
    settings_env(ONRAMP_OUTBOX_QUIET_HOURS="21:00-08:30")
    cohort = await make_cohort(timezone="Asia/Shanghai")
    candidate = await make_candidate(email="night@example.com", cohort=cohort)
    night = datetime(2026, 12, 1, 23, 0, tzinfo=SHANGHAI)
    queued = await message_enqueue(message=email_to(candidate), now=night)
    relay = Relay(worker="w")
    await relay.run_once(now=night)
    stored = await row(queued.id)
    assert stored["status"] == "deferred" and stored["reason"] == "quiet_hours"
    assert stored["attempts"] == 0
    assert stored["next_attempt_at"] == datetime(2026, 12, 2, 8, 30, tzinfo=SHANGHAI)
    assert smtp.mails == []
    morning = datetime(2026, 12, 2, 8, 31, tzinfo=SHANGHAI)
    await relay.run_once(now=morning)
    await relay.close()
    assert (await row(queued.id))["status"] == "sent"
    assert len(smtp.mails) == 1


async def test_engagement_over_the_cap_is_held_with_its_reason_then_digested(channels):
    smtp, _ = channels
    candidate = await make_candidate(email="busy@example.com")
    transactional = await message_enqueue(message=email_to(candidate, subject="材料被退回"))
    engagement = await messages_enqueue(
        messages=[
            email_to(candidate, category="engagement", subject=f"小贴士 {n}") for n in range(4)
        ]
    )
    relay = Relay(worker="w")
    await relay.drain()
    assert (await row(transactional.id))["status"] == "sent"  # never capped
    states = [(await row(e.id))["status"] for e in engagement]
    assert states == ["sent", "sent", "suppressed", "suppressed"]
    held = await row(engagement[2].id)
    assert held["reason"] == "cap" and held["folded_into"] is None
    assert len(smtp.mails) == 3
    # Nothing is folded before the digest time; then one digest carries both.
    assert await digests_compose(now=datetime.now(UTC)) == 0
    # A day later (the rows are made older rather than the clock moved forward).
    await OutboxMessage.update(
        {OutboxMessage.next_attempt_at: datetime.now(UTC) - timedelta(hours=25)}
    ).where(OutboxMessage.reason == "cap")
    assert await digests_compose(now=datetime.now(UTC)) == 1
    folded = {(await row(e.id))["folded_into"] for e in engagement[2:]}
    assert len(folded) == 1 and None not in folded
    await relay.drain()
    await relay.close()
    digest = smtp.mails[-1].message
    body = digest.get_body(("plain",)).get_content()
    assert "小贴士 2" in body and "小贴士 3" in body
    assert await digests_compose(now=datetime.now(UTC)) == 0  # folded once


async def test_rows_a_weekly_digest_folds_meanwhile_are_not_digested_again(channels, monkeypatch):
    """The outbox's digest read the held-back rows; before its transaction, a journey's weekly
    digest (another loop, maybe another worker) folded them: no second digest lists them."""
    candidate = await make_candidate(email="twice@example.com")
    engagement = await messages_enqueue(
        messages=[
            email_to(candidate, category="engagement", subject=f"小贴士 {n}") for n in range(4)
        ]
    )
    relay = Relay(worker="w")
    await relay.drain()
    await relay.close()
    held_ids = [e.id for e in engagement[2:]]
    assert [(await row(i))["status"] for i in held_ids] == ["suppressed", "suppressed"]
    await OutboxMessage.update(
        {OutboxMessage.next_attempt_at: datetime.now(UTC) - timedelta(hours=25)}
    ).where(OutboxMessage.reason == "cap")
    weekly = await message_enqueue(message=email_to(candidate, subject="本周摘要"))
    real_transaction = digests.write_transaction

    @contextlib.asynccontextmanager
    async def the_journey_commits_first():
        await digests.held_back_fold(message_ids=held_ids, into=weekly.id)
        async with real_transaction():
            yield

    monkeypatch.setattr(digests, "write_transaction", the_journey_commits_first)
    assert await digests_compose(now=datetime.now(UTC)) == 0
    assert {(await row(i))["folded_into"] for i in held_ids} == {weekly.id}
    assert await OutboxMessage.count().where(OutboxMessage.category == "digest") == 0


async def test_two_workers_never_exceed_the_cap_together(channels):
    smtp, _ = channels
    candidate = await make_candidate(email="raced@example.com")
    await messages_enqueue(messages=[email_to(candidate, category="engagement") for _ in range(6)])
    relays = [Relay(worker=f"w{n}") for n in range(3)]
    await asyncio.gather(*(relay.drain() for relay in relays))
    for relay in relays:
        await relay.close()
    sent = await OutboxMessage.count().where(OutboxMessage.status == "sent")
    assert sent == 2
    assert len(smtp.mails) == 2


async def test_unsubscribed_category_is_suppressed_before_the_next_send(channels):
    smtp, _ = channels
    candidate = await make_candidate(email="quiet@example.com")
    await preference_set(
        candidate_id=candidate.id, channel="email", category="engagement", enabled=False
    )
    tip = await message_enqueue(message=email_to(candidate, category="engagement"))
    answer = await message_enqueue(message=email_to(candidate, category="transactional"))
    relay = Relay(worker="w")
    await relay.drain()
    await relay.close()
    assert (await row(tip.id))["status"] == "suppressed"
    assert (await row(tip.id))["reason"] == "unsubscribed"
    assert (await row(answer.id))["status"] == "sent"
    assert len(smtp.mails) == 1
