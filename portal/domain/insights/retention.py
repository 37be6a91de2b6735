"""Retention: activity older than ``ONRAMP_ACTIVITY_RETENTION_DAYS`` is summed, then deleted.

One UTC day at a time, in one write transaction per day: the day's events are summed per
cohort, department, kind, area and subject into ``activity_daily`` (events, distinct
candidates; no candidate id is kept) and deleted. Run by ``onramp insights retention``
and once a day by each process's risk watcher; running twice, or in two processes at once,
changes nothing more.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from portal.config import get_settings
from portal.db import transaction_lock, write_transaction
from portal.domain.candidates.tables import Candidate
from portal.domain.insights.tables import ActivityDaily, ActivityEvent

_CHUNK = 900


@dataclass(frozen=True)
class RetentionResult:
    days: int
    deleted: int


async def activity_retention_apply(*, now: datetime | None = None) -> RetentionResult:
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(days=get_settings().activity_retention_days)
    days = deleted = 0
    while True:
        oldest = (
            await ActivityEvent.select(ActivityEvent.occurred_at)
            .where(ActivityEvent.occurred_at < cutoff)
            .order_by(ActivityEvent.occurred_at)
            .first()
        )
        if oldest is None:
            break
        day = oldest["occurred_at"].astimezone(UTC).date()
        day_start = datetime.combine(day, time(), tzinfo=UTC)
        day_end = min(day_start + timedelta(days=1), cutoff)
        deleted += await _sum_and_delete(day_start, day_end)
        days += 1
    return RetentionResult(days=days, deleted=deleted)


# Every process's risk watcher runs the retention, and workers start together. SQLite's
# IMMEDIATE write transaction lets one at a time in; on PostgreSQL two would read the same
# day's events, and the second's summary rows failed on the unique day key (or, without it,
# counted the day twice). This lock makes the second wait and find the day done.
_RETENTION_LOCK = 0x72657461  # "reta"


async def _sum_and_delete(start: datetime, end: datetime) -> int:
    window = (ActivityEvent.occurred_at >= start) & (ActivityEvent.occurred_at < end)
    async with write_transaction():
        await transaction_lock(_RETENTION_LOCK)
        rows = await ActivityEvent.select(
            ActivityEvent.candidate, ActivityEvent.kind, ActivityEvent.area, ActivityEvent.subject
        ).where(window)
        ids = sorted({row["candidate"] for row in rows})
        placed: dict[int, tuple[int, int]] = {}
        for first in range(0, len(ids), _CHUNK):
            for candidate in await Candidate.select(
                Candidate.id, Candidate.cohort, Candidate.department
            ).where(Candidate.id.is_in(ids[first : first + _CHUNK])):
                placed[candidate["id"]] = (candidate["cohort"] or 0, candidate["department"] or 0)
        events: dict[tuple, int] = defaultdict(int)
        people: dict[tuple, set[int]] = defaultdict(set)
        for row in rows:
            cohort, department = placed.get(row["candidate"], (0, 0))
            key = (cohort, department, row["kind"], row["area"], row["subject"])
            events[key] += 1
            people[key].add(row["candidate"])
        day = start.date()
        existing = {
            (r["cohort"], r["department"], r["kind"], r["area"], r["subject"]): r
            for r in await ActivityDaily.select().where(ActivityDaily.day == day)
        }
        new_rows = []
        for key, count in events.items():
            if key in existing:
                row = existing[key]
                await ActivityDaily.update(
                    {
                        ActivityDaily.events: row["events"] + count,
                        ActivityDaily.candidates: max(row["candidates"], len(people[key])),
                    }
                ).where(ActivityDaily.id == row["id"])
                continue
            cohort, department, kind, area, subject = key
            new_rows.append(
                ActivityDaily(
                    day=day,
                    cohort=cohort,
                    department=department,
                    kind=kind,
                    area=area,
                    subject=subject,
                    events=count,
                    candidates=len(people[key]),
                )
            )
        for first in range(0, len(new_rows), _CHUNK):
            await ActivityDaily.insert(*new_rows[first : first + _CHUNK]).run()
        await ActivityEvent.delete().where(window)
    return len(rows)
