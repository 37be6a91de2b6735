"""Deadlines: plain hours, and working hours through the schedule, holidays and 调休."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from portal.domain.sla.calendar import Calendar, sla_calendar_day_add
from portal.domain.sla.deadlines import business_deadline, deadline_for, question_deadline
from portal.domain.sla.policy import Policy, PolicyInput, sla_policy_save

SHANGHAI = ZoneInfo("Asia/Shanghai")
NINE_TO_SIX = {day: (time(9), time(18)) if day < 5 else None for day in range(7)}


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0, zone=SHANGHAI):
    return datetime(year, month, day, hour, minute, tzinfo=zone)


def shanghai_deadline(asked_at: datetime, hours: float = 24, calendar: Calendar | None = None):
    deadline = business_deadline(
        asked_at, hours, schedule=NINE_TO_SIX, zone=SHANGHAI, calendar=calendar
    )
    assert deadline.tzinfo is not None
    return deadline.astimezone(SHANGHAI)


# 2026-11-20 is a Friday.


def test_friday_afternoon_question_lands_on_wednesday_after_the_weekend():
    # Fri 17–18 (1 h), Mon 9 h, Tue 9 h, Wed 09:00 + 5 h.
    assert shanghai_deadline(local(2026, 11, 20, 17)) == local(2026, 11, 25, 14)


def test_a_holiday_on_monday_pushes_the_deadline_to_thursday():
    calendar = Calendar(holidays=frozenset({date(2026, 11, 23)}))
    assert shanghai_deadline(local(2026, 11, 20, 17), calendar=calendar) == local(2026, 11, 26, 14)


def test_question_asked_at_night_starts_counting_at_the_next_opening():
    # Tue 23:30 → counting starts Wed 09:00; 24 h = Wed 9, Thu 9, Fri 6 → Fri 15:00.
    assert shanghai_deadline(local(2026, 11, 17, 23, 30)) == local(2026, 11, 20, 15)
    # Before opening on the same day: Wed 06:00 → same as 09:00.
    assert shanghai_deadline(local(2026, 11, 18, 6)) == local(2026, 11, 20, 15)


def test_question_asked_on_a_holiday_starts_counting_on_the_next_working_day():
    calendar = Calendar(holidays=frozenset({date(2026, 10, day) for day in range(1, 8)}))
    # National Day week: asked Thu 1 Oct 10:00; closed until Thu 8 Oct 09:00.
    assert shanghai_deadline(local(2026, 10, 1, 10), hours=4, calendar=calendar) == local(
        2026, 10, 8, 13
    )


def test_make_up_working_day_on_a_saturday_counts():
    saturday = date(2026, 11, 21)
    calendar = Calendar(workdays={saturday: (time(9), time(18))})
    # Fri 17–18 (1 h), Sat 9 h, Mon 9 h, Tue 09:00 + 5 h.
    assert shanghai_deadline(local(2026, 11, 20, 17), calendar=calendar) == local(2026, 11, 24, 14)
    # A make-up day with shorter hours counts only those.
    short = Calendar(workdays={saturday: (time(10), time(12))})
    assert shanghai_deadline(local(2026, 11, 20, 17), calendar=short) == local(2026, 11, 25, 12)


def test_deadline_exactly_at_closing_time_stays_on_that_day():
    assert shanghai_deadline(local(2026, 11, 16, 9), hours=9) == local(2026, 11, 16, 18)


def test_question_asked_after_closing_on_friday_waits_for_monday():
    assert shanghai_deadline(local(2026, 11, 20, 18, 30), hours=1) == local(2026, 11, 23, 10)


def test_deadline_is_utc_and_independent_of_the_askers_zone():
    asked = local(2026, 11, 20, 17).astimezone(UTC)
    deadline = business_deadline(asked, 24, schedule=NINE_TO_SIX, zone=SHANGHAI)
    assert deadline.utcoffset() == timedelta(0)
    assert deadline == local(2026, 11, 25, 14)


def test_business_hours_in_a_zone_with_daylight_saving_time():
    berlin = ZoneInfo("Europe/Berlin")
    # Clocks go back on Sun 25 Oct 2026; the working days around it are ordinary days.
    asked = datetime(2026, 10, 23, 17, tzinfo=berlin)
    deadline = business_deadline(asked, 2, schedule=NINE_TO_SIX, zone=berlin)
    assert deadline.astimezone(berlin) == datetime(2026, 10, 26, 10, tzinfo=berlin)
    assert deadline == datetime(2026, 10, 26, 9, tzinfo=UTC)  # CET is UTC+1 again
    # A schedule open through the night of the change counts its 25 real hours.
    always = dict.fromkeys(range(7), (time(0), time(23, 59)))
    start = datetime(2026, 10, 25, 0, 0, tzinfo=berlin)
    end = business_deadline(start, 23.5, schedule=always, zone=berlin)
    assert end - start.astimezone(UTC) == timedelta(hours=23, minutes=30)
    assert end.astimezone(berlin) == datetime(2026, 10, 25, 22, 30, tzinfo=berlin)


def test_new_york_evening_question_counts_in_new_york_hours():
    new_york = ZoneInfo("America/New_York")
    asked = datetime(2026, 11, 20, 17, tzinfo=new_york)  # Friday 17:00 EST
    deadline = business_deadline(asked, 24, schedule=NINE_TO_SIX, zone=new_york)
    assert deadline.astimezone(new_york) == datetime(2026, 11, 25, 14, tzinfo=new_york)


def test_plain_mode_adds_hours_around_the_clock():
    policy = Policy(deadline_hours=24, business_hours_only=False)
    asked = local(2026, 11, 20, 17)
    assert deadline_for(asked, policy) == asked + timedelta(hours=24)
    naive = datetime(2026, 11, 20, 9, 0)
    assert deadline_for(naive, policy) == datetime(2026, 11, 21, 9, tzinfo=UTC)


def test_a_calendar_without_any_open_hour_falls_back_to_plain_hours():
    closed = dict.fromkeys(range(7))
    asked = local(2026, 11, 20, 17)
    assert business_deadline(asked, 24, schedule=closed, zone=SHANGHAI) == asked + timedelta(
        hours=24
    )


def _policy_input(**changes) -> PolicyInput:
    values = {
        "deadline_hours": "24",
        "warning_hours": "4",
        "business_hours_only": True,
        "timezone": "Asia/Shanghai",
        "schedule": {day: (day < 5, "09:00", "18:00") for day in range(7)},
        "webhook_url": "",
    }
    values.update(changes)
    return PolicyInput(**values)


async def test_question_deadline_defaults_to_24_hours_later():
    asked = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    assert await question_deadline(asked) == asked + timedelta(hours=24)


async def test_question_deadline_follows_the_saved_policy_and_calendar():
    await sla_policy_save(data=_policy_input())
    await sla_calendar_day_add(day="2026-11-23", kind="holiday", name="公司庆典")
    await sla_calendar_day_add(
        day="2026-11-21", kind="workday", name="调休", opens="09:00", closes="18:00"
    )
    deadline = await question_deadline(local(2026, 11, 20, 17))
    # Fri 1 h, Sat (调休) 9 h, Mon holiday, Tue 9 h, Wed 09:00 + 5 h.
    assert deadline.astimezone(SHANGHAI) == local(2026, 11, 25, 14)

    await sla_policy_save(data=_policy_input(business_hours_only=False, deadline_hours="12"))
    asked = local(2026, 11, 20, 17)
    assert await question_deadline(asked) == asked + timedelta(hours=12)
