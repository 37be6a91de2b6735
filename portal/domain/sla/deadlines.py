"""When a question must be answered by.

Plain mode: ``asked_at`` plus the policy's hours, around the clock. Business-hours mode:
the same number of *working* hours, counted only while the company is open — through the
weekly schedule in the policy's time zone, skipping holidays and counting make-up working
days (调休). A question asked at night or on a holiday starts counting at the next opening.

Wall-clock times are turned into instants with :mod:`zoneinfo`, so a day on which the clocks
change (in zones that have DST) counts its real length. The deadline is stored with the
question when it is asked (the room calls :func:`question_deadline`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from portal.domain.sla.calendar import Calendar, sla_calendar
from portal.domain.sla.policy import DayHours, Policy, sla_policy_get

# Walking further than this without finding enough open hours means the calendar closes
# everything (e.g. every remaining day a holiday): fall back to plain hours.
_MAX_DAYS_WALKED = 3 * 366


def _as_utc(moment: datetime) -> datetime:
    # A naive datetime is taken as UTC, like the database's timestamps.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _instant(day: date, clock: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def business_deadline(
    asked_at: datetime,
    hours: float,
    *,
    schedule: dict[int, DayHours],
    zone: ZoneInfo,
    calendar: Calendar | None = None,
) -> datetime:
    """The instant when ``hours`` working hours have passed since ``asked_at`` (UTC)."""
    calendar = calendar or Calendar()
    start = _as_utc(asked_at)
    remaining = timedelta(hours=hours)
    day = start.astimezone(zone).date()
    for _ in range(_MAX_DAYS_WALKED):
        opening_hours = calendar.hours_on(day, schedule)
        if opening_hours is not None:
            opens = max(_instant(day, opening_hours[0], zone), start)
            closes = _instant(day, opening_hours[1], zone)
            if closes > opens:
                available = closes - opens
                if remaining <= available:
                    return opens + remaining
                remaining -= available
        day += timedelta(days=1)
    return start + timedelta(hours=hours)


def deadline_for(asked_at: datetime, policy: Policy, calendar: Calendar | None = None) -> datetime:
    if not policy.business_hours_only:
        return _as_utc(asked_at) + timedelta(hours=policy.deadline_hours)
    return business_deadline(
        asked_at,
        policy.deadline_hours,
        schedule=policy.schedule,
        zone=policy.zone,
        calendar=calendar,
    )


async def question_deadline(asked_at: datetime) -> datetime:
    """The deadline (UTC) for a question asked at ``asked_at``, under the current policy."""
    policy = await sla_policy_get()
    calendar = await sla_calendar() if policy.business_hours_only else None
    return deadline_for(asked_at, policy, calendar)
