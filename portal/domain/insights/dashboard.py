"""The funnel and engagement figures of a :class:`Selection` (a fixed number of queries).

Definitions (also in docs/insights.md):

- **Funnel, now**: candidates of the selection per current stage (active ones), withdrawn,
  started (status ``joined``); withdrawal rate = withdrawn / all candidates of the
  selection. Reasons are those recorded with the withdrawal (the talent pool's list,
  ``talent_entry.reason``); older withdrawals count the note HR typed
  (``candidate.withdraw_reason``) as typed.
- **Planned head-count**: the capacity of the selection's cohorts; **started**: joined.
- **Days from offer to start**: from the day the candidate was added (the accepted offer)
  to the cohort's first day; median and the longest.
- **Over time**: per week of the period, candidates added and candidates withdrawn (the
  week of the withdrawal's last change of the record), and how many reached each stage
  (the stage history).
- **Weekly active share**: active candidates with any recorded activity in the 7 days up
  to the period's end, over all active candidates.
- **Days since last visit**: median over active candidates who ever came; those who never
  came are counted apart.
- **Course completion**: courses passed / courses published for each active candidate.
- **Checklist**: items due by now (deadline passed) that are handed in, over items due.
- **Questions**: asked in the period; answered within the SLA (before their deadline).
- **Inbox read rate**: inbox messages delivered in the period that were opened.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from portal.config import get_settings
from portal.domain.candidates.tables import Candidate
from portal.domain.insights.selection import Selection
from portal.domain.organisation.stage_choices import stage_choices
from portal.domain.talent.pool import withdrawal_reason_labels
from portal.i18n import gettext as _


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _moment(value: Any) -> datetime:
    """Timestamps of raw SQLite rows may come back as text."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass
class Funnel:
    total: int = 0
    active: int = 0
    withdrawn: int = 0
    started: int = 0
    planned: int = 0
    stages: list[tuple[str, int]] = field(default_factory=list)
    reasons: list[tuple[str, int]] = field(default_factory=list)
    offer_to_start_median: float | None = None
    offer_to_start_max: int | None = None
    weeks: list[tuple[date, int, int]] = field(default_factory=list)  # week, added, withdrawn
    # Over time: per week of the period, how many reached each stage (same order as stages).
    stage_weeks: list[tuple[date, list[int]]] = field(default_factory=list)

    @property
    def withdrawal_rate(self) -> float | None:
        return _rate(self.withdrawn, self.total)


@dataclass
class Engagement:
    active: int = 0
    weekly_active: int = 0
    median_days_since_visit: float | None = None
    never_visited: int = 0
    courses_due: int = 0
    courses_passed: int = 0
    checklist_due: int = 0
    checklist_handed: int = 0
    questions_asked: int = 0
    questions_within_sla: int = 0
    inbox_sent: int = 0
    inbox_read: int = 0
    weeks: list[tuple[date, int]] = field(default_factory=list)  # week, distinct active

    @property
    def weekly_active_share(self) -> float | None:
        return _rate(self.weekly_active, self.active)

    @property
    def course_completion(self) -> float | None:
        return _rate(self.courses_passed, self.courses_due)

    @property
    def checklist_completion(self) -> float | None:
        return _rate(self.checklist_handed, self.checklist_due)

    @property
    def within_sla_share(self) -> float | None:
        return _rate(self.questions_within_sla, self.questions_asked)

    @property
    def inbox_read_rate(self) -> float | None:
        return _rate(self.inbox_read, self.inbox_sent)


@dataclass
class Dashboard:
    selection: Selection
    funnel: Funnel
    engagement: Engagement


async def _stage_weeks(
    selection: Selection, where: str, args: list[Any]
) -> list[tuple[date, list[int]]]:
    stages = [stage.id for stage in await stage_choices()]
    counts: dict[date, Counter[int]] = defaultdict(Counter)
    for row in await _raw(
        "SELECT s.to_stage, s.changed_at FROM stage_change s JOIN candidate c "
        "ON c.id = s.candidate WHERE " + where + " AND s.changed_at >= {} AND s.changed_at < {}",
        *args,
        selection.start_at,
        selection.end_at,
    ):
        counts[_week_of(_moment(row["changed_at"]).date())][row["to_stage"]] += 1
    return [(week, [counts[week][stage] for stage in stages]) for week in _weeks(selection)]


def _week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _weeks(selection: Selection) -> list[date]:
    first, weeks = _week_of(selection.start), []
    while first <= selection.end:
        weeks.append(first)
        first += timedelta(days=7)
    return weeks


