"""Recall cadence: due steps become outbox messages or to-dos; outcomes; "stop".

Each open entry with a valid consent walks its cadence (default day 30 check-in, day 90
news for the reason, day 180 invitation; a reason's own step replaces the default step of
the same day). A step reaches an entry once per round: the unique ``(entry, round, day)``
index decides which of two ticks (two workers, two hosts) goes on. Only the latest due step
is sent; older ones that were missed (the tick was off) are recorded as ``skipped`` so a
candidate never gets a burst. Messages go through the outbox as ``engagement``: the same
weekly cap, quiet hours and unsubscribe as the journeys. Without SMS or e-mail configured
(or an e-mail address), the step becomes a to-do for HR instead.

The variant (A/B) is fixed per candidate: B for odd ids when the step has a B text.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from portal.config import get_settings
from portal.db import write_transaction
from portal.domain.errors import NotFound, ValidationFailed
from portal.domain.messaging.channels import channels_offered
from portal.domain.messaging.enqueue import OutboundMessage, message_enqueue
from portal.domain.messaging.tables import OutboxMessage
from portal.domain.talent.defaults import talent_defaults_ensure
from portal.domain.talent.pool import talent_entries_hold
from portal.domain.talent.tables import (
    OUTCOMES,
    TalentCadenceStep,
    TalentEntry,
    TalentEvent,
    TalentRecall,
    TalentTask,
)
from portal.i18n import gettext as _

logger = logging.getLogger("onramp.talent")

# Outcomes that end the cadence.
STOPPING_OUTCOMES = ("rejoined", "not_interested")
TASK_DUE_DAYS = 3


@dataclass
class RecallTick:
    sent: int = 0
    tasks: int = 0
    skipped: int = 0


@dataclass(frozen=True)
class CadenceStep:
    id: int
    day: int
    kind: str
    mode: str
    assignee: str
    body_a: str
    body_b: str
    link_growth: bool


async def cadence_for_reasons() -> dict[int | None, list[CadenceStep]]:
    """Reason id (None: default) → its steps by day; a reason's step replaces the default's."""
    rows = await TalentCadenceStep.select().order_by(TalentCadenceStep.day)
    default: dict[int, CadenceStep] = {}
    own: dict[int, dict[int, CadenceStep]] = {}
    for row in rows:
        step = CadenceStep(
            row["id"], row["day"], row["kind"], row["mode"], row["assignee"],
            row["body_a"], row["body_b"], row["link_growth"],
        )  # fmt: skip
        if row["reason"] is None:
            default[step.day] = step
        else:
            own.setdefault(row["reason"], {})[step.day] = step
    result: dict[int | None, list[CadenceStep]] = {None: sorted(default.values(), key=_day)}
    for reason_id, steps in own.items():
        merged = {**default, **steps}
        result[reason_id] = sorted(merged.values(), key=_day)
    return result


def _day(step: CadenceStep) -> int:
    return step.day


def growth_url(position_id: int | None) -> str:
    """The open growth-path page of the position (withdrawn people cannot sign in)."""
    base = get_settings().base_url.rstrip("/")
    return f"{base}/growth/{position_id}" if position_id else f"{base}/"


def recall_text(step: CadenceStep, *, variant: str, name: str, position_id: int | None) -> str:
    body = step.body_b if variant == "B" and step.body_b.strip() else step.body_a
    return body.replace("{name}", name).replace("{growth_link}", growth_url(position_id))


def _variant(step: CadenceStep, candidate_id: int) -> str:
    return "B" if step.body_b.strip() and candidate_id % 2 else "A"


def _channel(email: str | None) -> str | None:
    offered = channels_offered()
    if "sms" in offered:
        return "sms"
    if "email" in offered and email:
        return "email"
    return None


async def recalls_send_due(*, now: datetime) -> RecallTick:
    """Send (or turn into to-dos) every recall step that is due now."""
    await talent_defaults_ensure()
    tick = RecallTick()
    cadences = await cadence_for_reasons()
    entries = await TalentEntry.select(
        TalentEntry.id,
        TalentEntry.candidate,
        TalentEntry.reason,
        TalentEntry.round,
        TalentEntry.withdrawn_at,
        TalentEntry.department,
        TalentEntry.position,
        TalentEntry.candidate.name.as_alias("name"),
        TalentEntry.candidate.email.as_alias("email"),
    ).where(
        (TalentEntry.status == "open")
        & (TalentEntry.consent == True)  # noqa: E712
        & (TalentEntry.consent_until > now)
        & TalentEntry.candidate.is_not_null()
    )
    for entry in entries:
        steps = cadences.get(entry["reason"]) or cadences[None]
        due = [s for s in steps if entry["withdrawn_at"] + timedelta(days=s.day) <= now]
        if not due:
            continue
        try:
            async with write_transaction():
                if not await _still_open(entry["id"]):
                    # Anonymised (or closed) since the list was read, by another worker's
                    # tick: its name must not come back in a to-do.
                    continue
                for step in due:
                    latest = step is due[-1]
                    result = await _recall_step(entry, step, send=latest, now=now)
                    if result == "queued":
                        tick.sent += 1
                    elif result == "task":
                        tick.tasks += 1
                    elif result == "skipped":
                        tick.skipped += 1
        except ValidationFailed:
            # Refused at the outbox (consent expired meanwhile): nothing was written.
            logger.info("talent recall for entry %s refused", entry["id"])
    return tick


async def _recall_step(entry: dict, step: CadenceStep, *, send: bool, now: datetime) -> str | None:
    variant = _variant(step, entry["candidate"])
    channel = _channel(entry["email"]) if step.mode == "message" else None
    mode = "message" if channel else "task"
    status = ("queued" if mode == "message" else "task") if send else "skipped"
    claimed = await (
        TalentRecall.insert(
            TalentRecall(
                entry=entry["id"],
                round=entry["round"],
                step=step.id,
                day=step.day,
                kind=step.kind,
                mode=mode,
                variant=variant,
                status=status,
                created_at=now,
            )
        )
        .on_conflict(
            target=(TalentRecall.entry, TalentRecall.round, TalentRecall.day), action="DO NOTHING"
        )
        .returning(TalentRecall.id)
    )
    if not claimed:
        return None
    recall_id = claimed[0]["id"]
    if not send:
        return "skipped"
    text = recall_text(step, variant=variant, name=entry["name"], position_id=entry["position"])
    if mode == "message":
        try:
            enqueued = await message_enqueue(
                message=OutboundMessage(
                    dedupe_key=f"talent:{entry['id']}:{entry['round']}:{step.day}:{channel}",
                    channel=channel or "sms",
                    category="engagement",
                    candidate_id=entry["candidate"],
                    subject=_("News from your future team") if channel == "email" else "",
                    body=text,
                ),
                now=now,
            )
        except ValidationFailed as refused:
            # Checked before anything is written, so the transaction goes on.
            if "candidate" in refused.errors:
                # Consent expired or stop, between the query and now: nothing is sent.
                await TalentRecall.update({TalentRecall.status: "skipped"}).where(
                    TalentRecall.id == recall_id
                )
                return "skipped"
            # Too long for an SMS with the unsubscribe link, no usable address…: HR calls.
            mode = "task"
            await TalentRecall.update(
                {TalentRecall.mode: "task", TalentRecall.status: "task"}
            ).where(TalentRecall.id == recall_id)
            status = "task"
        else:
            await TalentRecall.update({TalentRecall.outbox_id: enqueued.id}).where(
                TalentRecall.id == recall_id
            )
    if mode == "task":
        await TalentTask(
            entry=entry["id"],
            department=entry["department"],
            assignee=step.assignee,
            title=_("Recall call (day %(day)s): %(name)s", day=step.day, name=entry["name"]),
            body=text,
            due_at=now + timedelta(days=TASK_DUE_DAYS),
            created_at=now,
        ).save()
    await TalentEntry.update({TalentEntry.last_contact_at: now, TalentEntry.updated_at: now}).where(
        TalentEntry.id == entry["id"]
    )
    await TalentEvent(
        entry=entry["id"], kind="recall", body=f"day {step.day} {step.kind} {mode} {variant}",
        created_at=now,
    ).save()  # fmt: skip
    return status


async def _still_open(entry_id: int) -> bool:
    """In the recall's transaction: is the entry still open? On PostgreSQL the no-op update
    also holds its row, so an anonymisation waits until this recall has committed (and
    then removes what it wrote); SQLite's IMMEDIATE transaction holds everyone else off."""
    rows = await TalentEntry.raw(
        "UPDATE talent_entry SET status = status WHERE id = {} AND status = 'open' RETURNING id",
        entry_id,
    )
    return bool(rows)


