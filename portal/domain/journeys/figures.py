"""A step's figures per variant: sent, delivered, opened, goal reached within 48 hours.

Counted per send (one candidate reached once): *sent* is queued to the outbox;
*delivered* has at least one message the channel accepted (an inbox item is delivered
when queued); *opened* is an inbox item read or a one-tap link tapped; *goal* is the
step's goal reached within :data:`GOAL_WINDOW` of the send — a checklist item handed in
(the step's own item for deadline nudges), a course started (a quiz attempt), or a link
tapped. Each later variant is compared with the first on the goal rate
(:mod:`portal.domain.journeys.statistics`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from portal.domain.checklist.tables import ChecklistSubmission
from portal.domain.journeys.statistics import ProportionTest, two_proportion_test
from portal.domain.journeys.tables import (
    JourneySend,
    JourneySendMessage,
    JourneyVariant,
    MessageLink,
)
from portal.domain.learning.tables import QuizAttempt
from portal.domain.messaging.tables import OutboxMessage
from portal.domain.validation import row_id_from

GOAL_WINDOW = timedelta(hours=48)
_CHUNK = 500


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class VariantFigures:
    variant_id: int
    label: str
    sent: int
    delivered: int
    opened: int
    goal: int

    @property
    def opened_rate(self) -> float | None:
        return _rate(self.opened, self.sent)

    @property
    def goal_rate(self) -> float | None:
        return _rate(self.goal, self.sent)


@dataclass(frozen=True)
class Comparison:
    label: str
    control: str
    difference: float | None  # goal rate of this variant minus the control's
    test: ProportionTest


@dataclass(frozen=True)
class StepFigures:
    goal: str
    variants: list[VariantFigures]
    comparisons: list[Comparison]
    skipped: int
    failed: int


def _chunks(ids: list[int]):  # noqa: ANN202
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


async def _message_states(send_ids: list[int]) -> tuple[set[int], set[int]]:
    delivered: set[int] = set()
    read: set[int] = set()
    for chunk in _chunks(send_ids):
        links = await JourneySendMessage.select(
            JourneySendMessage.send, JourneySendMessage.message
        ).where(JourneySendMessage.send.is_in(chunk))
        by_message = {row["message"]: row["send"] for row in links}
        for ids in _chunks(sorted(by_message)):
            for row in await OutboxMessage.select(
                OutboxMessage.id, OutboxMessage.status, OutboxMessage.read_at
            ).where(OutboxMessage.id.is_in(ids)):
                send = by_message[row["id"]]
                if row["status"] == "sent":
                    delivered.add(send)
                if row["read_at"] is not None:
                    read.add(send)
    return delivered, read


async def _taps(send_ids: list[int]) -> dict[int, datetime]:
    taps: dict[int, datetime] = {}
    for chunk in _chunks(send_ids):
        for row in await MessageLink.select(MessageLink.send, MessageLink.used_at).where(
            MessageLink.send.is_in(chunk) & MessageLink.used_at.is_not_null()
        ):
            if row["send"] not in taps or row["used_at"] < taps[row["send"]]:
                taps[row["send"]] = row["used_at"]
    return taps


async def _goal_moments(goal: str, candidate_ids: list[int]) -> dict[int, list[tuple]]:
    """Per candidate: (moment, template id or None) of every act that counts for ``goal``."""
    found: dict[int, list[tuple]] = defaultdict(list)
    for chunk in _chunks(sorted(set(candidate_ids))):
        if goal == "checklist_handed_in":
            rows = await ChecklistSubmission.select(
                ChecklistSubmission.candidate,
                ChecklistSubmission.template,
                ChecklistSubmission.submitted_at,
            ).where(
                ChecklistSubmission.candidate.is_in(chunk)
                & ChecklistSubmission.submitted_at.is_not_null()
            )
            for row in rows:
                found[row["candidate"]].append((row["submitted_at"], row["template"]))
        elif goal == "course_started":
            rows = await QuizAttempt.select(QuizAttempt.candidate, QuizAttempt.created_at).where(
                QuizAttempt.candidate.is_in(chunk)
            )
            for row in rows:
                found[row["candidate"]].append((row["created_at"], None))
    return found


def _reached(send: dict, goal: str, moments: dict[int, list[tuple]], taps: dict[int, datetime]):
    start, end = send["created_at"], send["created_at"] + GOAL_WINDOW
    if goal == "link_tapped":
        return send["id"] in taps and start <= taps[send["id"]] <= end
    item = None
    if goal == "checklist_handed_in" and send["occurrence"].startswith("t"):
        item = row_id_from(send["occurrence"][1:])
    return any(
        start <= moment <= end and (item is None or template == item)
        for moment, template in moments.get(send["candidate"], [])
    )


async def step_figures(*, step_id: int, goal: str) -> StepFigures:
    variants = (
        await JourneyVariant.select(JourneyVariant.id, JourneyVariant.label)
        .where(JourneyVariant.step == step_id)
        .order_by(JourneyVariant.id)
    )
    sends = await JourneySend.select(
        JourneySend.id, JourneySend.candidate, JourneySend.variant, JourneySend.status,
        JourneySend.occurrence, JourneySend.created_at,
    ).where(JourneySend.step == step_id)  # fmt: skip
    queued = [send for send in sends if send["status"] == "queued"]
    ids = [send["id"] for send in queued]
    delivered, read = await _message_states(ids)
    taps = await _taps(ids)
    moments = await _goal_moments(goal, [send["candidate"] for send in queued])
    counts: dict[int, list[int]] = {v["id"]: [0, 0, 0, 0] for v in variants}
    for send in queued:
        row = counts.get(send["variant"])
        if row is None:
            continue  # a variant HR removed since
        row[0] += 1
        row[1] += send["id"] in delivered
        row[2] += send["id"] in read or send["id"] in taps
        row[3] += bool(goal) and _reached(send, goal, moments, taps)
    figures = [
        VariantFigures(v["id"], v["label"], *counts[v["id"]])  # type: ignore[arg-type]
        for v in variants
    ]
    comparisons = []
    if goal and len(figures) > 1:
        control = figures[0]
        for other in figures[1:]:
            difference = (
                other.goal_rate - control.goal_rate
                if other.goal_rate is not None and control.goal_rate is not None
                else None
            )
            comparisons.append(
                Comparison(
                    label=other.label,
                    control=control.label,
                    difference=difference,
                    test=two_proportion_test(control.goal, control.sent, other.goal, other.sent),
                )
            )
    return StepFigures(
        goal=goal,
        variants=figures,
        comparisons=comparisons,
        skipped=sum(send["status"] == "skipped" for send in sends),
        failed=sum(send["status"] == "failed" for send in sends),
    )
