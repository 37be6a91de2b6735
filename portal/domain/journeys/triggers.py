"""When a scheduled step is due for each candidate: its moment, and which occurrence.

A step reaches a candidate once per occurrence: ``""`` for a stage reached, ``c<cohort>``
for a moment relative to the cohort's start (a candidate moved to another cohort gets the
new cohort's), ``t<template>`` per checklist item, ``w<local date>`` per week. Times of
day are wall-clock times in the cohort's time zone (the default zone without a cohort),
turned into instants through ``zoneinfo``, so DST days behave.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from portal.domain.candidates.tables import StageChange
from portal.domain.checklist.tables import ChecklistSubmission, ChecklistTemplate
from portal.domain.journeys.recipients import Recipient
from portal.domain.journeys.specs import StepSpec
from portal.domain.messaging.locale import message_locale
from portal.i18n import format_local_date

_CHUNK = 500
HANDED_IN = ("submitted", "approved")


@dataclass(frozen=True)
class Due:
    recipient: Recipient
    occurrence: str
    moment: datetime
    values: dict[str, str] = field(default_factory=dict)


def local_instant(day: date, clock: time, timezone: str) -> datetime:
    return datetime.combine(day, clock, tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def _start_day(recipient: Recipient) -> date | None:
    if recipient.cohort_starts_at is None:
        return None
    return recipient.cohort_starts_at.astimezone(ZoneInfo(recipient.timezone)).date()


async def _reached_at(stage_id: int, candidate_ids: list[int]) -> dict[int, datetime]:
    """When each candidate last arrived at the stage (status changes are not arrivals)."""
    reached: dict[int, datetime] = {}
    for start in range(0, len(candidate_ids), _CHUNK):
        rows = await StageChange.select(
            StageChange.candidate, StageChange.from_stage, StageChange.changed_at
        ).where(
            (StageChange.to_stage == stage_id)
            & StageChange.candidate.is_in(candidate_ids[start : start + _CHUNK])
        )
        for row in rows:
            if row["from_stage"] == stage_id:
                continue
            seen = reached.get(row["candidate"])
            if seen is None or row["changed_at"] > seen:
                reached[row["candidate"]] = row["changed_at"]
    return reached


async def _stage_reached(step: StepSpec, recipients: list[Recipient]) -> list[Due]:
    if step.stage_id is None:
        return []
    reached = await _reached_at(step.stage_id, [r.id for r in recipients])
    delay = timedelta(hours=step.delay_hours)
    return [Due(r, "", reached[r.id] + delay) for r in recipients if r.id in reached]


def _cohort_relative(step: StepSpec, recipients: list[Recipient]) -> list[Due]:
    due = []
    for recipient in recipients:
        start = _start_day(recipient)
        if start is None:
            continue
        day = start + timedelta(days=step.offset_days)
        moment = local_instant(day, step.clock, recipient.timezone)
        due.append(Due(recipient, f"c{recipient.cohort_id}", moment))
    return due


async def _open_items(candidate_ids: list[int]) -> dict[int, set[int]]:
    """Per candidate, the templates they have handed in (submitted or approved)."""
    handed: dict[int, set[int]] = defaultdict(set)
    for start in range(0, len(candidate_ids), _CHUNK):
        rows = await ChecklistSubmission.select(
            ChecklistSubmission.candidate, ChecklistSubmission.template
        ).where(
            ChecklistSubmission.candidate.is_in(candidate_ids[start : start + _CHUNK])
            & ChecklistSubmission.status.is_in(list(HANDED_IN))
        )
        for row in rows:
            handed[row["candidate"]].add(row["template"])
    return handed


def _template_matches(template: dict, recipient: Recipient) -> bool:
    if template["position"]:
        return template["position"] == recipient.position_id
    if template["department"]:
        return template["department"] == recipient.department_id
    return True


async def _checklist_due(step: StepSpec, recipients: list[Recipient]) -> list[Due]:
    # In id order: every worker then records a candidate's sends in the same order (two
    # recording the same ones in different orders could wait for each other).
    templates = (
        await ChecklistTemplate.select(
            ChecklistTemplate.id,
            ChecklistTemplate.title,
            ChecklistTemplate.department,
            ChecklistTemplate.position,
            ChecklistTemplate.days_before_start,
        )
        .where(
            (ChecklistTemplate.status == "active") & (ChecklistTemplate.required == True)  # noqa: E712
        )
        .order_by(ChecklistTemplate.id)
    )
    if not templates:
        return []
    with_cohort = [r for r in recipients if r.cohort_starts_at is not None]
    handed = await _open_items([r.id for r in with_cohort])
    due = []
    for recipient in with_cohort:
        start = _start_day(recipient)
        assert start is not None
        for template in templates:
            if not _template_matches(template, recipient) or template["id"] in handed.get(
                recipient.id, ()
            ):
                continue
            deadline = start - timedelta(days=template["days_before_start"])
            moment = local_instant(
                deadline - timedelta(days=step.due_in_days), step.clock, recipient.timezone
            )
            with message_locale(recipient.locale):
                deadline_text = format_local_date(
                    datetime.combine(deadline, time(12), tzinfo=UTC), "long"
                )
            due.append(
                Due(
                    recipient,
                    f"t{template['id']}",
                    moment,
                    {"item": template["title"], "deadline": deadline_text},
                )
            )
    return due


def weekly_slot(step: StepSpec, timezone: str, now: datetime) -> datetime:
    """The latest weekly moment at or before ``now``, in ``timezone``."""
    local_now = now.astimezone(ZoneInfo(timezone))
    back = (local_now.weekday() - step.weekday) % 7
    day = local_now.date() - timedelta(days=back)
    slot = local_instant(day, step.clock, timezone)
    if slot > now:
        slot = local_instant(day - timedelta(days=7), step.clock, timezone)
    return slot


def _weekly(step: StepSpec, recipients: list[Recipient], now: datetime) -> list[Due]:
    due = []
    for recipient in recipients:
        if recipient.cohort_starts_at is None:
            continue
        slot = weekly_slot(step, recipient.timezone, now)
        if slot >= recipient.cohort_starts_at:
            continue  # training has begun: the wait the digest fills is over
        local_day = slot.astimezone(ZoneInfo(recipient.timezone)).date()
        due.append(Due(recipient, f"w{local_day.isoformat()}", slot))
    return due


async def due_items(step: StepSpec, recipients: list[Recipient], now: datetime) -> list[Due]:
    """Everything of ``step`` whose moment has come (``moment <= now``) for ``recipients``."""
    if step.trigger == "stage_reached":
        found = await _stage_reached(step, recipients)
    elif step.trigger == "cohort_relative":
        found = _cohort_relative(step, recipients)
    elif step.trigger == "checklist_due":
        found = await _checklist_due(step, recipients)
    elif step.trigger == "weekly":
        found = _weekly(step, recipients, now)
    else:
        return []
    return [item for item in found if item.moment <= now]


def needs_cohort(step: StepSpec) -> bool:
    return step.trigger in ("cohort_relative", "checklist_due", "weekly")
