"""The activity record: events buffered in each process, written in batches off the request path.

:func:`activity_record` only appends to a list in memory (no query, no await), so a page
that records a view costs nothing more. A task started with the app
(:func:`activity_writer_start`) writes the buffer every ``ONRAMP_ACTIVITY_FLUSH_SECONDS``
(default 5 s) or as soon as ``ONRAMP_ACTIVITY_FLUSH_EVENTS`` (default 500) are waiting, and
once more on shutdown.

**Crash-loss bound.** A process that dies without shutting down (killed, power lost)
loses the events it buffered since its last write: at most the last
``ONRAMP_ACTIVITY_FLUSH_SECONDS`` seconds of activity, and never more than
``ONRAMP_ACTIVITY_FLUSH_EVENTS`` events plus those recorded while one write runs. A write
that fails (database down) keeps its events for the next round, up to ``MAX_BUFFERED``
events per process; beyond that the oldest are dropped and counted in the log.

Each write also keeps ``candidate_activity`` (last visit, sign-ins, lessons opened) and marks
interventions that were followed by activity within 72 hours.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from piccolo.engine.sqlite import SQLiteEngine

from portal.config import get_settings
from portal.db import current_engine, write_transaction
from portal.domain.insights.tables import (
    ActivityEvent,
    CandidateActivity,
    RiskIntervention,
)

logger = logging.getLogger(__name__)

MAX_BUFFERED = 100_000
FOLLOW_UP_WINDOW = timedelta(hours=72)
_CHUNK = 500


class Activity(NamedTuple):
    candidate: int
    kind: str
    area: str
    subject: int
    occurred_at: datetime


_BUFFER: list[Activity] = []
# Candidates whose activity was written since the risk watcher last looked.
_RECENT: set[int] = set()
_STATE: dict[str, object] = {"dropped": 0}
_WAKE = asyncio.Event()


def activity_record(
    candidate_id: int,
    kind: str,
    *,
    area: str = "",
    subject_id: int | None = None,
    now: datetime | None = None,
) -> None:
    """Note that ``candidate_id`` did ``kind``; written within seconds, never on this request."""
    _BUFFER.append(
        Activity(int(candidate_id), kind, area, int(subject_id or 0), now or datetime.now(UTC))
    )
    if len(_BUFFER) > MAX_BUFFERED:
        del _BUFFER[: len(_BUFFER) - MAX_BUFFERED]
        _STATE["dropped"] = int(_STATE["dropped"]) + 1  # type: ignore[call-overload]
    if len(_BUFFER) >= get_settings().activity_flush_events:
        _WAKE.set()


def activity_buffered() -> int:
    return len(_BUFFER)


def activity_buffer_clear() -> None:
    """Forget what is buffered (tests: requests of earlier tests)."""
    _BUFFER.clear()


async def activity_flush() -> int:
    """Write everything buffered now; returns how many events were written."""
    if not _BUFFER:
        return 0
    batch = _BUFFER[:]
    del _BUFFER[: len(batch)]
    try:
        await activity_write(batch)
    except Exception:
        # Keep them for the next round (oldest first), within the buffer's bound.
        _BUFFER[:0] = batch[-MAX_BUFFERED:]
        raise
    return len(batch)


async def activity_write(batch: Sequence[Activity]) -> None:
    """Insert ``batch`` and update the per-candidate summary, in one write transaction."""
    if not batch:
        return
    per_candidate: dict[int, list[Activity]] = {}
    for event in batch:
        per_candidate.setdefault(event.candidate, []).append(event)
    async with write_transaction():
        for start in range(0, len(batch), _CHUNK):
            chunk = batch[start : start + _CHUNK]
            await ActivityEvent.raw(
                _events_insert_sql(len(chunk)),
                *(
                    value
                    for event in chunk
                    for value in (
                        event.candidate,
                        event.kind,
                        event.area,
                        event.subject,
                        event.occurred_at,
                    )
                ),
            )
        await _summaries_update(per_candidate)
        await _interventions_followed(per_candidate)
    _RECENT.update(per_candidate)


@functools.cache
def _events_insert_sql(rows: int) -> str:
    # Written as SQL once per size: under load the buffer fills every second or so, and
    # building 500 Table objects and Piccolo's insert from them cost the pages' loop ~5 %.
    row = "({}, {}, {}, {}, {})"
    return (
        "INSERT INTO activity_event (candidate, kind, area, subject, occurred_at) VALUES "
        + ", ".join([row] * rows)
    )


def activity_candidates_take() -> set[int]:
    """Candidates active since the last call (their risk is recomputed soon after)."""
    taken = set(_RECENT)
    _RECENT.difference_update(taken)
    return taken


async def _summaries_update(per_candidate: dict[int, list[Activity]]) -> None:
    """Add the batch to each candidate's summary: one upsert per chunk of candidates.

    An upsert, not a read and then an insert or an update: every worker writes its own
    buffer, and two that both saw a candidate's first events both inserted a summary row (the
    second failed on the unique candidate, and its whole batch waited for the next round).
    """
    rows = [
        (
            candidate_id,
            min(event.occurred_at for event in events),
            max(event.occurred_at for event in events),
            len(events),
            sum(event.kind == "sign_in" for event in events),
            sum(event.kind == "lesson_opened" for event in events),
        )
        for candidate_id, events in sorted(per_candidate.items())
    ]
    sqlite = isinstance(current_engine(), SQLiteEngine)
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        await CandidateActivity.raw(
            _summaries_upsert_sql(len(chunk), sqlite=sqlite),
            *(value for row in chunk for value in row),
        )


@functools.cache
def _summaries_upsert_sql(rows: int, *, sqlite: bool) -> str:
    # SQLite's two-argument min() and max() are PostgreSQL's LEAST and GREATEST; time stamps
    # are stored in UTC in one format there, so comparing them as text orders them in time.
    least, greatest = ("min", "max") if sqlite else ("LEAST", "GREATEST")
    row = "({}, {}, {}, {}, {}, {})"
    return (
        "INSERT INTO candidate_activity "
        "(candidate, first_active_at, last_active_at, events, sign_ins, lessons_opened) VALUES "
        + ", ".join([row] * rows)
        + " ON CONFLICT (candidate) DO UPDATE SET "
        f"first_active_at = {least}(candidate_activity.first_active_at, "
        "excluded.first_active_at), "
        f"last_active_at = {greatest}(candidate_activity.last_active_at, "
        "excluded.last_active_at), "
        "events = candidate_activity.events + excluded.events, "
        "sign_ins = candidate_activity.sign_ins + excluded.sign_ins, "
        "lessons_opened = candidate_activity.lessons_opened + excluded.lessons_opened"
    )


async def _interventions_followed(per_candidate: dict[int, list[Activity]]) -> None:
    """An intervention is "followed" by the candidate's first activity within 72 hours."""
    ids = sorted(per_candidate)
    oldest = min(event.occurred_at for events in per_candidate.values() for event in events)
    open_rows = await RiskIntervention.select(
        RiskIntervention.id, RiskIntervention.candidate, RiskIntervention.created_at
    ).where(
        RiskIntervention.candidate.is_in(ids),
        RiskIntervention.followed_at.is_null(),
        RiskIntervention.created_at >= oldest - FOLLOW_UP_WINDOW,
    )
    for row in open_rows:
        created = row["created_at"]
        after = [
            event.occurred_at
            for event in per_candidate[row["candidate"]]
            if created <= event.occurred_at <= created + FOLLOW_UP_WINDOW
        ]
        if after:
            await RiskIntervention.update({RiskIntervention.followed_at: min(after)}).where(
                RiskIntervention.id == row["id"]
            )


async def _writer_forever(interval: float) -> None:
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(_WAKE.wait(), timeout=interval)
        _WAKE.clear()
        try:
            await activity_flush()
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception(
                "activity write failed; %s events kept for the next round", len(_BUFFER)
            )


_WRITER: dict[str, asyncio.Task[None]] = {}


async def activity_writer_start() -> None:
    """Start this process's writer (the app's on_startup); ``..._SECONDS=0`` leaves it off."""
    interval = get_settings().activity_flush_seconds
    if interval <= 0:
        return
    global _WAKE
    _WAKE = asyncio.Event()  # bound to this loop
    if "task" not in _WRITER or _WRITER["task"].done():
        _WRITER["task"] = asyncio.create_task(_writer_forever(interval), name="activity")


async def activity_writer_stop() -> None:
    """Stop the writer and write what is left (the app's on_shutdown, before the database)."""
    task = _WRITER.pop("task", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    try:
        await activity_flush()
    except Exception:
        logger.exception("activity write at shutdown failed; %s events lost", len(_BUFFER))
