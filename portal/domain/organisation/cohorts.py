"""Cohort services: create and edit training batches.

The start is typed as a local date and time in the cohort's own time zone (that is
how HR and candidates think of it: "9:00 in Suzhou") and stored as an aware UTC
timestamp, so countdowns and sorting work across zones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from portal.db import unique_violation_raises, write_transaction
from portal.domain.candidates.tables import Candidate
from portal.domain.errors import NotFound, ValidationFailed
from portal.domain.organisation.tables import Cohort, Department
from portal.i18n import gettext as _

MAX_CAPACITY = 100_000
MIN_YEAR, MAX_YEAR = 2000, 2100
_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$", re.ASCII)
_WHOLE_NUMBER = re.compile(r"^-?\d{1,12}$", re.ASCII)
# Seconds are accepted (some browsers send them) and dropped.
_TIME = re.compile(r"^(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::\d{2})?$", re.ASCII)

# Offered in the form; any other valid IANA zone is accepted too (and kept when editing).
COMMON_TIMEZONES = (
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Taipei",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Asia/Bangkok",
    "Asia/Kolkata",
    "Asia/Dubai",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Australia/Sydney",
    "UTC",
)


@cache
def _known_timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def is_known_timezone(name: str) -> bool:
    return name in _known_timezones()


@dataclass(frozen=True)
class CohortInput:
    """A cohort as typed into the form: date, time and capacity are still text."""

    name: str
    department_id: int | None
    start_date: str
    start_time: str
    timezone: str
    place: str = ""
    capacity: str | int = 0


@dataclass(frozen=True)
class CleanCohort:
    name: str
    department_id: int | None
    starts_at: datetime
    timezone: str
    place: str
    capacity: int


def _parse_start(data: CohortInput, errors: dict[str, str]) -> datetime | None:
    timezone = (data.timezone or "").strip()
    zone = None
    if not is_known_timezone(timezone):
        errors["timezone"] = _("Choose a time zone from the list.")
    else:
        zone = ZoneInfo(timezone)
    day = None
    match = _DATE.match((data.start_date or "").strip())
    try:
        day = date(*(int(part) for part in match.groups())) if match else None
    except ValueError:
        day = None
    if day is None:
        errors["start_date"] = _("Enter the start date as YYYY-MM-DD, e.g. 2026-12-01.")
    elif not MIN_YEAR <= day.year <= MAX_YEAR:
        errors["start_date"] = _(
            "Enter a date between %(first)s and %(last)s.", first=MIN_YEAR, last=MAX_YEAR
        )
        day = None
    clock = None
    match = _TIME.match((data.start_time or "").strip())
    try:
        clock = time(int(match["hour"]), int(match["minute"])) if match else None
    except ValueError:
        clock = None
    if clock is None:
        errors["start_time"] = _("Enter the start time as HH:MM, e.g. 09:00.")
    if zone is None or day is None or clock is None:
        return None
    local = datetime.combine(day, clock, tzinfo=zone)
    # A time skipped by a daylight-saving jump does not survive the round trip.
    if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        errors["start_time"] = _("This time does not exist in that time zone (clock change).")
        return None
    return local.astimezone(UTC)


def _parse_capacity(raw: str | int, errors: dict[str, str]) -> int:
    text = str(raw).strip()
    if not _WHOLE_NUMBER.match(text):
        errors["capacity"] = _("Enter the number of places as a whole number, e.g. 40.")
        return 0
    value = int(text)
    if value < 0:
        errors["capacity"] = _("The number of places cannot be negative.")
    elif value > MAX_CAPACITY:
        errors["capacity"] = _("The number of places can be at most %(max)s.", max=MAX_CAPACITY)
    return value


async def cohort_check(data: CohortInput, *, cohort_id: int | None = None) -> CleanCohort:
    """Validate ``data``; raises ValidationFailed naming every bad field."""
    errors: dict[str, str] = {}
    name = " ".join((data.name or "").split())
    if not name:
        errors["name"] = _("Please enter a name for the cohort.")
    elif len(name) > 100:
        errors["name"] = _("A name can be at most 100 characters long.")
    else:
        query = Cohort.exists().where(Cohort.name == name)
        if cohort_id is not None:
            query = query.where(Cohort.id != cohort_id)
        if await query:
            errors["name"] = _("Another cohort already has this name.")
    if data.department_id is not None:
        if not await Department.exists().where(Department.id == data.department_id):
            errors["department"] = _("This department does not exist.")
        elif cohort_id is not None and await Candidate.exists().where(
            (Candidate.cohort == cohort_id) & (Candidate.department != data.department_id)
        ):
            errors["department"] = _(
                "This cohort has candidates from other departments; "
                "it cannot belong to one department."
            )
    place = " ".join((data.place or "").split())
    if len(place) > 200:
        errors["place"] = _("A place can be at most 200 characters long.")
    starts_at = _parse_start(data, errors)
    capacity = _parse_capacity(data.capacity, errors)
    if errors:
        raise ValidationFailed(errors)
    assert starts_at is not None
    return CleanCohort(
        name=name,
        department_id=data.department_id,
        starts_at=starts_at,
        timezone=data.timezone.strip(),
        place=place,
        capacity=capacity,
    )


def _name_taken() -> ValidationFailed:
    return ValidationFailed({"name": _("Another cohort already has this name.")})


async def cohort_create(*, data: CohortInput) -> Cohort:
    clean = await cohort_check(data)
    cohort = Cohort(
        name=clean.name,
        department=clean.department_id,
        starts_at=clean.starts_at,
        timezone=clean.timezone,
        place=clean.place,
        capacity=clean.capacity,
    )
    with unique_violation_raises(_name_taken):
        async with write_transaction():
            await cohort.save()
    return cohort


async def cohort_update(*, cohort_id: int, data: CohortInput) -> Cohort:
    cohort = await cohort_get(cohort_id)
    clean = await cohort_check(data, cohort_id=cohort_id)
    cohort.name = clean.name
    cohort.department = clean.department_id
    cohort.starts_at = clean.starts_at
    cohort.timezone = clean.timezone
    cohort.place = clean.place
    cohort.capacity = clean.capacity
    with unique_violation_raises(_name_taken):
        async with write_transaction():
            await cohort.save()
    return cohort


async def cohort_get(cohort_id: int) -> Cohort:
    cohort = await Cohort.objects().get(Cohort.id == cohort_id)
    if cohort is None:
        raise NotFound(_("This cohort does not exist."))
    return cohort