async def _entry(entry_id: int) -> TalentEntry:
    entry = await TalentEntry.objects().get(TalentEntry.id == entry_id)
    if entry is None or entry.status == "anonymised":
        raise NotFound(_("This pool entry does not exist."))
    return entry


async def recall_outcome_record(
    *, entry_id: int, outcome: str, actor_id: int | None, now: datetime, note: str = ""
) -> None:
    """Record what came of the recalls; rejoined / not interested end the cadence."""
    if outcome not in OUTCOMES:
        raise ValidationFailed({"outcome": _("Unknown outcome.")})
    if len(note) > 1000:
        raise ValidationFailed({"note": _("A note can be at most 1000 characters long.")})
    async with write_transaction():
        entry = await _entry(entry_id)
        values: dict = {TalentEntry.outcome: outcome, TalentEntry.updated_at: now}
        if outcome in STOPPING_OUTCOMES and entry.status == "open":
            values[TalentEntry.status] = "closed"
        await TalentEntry.update(values).where(TalentEntry.id == entry.id)
        # The latest recall of this round carries the outcome (the funnel counts it).
        latest = (
            await TalentRecall.select(TalentRecall.id)
            .where(
                (TalentRecall.entry == entry.id)
                & (TalentRecall.round == entry.round)
                & (TalentRecall.status != "skipped")
            )
            .order_by(TalentRecall.day, ascending=False)
            .first()
        )
        if latest is not None:
            await TalentRecall.update({TalentRecall.outcome: outcome}).where(
                TalentRecall.id == latest["id"]
            )
        note = note.strip()
        await TalentEvent(
            entry=entry.id,
            kind="outcome",
            body=f"{outcome} — {note}" if note else outcome,
            staff=actor_id,
            created_at=now,
        ).save()


