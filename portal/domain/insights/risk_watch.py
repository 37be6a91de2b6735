"""Each process recomputes every active candidate's risk every ``ONRAMP_RISK_RECOMPUTE_MINUTES``
(and applies the activity retention once a day).

Besides, every few seconds it recomputes the candidates whose activity was written since
(:func:`activity_candidates_take`): a candidate who comes back drops in the list at once.
Two processes recomputing at once write the same rows twice at worst: the unique index on
the current assessment makes the later insert fail and the next round settles it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from portal.config import get_settings
from portal.domain.insights.activity import activity_candidates_take
from portal.domain.insights.retention import activity_retention_apply
from portal.domain.insights.risk import risk_recompute

logger = logging.getLogger(__name__)

_TASKS: dict[str, asyncio.Task[None]] = {}
_SOON_SECONDS = 5.0


async def risk_recompute_pending() -> int:
    """Recompute the candidates active since the last call (on relevant events)."""
    ids = activity_candidates_take()
    if not ids:
        return 0
    return (await risk_recompute(candidate_ids=ids)).scored


async def _watch_forever(minutes: float) -> None:
    loop = asyncio.get_running_loop()
    next_full = loop.time() + 60.0  # not at start-up: let the process settle first
    next_retention = loop.time() + 300.0
    while True:
        await asyncio.sleep(_SOON_SECONDS)
        try:
            if loop.time() >= next_retention:
                next_retention = loop.time() + 24 * 3600
                await activity_retention_apply()
            if minutes > 0 and loop.time() >= next_full:
                next_full = loop.time() + minutes * 60
                activity_candidates_take()
                await risk_recompute()
            else:
                await risk_recompute_pending()
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("risk recompute failed; the next round retries")


async def risk_watch_start() -> None:
    if get_settings().activity_flush_seconds <= 0 and get_settings().risk_recompute_minutes <= 0:
        return
    if "task" not in _TASKS or _TASKS["task"].done():
        _TASKS["task"] = asyncio.create_task(
            _watch_forever(get_settings().risk_recompute_minutes), name="risk"
        )


async def risk_watch_stop() -> None:
    task = _TASKS.pop("task", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