async def _raw(sql: str, *args: Any) -> list[dict[str, Any]]:
    return await Candidate.raw(sql, *args)


async def dashboard_figures(selection: Selection, *, now: datetime | None = None) -> Dashboard:
    now = now or datetime.now(UTC)
    where, args = selection.candidate_sql()
    candidates = await _raw(
        "SELECT c.id, c.cohort, c.department, c.position, c.stage, c.status, "
        "c.withdraw_reason, c.created_at, c.updated_at FROM candidate c WHERE " + where,
        *args,
    )
    cohort_ids = sorted({row["cohort"] for row in candidates if row["cohort"]})
    cohorts = {}
    if selection.cohort_id and selection.cohort_id not in cohort_ids:
        cohort_ids.append(selection.cohort_id)
    if cohort_ids:
        cohorts = {
            row["id"]: row
            for row in await _raw(
                "SELECT id, starts_at, capacity, timezone FROM cohort WHERE id IN ("
                + ",".join(str(int(i)) for i in cohort_ids)
                + ")"
            )
        }
    funnel = await _funnel(selection, candidates, cohorts)
    funnel.stage_weeks = await _stage_weeks(selection, where, args)
    engagement = await _engagement(selection, candidates, cohorts, where, args, now)
    return Dashboard(selection=selection, funnel=funnel, engagement=engagement)