async def contact_stop(*, entry_id: int, actor_id: int | None, now: datetime) -> None:
    """The candidate asked never to be contacted again: permanent. Pending messages are
    suppressed; the outbox refuses any new one (``portal/domain/talent/consent.py``)."""
    async with write_transaction():
        await talent_entries_hold([entry_id])
        entry = await _entry(entry_id)
        if entry.status == "stopped":
            return
        if entry.status == "rejoined":
            raise ValidationFailed({"status": _("This candidate has rejoined.")})
        await TalentEntry.update(
            {
                TalentEntry.status: "stopped",
                TalentEntry.stopped_at: now,
                TalentEntry.outcome: "not_interested",
                TalentEntry.updated_at: now,
            }
        ).where(TalentEntry.id == entry.id)
        if entry.candidate is not None:
            await OutboxMessage.update(
                {OutboxMessage.status: "suppressed", OutboxMessage.reason: "stopped"}
            ).where(
                (OutboxMessage.candidate == entry.candidate)
                & OutboxMessage.status.is_in(["pending", "deferred"])
            )
        await TalentTask.update({TalentTask.done_at: now}).where(
            (TalentTask.entry == entry.id) & TalentTask.done_at.is_null()
        )
        await TalentEvent(entry=entry.id, kind="stop", staff=actor_id, created_at=now).save()


async def task_done(*, task_id: int, now: datetime) -> None:
    await TalentTask.update({TalentTask.done_at: now}).where(
        (TalentTask.id == task_id) & TalentTask.done_at.is_null()
    )


__all__ = ["RecallTick", "contact_stop", "recall_outcome_record", "recalls_send_due"]
