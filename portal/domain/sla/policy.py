"""The company's answer SLA policy: how long a question may wait, and when to warn.

One row, created with the defaults the first time HR saves the settings page. Until then
(and in every fresh installation) :func:`sla_policy_get` answers with the defaults:
24 hours counted around the clock, a warning 4 hours before the deadline.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from portal.db import PreparedSQL, unique_violation_raises, write_transaction
from portal.domain.errors import ValidationFailed
from portal.domain.sla.tables import SlaPolicy
from portal.domain.staff.tables import StaffUser
from portal.i18n import gettext as _
from portal.net.outbound import OutboundUrlRefused, outbound_url_check

POLICY_KEY = "default"
DEFAULT_TIMEZONE = "Asia/Shanghai"
MAX_DEADLINE_HOURS = 30 * 24
WEEKDAYS = range(7)  # 0 is Monday, as in datetime.weekday()
# Opening hours of one day: (opens, closes) with opens < closes, or None when closed.
DayHours = tuple[time, time] | None

_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$", re.ASCII)
_WHOLE_NUMBER = re.compile(r"^\d{1,4}$", re.ASCII)


def _default_schedule() -> dict[int, DayHours]:
    return {day: (time(9), time(18)) if day < 5 else None for day in WEEKDAYS}


@dataclass(frozen=True)
class Policy:
    deadline_hours: int = 24
    warning_hours: int = 4
    business_hours_only: bool = False
    timezone: str = DEFAULT_TIMEZONE
    schedule: dict[int, DayHours] = field(default_factory=_default_schedule)
    webhook_url: str = ""

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class PolicyInput:
    """The settings form as typed: numbers and times are still text.

    ``schedule`` maps a weekday to ``(is_open, opens, closes)``.
    """

    deadline_hours: str
    warning_hours: str
    business_hours_only: bool
    timezone: str
    schedule: dict[int, tuple[bool, str, str]]
    webhook_url: str = ""


def parse_clock(raw: str) -> time | None:
    """``"09:00"`` as a time; None when it is not a 24-hour HH:MM clock time."""
    match = _CLOCK.match((raw or "").strip())
    return time(int(match.group(1)), int(match.group(2))) if match else None


def format_clock(value: time) -> str:
    return value.strftime("%H:%M")


def schedule_to_json(schedule: dict[int, DayHours]) -> str:
    return json.dumps(
        {
            str(day): [format_clock(hours[0]), format_clock(hours[1])] if hours else None
            for day, hours in sorted(schedule.items())
        }
    )


def schedule_from_json(text: str) -> dict[int, DayHours]:
    if not text:
        return _default_schedule()
    stored = json.loads(text)
    schedule: dict[int, DayHours] = {}
    for day in WEEKDAYS:
        hours = stored.get(str(day))
        opens = parse_clock(hours[0]) if hours else None
        closes = parse_clock(hours[1]) if hours else None
        schedule[day] = (opens, closes) if opens and closes and opens < closes else None
    return schedule


@cache
def known_timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def policy_from_row(row: dict[str, Any]) -> Policy:
    timezone = row["timezone"] if row["timezone"] in known_timezones() else DEFAULT_TIMEZONE
    return Policy(
        deadline_hours=row["deadline_hours"],
        warning_hours=row["warning_hours"],
        business_hours_only=bool(row["business_hours_only"]),
        timezone=timezone,
        schedule=schedule_from_json(row["weekly_schedule"]),
        webhook_url=row["webhook_url"],
    )


# Read by every tracker page and deadline, written as SQL built once (the query builder
# cost more CPU than the read).
_POLICY_READ = PreparedSQL(
    "SELECT deadline_hours, warning_hours, business_hours_only, timezone, weekly_schedule, "
    "webhook_url FROM sla_policy WHERE key = {}"
)


async def sla_policy_get() -> Policy:
    rows = await _POLICY_READ.rows(POLICY_KEY)
    return policy_from_row(rows[0]) if rows else Policy()


def _hours(raw: str, errors: dict[str, str], name: str, *, minimum: int, maximum: int) -> int:
    text = (raw or "").strip()
    if not _WHOLE_NUMBER.match(text) or not minimum <= int(text) <= maximum:
        errors[name] = _(
            "Enter a whole number of hours from %(low)s to %(high)s.", low=minimum, high=maximum
        )
        return minimum
    return int(text)


def webhook_url_check(raw: str, errors: dict[str, str], name: str = "webhook_url") -> str:
    """The shared outbound-URL rules (public http(s) only, see portal.net.outbound)."""
    url = (raw or "").strip()
    if not url:
        return ""
    if len(url) > 500:
        errors[name] = _("This URL is too long.")
        return url
    try:
        return outbound_url_check(url)
    except OutboundUrlRefused as refused:
        errors[name] = str(refused)
        return url


def _check_schedule(
    typed: dict[int, tuple[bool, str, str]], errors: dict[str, str]
) -> dict[int, DayHours]:
    schedule: dict[int, DayHours] = {}
    for day in WEEKDAYS:
        is_open, opens_text, closes_text = typed.get(day, (False, "", ""))
        if not is_open:
            schedule[day] = None
            continue
        opens, closes = parse_clock(opens_text), parse_clock(closes_text)
        if opens is None or closes is None:
            errors[f"day{day}"] = _("Enter opening and closing times like 09:00 and 18:00.")
        elif opens >= closes:
            errors[f"day{day}"] = _("The closing time must be after the opening time.")
        schedule[day] = (opens, closes) if opens and closes and opens < closes else None
    return schedule


def sla_policy_check(data: PolicyInput) -> Policy:
    errors: dict[str, str] = {}
    deadline_hours = _hours(
        data.deadline_hours, errors, "deadline_hours", minimum=1, maximum=MAX_DEADLINE_HOURS
    )
    warning_hours = _hours(
        data.warning_hours, errors, "warning_hours", minimum=0, maximum=MAX_DEADLINE_HOURS
    )
    if not {"deadline_hours", "warning_hours"} & errors.keys() and warning_hours >= deadline_hours:
        errors["warning_hours"] = _("The warning must come before the deadline.")
    timezone = (data.timezone or "").strip()
    if timezone not in known_timezones():
        errors["timezone"] = _("Choose a time zone from the list, e.g. Asia/Shanghai.")
    schedule = _check_schedule(data.schedule, errors)
    if data.business_hours_only and not any(schedule.values()) and not errors:
        errors["schedule"] = _("Open at least one day of the week to count business hours.")
    webhook_url = webhook_url_check(data.webhook_url, errors)
    if errors:
        raise ValidationFailed(errors)
    return Policy(
        deadline_hours=deadline_hours,
        warning_hours=warning_hours,
        business_hours_only=data.business_hours_only,
        timezone=timezone,
        schedule=schedule,
        webhook_url=webhook_url,
    )


async def sla_policy_save(*, data: PolicyInput, staff: StaffUser | None = None) -> Policy:
    """Validate and store the policy; deadlines of questions already asked do not move."""
    policy = sla_policy_check(data)
    values = {
        SlaPolicy.deadline_hours: policy.deadline_hours,
        SlaPolicy.warning_hours: policy.warning_hours,
        SlaPolicy.business_hours_only: policy.business_hours_only,
        SlaPolicy.timezone: policy.timezone,
        SlaPolicy.weekly_schedule: schedule_to_json(policy.schedule),
        SlaPolicy.webhook_url: policy.webhook_url,
        SlaPolicy.updated_at: datetime.now(UTC),
        SlaPolicy.updated_by: staff.id if staff else None,
    }
    for attempt in range(2):
        try:
            async with write_transaction():
                updated = (
                    await SlaPolicy.update(values)
                    .where(SlaPolicy.key == POLICY_KEY)
                    .returning(SlaPolicy.id)
                )
                if not updated:
                    row = SlaPolicy(key=POLICY_KEY)
                    for column, value in values.items():
                        setattr(row, column._meta.name, value)
                    with unique_violation_raises(_PolicyCreatedMeanwhile):
                        await row.save()
            return policy
        except _PolicyCreatedMeanwhile:
            # Another save created the row between our UPDATE and INSERT: update it.
            if attempt:
                raise
    return policy


class _PolicyCreatedMeanwhile(Exception):
    pass