async def withdrawal_reason_counts(rows: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """Withdrawal reasons of the selection, most frequent first.

    The reason recorded with the withdrawal (the talent pool's list) when there is one;
    for withdrawals from before reasons were recorded, the note HR typed, as typed.
    """
    withdrawn = [row for row in rows if row["status"] == "withdrawn"]
    structured = await withdrawal_reason_labels([row["id"] for row in withdrawn])
    counts = Counter(
        structured.get(row["id"]) or (row["withdraw_reason"] or "").strip() or _("No reason given")
        for row in withdrawn
    )
    return counts.most_common(10)


async def _funnel(
    selection: Selection, candidates: list[dict[str, Any]], cohorts: dict[int, dict[str, Any]]
) -> Funnel:
    funnel = Funnel(total=len(candidates))
    per_stage = Counter(row["stage"] for row in candidates if row["status"] == "active")
    funnel.stages = [(stage.label, per_stage.get(stage.id, 0)) for stage in await stage_choices()]
    funnel.active = sum(row["status"] == "active" for row in candidates)
    funnel.withdrawn = sum(row["status"] == "withdrawn" for row in candidates)
    funnel.started = sum(row["status"] == "joined" for row in candidates)
    funnel.planned = sum(row["capacity"] or 0 for row in cohorts.values())
    funnel.reasons = await withdrawal_reason_counts(candidates)
    waits = [
        (
            _moment(cohorts[row["cohort"]]["starts_at"]).date() - _moment(row["created_at"]).date()
        ).days
        for row in candidates
        if row["cohort"] in cohorts and row["status"] != "withdrawn"
    ]
    if waits:
        funnel.offer_to_start_median = round(statistics.median(waits), 1)
        funnel.offer_to_start_max = max(waits)
    added: Counter[date] = Counter()
    withdrawn: Counter[date] = Counter()
    for row in candidates:
        created = _moment(row["created_at"]).date()
        if selection.start <= created <= selection.end:
            added[_week_of(created)] += 1
        if row["status"] == "withdrawn":
            changed = _moment(row["updated_at"]).date()
            if selection.start <= changed <= selection.end:
                withdrawn[_week_of(changed)] += 1
    funnel.weeks = [(week, added[week], withdrawn[week]) for week in _weeks(selection)]
    return funnel


async def _engagement(
    selection: Selection,
    candidates: list[dict[str, Any]],
    cohorts: dict[int, dict[str, Any]],
    where: str,
    args: list[Any],
    now: datetime,
) -> Engagement:
    active = [row for row in candidates if row["status"] == "active"]
    figures = Engagement(active=len(active))
    as_of = min(selection.end_at, now)
    active_where = where + " AND c.status = 'active'"
    rows = await _raw(
        "SELECT COUNT(DISTINCT e.candidate) AS n FROM activity_event e "
        "JOIN candidate c ON c.id = e.candidate WHERE "
        + active_where
        + " AND e.occurred_at >= {} AND e.occurred_at < {}",
        *args,
        as_of - timedelta(days=7),
        as_of,
    )
    figures.weekly_active = rows[0]["n"] if rows else 0
    visits = await _raw(
        "SELECT a.last_active_at FROM candidate_activity a "
        "JOIN candidate c ON c.id = a.candidate WHERE " + active_where,
        *args,
    )
    days = [max(0, (as_of - _moment(row["last_active_at"])).days) for row in visits]
    figures.never_visited = figures.active - len(days)
    figures.median_days_since_visit = round(statistics.median(days), 1) if days else None

    # Courses: published ones each active candidate is meant to take, and those passed.
    courses = await _raw(
        "SELECT id, audience, department, position, cohort FROM course WHERE status = 'published'"
    )
    passed = {
        (row["candidate"], row["course"])
        for row in await _raw(
            "SELECT DISTINCT q.candidate, q.course FROM quiz_attempt q "
            "JOIN candidate c ON c.id = q.candidate WHERE " + active_where + " AND q.passed",
            *args,
        )
    }
    for candidate in active:
        for course in courses:
            audience = course["audience"]
            if (
                audience == "everyone"
                or (audience == "department" and course["department"] == candidate["department"])
                or (audience == "position" and course["position"] == candidate["position"])
                or (audience == "cohort" and course["cohort"] == candidate["cohort"])
            ):
                figures.courses_due += 1
                figures.courses_passed += (candidate["id"], course["id"]) in passed

    await _checklist(figures, active, cohorts, active_where, args, now)

    questions = await _raw(
        "SELECT q.deadline_at, q.answered_at FROM room_question q "
        "JOIN candidate c ON c.id = q.asker WHERE "
        + where
        + " AND q.asked_at >= {} AND q.asked_at < {}",
        *args,
        selection.start_at,
        selection.end_at,
    )
    figures.questions_asked = len(questions)
    figures.questions_within_sla = sum(
        row["answered_at"] is not None
        and _moment(row["answered_at"]) <= _moment(row["deadline_at"])
        for row in questions
    )
    inbox = await _raw(
        "SELECT COUNT(*) AS sent, COUNT(m.read_at) AS opened FROM outbox_message m "
        "JOIN candidate c ON c.id = m.candidate WHERE "
        + where
        + " AND m.channel = 'inbox' AND m.status = 'sent' "
        "AND m.created_at >= {} AND m.created_at < {}",
        *args,
        selection.start_at,
        selection.end_at,
    )
    figures.inbox_sent, figures.inbox_read = inbox[0]["sent"], inbox[0]["opened"]

    # Distinct active candidates per week of the period, counted by the database; the week
    # is found by comparing with its boundaries (cheaper than date functions on each row).
    weeks = _weeks(selection)
    bounds = [datetime.combine(week, time(), tzinfo=UTC) for week in weeks[1:]]
    case = "CASE " + " ".join(f"WHEN e.occurred_at < {{}} THEN {i}" for i in range(len(bounds)))
    case += f" ELSE {len(bounds)} END"
    weekly = {
        row["week"]: row["n"]
        for row in await _raw(
            "SELECT " + case + " AS week, COUNT(DISTINCT e.candidate) AS n FROM activity_event e "
            "JOIN candidate c ON c.id = e.candidate WHERE "
            + where
            + " AND e.occurred_at >= {} AND e.occurred_at < {} GROUP BY 1",
            *bounds,
            *args,
            selection.start_at,
            selection.end_at,
        )
    }
    figures.weeks = [(week, weekly.get(index, 0)) for index, week in enumerate(weeks)]
    return figures


async def _checklist(
    figures: Engagement,
    active: list[dict[str, Any]],
    cohorts: dict[int, dict[str, Any]],
    active_where: str,
    args: list[Any],
    now: datetime,
) -> None:
    templates = await _raw(
        "SELECT id, department, position, days_before_start FROM checklist_template "
        "WHERE status = 'active'"
    )
    if not templates:
        return
    handed = {
        (row["candidate"], row["template"])
        for row in await _raw(
            "SELECT s.candidate, s.template FROM checklist_submission s "
            "JOIN candidate c ON c.id = s.candidate WHERE "
            + active_where
            + " AND s.status IN ('submitted', 'approved')",
            *args,
        )
    }
    default_zone = get_settings().default_timezone
    for candidate in active:
        cohort = cohorts.get(candidate["cohort"])
        if cohort is None:
            continue
        zone = ZoneInfo(cohort["timezone"] or default_zone)
        start = _moment(cohort["starts_at"]).astimezone(zone).date()
        today = now.astimezone(zone).date()
        for template in templates:
            if template["position"]:
                matches = template["position"] == candidate["position"]
            elif template["department"]:
                matches = template["department"] == candidate["department"]
            else:
                matches = True
            if matches and start - timedelta(days=template["days_before_start"]) < today:
                figures.checklist_due += 1
                figures.checklist_handed += (candidate["id"], template["id"]) in handed
