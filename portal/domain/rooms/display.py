"""How room messages read on a phone: local times, day separators, quotes of replies.

The server renders these (the page is right before, and without, JavaScript); room.js
follows the same rules for messages that arrive live, from the ``data-tz`` of the page.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time

from portal.config import get_settings
from portal.db import PreparedSQL
from portal.domain.rooms.membership import RoomInfo
from portal.i18n import babel_locale
from portal.i18n import gettext as _

QUOTE_CHARS = 40


def quote_excerpt(body: str | None) -> str:
    """The first words of a message, on one line, for a reply's quote."""
    text = " ".join((body or "").split())
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1].rstrip() + "…"


async def room_timezone(room: RoomInfo) -> str:
    """The cohort's time zone for a cohort's room; the default one for the others."""
    if room.cohort_timezone:
        return room.cohort_timezone  # read with the room (membership.room_for_member)
    if room.cohort_id is not None:
        rows = await _COHORT_ZONE_READ.rows(room.cohort_id)
        if rows and rows[0]["timezone"]:
            return rows[0]["timezone"]
    return get_settings().default_timezone


_COHORT_ZONE_READ = PreparedSQL("SELECT timezone FROM cohort WHERE id = {}")


def _parse(iso: str) -> datetime:
    return datetime.fromisoformat(iso)  # Python 3.11 reads the "Z" of message_event's times


def day_label(day: date, today: date) -> str:
    locale = babel_locale()
    if day == today:
        return _("Today")
    if day == today - timedelta(days=1):
        return _("Yesterday")
    if day.year == today.year:
        return _day_format(locale, "MMMEd", day)
    return format_date(day, "medium", locale=locale)


@lru_cache(maxsize=4096)
def _day_format(locale: Locale, skeleton: str, day: date) -> str:
    # Babel matches a skeleton against every pattern the locale has on each call; a room
    # page shows the same few days over and over.
    return format_skeleton(skeleton, day, locale=locale)


@lru_cache(maxsize=4096)
def _clock(locale: Locale, hour: int, minute: int) -> str:
    return format_time(time(hour, minute), "short", locale=locale)


def messages_for_display(
    messages: list[dict[str, Any]], *, timezone: str, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Each message with ``time_label`` (with the date when not today) and, on the first
    message of each local day, ``day_label`` (a separator before it). The events are the
    page's own (just read), so the labels are added to them in place."""
    zone = ZoneInfo(timezone)
    today = (now or datetime.now(UTC)).astimezone(zone).date()
    locale = babel_locale()
    previous: date | None = None
    for message in messages:
        local = _parse(message["created_at"]).astimezone(zone)
        day = local.date()
        clock = _clock(locale, local.hour, local.minute)
        message["time_label"] = (
            clock if day == today else f"{_day_format(locale, 'MMMd', day)} {clock}"
        )
        if day != previous:
            message["day_label"] = day_label(day, today)
            previous = day
    return messages
