"""The talent pool's periodic work, in every process like the journeys' evaluator: send due
recalls, anonymise expired entries. Both are safe to run in many processes at once (unique
recall rows; anonymising twice changes nothing more).

``ONRAMP_TALENT_TICK_SECONDS=0`` turns it off, and so does turning the journeys off
(``ONRAMP_JOURNEY_EVALUATE_SECONDS=0``, as test servers do): automatic messages stop
together.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from portal.config import get_settings
from portal.domain.talent.anonymise import entries_anonymise_due
from portal.domain.talent.recalls import RecallTick, recalls_send_due

logger = logging.getLogger("onramp.talent")


@dataclass(frozen=True)
class TalentTick:
    recalls: RecallTick
    anonymised: int


async def talent_tick(*, now: datetime | None = None) -> TalentTick:
    now = now or datetime.now(UTC)
    recalls = await recalls_send_due(now=now)
    anonymised = await entries_anonymise_due(now=now)
    return TalentTick(recalls, anonymised)


async def _tick_forever(interval: float) -> None:
    while True:
        try:
            await talent_tick()
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("talent pool tick failed")
        await asyncio.sleep(interval)


_TASK: dict[str, asyncio.Task[None]] = {}


async def talent_start() -> None:
    settings = get_settings()
    interval = settings.talent_tick_seconds
    if interval <= 0 or settings.journey_evaluate_seconds <= 0:
        return
    if "task" not in _TASK or _TASK["task"].done():
        _TASK["task"] = asyncio.create_task(_tick_forever(interval), name="talent")


async def talent_stop() -> None:
    task = _TASK.pop("task", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
