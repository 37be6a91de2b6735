"""Evaluating the journeys: every scheduled step, for every candidate it reaches.

Idempotent by construction: what a step did is a ``journey_send`` row, unique per
(step, candidate, occurrence), and messages are queued only by the evaluation that
inserted that row (:mod:`portal.domain.journeys.delivery`). Running it twice, in two
workers at once, or after a crash, queues each message once. A step whose moment passed
more than ``ONRAMP_JOURNEY_GRACE_HOURS`` ago for a candidate (a late joiner, a step
switched on today, an evaluator that was down) is recorded as skipped ("late") instead
of sent: nobody gets a burst of every past step.

Each process runs it every ``ONRAMP_JOURNEY_EVALUATE_SECONDS`` (``journeys_start``).
Reads happen outside transactions; writes go in batches of :data:`BATCH` candidates, so
SQLite's write lock is never held for long.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta

from portal.config import get_settings
from portal.db import write_transaction
from portal.domain.journeys.delivery import Delivered, step_deliver
from portal.domain.journeys.digest import digest_parts, digest_text
from portal.domain.journeys.recipients import audience_recipients
from portal.domain.journeys.specs import StepSpec, live_steps
from portal.domain.journeys.tables import SCHEDULED_TRIGGERS, JourneySend
from portal.domain.journeys.triggers import Due, due_items, needs_cohort

logger = logging.getLogger("onramp.journeys")

BATCH = 100
_CHUNK = 500


async def _recorded(step_id: int, due: list[Due]) -> set[tuple[int, str]]:
    occurrences = sorted({item.occurrence for item in due})
    found: set[tuple[int, str]] = set()
    for start in range(0, len(occurrences), _CHUNK):
        rows = await JourneySend.select(JourneySend.candidate, JourneySend.occurrence).where(
            (JourneySend.step == step_id)
            & JourneySend.occurrence.is_in(occurrences[start : start + _CHUNK])
        )
        found.update((row["candidate"], row["occurrence"]) for row in rows)
    return found


async def _weekly_values(step: StepSpec, batch: list[Due], now: datetime):  # noqa: ANN202
    """Per candidate and channel the ``{digest}`` text, and the held-back rows it folds."""
    ids = [item.recipient.id for item in batch]
    since = dict.fromkeys(ids, now - timedelta(days=7))
    rows = await JourneySend.select(JourneySend.candidate, JourneySend.created_at).where(
        (JourneySend.step == step.id)
        & (JourneySend.status == "queued")
        & JourneySend.candidate.is_in(ids)
    )
    for row in rows:
        since[row["candidate"]] = max(since[row["candidate"]], row["created_at"])
    parts = await digest_parts([item.recipient for item in batch], since=since)
    values: dict[int, dict[str, dict[str, str]]] = {}
    folds: dict[tuple[int, str], list[int]] = {}
    for item in batch:
        recipient = item.recipient
        values[recipient.id] = {
            channel: {
                "digest": digest_text(parts[recipient.id], channel=channel, locale=recipient.locale)
            }
            for channel in step.channels
        }
        for channel, held in parts[recipient.id].held.items():
            if channel in step.channels:
                folds[(recipient.id, channel)] = [row["id"] for row in held]
    return values, folds


async def step_evaluate(step: StepSpec, *, now: datetime, grace: timedelta) -> Delivered:
    done = Delivered()
    recipients = await audience_recipients(step.audience, needs_cohort=needs_cohort(step))
    if not recipients:
        return done
    due = await due_items(step, recipients, now)
    if not due:
        return done
    recorded = await _recorded(step.id, due)
    todo = [item for item in due if (item.recipient.id, item.occurrence) not in recorded]
    for start in range(0, len(todo), BATCH):
        batch = todo[start : start + BATCH]
        values, folds = {}, {}
        async with write_transaction():
            if step.trigger == "weekly":
                # Read where they are folded: held-back messages the outbox's own digest
                # folds meanwhile (any worker) are not listed a second time.
                values, folds = await _weekly_values(step, batch, now)
            done.add(
                await step_deliver(
                    step, batch, now=now, grace=grace, channel_values=values, folds=folds
                )
            )
    return done


async def journeys_evaluate(*, now: datetime | None = None) -> Delivered:
    """Evaluate every enabled scheduled step once; returns what it queued and skipped."""
    now = now or datetime.now(UTC)
    grace = timedelta(hours=get_settings().journey_grace_hours)
    total = Delivered()
    for step in await live_steps(triggers=SCHEDULED_TRIGGERS):
        try:
            total.add(await step_evaluate(step, now=now, grace=grace))
        except asyncio.CancelledError:
            raise
        except Exception:
            # One broken step (say, its stage was deleted) must not stop the others.
            logger.exception("journey step %s could not be evaluated", step.id)
    return total


async def _evaluate_forever(interval: float) -> None:
    while True:
        try:
            await journeys_evaluate()
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("journey evaluation failed")
        await asyncio.sleep(interval)


_TASK: dict[str, asyncio.Task[None]] = {}


async def journeys_start() -> None:
    """On start-up: the default journey (once per database), then this process's evaluator.

    ``ONRAMP_JOURNEY_EVALUATE_SECONDS=0`` leaves both off.
    """
    from portal.domain.journeys.defaults import default_journey_ensure

    interval = get_settings().journey_evaluate_seconds
    if interval <= 0:
        # Journeys are off in this process (test servers): leave the data alone too.
        return
    try:
        await default_journey_ensure()
    except Exception:
        logger.exception("the default journey could not be created")
    if "task" not in _TASK or _TASK["task"].done():
        _TASK["task"] = asyncio.create_task(_evaluate_forever(interval), name="journeys")


async def journeys_stop() -> None:
    task = _TASK.pop("task", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
