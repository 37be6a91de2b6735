"""SLA figures for a period, per cohort and per responder.

Which questions: those *asked* in the period (local dates in the policy's time zone, both
ends included), except those closed as "not a question". Computed in Python from the rows,
which is fine at Onramp's scale (thousands of questions a year).

Definitions, per group:

- **answered within SLA**: answered by the stored deadline, as a share of the questions
  whose outcome is known — answered (in time or late) or still open past the deadline.
  Open questions not yet due are left out: they can still go either way.
- **first-response time**: from the question to its answer (``answered_at - asked_at``),
  over answered questions; **median** and **90th percentile** use linear interpolation
  between closest ranks (Hyndman & Fan type 7, the default of numpy and spreadsheets'
  PERCENTILE.INC): position ``p·(n−1)`` in the sorted values, interpolated.
- **open**: still open now. **breached**: answered after the deadline, or open past it.

The responder of an answered question is who answered it; of an open one, who it is
assigned to, or else "HR" / "department manager" by its routing.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from portal.domain.errors import ValidationFailed
from portal.domain.rooms.tables import RoomQuestion
from portal.domain.sla.feedback import votes_for
from portal.domain.sla.policy import sla_policy_get
from portal.domain.sla.tracker import question_where
from portal.domain.spreadsheets import spreadsheet_cell
from portal.domain.staff.tables import StaffUser
from portal.domain.validation import typed_day
from portal.i18n import gettext as _

MAX_PERIOD_DAYS = 3 * 366


def percentile(values: Sequence[float], p: float) -> float | None:
    """The ``p``-th percentile (0–100) by linear interpolation (type 7); None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * p / 100
    lower = math.floor(position)
    upper = math.ceil(position)
    fraction = position - lower
    return ordered[lower] + (ordered[upper] - ordered[lower]) * fraction


@dataclass
class GroupFigures:
    name: str
    asked: int = 0
    answered: int = 0
    answered_in_time: int = 0
    decided: int = 0
    open: int = 0
    breached: int = 0
    # "Was this helpful?" votes of the askers (sla/feedback.py).
    helpful: int = 0
    not_helpful: int = 0
    response_seconds: list[float] = field(default_factory=list)

    @property
    def within_sla_share(self) -> float | None:
        return self.answered_in_time / self.decided if self.decided else None

    @property
    def median_seconds(self) -> float | None:
        return percentile(self.response_seconds, 50)

    @property
    def p90_seconds(self) -> float | None:
        return percentile(self.response_seconds, 90)

    def add(self, row: dict[str, Any], now: datetime) -> None:
        self.asked += 1
        vote = row.get("helpful")
        self.helpful += vote is True
        self.not_helpful += vote is False
        deadline = row["deadline_at"]
        if row["status"] == "answered" and row["answered_at"] is not None:
            self.answered += 1
            self.decided += 1
            in_time = row["answered_at"] <= deadline
            self.answered_in_time += in_time
            self.breached += not in_time
            self.response_seconds.append((row["answered_at"] - row["asked_at"]).total_seconds())
        else:
            self.open += 1
            if deadline <= now:
                self.decided += 1
                self.breached += 1


@dataclass(frozen=True)
class Figures:
    start: date
    end: date
    timezone: str
    total: GroupFigures
    by_cohort: list[GroupFigures]
    by_responder: list[GroupFigures]


def parse_period(start: str | None, end: str | None, *, today: date) -> tuple[date, date]:
    """The period typed in the form; the last 30 days when both are left empty."""
    errors: dict[str, str] = {}

    def parse(raw: str | None, name: str, default: date) -> date:
        if not (raw or "").strip():
            return default
        if (day := typed_day(raw)) is not None:
            return day
        errors[name] = _("Enter a date like 2026-10-01.")
        return default

    end_day = parse(end, "end", today)
    start_day = parse(start, "start", end_day - timedelta(days=29))
    if not errors and start_day > end_day:
        errors["start"] = _("The start must not be after the end.")
    elif not errors and (end_day - start_day).days >= MAX_PERIOD_DAYS:
        errors["start"] = _("Choose a period of at most three years.")
    if errors:
        raise ValidationFailed(errors)
    return start_day, end_day


