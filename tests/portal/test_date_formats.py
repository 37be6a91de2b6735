"""Dates as people read them: Babel's text, made once per value, zone, format and language."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date, format_datetime, format_time

from portal.i18n import (
    _current_locale,
    format_local_date,
    format_local_datetime,
    format_local_time,
    set_locale,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _locale_restored():
    token = set_locale("zh_CN")
    yield
    _current_locale.reset(token)


def test_the_text_is_babels_in_each_language_and_format():
    moment = datetime(2026, 12, 1, 1, 30, tzinfo=UTC)
    for locale in ("zh_CN", "en"):
        set_locale(locale)
        for fmt in ("short", "medium", "long"):
            for _twice in range(2):  # the second answer comes from the cache
                assert format_local_datetime(moment, fmt) == format_datetime(
                    moment, format=fmt, locale=locale
                )
                assert format_local_date(moment.date(), fmt) == format_date(
                    moment.date(), format=fmt, locale=locale
                )
        assert format_local_time(moment) == format_time(moment, format="short", locale=locale)


def test_the_same_instant_in_two_zones_reads_differently():
    utc = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)
    shanghai = utc.astimezone(SHANGHAI)
    assert utc == shanghai  # equal as instants: the cache must not mix them up
    assert format_local_datetime(utc, "short") != format_local_datetime(shanghai, "short")
    assert format_local_datetime(shanghai, "short") == format_datetime(
        shanghai, format="short", locale="zh_CN"
    )
    assert format_local_date(shanghai) == format_date(shanghai, locale="zh_CN")
    assert format_local_date(date(2026, 12, 2)) == format_date(date(2026, 12, 2), locale="zh_CN")
