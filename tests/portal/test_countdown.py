from __future__ import annotations

from datetime import UTC, datetime

from portal.domain.candidates.countdown import countdown_to

SHANGHAI = "Asia/Shanghai"


def _start(day: int, hour: int = 1) -> datetime:
    # 01:00 UTC is 09:00 in Shanghai.
    return datetime(2026, 12, day, hour, 0, tzinfo=UTC)


def test_days_are_counted_in_calendar_days_of_the_cohort_zone():
    now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    countdown = countdown_to(_start(5), SHANGHAI, now)
    assert countdown.days == 12
    assert countdown.state == "upcoming"
    assert countdown.starts_at_local.hour == 9


def test_late_evening_before_reads_tomorrow():
    now = datetime(2026, 12, 4, 14, 0, tzinfo=UTC)  # 22:00 in Shanghai, start at 09:00 next day
    assert countdown_to(_start(5), SHANGHAI, now).state == "tomorrow"


def test_utc_date_differs_but_shanghai_day_is_today():
    # 23:30 UTC on the 4th is already 07:30 on the 5th in Shanghai.
    now = datetime(2026, 12, 4, 23, 30, tzinfo=UTC)
    countdown = countdown_to(_start(5), SHANGHAI, now)
    assert (countdown.days, countdown.state) == (0, "today")


def test_after_the_start_day_it_has_started():
    now = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
    assert countdown_to(_start(5), SHANGHAI, now).state == "started"


def test_other_time_zone_is_respected():
    start = datetime(2026, 12, 5, 15, 0, tzinfo=UTC)  # 10:00 in New York
    now = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)  # 22:00 on the 4th in New York
    assert countdown_to(start, "America/New_York", now).state == "tomorrow"
    assert countdown_to(start, SHANGHAI, now).state == "today"