async def sla_figures(
    staff: StaffUser, *, start: date, end: date, now: datetime | None = None
) -> Figures:
    now = now or datetime.now(UTC)
    policy = await sla_policy_get()
    zone = policy.zone
    since = datetime.combine(start, time(0), tzinfo=zone)
    until = datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone)
    query = RoomQuestion.select(
        RoomQuestion.id,
        RoomQuestion.status,
        RoomQuestion.asked_at,
        RoomQuestion.deadline_at,
        RoomQuestion.answered_at,
        RoomQuestion.responder_role,
        RoomQuestion.asker.cohort.name.as_alias("cohort_name"),
        RoomQuestion.answered_by.id.as_alias("answered_by_id"),
        RoomQuestion.answered_by.name.as_alias("answered_by_name"),
        RoomQuestion.answered_by.email.as_alias("answered_by_email"),
        RoomQuestion.assigned_to.id.as_alias("assigned_to_id"),
        RoomQuestion.assigned_to.name.as_alias("assigned_to_name"),
        RoomQuestion.assigned_to.email.as_alias("assigned_to_email"),
    ).where(
        (RoomQuestion.asked_at >= since)
        & (RoomQuestion.asked_at < until)
        & (RoomQuestion.status != "closed")
    )
    scope = question_where(staff)
    if scope is not None:
        query = query.where(scope)
    rows = await query
    votes = await votes_for([row["id"] for row in rows if row["status"] == "answered"])
    for row in rows:
        row["helpful"] = votes.get(row["id"])
    total = GroupFigures(name=_("All questions"))
    cohorts: dict[str, GroupFigures] = {}
    responders: dict[tuple[str, object], GroupFigures] = {}
    for row in rows:
        total.add(row, now)
        cohort = row["cohort_name"] or _("No cohort")
        cohorts.setdefault(cohort, GroupFigures(name=cohort)).add(row, now)
        key, name = _responder(row)
        responders.setdefault(key, GroupFigures(name=name)).add(row, now)
    return Figures(
        start=start,
        end=end,
        timezone=policy.timezone,
        total=total,
        by_cohort=sorted(cohorts.values(), key=lambda group: group.name),
        by_responder=sorted(responders.values(), key=lambda group: group.name),
    )


def _responder(row: dict[str, Any]) -> tuple[tuple[str, object], str]:
    if row["status"] == "answered" and row["answered_by_id"]:
        return ("staff", row["answered_by_id"]), (
            row["answered_by_name"] or row["answered_by_email"] or ""
        )
    if row["assigned_to_id"]:
        return ("staff", row["assigned_to_id"]), (
            row["assigned_to_name"] or row["assigned_to_email"] or ""
        )
    if row["responder_role"] == "manager":
        return ("role", "manager"), _("Unassigned (department manager)")
    return ("role", "hr"), _("Unassigned (HR)")


def hours_text(seconds: float | None) -> str:
    return "" if seconds is None else f"{seconds / 3600:.1f}"


def share_text(share: float | None) -> str:
    return "" if share is None else f"{share * 100:.0f}%"


def figures_csv(figures: Figures) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens the Chinese names correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(
        [
            _("Group"),
            _("Name"),
            _("Asked"),
            _("Answered"),
            _("Answered within SLA"),
            _("Median first response (hours)"),
            _("90th percentile first response (hours)"),
            _("Still open"),
            _("Breached"),
            _("Helpful"),
            _("Not helpful"),
        ]
    )
    groups: Iterable[tuple[str, GroupFigures]] = [
        (_("Total"), figures.total),
        *((_("Cohort"), group) for group in figures.by_cohort),
        *((_("Responder"), group) for group in figures.by_responder),
    ]
    for kind, group in groups:
        writer.writerow(
            [
                kind,
                spreadsheet_cell(group.name),
                group.asked,
                group.answered,
                share_text(group.within_sla_share),
                hours_text(group.median_seconds),
                hours_text(group.p90_seconds),
                group.open,
                group.breached,
                group.helpful,
                group.not_helpful,
            ]
        )
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")
