"""A candidate's checklist in one line, for staff pages about them (the SLA tracker)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from portal.domain.checklist.items import candidates_checklists


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
    checklists = await candidates_checklists(candidate_ids, now=now)
    return {
        candidate_id: ChecklistStatus(
            approved=checklist.approved,
            total=checklist.total,
            waiting=checklist.waiting,
            overdue=checklist.overdue,
        )
        for candidate_id, checklist in checklists.items()
    }
