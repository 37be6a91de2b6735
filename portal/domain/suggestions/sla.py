"""Suggestions on the SLA watch: a warning before the stored deadline, a breach after, once.

The same rules as room questions (:mod:`portal.domain.sla.watch`, which calls this): the
unique index on ``suggestion_sla_event (suggestion, kind)`` lets one of several concurrent
watchers record each event; a suggestion first seen overdue gets its breach only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from portal.db import PreparedSQL, is_unique_violation, write_transaction
from portal.domain.staff.tables import StaffUser
from portal.domain.suggestions.box import suggestion_scope
from portal.domain.suggestions.tables import Suggestion, SuggestionSlaEvent


async def _record(suggestion_id: int, kind: str, now: datetime) -> bool:
    try:
        async with write_transaction():
            row = (
                await Suggestion.select(Suggestion.status, Suggestion.deadline_at)
                .where(Suggestion.id == suggestion_id)
                .first()
            )
            if row is None or row["status"] != "open":
                return False
            await SuggestionSlaEvent(
                suggestion=suggestion_id, kind=kind, deadline_at=row["deadline_at"], created_at=now
            ).save()
    except Exception as error:
        if is_unique_violation(error):
            return False
        raise
    return True


async def suggestion_sla_check(now: datetime, warning_hours: int) -> int:
    """Record due warnings and breaches of open suggestions; how many this call recorded."""
    horizon = now + timedelta(hours=warning_hours)
    rows = await Suggestion.select(Suggestion.id, Suggestion.deadline_at).where(
        (Suggestion.status == "open") & (Suggestion.deadline_at <= horizon)
    )
    if not rows:
        return 0
    recorded = {
        (row["suggestion"], row["kind"])
        for row in await SuggestionSlaEvent.select(
            SuggestionSlaEvent.suggestion, SuggestionSlaEvent.kind
        ).where(SuggestionSlaEvent.suggestion.is_in([row["id"] for row in rows]))
    }
    count = 0
    for row in rows:
        kind = "breach" if row["deadline_at"] <= now else "warning"
        if kind == "warning" and warning_hours <= 0:
            continue
        if (row["id"], kind) not in recorded:
            count += await _record(row["id"], kind, now)
    return count


@dataclass(frozen=True)
class SuggestionSummary:
    open: int
    overdue: int
    next_deadline: datetime | None


_OPEN_DEADLINES = PreparedSQL("SELECT deadline_at FROM suggestion WHERE status = 'open'")


async def suggestion_summary(staff: StaffUser, now: datetime) -> SuggestionSummary:
    """For the SLA tracker: open suggestions in the staff member's scope."""
    scope = suggestion_scope(staff)
    if scope is None:  # HR and admins, the tracker's usual readers: a statement built once
        rows = await _OPEN_DEADLINES.rows()
    else:
        rows = await Suggestion.select(Suggestion.deadline_at).where(
            (Suggestion.status == "open") & scope
        )
    return summary_of_deadlines([row["deadline_at"] for row in rows], now)


def summary_of_deadlines(deadlines: list[datetime], now: datetime) -> SuggestionSummary:
    """The summary of the open suggestions with these deadlines (in any order)."""
    return SuggestionSummary(
        open=len(deadlines),
        overdue=sum(1 for deadline in deadlines if deadline <= now),
        next_deadline=min(deadlines) if deadlines else None,
    )
