"""Watching open questions: a warning when one nears its deadline, a breach when it passes.

Every worker of the app runs :func:`sla_check` about every 30 seconds. Each warning and each
breach is recorded exactly once per question, however many workers check at the same
moment: the unique index on ``sla_event (question, kind)`` lets one insert win, the others
catch the unique violation and move on. Only the winner notifies (the webhook), and only
after its row is committed, so a notification never announces an event that was rolled back.

The warning window is wall-clock time before the stored deadline (the policy's warning
hours). A question the watcher first sees already overdue gets its breach only, not a late
warning.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta

from portal.config import get_settings
from portal.db import is_unique_violation, write_transaction
from portal.domain.rooms.tables import RoomQuestion
from portal.domain.sla.events import RecordedEvent
from portal.domain.sla.policy import sla_policy_get
from portal.domain.sla.tables import SlaEvent
from portal.domain.sla.webhook import sla_webhook_send
from portal.domain.suggestions.sla import suggestion_sla_check

logger = logging.getLogger("onramp.sla")


def check_interval_seconds() -> float:
    """Seconds between two checks in each process (``ONRAMP_SLA_CHECK_SECONDS``; 0: off)."""
    return float(get_settings().sla_check_seconds)


async def _record(question_id: int, kind: str, now: datetime) -> RecordedEvent | None:
    """Insert the event if the question is still open; None when another worker won."""
    try:
        async with write_transaction():
            question = (
                await RoomQuestion.select(RoomQuestion.status, RoomQuestion.deadline_at)
                .where(RoomQuestion.id == question_id)
                .first()
            )
            if question is None or question["status"] != "open":
                return None
            event = SlaEvent(
                question=question_id,
                kind=kind,
                deadline_at=question["deadline_at"],
                created_at=now,
            )
            await event.save()
    except Exception as error:
        if is_unique_violation(error):
            return None
        raise
    return RecordedEvent(
        id=event.id,
        question_id=question_id,
        kind=kind,
        deadline_at=question["deadline_at"],
        created_at=now,
    )


async def _due_events(now: datetime, warning_hours: int) -> list[tuple[int, str]]:
    """(question id, kind) for every open question that needs an event not yet recorded."""
    horizon = now + timedelta(hours=warning_hours)
    rows = await RoomQuestion.select(RoomQuestion.id, RoomQuestion.deadline_at).where(
        (RoomQuestion.status == "open") & (RoomQuestion.deadline_at <= horizon)
    )
    if not rows:
        return []
    ids = [row["id"] for row in rows]
    recorded = {
        (row["question"], row["kind"])
        for row in await SlaEvent.select(SlaEvent.question, SlaEvent.kind).where(
            SlaEvent.question.is_in(ids)
        )
    }
    due = []
    for row in rows:
        kind = "breach" if row["deadline_at"] <= now else "warning"
        if kind == "warning" and warning_hours <= 0:
            continue
        if (row["id"], kind) not in recorded:
            due.append((row["id"], kind))
    return due


async def sla_check(now: datetime | None = None) -> list[RecordedEvent]:
    """Record due warnings and breaches; notify those this call recorded. Returns them."""
    now = now or datetime.now(UTC)
    policy = await sla_policy_get()
    recorded = []
    for question_id, kind in await _due_events(now, policy.warning_hours):
        event = await _record(question_id, kind, now)
        if event is not None:
            recorded.append(event)
    await suggestion_sla_check(now, policy.warning_hours)  # the suggestion box's, the same way
    if recorded and policy.webhook_url:
        await sla_webhook_send(policy.webhook_url, recorded)
    return recorded


async def _watch_forever(interval: float) -> None:
    while True:
        try:
            await sla_check()
        except asyncio.CancelledError:
            raise
        except Exception:
            # A database hiccup must not stop the watch; the next round catches up.
            logger.exception("SLA check failed")
        await asyncio.sleep(interval)


_WATCH: dict[str, asyncio.Task[None]] = {}


async def sla_watch_start() -> None:
    """Start the per-process watch loop (the app's on_startup; takes no arguments).

    ``ONRAMP_SLA_CHECK_SECONDS=0`` leaves it off (e.g. a server sharing a test database).
    """
    interval = check_interval_seconds()
    if interval <= 0:
        return
    if "task" not in _WATCH or _WATCH["task"].done():
        _WATCH["task"] = asyncio.create_task(_watch_forever(interval), name="sla-watch")


async def sla_watch_stop() -> None:
    """Stop the loop (the app's on_shutdown)."""
    task = _WATCH.pop("task", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
