"""What HR sees of the outbox: counts, the rows of one status with their reasons, bots."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from portal.domain.messaging.tables import STATUSES, CohortBot, OutboxMessage
from portal.domain.organisation.tables import Cohort
from portal.i18n import gettext as _

ROWS_SHOWN = 100


def reason_label(reason: str) -> str:
    return {
        "unsubscribed": _("the candidate turned this off"),
        "quiet_hours": _("quiet hours"),
        "cap": _("over the weekly cap: waits for the digest"),
        "no_consent": _("they asked not to be contacted, or their consent expired"),
        "": "",
    }.get(reason, reason)


def status_label(status: str) -> str:
    return {
        "pending": _("Pending"),
        "sending": _("Sending"),
        "sent": _("Sent"),
        "failed": _("Failed"),
        "suppressed": _("Suppressed"),
        "deferred": _("Deferred"),
    }.get(status, status)


@dataclass(frozen=True)
class OutboxRow:
    id: int
    dedupe_key: str
    channel: str
    category: str
    candidate_name: str | None
    recipient: str
    subject: str
    status: str
    attempts: int
    next_attempt_at: datetime
    due_at: datetime
    last_error: str
    reason: str
    folded_into: int | None
    created_at: datetime
    sent_at: datetime | None


async def outbox_counts() -> dict[str, int]:
    rows = await OutboxMessage.raw(
        "SELECT status, COUNT(*) AS n FROM outbox_message GROUP BY status"
    )
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({row["status"]: int(row["n"]) for row in rows})
    return counts


async def outbox_rows(*, status: str, limit: int = ROWS_SHOWN) -> list[OutboxRow]:
    if status not in STATUSES:
        return []
    newest_first = status in ("sent", "suppressed", "failed")
    rows = await (
        OutboxMessage.select(
            OutboxMessage.id,
            OutboxMessage.dedupe_key,
            OutboxMessage.channel,
            OutboxMessage.category,
            OutboxMessage.candidate.name.as_alias("candidate_name"),
            OutboxMessage.recipient,
            OutboxMessage.subject,
            OutboxMessage.status,
            OutboxMessage.attempts,
            OutboxMessage.next_attempt_at,
            OutboxMessage.due_at,
            OutboxMessage.last_error,
            OutboxMessage.reason,
            OutboxMessage.folded_into,
            OutboxMessage.created_at,
            OutboxMessage.sent_at,
        )
        .where(OutboxMessage.status == status)
        .order_by(OutboxMessage.id, ascending=not newest_first)
        .limit(limit)
    )
    return [OutboxRow(**row) for row in rows]


@dataclass(frozen=True)
class CohortBotRow:
    cohort_id: int
    cohort_name: str
    kind: str | None
    url: str | None
    has_secret: bool


async def cohort_bots() -> list[CohortBotRow]:
    """Every cohort with its bot, if it has one (newest cohorts first)."""
    cohorts = await Cohort.select(Cohort.id, Cohort.name).order_by(
        Cohort.starts_at, ascending=False
    )
    bots = {
        row["cohort"]: row
        for row in await CohortBot.select(
            CohortBot.cohort, CohortBot.kind, CohortBot.url, CohortBot.secret
        )
    }
    return [
        CohortBotRow(
            cohort_id=cohort["id"],
            cohort_name=cohort["name"],
            kind=bots[cohort["id"]]["kind"] if cohort["id"] in bots else None,
            url=bots[cohort["id"]]["url"] if cohort["id"] in bots else None,
            has_secret=bool(bots.get(cohort["id"], {}).get("secret")),
        )
        for cohort in cohorts
    ]
