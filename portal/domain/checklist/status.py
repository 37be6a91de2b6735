"""A candidate's checklist in one line, for staff pages about them (the SLA tracker)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime

from portal.db import PreparedSQL
from portal.domain.checklist.items import TEMPLATES_OF_CANDIDATE_JOIN, deadline_of


@dataclass(frozen=True, slots=True)
class ChecklistStatus:
    approved: int
    total: int
    waiting: int
    overdue: int


# Counted by the database, not built item by item: the tracker shows one line per card,
# and reading every file of every asker's checklist to count them cost more than the rest
# of its reads. One row per (candidate, days before the start): the items sharing a
# deadline, with how many are approved, waiting for review, or still to do. A draft is to
# do whether or not it has files (Checklist.open counts both), so files are not read.
_COUNTS_SQL = (
    "SELECT c.id AS candidate_id, co.starts_at AS cohort_starts_at, "
    "co.timezone AS cohort_timezone, t.days_before_start AS days_before_start, "
    "COUNT(t.id) AS total, "
    "COALESCE(SUM(CASE WHEN s.status = 'approved' THEN 1 ELSE 0 END), 0) AS approved, "
    "COALESCE(SUM(CASE WHEN s.status = 'submitted' THEN 1 ELSE 0 END), 0) AS waiting, "
    "COALESCE(SUM(CASE WHEN t.id IS NOT NULL AND (s.id IS NULL "
    "OR s.status IN ('todo', 'draft', 'rejected')) THEN 1 ELSE 0 END), 0) AS to_do "
    "FROM candidate c "
    "LEFT JOIN cohort co ON co.id = c.cohort "
    f"{TEMPLATES_OF_CANDIDATE_JOIN}"
    "LEFT JOIN checklist_submission s ON s.candidate = c.id AND s.template = t.id "
    "WHERE c.id IN ({ids}) "
    "GROUP BY c.id, co.starts_at, co.timezone, t.days_before_start"
)


@functools.lru_cache(maxsize=64)
def _counts_read(count: int) -> PreparedSQL:
    return PreparedSQL(_COUNTS_SQL.replace("{ids}", ", ".join("{}" for _ in range(count))))


async def checklist_statuses(
    candidate_ids: list[int], *, now: datetime | None = None
) -> dict[int, ChecklistStatus]:
    """Each candidate's checklist counts (a candidate that no longer exists is left out);
    the same figures as ``Checklist.approved``, ``.total``, ``.waiting`` and ``.overdue``."""
    now = now or datetime.now(UTC)
    ids = list(dict.fromkeys(candidate_ids))
    if not ids:
        return {}
    counts: dict[int, list[int]] = {}
    # Days from today to each cohort's first day, in its zone: an item due d days before
    # the start is overdue when d is more than that (deadline_of's rule, made once per
    # cohort rather than once per row).
    days_to_start: dict[tuple[datetime, str | None], int] = {}
    for row in await _counts_read(len(ids)).rows(*ids):
        approved, total, waiting, overdue = counts.setdefault(row["candidate_id"], [0, 0, 0, 0])
        if row["to_do"] and row["cohort_starts_at"] is not None:
            cohort = (row["cohort_starts_at"], row["cohort_timezone"])
            if cohort not in days_to_start:
                days_to_start[cohort] = deadline_of(0, *cohort, now=now).days_left
            if row["days_before_start"] > days_to_start[cohort]:
                overdue += row["to_do"]
        counts[row["candidate_id"]] = [
            approved + row["approved"],
            total + row["total"],
            waiting + row["waiting"],
            overdue,
        ]
    return {candidate_id: ChecklistStatus(*figures) for candidate_id, figures in counts.items()}
