"""The stuck-outbox alert: raised once per incident, closed when the outbox catches up.

An incident opens when the oldest message that should have left (pending or being sent;
not one deferred for quiet hours, not an alert itself) has waited longer than
``ONRAMP_OUTBOX_ALERT_MINUTES`` since it was due. Retries do not reset that clock: it runs
from ``due_at``. The open incident is one row whose ``open_key`` is unique, so when every
worker checks at once exactly one opens it; that worker, in the same transaction, queues
the HR bot alert (an outbox message like any other, dedupe key ``alert:outbox:<id>``).
The admin shows a banner while it is open. It closes when no message has waited that long.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from portal.config import get_settings
from portal.db import is_unique_violation, write_transaction
from portal.domain.messaging.checks import OutboundMessage
from portal.domain.messaging.enqueue import message_enqueue
from portal.domain.messaging.locale import message_locale
from portal.domain.messaging.tables import OutboxIncident, OutboxMessage
from portal.i18n import DEFAULT_LOCALE
from portal.i18n import gettext as _


@dataclass(frozen=True)
class Oldest:
    id: int
    channel: str
    due_at: datetime
    last_error: str


async def oldest_waiting(now: datetime) -> Oldest | None:
    row = await (
        OutboxMessage.select(
            OutboxMessage.id, OutboxMessage.channel, OutboxMessage.due_at, OutboxMessage.last_error
        )
        .where(
            OutboxMessage.status.is_in(["pending", "sending"])
            & (OutboxMessage.category != "alert")
            & (OutboxMessage.due_at <= now)
        )
        .order_by(OutboxMessage.due_at)
        .first()
    )
    return Oldest(**row) if row else None


def _alert_text(oldest: Oldest, minutes: int) -> tuple[str, str]:
    base_url = get_settings().base_url
    with message_locale(DEFAULT_LOCALE):
        title = _("Onramp: messages are not going out")
        text = _(
            "The oldest %(channel)s message has waited %(minutes)s minutes. Last error: "
            "%(error)s. See %(url)s",
            channel=oldest.channel,
            minutes=minutes,
            error=oldest.last_error[:300] or "-",
            url=f"{base_url}/admin/outbox",
        )
    return title, text


async def outbox_watch(now: datetime | None = None) -> OutboxIncident | None:
    """Open or close the incident; returns the incident this call opened, if any."""
    now = now or datetime.now(UTC)
    settings = get_settings()
    threshold = timedelta(minutes=settings.outbox_alert_minutes)
    oldest = await oldest_waiting(now)
    stuck = oldest is not None and now - oldest.due_at > threshold
    current = await OutboxIncident.objects().get(OutboxIncident.open_key == "open")
    if not stuck:
        if current is not None:
            await OutboxIncident.update(
                {OutboxIncident.open_key: None, OutboxIncident.closed_at: now}
            ).where((OutboxIncident.id == current.id) & (OutboxIncident.open_key == "open"))
        return None
    if current is not None or oldest is None:
        return None
    minutes = int((now - oldest.due_at).total_seconds() // 60)
    incident = OutboxIncident(
        open_key="open",
        opened_at=now,
        oldest_message=oldest.id,
        waited_minutes=minutes,
        detail=oldest.last_error[:2000],
    )
    try:
        async with write_transaction():
            await incident.save()
            if settings.hr_bot_url:
                title, text = _alert_text(oldest, minutes)
                await message_enqueue(
                    message=OutboundMessage(
                        dedupe_key=f"alert:outbox:{incident.id}",
                        channel="bot",
                        category="alert",
                        recipient="hr",
                        subject=title,
                        body=text,
                        locale=DEFAULT_LOCALE,
                    ),
                    now=now,
                )
    except Exception as error:
        if is_unique_violation(error):
            return None  # another worker opened it
        raise
    return incident


async def outbox_open_incident() -> OutboxIncident | None:
    return await OutboxIncident.objects().get(OutboxIncident.open_key == "open")
