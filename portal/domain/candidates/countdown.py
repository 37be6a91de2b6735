"""Days until a cohort starts, counted in the cohort's own time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

CountdownState = Literal["upcoming", "tomorrow", "today", "started"]


@dataclass(frozen=True)
class Countdown:
    days: int
    state: CountdownState
    starts_at_local: datetime


def countdown_to(starts_at: datetime, timezone: str, now: datetime) -> Countdown:
    """Calendar days between today and the start day, both in ``timezone``.

    Counting calendar days (not 24-hour periods) is what people mean: a 09:00 start
    seen at 22:00 the evening before is "tomorrow", not "0 days".
    """
    zone = ZoneInfo(timezone)
    start_local = starts_at.astimezone(zone)
    days = (start_local.date() - now.astimezone(zone).date()).days
    if days > 1:
        state: CountdownState = "upcoming"
    elif days == 1:
        state = "tomorrow"
    elif days == 0:
        state = "today"
    else:
        state = "started"
    return Countdown(days=days, state=state, starts_at_local=start_local)
