"""The SLA calendar: holidays (closed days) and make-up working days (调休).

A holiday closes a day the weekly schedule would open; a make-up working day opens a day
it would close (typically a weekend day swapped for a holiday), with its own hours.
Business-hours deadlines walk through both (:mod:`portal.domain.sla.deadlines`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from portal.db import unique_violation_raises, write_transaction
from portal.domain.errors import NotFound, ValidationFailed
from portal.domain.sla.policy import format_clock, parse_clock
from portal.domain.sla.tables import CALENDAR_DAY_KINDS, SlaCalendarDay
from portal.domain.validation import typed_day
from portal.i18n import gettext as _


@dataclass(frozen=True)
class CalendarDay:
    id: int
    day: date
    kind: str
    name: str
    opens: time | None
    closes: time | None

    @property
    def hours_label(self) -> str:
        if self.opens and self.closes:
            return f"{format_clock(self.opens)}–{format_clock(self.closes)}"
        return ""


@dataclass(frozen=True)
class Calendar:
    """Holidays and make-up days, by date, for walking through business hours."""

    holidays: frozenset[date] = frozenset()
    workdays: dict[date, tuple[time, time]] | None = None

    def hours_on(self, day: date, schedule: dict) -> tuple[time, time] | None:
        if day in self.holidays:
            return None
        if self.workdays and day in self.workdays:
            return self.workdays[day]
        return schedule.get(day.weekday())


def _row_to_day(row: SlaCalendarDay) -> CalendarDay:
    return CalendarDay(
        id=row.id,
        day=row.day,
        kind=row.kind,
        name=row.name,
        opens=parse_clock(row.opens),
        closes=parse_clock(row.closes),
    )


async def sla_calendar_days(*, since: date | None = None) -> list[CalendarDay]:
    query = SlaCalendarDay.objects().order_by(SlaCalendarDay.day)
    if since is not None:
        query = query.where(SlaCalendarDay.day >= since)
    return [_row_to_day(row) for row in await query]


async def sla_calendar() -> Calendar:
    holidays: set[date] = set()
    workdays: dict[date, tuple[time, time]] = {}
    for day in await sla_calendar_days():
        if day.kind == "holiday":
            holidays.add(day.day)
        elif day.opens and day.closes:
            workdays[day.day] = (day.opens, day.closes)
    return Calendar(holidays=frozenset(holidays), workdays=workdays)


class _DayTaken(ValidationFailed):
    def __init__(self) -> None:
        super().__init__({"day": _("This date is already in the calendar.")})


def _parse_day(raw: str, errors: dict[str, str]) -> date | None:
    value = typed_day(raw)
    if value and 2000 <= value.year <= 2100:
        return value
    errors["day"] = _("Enter a date like 2026-10-01.")
    return None


async def sla_calendar_day_add(
    *, day: str, kind: str, name: str, opens: str = "", closes: str = ""
) -> CalendarDay:
    errors: dict[str, str] = {}
    parsed_day = _parse_day(day, errors)
    if kind not in CALENDAR_DAY_KINDS:
        errors["kind"] = _("Choose holiday or make-up working day.")
    clean_name = " ".join((name or "").split())
    if len(clean_name) > 60:
        errors["name"] = _("A name can be at most 60 characters long.")
    elif not clean_name and kind == "holiday":
        errors["name"] = _("Please enter a name.")
    opens_at = closes_at = None
    if kind == "workday":
        opens_at, closes_at = parse_clock(opens), parse_clock(closes)
        if opens_at is None or closes_at is None:
            errors["hours"] = _("Enter opening and closing times like 09:00 and 18:00.")
        elif opens_at >= closes_at:
            errors["hours"] = _("The closing time must be after the opening time.")
    if (
        parsed_day
        and "day" not in errors
        and await SlaCalendarDay.exists().where(SlaCalendarDay.day == parsed_day)
    ):
        errors["day"] = _("This date is already in the calendar.")
    if errors:
        raise ValidationFailed(errors)
    row = SlaCalendarDay(
        day=parsed_day,
        kind=kind,
        name=clean_name,
        opens=format_clock(opens_at) if opens_at else "",
        closes=format_clock(closes_at) if closes_at else "",
    )
    async with write_transaction():
        with unique_violation_raises(_DayTaken):
            await row.save()
    return _row_to_day(row)


async def sla_calendar_day_delete(*, day_id: int) -> None:
    async with write_transaction():
        deleted = (
            await SlaCalendarDay.delete()
            .where(SlaCalendarDay.id == day_id)
            .returning(SlaCalendarDay.id)
        )
    if not deleted:
        raise NotFound(_("This date is not in the calendar."))
