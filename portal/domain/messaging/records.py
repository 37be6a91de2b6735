"""Recording what happened to a claimed message, and HR's retry of a failed one.

Every write is conditional on the row still being this worker's claim (``status =
'sending' AND leased_by = worker``), so a worker whose lease ran out cannot overwrite the
result of the worker that took the row over.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from portal.config import get_settings
from portal.db import write_transaction
from portal.domain.messaging.tables import OutboxMessage


def backoff_delay(attempts: int) -> timedelta:
    """Exponential back-off with jitter: base × 2^(attempts−1), capped, × 0.5–1.0.

    The jitter spreads the retries of many messages (and many workers) that failed
    together, so a recovering server is not hit by all of them in the same second.
    """
    settings = get_settings()
    ceiling = min(
        settings.outbox_backoff_max_seconds,
        settings.outbox_backoff_seconds * 2 ** max(0, attempts - 1),
    )
    return timedelta(seconds=ceiling * random.uniform(0.5, 1.0))


async def outbox_record_sent(
    *, message_id: int, worker: str, provider_message_id: str, now: datetime | None = None
) -> bool:
    """The channel accepted the message. False when the claim was lost meanwhile."""
    now = now or datetime.now(UTC)
    async with write_transaction():
        rows = await OutboxMessage.raw(
            "UPDATE outbox_message SET status = 'sent', sent_at = {}, "
            "provider_message_id = {}, sent_by = {}, lease_until = NULL, leased_by = '', "
            "reason = '' WHERE id = {} AND status = 'sending' AND leased_by = {} RETURNING id",
            now,
            provider_message_id[:200],
            worker,
            message_id,
            worker,
        )
    return bool(rows)


async def outbox_record_failure(
    *,
    message_id: int,
    worker: str,
    error: str,
    attempts: int,
    permanent: bool,
    now: datetime | None = None,
) -> str:
    """A send failed: retry later with back-off, or ``failed`` after the last attempt."""
    now = now or datetime.now(UTC)
    settings = get_settings()
    final = permanent or attempts >= settings.outbox_max_attempts
    status = "failed" if final else "pending"
    next_attempt = now if final else now + backoff_delay(attempts)
    async with write_transaction():
        await OutboxMessage.raw(
            "UPDATE outbox_message SET status = {}, last_error = {}, next_attempt_at = {}, "
            "lease_until = NULL, leased_by = '' "
            "WHERE id = {} AND status = 'sending' AND leased_by = {}",
            status,
            error[:2000],
            next_attempt,
            message_id,
            worker,
        )
    return status


async def outbox_release(*, message_ids: Sequence[int], worker: str) -> None:
    """Hand back claimed messages that were not tried (the attempt is not counted)."""
    if not message_ids:
        return
    marks = ", ".join("{}" for _ in message_ids)
    async with write_transaction():
        await OutboxMessage.raw(
            "UPDATE outbox_message SET status = 'pending', attempts = attempts - 1, "
            "lease_until = NULL, leased_by = '' "
            f"WHERE id IN ({marks}) AND status = 'sending' AND leased_by = {{}}",
            *message_ids,
            worker,
        )


async def outbox_retry(*, message_id: int, now: datetime | None = None) -> bool:
    """HR's "retry" on a failed message: queue it again with fresh attempts.

    A conditional update: a second click (or a second person) finds the message no longer
    ``failed`` and changes nothing; returns False then.
    """
    now = now or datetime.now(UTC)
    async with write_transaction():
        rows = await OutboxMessage.raw(
            "UPDATE outbox_message SET status = 'pending', attempts = 0, next_attempt_at = {}, "
            "due_at = {} WHERE id = {} AND status = 'failed' RETURNING id",
            now,
            now,
            message_id,
        )
    return bool(rows)
