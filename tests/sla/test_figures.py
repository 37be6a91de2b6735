"""SLA figures: shares, percentiles, open and breached counts, per cohort and responder."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest

from portal.domain.errors import ValidationFailed
from portal.domain.rooms.tables import RoomQuestion
from portal.domain.sla.figures import parse_period, percentile, sla_figures
from tests.factories import make_candidate, make_cohort, make_department, make_staff, sign_in_staff
from tests.sla.helpers import category_named, make_question, make_room

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_percentile_interpolates_between_closest_ranks():
    assert percentile([], 50) is None
    assert percentile([7], 90) == 7
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([4, 1, 3, 2], 50) == 2.5  # order does not matter
    # numpy.percentile([1..10], 90) == 9.1
    assert percentile(list(range(1, 11)), 90) == pytest.approx(9.1)
    assert percentile([10, 20], 90) == pytest.approx(19)
    assert percentile([1, 2, 3], 100) == 3 and percentile([1, 2, 3], 0) == 1


def test_period_defaults_and_validation():
    today = date(2026, 11, 20)
    assert parse_period(None, None, today=today) == (date(2026, 10, 22), today)
    assert parse_period("2026-11-01", "2026-11-10", today=today) == (
        date(2026, 11, 1),
        date(2026, 11, 10),
    )
    for start, end in [("2026-11-10", "2026-11-01"), ("2026-13-01", ""), ("x", ""), ("", "1/2")]:
        with pytest.raises(ValidationFailed):
            parse_period(start, end, today=today)
    with pytest.raises(ValidationFailed):
        parse_period("2020-01-01", "2026-01-01", today=today)


async def _answered(room, asker, staff, *, asked_hours_ago, took_hours, deadline_hours=24):
    asked_at = NOW - timedelta(hours=asked_hours_ago)
    question = await make_question(
        room, asker, asked_at=asked_at, deadline_at=asked_at + timedelta(hours=deadline_hours)
    )
    await RoomQuestion.update(
        {
            RoomQuestion.status: "answered",
            RoomQuestion.answered_at: asked_at + timedelta(hours=took_hours),
            RoomQuestion.answered_by: staff.id,
        }
    ).where(RoomQuestion.id == question.id)
    return question


async def _scenario():
    department = await make_department("生产部")
    first = await make_cohort(department, name="一期")
    second = await make_cohort(department, name="二期")
    alice = await make_candidate(department, cohort=first, name="甲")
    bob = await make_candidate(department, cohort=second, name="乙")
    room_one, room_two = await make_room(first), await make_room(second)
    hr = await make_staff("hr", email="li@example.com")
    hr.name = "李老师"
    await hr.save()
    # Cohort 一期: answered in 1 h, 2 h, 3 h, and 30 h (late: deadline 24 h).
    for took in (1, 2, 3, 30):
        await _answered(room_one, alice, hr, asked_hours_ago=48, took_hours=took)
    # Cohort 二期: one open and overdue, one open and not yet due, one closed (ignored).
    asked = NOW - timedelta(hours=30)
    await make_question(room_two, bob, asked_at=asked, deadline_at=asked + timedelta(hours=24))
    await make_question(
        room_two, bob, asked_at=NOW - timedelta(hours=1), deadline_at=NOW + timedelta(hours=23)
    )
    await make_question(room_two, bob, asked_at=NOW - timedelta(hours=2), status="closed")
    # Asked before the period: not counted.
    await make_question(room_two, bob, asked_at=NOW - timedelta(days=60))
    return hr


async def test_figures_per_cohort_and_responder():
    hr = await _scenario()
    figures = await sla_figures(hr, start=date(2026, 11, 1), end=date(2026, 11, 20), now=NOW)
    total = figures.total
    assert (total.asked, total.answered, total.open, total.breached) == (6, 4, 2, 2)
    # Known outcomes: 4 answered + 1 overdue; 3 of them in time.
    assert total.within_sla_share == pytest.approx(3 / 5)
    one, two = figures.by_cohort
    assert (one.name, two.name) == ("一期", "二期")
    assert one.median_seconds == 2.5 * 3600
    assert one.p90_seconds == pytest.approx((3 + 0.7 * 27) * 3600)  # 3 h + 0.7 of (30 h − 3 h)
    assert one.within_sla_share == 0.75 and one.breached == 1 and one.open == 0
    assert two.median_seconds is None and two.within_sla_share == 0
    assert (two.open, two.breached) == (2, 1)
    responders = {group.name: group for group in figures.by_responder}
    assert set(responders) == {"李老师", "未分配(HR)"}
    assert responders["李老师"].answered == 4
    assert responders["未分配(HR)"].open == 2


async def test_manager_figures_cover_only_their_routed_questions():
    department = await make_department()
    cohort = await make_cohort(department)
    asker = await make_candidate(department, cohort=cohort)
    room = await make_room(cohort)
    duties = await category_named("岗位职责")
    await make_question(room, asker, category=duties, asked_at=NOW - timedelta(hours=1))
    await make_question(room, asker, asked_at=NOW - timedelta(hours=1))
    manager = await make_staff("manager", department=department)
    figures = await sla_figures(manager, start=date(2026, 11, 20), end=date(2026, 11, 20), now=NOW)
    assert figures.total.asked == 1
    assert figures.by_responder[0].name == "未分配(部门经理)"


async def test_figures_page_and_csv_export(client):
    hr = await _scenario()
    await sign_in_staff(client, hr)
    page = await client.get("/admin/questions/figures?start=2026-11-01&end=2026-11-20")
    assert page.status_code == 200
    assert 'data-testid="figures-cohort"' in page.text and "一期" in page.text
    response = await client.get("/admin/questions/figures/csv?start=2026-11-01&end=2026-11-20")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "sla-figures-2026-11-01-2026-11-20.csv" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "分组"
    by_name = {row[1]: row for row in rows[1:]}
    # The asked-at times are relative to a fixed date, so "now" here is later: every open
    # question is overdue by now.
    # The last two: "was this helpful?" votes (none here).
    assert by_name["一期"][2:] == ["4", "4", "75%", "2.5", "21.9", "0", "1", "0", "0"]
    assert by_name["全部问题"][2] == "6"


async def test_csv_cells_cannot_smuggle_formulas(client):
    department = await make_department()
    cohort = await make_cohort(department, name='=HYPERLINK("http://evil")')
    asker = await make_candidate(department, cohort=cohort)
    room = await make_room(cohort)
    await make_question(room, asker, asked_at=NOW)
    hr = await make_staff("hr")
    await sign_in_staff(client, hr)
    response = await client.get("/admin/questions/figures/csv?start=2026-11-20&end=2026-11-20")
    text = response.content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text


async def test_bad_period_is_refused_with_a_message(client):
    hr = await make_staff("hr")
    await sign_in_staff(client, hr)
    page = await client.get("/admin/questions/figures?start=2026-11-20&end=2026-11-01")
    assert page.status_code == 400
    assert 'data-testid="error-start"' in page.text
    response = await client.get("/admin/questions/figures/csv?start=nonsense")
    assert response.status_code == 400
    # The ends of the calendar were an OverflowError (a 500): a date error like any other.
    for query, field in (("end=0001-01-01", "end"), ("start=9999-12-01&end=9999-12-31", "start")):
        page = await client.get(f"/admin/questions/figures?{query}")
        assert page.status_code == 400, query
        assert f'data-testid="error-{field}"' in page.text, query
