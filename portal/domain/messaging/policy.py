"""Respecting the candidate's attention: preferences, quiet hours, the engagement cap.

The relay applies these to e-mail and SMS (the channels that interrupt someone) when it
claims a message, in this order:

1. **Preferences**: the candidate turned the channel off for the category (on the
   preferences page or with an unsubscribe link) → ``suppressed`` (``unsubscribed``).
2. **Quiet hours** (default 21:00–08:30 in the cohort's time zone, the default time zone
   without a cohort) → ``deferred`` to the first minute after them.
3. **Cap**: an engagement message when the candidate already got ``cap`` engagement
   messages (sent, or being sent) in the rolling window → ``suppressed`` (``cap``), and
   folded into the next digest. Transactional messages and digests are never capped.

Inbox items and group-bot posts interrupt no one: none of this applies to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from portal.config import get_settings

REASONS = ("unsubscribed", "quiet_hours", "cap", "not_configured", "no_consent")


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> QuietHours | None:
        if not text:
            return None
        first, second = text.split("-")
        start_h, start_m = (int(part) for part in first.split(":"))
        end_h, end_m = (int(part) for part in second.split(":"))
        return cls(time(start_h, start_m), time(end_h, end_m))

    def allowed_from(self, now: datetime, timezone: str) -> datetime | None:
        """None when ``now`` is outside quiet hours; else the first allowed instant."""
        zone = ZoneInfo(timezone)
        local = now.astimezone(zone)
        clock = local.time().replace(tzinfo=None)
        wraps = self.start > self.end  # 21:00–08:30 runs past midnight
        inside = self.start <= clock < self.end
        quiet = (clock >= self.start or clock < self.end) if wraps else inside
        if not quiet:
            return None
        end_day = local.date()
        if wraps and clock >= self.start:
            end_day = end_day + timedelta(days=1)
        # Wall-clock end in the zone (a DST gap moves it forward, never back).
        allowed = datetime.combine(end_day, self.end, tzinfo=zone).astimezone(UTC)
        return max(allowed, now)


def quiet_hours() -> QuietHours | None:
    return QuietHours.parse(get_settings().outbox_quiet_hours)


def cap_window_start(now: datetime) -> datetime:
    return now - timedelta(days=get_settings().outbox_cap_days)
