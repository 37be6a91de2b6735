"""A step reaching candidates: one ``journey_send`` row each, and its outbox messages.

Called inside a write transaction (the evaluator's batch, or the transaction of the event
that caused it). The send row is inserted first with ``ON CONFLICT DO NOTHING``: the
unique ``(step, candidate, occurrence)`` index decides which of two evaluations — two
rounds, two workers, two hosts — goes on to queue messages; the other inserts nothing and
moves on. On PostgreSQL the second insert waits for the first transaction and then finds
the row; on SQLite the write lock serialises them. The outbox's dedupe keys
(``journey:<step>:<candidate>[:<occurrence>]:<channel>``) are a second guard.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from portal.domain.errors import ValidationFailed
from portal.domain.journeys.compose import Texts, messages_compose, usable_channels
from portal.domain.journeys.specs import StepSpec
from portal.domain.journeys.tables import JourneySend, JourneySendMessage, MessageLink
from portal.domain.journeys.triggers import Due
from portal.domain.messaging.channels import channels_offered
from portal.domain.messaging.digests import held_back_fold
from portal.domain.messaging.enqueue import messages_enqueue
from portal.domain.surveys.invites import survey_id_from_link, survey_invite_refusal

logger = logging.getLogger("onramp.journeys")


@dataclass
class Delivered:
    queued: int = 0
    skipped: int = 0
    failed: int = 0

    def add(self, other: Delivered) -> None:
        self.queued += other.queued
        self.skipped += other.skipped
        self.failed += other.failed


def dedupe_base(step_id: int, candidate_id: int, occurrence: str) -> str:
    base = f"journey:{step_id}:{candidate_id}"
    return f"{base}:{occurrence}" if occurrence else base


async def _claim(step: StepSpec, item: Due, *, variant_id: int, status: str, reason: str,
                 now: datetime) -> int | None:  # fmt: skip
    rows = await (
        JourneySend.insert(
            JourneySend(
                step=step.id,
                candidate=item.recipient.id,
                occurrence=item.occurrence,
                variant=variant_id,
                status=status,
                reason=reason,
                moment=item.moment,
                created_at=now,
            )
        )
        .on_conflict(
            target=(JourneySend.step, JourneySend.candidate, JourneySend.occurrence),
            action="DO NOTHING",
        )
        .returning(JourneySend.id)
    )
    return rows[0]["id"] if rows else None


async def step_deliver(
    step: StepSpec,
    items: list[Due],
    *,
    now: datetime,
    grace: timedelta | None,
    channel_values: Mapping[int, Mapping[str, Mapping[str, str]]] | None = None,
    folds: Mapping[tuple[int, str], list[int]] | None = None,
) -> Delivered:
    """Record and queue ``items`` of ``step`` (inside the caller's write transaction).

    ``grace``: an item whose moment passed longer ago is recorded as skipped ("late") and
    never sent. ``channel_values`` (candidate → channel → variables) and ``folds``
    ((candidate, channel) → held-back message ids) serve the weekly digest.
    """
    done = Delivered()
    offered = channels_offered()
    for item in items:
        recipient = item.recipient
        variant = step.variant_for(recipient.id)
        channels = usable_channels(recipient, step.channels, offered)
        status, reason = "queued", ""
        if grace is not None and now - item.moment > grace:
            status, reason = "skipped", "late"
        elif not channels:
            status, reason = "skipped", "no_channel"
        send_id = await _claim(
            step, item, variant_id=variant.id, status=status, reason=reason, now=now
        )
        if send_id is None:
            continue  # another evaluation recorded it first
        survey_id = survey_id_from_link(step.link_path)
        if status == "queued" and survey_id:
            # At most one survey every 14 days, and only while the survey is active.
            refused = await survey_invite_refusal(
                survey_id=survey_id, candidate_id=recipient.id, now=now
            )
            if refused:
                await JourneySend.update(
                    {JourneySend.status: "skipped", JourneySend.reason: refused}
                ).where(JourneySend.id == send_id)
                status = "skipped"
        if status == "skipped":
            done.skipped += 1
            continue
        composed = messages_compose(
            recipient=recipient,
            texts=Texts(
                {
                    "zh_CN": (variant.subject_zh, variant.body_zh),
                    "en": (variant.subject_en, variant.body_en),
                }
            ),
            allowed=step.allowed,
            channels=channels,
            category=step.category,
            link_path=step.link_path,
            dedupe_base=dedupe_base(step.id, recipient.id, item.occurrence),
            values=item.values,
            channel_values=(channel_values or {}).get(recipient.id),
            send_id=send_id,
            now=now,
        )
        try:
            enqueued = await messages_enqueue(messages=composed.messages, now=now)
        except ValidationFailed as failed:
            # Validation runs before anything is written: the transaction is intact.
            logger.warning("journey step %s for candidate %s: %s", step.id, recipient.id, failed)
            await JourneySend.update(
                {JourneySend.status: "failed", JourneySend.reason: str(failed)[:1000]}
            ).where(JourneySend.id == send_id)
            done.failed += 1
            continue
        if composed.links:
            await MessageLink.insert(*composed.links)
        await JourneySendMessage.insert(
            *(
                JourneySendMessage(send=send_id, message=queued.id, channel=message.channel)
                for queued, message in zip(enqueued, composed.messages, strict=True)
            )
        )
        for queued, message in zip(enqueued, composed.messages, strict=True):
            folded = (folds or {}).get((recipient.id, message.channel))
            if folded and queued.created:
                await held_back_fold(message_ids=folded, into=queued.id)
        done.queued += 1
    return done
