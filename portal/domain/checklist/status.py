"""A candidate's checklist in one line, for staff pages about them (the SLA tracker)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from portal.domain.checklist.items import candidate_checklist
from portal.domain.errors import NotFound


@dataclass(frozen=True, slots=True)
class ChecklistStatus:
    approved: int
    total: int
    waiting: int
    overdue: int


async def checklist_statuses(
    candidate_ids: list[int], *, now: datetime | None = None
) -> dict[int, ChecklistStatus]:
    """Each candidate's checklist counts (a candidate that no longer exists is left out)."""
    now = now or datetime.now(UTC)
    statuses: dict[int, ChecklistStatus] = {}
    for candidate_id in dict.fromkeys(candidate_ids):
        try:
            checklist = await candidate_checklist(candidate_id=candidate_id, now=now)
        except NotFound:
            continue
        statuses[candidate_id] = ChecklistStatus(
            approved=checklist.approved,
            total=checklist.total,
            waiting=checklist.waiting,
            overdue=checklist.overdue,
        )
    return statuses
