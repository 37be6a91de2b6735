"""Claiming due messages with a lease, and applying the attention policy while claiming.

PostgreSQL: ``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED)``: workers on any
number of hosts take disjoint rows without waiting for each other. SQLite: the same
statement inside an IMMEDIATE transaction, which holds the only write lock. A claim sets
``status='sending'``, counts an attempt and leases the row until ``lease_until``; a worker
that dies leaves the lease to expire, and then the row is claimed again.

The policy (:mod:`portal.domain.messaging.policy`) is decided in the same transaction, so
two workers cannot both see room under a candidate's cap: on PostgreSQL each candidate's
check takes a transaction-scoped advisory lock first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from piccolo.engine.sqlite import SQLiteEngine

from portal.config import get_settings
from portal.db import current_engine, write_transaction
from portal.domain.messaging.channels.sms import preference_category
from portal.domain.messaging.policy import cap_window_start, quiet_hours
from portal.domain.messaging.tables import PUSH_CHANNELS, MessagePreference, OutboxMessage
from portal.domain.talent.consent import contact_refusals

# Advisory-lock namespace for the cap check (any constant no other feature uses).
_CAP_LOCK_SPACE = 74_201

_DUE = (
    "status IN ('pending', 'deferred', 'sending') AND next_attempt_at <= {} "
    "AND (status <> 'sending' OR lease_until < {})"
)


@dataclass(frozen=True)
class Claim:
    id: int
    dedupe_key: str
    channel: str
    category: str
    candidate_id: int | None
    recipient: str
    locale: str
    subject: str
    body: str
    body_html: str
    body_format: str
    attempts: int
    lease_until: datetime


@dataclass
class ClaimResult:
    sendable: list[Claim] = field(default_factory=list)
    suppressed: dict[int, str] = field(default_factory=dict)
    deferred: dict[int, datetime] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return len(self.sendable) + len(self.suppressed) + len(self.deferred)


def _is_postgres() -> bool:
    return not isinstance(current_engine(), SQLiteEngine)


def _marks(values: Sequence[object]) -> str:
    return ", ".join("{}" for _ in values)


async def outbox_anything_due(*, now: datetime, channels: Sequence[str]) -> bool:
    """A cheap read first: an idle relay never takes SQLite's write lock."""
    rows = await OutboxMessage.raw(
        f"SELECT id FROM outbox_message WHERE {_DUE} AND channel IN ({_marks(channels)}) LIMIT 1",
        now,
        now,
        *channels,
    )
    return bool(rows)


async def _disabled_preferences(candidate_ids: set[int]) -> set[tuple[int, str, str]]:
    if not candidate_ids:
        return set()
    rows = await MessagePreference.select(
        MessagePreference.candidate, MessagePreference.channel, MessagePreference.category
    ).where(
        MessagePreference.candidate.is_in(sorted(candidate_ids))
        & (MessagePreference.enabled == False)  # noqa: E712 - a SQL expression
    )
    return {(row["candidate"], row["channel"], row["category"]) for row in rows}


async def _engagement_counts(
    candidate_ids: list[int], exclude: list[int], now: datetime
) -> dict[int, int]:
    """Engagement e-mails/SMS each candidate got in the window, or is being sent now."""
    if _is_postgres():
        # One candidate's check at a time, across workers and hosts; ordered: no deadlock.
        await OutboxMessage.raw(
            "SELECT pg_advisory_xact_lock({}, c) FROM unnest({}::int[]) AS c ORDER BY c",
            _CAP_LOCK_SPACE,
            sorted(candidate_ids),
        )
    rows = await OutboxMessage.raw(
        "SELECT candidate, COUNT(*) AS n FROM outbox_message "
        f"WHERE candidate IN ({_marks(candidate_ids)}) AND category = 'engagement' "
        f"AND channel IN ({_marks(PUSH_CHANNELS)}) "
        "AND ((status = 'sent' AND sent_at >= {}) OR status = 'sending') "
        f"AND id NOT IN ({_marks(exclude)}) GROUP BY candidate",
        *candidate_ids,
        *PUSH_CHANNELS,
        cap_window_start(now),
        *exclude,
    )
    return {row["candidate"]: int(row["n"]) for row in rows}


async def _claimed_rows(ids: list[int]) -> list[dict]:
    return await (
        OutboxMessage.select(
            OutboxMessage.id,
            OutboxMessage.dedupe_key,
            OutboxMessage.channel,
            OutboxMessage.category,
            OutboxMessage.candidate,
            OutboxMessage.recipient,
            OutboxMessage.locale,
            OutboxMessage.subject,
            OutboxMessage.body,
            OutboxMessage.body_html,
            OutboxMessage.body_format,
            OutboxMessage.attempts,
            OutboxMessage.lease_until,
            OutboxMessage.candidate.cohort.timezone.as_alias("timezone"),
        )
        .where(OutboxMessage.id.is_in(ids))
        .order_by(OutboxMessage.id)
    )


