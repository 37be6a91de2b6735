"""A message's time as the frames carry it: UTC with a "Z", the same however it was read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from portal.domain.rooms.messages import _iso

pytestmark = pytest.mark.one_database

NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC), "2026-01-02T03:04:05.678Z"),
        (datetime(2026, 1, 2, 3, 4, 5, 678901), "2026-01-02T03:04:05.678Z"),  # naive: UTC
        (
            datetime(2026, 1, 2, 11, 4, 5, tzinfo=timezone(timedelta(hours=8))),
            "2026-01-02T03:04:05.000Z",
        ),
        (datetime(2026, 1, 2), "2026-01-02T00:00:00.000Z"),
    ],
)
def test_the_time_in_utc_with_milliseconds(moment, text):
    assert _iso(moment) == text
    assert _iso(moment) == text  # read again: the remembered text is the same


def test_the_hour_repeated_when_clocks_go_back_keeps_both_times():
    """01:30 happens twice in New York on 2 November 2025; the two are equal as datetimes."""
    first = datetime(2025, 11, 2, 1, 30, tzinfo=NEW_YORK, fold=0)
    second = datetime(2025, 11, 2, 1, 30, tzinfo=NEW_YORK, fold=1)
    assert first == second
    assert _iso(first) == "2025-11-02T05:30:00.000Z"
    assert _iso(second) == "2025-11-02T06:30:00.000Z"
