"""Putting messages in the outbox: the only way anything leaves the system.

Call :func:`message_enqueue` (one) or :func:`messages_enqueue` (many, one INSERT) INSIDE the
``write_transaction()`` that records the cause, so the message exists exactly when its
cause does. Outside a transaction they open their own.

The dedupe key is a unique index: enqueueing a key that exists already inserts nothing
and returns the existing row (``created=False``), whoever inserted it — two workers
evaluating the same journey step at the same moment get one message. Invalid input raises
:class:`ValidationFailed` naming each bad field (``messages[3].recipient`` in a batch) and
saves nothing, not even the valid messages of the batch.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from piccolo.engine.sqlite import SQLiteEngine

from portal.db import after_commit, current_engine, write_transaction
from portal.domain.candidates.tables import Candidate
from portal.domain.errors import ValidationFailed
from portal.domain.messaging.checks import (
    CandidateContact,
    OutboundMessage,
    _Invalid,
    outbound_message_check,
)
from portal.domain.messaging.tables import CohortBot, OutboxMessage
from portal.domain.messaging.wakeup import NOTIFY_CHANNEL, outbox_wake
from portal.domain.talent.consent import contact_refusals
from portal.domain.validation import row_id_from

__all__ = ["Enqueued", "OutboundMessage", "message_enqueue", "messages_enqueue"]

# Rows per INSERT statement: 17 values a row stays under both databases' parameter limits.
_CHUNK = 1000


@dataclass(frozen=True)
class Enqueued:
    id: int
    dedupe_key: str
    status: str
    # False when the key existed already: nothing was inserted.
    created: bool


@contextlib.asynccontextmanager
async def _in_transaction() -> AsyncIterator[None]:
    """Join the caller's transaction; open a write transaction when there is none."""
    if current_engine().current_transaction.get() is not None:
        yield
    else:
        async with write_transaction():
            yield


async def _contacts(ids: set[int]) -> dict[int, CandidateContact]:
    if not ids:
        return {}
    rows = await Candidate.select(Candidate.id, Candidate.email, Candidate.phone).where(
        Candidate.id.is_in(sorted(ids))
    )
    return {row["id"]: CandidateContact(row["id"], row["email"], row["phone"]) for row in rows}


async def _cohort_bots(messages: Sequence[OutboundMessage]) -> dict[int, tuple[str, str]]:
    ids = sorted(
        {
            cohort_id
            for m in messages
            if m.channel == "bot"
            and isinstance(m.recipient, str)
            and m.recipient.startswith("cohort:")
            and (cohort_id := row_id_from(m.recipient[7:]))
        }
    )
    if not ids:
        return {}
    rows = await CohortBot.select(CohortBot.cohort, CohortBot.kind, CohortBot.url).where(
        CohortBot.cohort.is_in(ids)
    )
    return {row["cohort"]: (row["kind"], row["url"]) for row in rows}


def _plausible_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31


async def messages_enqueue(
    *, messages: Sequence[OutboundMessage], now: datetime | None = None
) -> list[Enqueued]:
    """Queue many messages in one INSERT; returns one :class:`Enqueued` per message, in order.

    All or nothing: one invalid message rejects the batch. A key repeated inside the batch
    is queued once (the later copies report the first).
    """
    now = now or datetime.now(UTC)
    if not messages:
        return []
    async with _in_transaction():
        contacts = await _contacts(
            {m.candidate_id for m in messages if _plausible_id(m.candidate_id)}  # type: ignore[misc]
        )
        bots = await _cohort_bots(messages)
        # Stopped, consent expired, anonymised: no message is created for them, whoever asks.
        refused = await contact_refusals(contacts, now=now)
        rows: list[dict[str, Any]] = []
        errors: dict[str, str] = {}
        seen: set[str] = set()
        for index, message in enumerate(messages):
            candidate = (
                contacts.get(message.candidate_id)  # type: ignore[arg-type]
                if _plausible_id(message.candidate_id)
                else None
            )
            prefix = "" if len(messages) == 1 else f"messages[{index}]."
            if candidate is not None and candidate.id in refused:
                errors[f"{prefix}candidate"] = refused[candidate.id]
                continue
            try:
                values = outbound_message_check(message, candidate=candidate, bots=bots, now=now)
            except _Invalid as invalid:
                errors.update({f"{prefix}{k}": v for k, v in invalid.errors.items()})
                continue
            if values["dedupe_key"] not in seen:
                seen.add(values["dedupe_key"])
                rows.append(values)
        if errors:
            raise ValidationFailed(errors)
        inserted: dict[str, tuple[int, str]] = {}
        for start in range(0, len(rows), _CHUNK):
            chunk = rows[start : start + _CHUNK]
            query = (
                OutboxMessage.insert(*(OutboxMessage(**values) for values in chunk))
                .on_conflict(target=OutboxMessage.dedupe_key, action="DO NOTHING")
                .returning(OutboxMessage.id, OutboxMessage.dedupe_key, OutboxMessage.status)
            )
            for row in await query:
                inserted[row["dedupe_key"]] = (row["id"], row["status"])
        if any(status == "pending" for _id, status in inserted.values()):
            # Relays wake when this commits (docs/outbox.md, "The relay").
            if not isinstance(current_engine(), SQLiteEngine):
                await OutboxMessage.raw(f"NOTIFY {NOTIFY_CHANNEL}")
            await after_commit(outbox_wake)
        existing: dict[str, tuple[int, str]] = {}
        missing = [key for key in seen if key not in inserted]
        for start in range(0, len(missing), _CHUNK):
            found = await OutboxMessage.select(
                OutboxMessage.id, OutboxMessage.dedupe_key, OutboxMessage.status
            ).where(OutboxMessage.dedupe_key.is_in(missing[start : start + _CHUNK]))
            for row in found:
                existing[row["dedupe_key"]] = (row["id"], row["status"])
    result = []
    for message in messages:
        key = message.dedupe_key
        if key in inserted:
            row_id, status = inserted.pop(key)
            result.append(Enqueued(row_id, key, status, created=True))
            existing[key] = (row_id, status)
        else:
            row_id, status = existing[key]
            result.append(Enqueued(row_id, key, status, created=False))
    return result


async def message_enqueue(*, message: OutboundMessage, now: datetime | None = None) -> Enqueued:
    """Queue one message (see the module's docstring)."""
    return (await messages_enqueue(messages=[message], now=now))[0]
