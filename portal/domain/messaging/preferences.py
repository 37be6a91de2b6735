"""Which channels a candidate wants per category, and one-click unsubscribing.

No row means "on". The inbox cannot be turned off: it is where everything lands and it
interrupts no one. The relay reads preferences when it claims a message, so a change
(here or through an unsubscribe link) applies to every message claimed after it commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from portal.db import write_transaction
from portal.domain.candidates.tables import Candidate
from portal.domain.errors import NotFound
from portal.domain.messaging.channels import channels_offered
from portal.domain.messaging.tables import PUSH_CHANNELS, MessagePreference
from portal.domain.messaging.unsubscribe import unsubscribe_token_read
from portal.i18n import gettext as _

PREFERENCE_CATEGORIES = ("transactional", "engagement")


def channel_label(channel: str) -> str:
    return {"email": _("E-mail"), "sms": _("SMS"), "inbox": _("Inbox")}.get(channel, channel)


def category_label(category: str) -> str:
    return {
        "transactional": _("About your application (documents, deadlines, answers)"),
        "engagement": _("Tips, news and reminders"),
    }.get(category, category)


@dataclass(frozen=True)
class PreferenceRow:
    channel: str
    category: str
    enabled: bool


async def candidate_push_channels(*, candidate_id: int) -> list[str]:
    """The configured channels that can reach this candidate (an address is needed)."""
    candidate = (
        await Candidate.select(Candidate.email, Candidate.phone)
        .where(Candidate.id == candidate_id)
        .first()
    )
    if candidate is None:
        return []
    offered = channels_offered()
    channels = []
    if "email" in offered and candidate["email"]:
        channels.append("email")
    if "sms" in offered and candidate["phone"]:
        channels.append("sms")
    return channels


async def preferences_for(*, candidate_id: int) -> list[PreferenceRow]:
    rows = await MessagePreference.select(
        MessagePreference.channel, MessagePreference.category, MessagePreference.enabled
    ).where(MessagePreference.candidate == candidate_id)
    stored = {(row["channel"], row["category"]): row["enabled"] for row in rows}
    return [
        PreferenceRow(channel, category, stored.get((channel, category), True))
        for channel in await candidate_push_channels(candidate_id=candidate_id)
        for category in PREFERENCE_CATEGORIES
    ]


async def preference_set(
    *, candidate_id: int, channel: str, category: str, enabled: bool, now: datetime | None = None
) -> None:
    """Turn one channel on or off for one category (an upsert: repeating it is harmless)."""
    if channel not in PUSH_CHANNELS or category not in PREFERENCE_CATEGORIES:
        raise NotFound(_("Unknown channel or category."))
    now = now or datetime.now(UTC)
    await MessagePreference.insert(
        MessagePreference(
            candidate=candidate_id,
            channel=channel,
            category=category,
            enabled=enabled,
            updated_at=now,
        )
    ).on_conflict(
        target=(
            MessagePreference.candidate,
            MessagePreference.channel,
            MessagePreference.category,
        ),
        action="DO UPDATE",
        values=[MessagePreference.enabled, MessagePreference.updated_at],
    )


async def preferences_save(*, candidate_id: int, enabled: set[tuple[str, str]]) -> None:
    """The preferences form: every shown (channel, category) not in ``enabled`` is off."""
    channels = await candidate_push_channels(candidate_id=candidate_id)
    async with write_transaction():
        for channel in channels:
            for category in PREFERENCE_CATEGORIES:
                await preference_set(
                    candidate_id=candidate_id,
                    channel=channel,
                    category=category,
                    enabled=(channel, category) in enabled,
                )


@dataclass(frozen=True)
class Unsubscription:
    candidate_id: int
    channel: str
    category: str


def unsubscribe_read(token: str) -> Unsubscription:
    """What a link unsubscribes from; NotFound for a forged or mangled link."""
    parsed = unsubscribe_token_read(token)
    if parsed is None or parsed[1] not in PUSH_CHANNELS or parsed[2] not in PREFERENCE_CATEGORIES:
        raise NotFound(_("This unsubscribe link is not valid."))
    return Unsubscription(*parsed)


async def unsubscribe_apply(*, token: str) -> Unsubscription:
    """The one-click unsubscribe: no sign-in, the signed token is the authority."""
    what = unsubscribe_read(token)
    exists = await Candidate.exists().where(Candidate.id == what.candidate_id)
    if not exists:
        raise NotFound(_("This unsubscribe link is not valid."))
    async with write_transaction():
        await preference_set(
            candidate_id=what.candidate_id,
            channel=what.channel,
            category=what.category,
            enabled=False,
        )
    return what
