"""The points ledger: every change of points is one appended row; a balance is their SUM.

Rows are never updated or deleted. ``(candidate, source_key)`` is unique, so an award,
a charge or a refund caused by one thing is written at most once however often it is tried.
"""

from __future__ import annotations

from piccolo.query.functions.aggregate import Sum
from piccolo.query.mixins import OnConflictAction

from portal.db import rows_hold
from portal.domain.learning.tables import PointEntry

# A pass at the 1st / 2nd / 3rd / later attempt earns these points × the course weight.
POINTS_BY_ATTEMPT = (10, 7, 5, 2)


def points_for_attempt(*, attempt_number: int, weight: int) -> int:
    index = min(max(attempt_number, 1), len(POINTS_BY_ATTEMPT)) - 1
    return POINTS_BY_ATTEMPT[index] * weight


def course_source_key(course_id: int) -> str:
    return f"course:{course_id}"


async def point_entry_append(
    *, candidate_id: int, amount: int, reason: str, source_key: str
) -> bool:
    """Append an entry unless one with this source already exists; True when written.

    ON CONFLICT DO NOTHING rather than catching the unique violation: on PostgreSQL a
    failed statement would abort the surrounding transaction.
    """
    rows = (
        await PointEntry.insert(
            PointEntry(
                candidate=candidate_id, amount=amount, reason=reason[:200], source_key=source_key
            )
        )
        .on_conflict(
            target=(PointEntry.candidate, PointEntry.source_key),
            action=OnConflictAction.do_nothing,
        )
        .returning(PointEntry.id)
    )
    return bool(rows)


async def points_balance(*, candidate_id: int) -> int:
    row = (
        await PointEntry.select(Sum(PointEntry.amount).as_alias("balance"))
        .where(PointEntry.candidate == candidate_id)
        .first()
    )
    return int(row["balance"] or 0) if row else 0


async def points_history(*, candidate_id: int, limit: int = 20) -> list[PointEntry]:
    return (
        await PointEntry.objects()
        .where(PointEntry.candidate == candidate_id)
        .order_by(PointEntry.id, ascending=False)
        .limit(limit)
    )


async def candidate_points_lock(*, candidate_id: int) -> None:
    """Serialise point changes of one candidate inside the current write transaction.

    SQLite's IMMEDIATE transactions already serialise every writer; on PostgreSQL the
    candidate's row lock makes a second redemption wait until the first commits, so it
    reads the balance the first one left. ``FOR NO KEY UPDATE``, not ``FOR UPDATE``: rows
    that merely reference the candidate (a refund's ledger entry, inserted while HR cancels
    a redemption of the same reward) need not wait for it; with ``FOR UPDATE`` such a
    cancel and a redemption could wait for each other (a deadlock, one of them a 500).
    """
    await rows_hold("candidate", [candidate_id])
