"""The inputs of the drop-out risk, for every active candidate at once (a fixed number of queries).

- ``days_inactive``: whole days since the last recorded activity (since the candidate was
  added, when there is none);
- ``overdue_items``: checklist items past their deadline and not handed in (the rule of
  :mod:`portal.domain.checklist.overdue`, counted);
- ``course_not_started``: 1 when a published course exists, the candidate has been in the
  portal 3 days or more and has opened no lesson and submitted no quiz;
- ``question_waiting_hours``: hours the candidate's oldest open question has waited;
- ``unread_inbox``: delivered inbox messages not opened;
- ``days_to_start``: days until the cohort's first day (context; no model scores it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from portal.config import get_settings
from portal.domain.candidates.tables import Candidate
from portal.domain.checklist.tables import ChecklistSubmission, ChecklistTemplate
from portal.domain.insights.tables import CandidateActivity
from portal.domain.learning.tables import Course, QuizAttempt
from portal.domain.messaging.tables import OutboxMessage
from portal.domain.organisation.tables import Cohort
from portal.domain.rooms.tables import RoomQuestion

_CHUNK = 900


def _in(column: Any, ids: list[int] | None) -> Any:
    return column.is_in(ids) if ids is not None else None


def where(column: Any, chunk: list[int] | None, *more: Any) -> Any:
    """``column IN chunk`` (unless all candidates) AND each of ``more``."""
    conditions = [c for c in (_in(column, chunk), *more) if c is not None]
    result = conditions[0]
    for condition in conditions[1:]:
        result = result & condition
    return result


async def _by_chunks(query_for: Any, ids: list[int] | None) -> list[dict[str, Any]]:
    if ids is None:
        return await query_for(None)
    rows: list[dict[str, Any]] = []
    for start in range(0, len(ids), _CHUNK):
        rows.extend(await query_for(ids[start : start + _CHUNK]))
    return rows


async def risk_inputs(
    *, candidate_ids: Collection[int] | None = None, now: datetime | None = None
) -> dict[int, dict[str, Any]]:
    """``{candidate id: inputs}`` for active candidates (all, or those of ``candidate_ids``)."""
    now = now or datetime.now(UTC)
    ids = sorted(candidate_ids) if candidate_ids is not None else None

    candidates = await _by_chunks(
        lambda chunk: Candidate.select(
            Candidate.id,
            Candidate.cohort,
            Candidate.department,
            Candidate.position,
            Candidate.created_at,
        ).where(where(Candidate.id, chunk, Candidate.status == "active")),
        ids,
    )
    if not candidates:
        return {}
    ids_present = None if ids is None else sorted(row["id"] for row in candidates)
    activity = {
        row["candidate"]: row
        for row in await _by_chunks(
            lambda chunk: CandidateActivity.select(
                CandidateActivity.candidate,
                CandidateActivity.last_active_at,
                CandidateActivity.lessons_opened,
            ).where(where(CandidateActivity.candidate, chunk, CandidateActivity.id > 0)),
            ids_present,
        )
    }
    quiz_takers = {
        row["candidate"]
        for row in await _by_chunks(
            lambda chunk: (
                QuizAttempt.select(QuizAttempt.candidate)
                .where(where(QuizAttempt.candidate, chunk, QuizAttempt.submitted_at.is_not_null()))
                .distinct()
            ),
            ids_present,
        )
    }
    oldest_question: dict[int, datetime] = {}
    for row in await _by_chunks(
        lambda chunk: RoomQuestion.select(RoomQuestion.asker, RoomQuestion.asked_at).where(
            where(RoomQuestion.asker, chunk, RoomQuestion.status == "open")
        ),
        ids_present,
    ):
        known = oldest_question.get(row["asker"])
        if known is None or row["asked_at"] < known:
            oldest_question[row["asker"]] = row["asked_at"]
    unread: dict[int, int] = defaultdict(int)
    for row in await _by_chunks(
        lambda chunk: OutboxMessage.select(OutboxMessage.candidate).where(
            where(
                OutboxMessage.candidate,
                chunk,
                (OutboxMessage.channel == "inbox")
                & (OutboxMessage.status == "sent")
                & OutboxMessage.read_at.is_null(),
            )
        ),
        ids_present,
    ):
        unread[row["candidate"]] += 1
    courses_exist = bool(await Course.exists().where(Course.status == "published"))
    overdue = await _overdue_counts(candidates, ids_present, now)
    starts = {
        row["id"]: row["starts_at"] for row in await Cohort.select(Cohort.id, Cohort.starts_at)
    }

    result: dict[int, dict[str, Any]] = {}
    for row in candidates:
        seen = activity.get(row["id"])
        last = seen["last_active_at"] if seen else row["created_at"]
        in_portal_days = (now - row["created_at"]).days
        started_course = bool(seen and seen["lessons_opened"]) or row["id"] in quiz_takers
        asked = oldest_question.get(row["id"])
        start = starts.get(row["cohort"])
        result[row["id"]] = {
            "days_inactive": max(0, (now - last).days),
            "overdue_items": overdue.get(row["id"], 0),
            "course_not_started": int(courses_exist and in_portal_days >= 3 and not started_course),
            "question_waiting_hours": int((now - asked).total_seconds() // 3600) if asked else 0,
            "unread_inbox": unread.get(row["id"], 0),
            "days_to_start": (start - now).days if start else None,
            "never_active": int(seen is None),
        }
    return result


async def _overdue_counts(
    candidates: list[dict[str, Any]], ids: list[int] | None, now: datetime
) -> dict[int, int]:
    templates = await ChecklistTemplate.select(
        ChecklistTemplate.id,
        ChecklistTemplate.department,
        ChecklistTemplate.position,
        ChecklistTemplate.days_before_start,
    ).where(ChecklistTemplate.status == "active")
    if not templates:
        return {}
    default_zone = get_settings().default_timezone
    late: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for cohort in await Cohort.select(Cohort.id, Cohort.starts_at, Cohort.timezone):
        zone = ZoneInfo(cohort["timezone"] or default_zone)
        start = cohort["starts_at"].astimezone(zone).date()
        today = now.astimezone(zone).date()
        for template in templates:
            if start - timedelta(days=template["days_before_start"]) < today:
                late[cohort["id"]].append(template)
    if not late:
        return {}
    handed: dict[int, set[int]] = defaultdict(set)
    for row in await _by_chunks(
        lambda chunk: ChecklistSubmission.select(
            ChecklistSubmission.candidate, ChecklistSubmission.template
        ).where(
            where(
                ChecklistSubmission.candidate,
                chunk,
                ChecklistSubmission.status.is_in(["submitted", "approved"]),
            )
        ),
        ids,
    ):
        handed[row["candidate"]].add(row["template"])
    counts: dict[int, int] = {}
    for candidate in candidates:
        count = 0
        for template in late.get(candidate["cohort"], ()):
            if template["position"]:
                matches = template["position"] == candidate["position"]
            elif template["department"]:
                matches = template["department"] == candidate["department"]
            else:
                matches = True
            if matches and template["id"] not in handed[candidate["id"]]:
                count += 1
        if count:
            counts[candidate["id"]] = count
    return counts