async def outbox_claim(
    *, worker: str, now: datetime, channels: Sequence[str], limit: int | None = None
) -> ClaimResult:
    """Claim up to ``limit`` due messages for ``worker`` and apply the policy to them."""
    settings = get_settings()
    limit = limit or settings.outbox_batch
    result = ClaimResult()
    if not channels or not await outbox_anything_due(now=now, channels=channels):
        return result
    lease_until = now + timedelta(seconds=settings.outbox_lease_seconds)
    skip_locked = " FOR UPDATE SKIP LOCKED" if _is_postgres() else ""
    async with write_transaction():
        claimed = await OutboxMessage.raw(
            "UPDATE outbox_message SET status = 'sending', attempts = attempts + 1, "
            "lease_until = {}, leased_by = {} WHERE id IN (SELECT id FROM outbox_message "
            f"WHERE {_DUE} AND channel IN ({_marks(channels)}) "
            f"ORDER BY next_attempt_at, id LIMIT {{}}{skip_locked}) RETURNING id",
            lease_until,
            worker,
            now,
            now,
            *channels,
            limit,
        )
        if not claimed:
            return result
        rows = await _claimed_rows([row["id"] for row in claimed])
        await _apply_policy(rows, result, now)
        await _record_policy(result, now)
    return result


async def _apply_policy(rows: list[dict], result: ClaimResult, now: datetime) -> None:
    settings = get_settings()
    push = [row for row in rows if row["channel"] in PUSH_CHANNELS and row["candidate"]]
    disabled = await _disabled_preferences({row["candidate"] for row in push})
    # Queued before they said stop or before their consent expired: never sent (talent pool).
    refused = await contact_refusals(
        {row["candidate"] for row in rows if row["candidate"]}, now=now
    )
    hours = quiet_hours()
    capped_candidates = sorted(
        {row["candidate"] for row in push if row["category"] == "engagement"}
    )
    counts: dict[int, int] = {}
    if capped_candidates:
        counts = await _engagement_counts(capped_candidates, [row["id"] for row in rows], now)
    for row in rows:
        if row["candidate"] in refused:
            result.suppressed[row["id"]] = "no_consent"
            continue
        if row["channel"] in PUSH_CHANNELS and row["candidate"]:
            key = (row["candidate"], row["channel"], preference_category(row["category"]))
            if key in disabled:
                result.suppressed[row["id"]] = "unsubscribed"
                continue
            if hours is not None:
                allowed = hours.allowed_from(now, row["timezone"] or settings.default_timezone)
                if allowed is not None:
                    result.deferred[row["id"]] = allowed
                    continue
            if row["category"] == "engagement":
                sent = counts.get(row["candidate"], 0)
                if sent >= settings.outbox_engagement_cap:
                    result.suppressed[row["id"]] = "cap"
                    continue
                counts[row["candidate"]] = sent + 1
        result.sendable.append(
            Claim(
                id=row["id"],
                dedupe_key=row["dedupe_key"],
                channel=row["channel"],
                category=row["category"],
                candidate_id=row["candidate"],
                recipient=row["recipient"],
                locale=row["locale"],
                subject=row["subject"],
                body=row["body"],
                body_html=row["body_html"],
                body_format=row["body_format"],
                attempts=row["attempts"],
                lease_until=row["lease_until"],
            )
        )


async def _record_policy(result: ClaimResult, now: datetime) -> None:
    """Suppressed and deferred rows leave ``sending`` at once; they cost no attempt."""
    by_reason: dict[str, list[int]] = {}
    for row_id, reason in result.suppressed.items():
        by_reason.setdefault(reason, []).append(row_id)
    for reason, ids in by_reason.items():
        # next_attempt_at records when it was held back: the digest waits from there.
        await OutboxMessage.raw(
            "UPDATE outbox_message SET status = 'suppressed', reason = {}, "
            "attempts = attempts - 1, lease_until = NULL, leased_by = '', next_attempt_at = {} "
            f"WHERE id IN ({_marks(ids)})",
            reason,
            now,
            *ids,
        )
    for row_id, allowed in result.deferred.items():
        # The alert's clock restarts at the allowed minute: waiting out the night is not
        # being stuck.
        await OutboxMessage.raw(
            "UPDATE outbox_message SET status = 'deferred', reason = 'quiet_hours', "
            "attempts = attempts - 1, lease_until = NULL, leased_by = '', "
            "next_attempt_at = {}, due_at = {} WHERE id = {}",
            allowed,
            allowed,
            row_id,
        )
