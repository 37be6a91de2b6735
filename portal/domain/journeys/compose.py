"""Rendering a message for one candidate on each channel, with its one-tap links.

Nothing here writes: :func:`messages_compose` returns the outbox messages and the links
to store, so the caller can queue them in its own transaction and store the links only
when the outbox accepted the messages.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

from portal.auth.tokens import hash_token, new_token
from portal.config import get_settings
from portal.domain.candidates.countdown import countdown_to
from portal.domain.journeys.links import is_local_path
from portal.domain.journeys.placeholders import Placeholder, template_parse, template_render
from portal.domain.journeys.recipients import Recipient
from portal.domain.journeys.tables import MessageLink
from portal.domain.messaging.checks import OutboundMessage
from portal.domain.messaging.locale import message_locale
from portal.domain.organisation.tables import Cohort
from portal.domain.validation import row_id_from
from portal.i18n import format_local_date

VIDEO_PATH = "/#welcome-video"


@dataclass(frozen=True)
class Texts:
    """The templates of one message, per locale: ``{"zh_CN": (subject, body), "en": …}``."""

    by_locale: Mapping[str, tuple[str, str]]

    def pick(self, locale: str) -> tuple[str, str]:
        chosen = self.by_locale.get(locale)
        if chosen and chosen[1].strip():
            return chosen
        return self.by_locale["zh_CN"]


@dataclass
class Composed:
    messages: list[OutboundMessage] = field(default_factory=list)
    links: list[MessageLink] = field(default_factory=list)


def start_at_text(recipient: Recipient) -> str:
    if recipient.cohort_starts_at is None:
        return ""
    local = recipient.cohort_starts_at.astimezone(ZoneInfo(recipient.timezone))
    return f"{format_local_date(local, 'long')} {local:%H:%M}"


def map_search_url(place: str) -> str:
    """A map search for the place (Amap: the map candidates' phones have in China)."""
    return f"https://uri.amap.com/search?keyword={quote(place)}"


def map_key(cohort_id: int) -> str:
    """``<cohort>-<signature>``: the path of a cohort's map link.

    Signed so that the training places of other cohorts cannot be listed by counting ids.
    """
    digest = hmac.new(
        get_settings().secret_key.encode(), f"map:{cohort_id}".encode(), hashlib.sha256
    ).hexdigest()
    return f"{cohort_id}-{digest[:12]}"


def map_key_cohort(key: str) -> int | None:
    """The cohort a map key names, if its signature is right."""
    head, _, _signature = key.partition("-")
    cohort_id = row_id_from(head)
    if cohort_id is None:
        return None
    return cohort_id if hmac.compare_digest(map_key(cohort_id), key) else None


def map_link(recipient: Recipient) -> str:
    """A short link to the cohort's place on a map (``/map/<key>`` redirects there).

    Short because an address URL-encoded is ~9 characters per Chinese character: too long
    for an SMS.
    """
    if recipient.cohort_id is None or not recipient.cohort_place.strip():
        return ""
    return f"{get_settings().base_url}/map/{map_key(recipient.cohort_id)}"


async def cohort_map_url(key: str) -> str | None:
    """Where ``/map/<key>`` leads: a map search for the cohort's place, if it has one."""
    cohort_id = map_key_cohort(key)
    if cohort_id is None or not 0 < cohort_id < 2**31:
        return None
    row = await Cohort.select(Cohort.place).where(Cohort.id == cohort_id).first()
    if row is None or not row["place"].strip():
        return None
    return map_search_url(row["place"])


def common_values(recipient: Recipient, *, now: datetime) -> dict[str, str]:
    """The variables every message can use (in the current locale: call inside one)."""
    days_left = ""
    if recipient.cohort_starts_at is not None:
        days = countdown_to(recipient.cohort_starts_at, recipient.timezone, now).days
        days_left = str(max(days, 0))
    return {
        "name": recipient.name,
        "department": recipient.department,
        "cohort": recipient.cohort or "",
        "days_left": days_left,
        "start_at": start_at_text(recipient),
        "place": recipient.cohort_place,
        "map_link": map_link(recipient),
    }


def _used(subject: str, body: str, allowed: tuple[str, ...]) -> set[str]:
    return {
        part.name
        for text in (subject, body)
        for part in template_parse(text, allowed=allowed)
        if isinstance(part, Placeholder)
    }


def messages_compose(
    *,
    recipient: Recipient,
    texts: Texts,
    allowed: tuple[str, ...],
    channels: tuple[str, ...],
    category: str,
    link_path: str,
    dedupe_base: str,
    values: Mapping[str, str] | None = None,
    channel_values: Mapping[str, Mapping[str, str]] | None = None,
    send_id: int | None = None,
    manual_send_id: int | None = None,
    now: datetime | None = None,
    make_links: bool = True,
) -> Composed:
    """One message per channel in the candidate's language.

    ``{link}`` and ``{video_link}`` become one-tap links in e-mail and SMS; in the inbox,
    where the reader is signed in already, plain links to the page. ``values`` add the
    trigger's variables (``item``, ``reason``…) and may override ``link``;
    ``channel_values`` add per-channel ones (the digest differs by channel).
    ``make_links=False`` (previews) writes plain page links and creates no token.
    """
    now = now or datetime.now(UTC)
    settings = get_settings()
    composed = Composed()
    locale = recipient.locale
    subject_template, body_template = texts.pick(locale)
    used = _used(subject_template, body_template, allowed)
    target = link_path if is_local_path(link_path) else "/"
    with message_locale(locale):
        base_values = {**common_values(recipient, now=now), **(values or {})}
        for channel in channels:
            channel_specific = {**base_values, **(channel_values or {}).get(channel, {})}
            for variable, path in (("link", target), ("video_link", VIDEO_PATH)):
                if variable not in used or variable in (values or {}):
                    continue
                if channel == "inbox" or not make_links:
                    channel_specific[variable] = f"{settings.base_url}{path}"
                    continue
                token = new_token()
                composed.links.append(
                    MessageLink(
                        candidate=recipient.id,
                        token_hash=hash_token(token),
                        target=path,
                        send=send_id,
                        manual_send=manual_send_id,
                        expires_at=now + timedelta(hours=settings.message_link_ttl_hours),
                        created_at=now,
                    )
                )
                channel_specific[variable] = f"{settings.base_url}/go/{token}"
            subject = template_render(subject_template, channel_specific, allowed=allowed)
            body = template_render(body_template, channel_specific, allowed=allowed)
            composed.messages.append(
                OutboundMessage(
                    dedupe_key=f"{dedupe_base}:{channel}",
                    channel=channel,
                    category=category,
                    candidate_id=recipient.id,
                    subject=" ".join(subject.split())[:200],
                    body=body,
                    link=target if channel == "inbox" else "",
                    locale=locale,
                )
            )
    return composed


def usable_channels(recipient: Recipient, channels: tuple[str, ...], offered: tuple[str, ...]):
    """The channels that can reach this candidate now (configured; an address for e-mail)."""
    return tuple(
        channel
        for channel in channels
        if channel in offered and (channel != "email" or recipient.email)
    )
