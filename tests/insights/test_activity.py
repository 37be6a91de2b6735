"""The activity record: buffered without queries, written in batches, bounded, kept by retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from portal.domain.insights import activity
from portal.domain.insights.activity import (
    activity_buffered,
    activity_flush,
    activity_record,
)
from portal.domain.insights.retention import activity_retention_apply
from portal.domain.insights.tables import ActivityDaily, ActivityEvent, CandidateActivity
from tests.factories import make_candidate, make_cohort, make_department, sign_in_candidate


async def test_recording_writes_nothing_until_the_flush():
    candidate = await make_candidate()
    activity_record(candidate.id, "page_view", area="home")
    activity_record(candidate.id, "lesson_opened", area="lesson", subject_id=7)

    assert activity_buffered() == 2
    assert await ActivityEvent.count() == 0

    assert await activity_flush() == 2
    assert activity_buffered() == 0
    rows = await ActivityEvent.select().order_by(ActivityEvent.id)
    assert [(r["kind"], r["area"], r["subject"]) for r in rows] == [
        ("page_view", "home", 0),
        ("lesson_opened", "lesson", 7),
    ]
    summary = await CandidateActivity.select().first()
    assert summary["candidate"] == candidate.id
    assert summary["events"] == 2 and summary["lessons_opened"] == 1


async def test_the_buffer_is_bounded_and_drops_the_oldest(monkeypatch):
    monkeypatch.setattr(activity, "MAX_BUFFERED", 5)
    for subject in range(8):
        activity_record(1, "page_view", area="home", subject_id=subject)
    assert activity_buffered() == 5
    assert [event.subject for event in activity._BUFFER] == [3, 4, 5, 6, 7]


async def test_reaching_the_batch_size_wakes_the_writer(settings_env):
    settings_env(ONRAMP_ACTIVITY_FLUSH_EVENTS="3")
    activity._WAKE.clear()
    activity_record(1, "page_view", area="home")
    activity_record(1, "page_view", area="home")
    assert not activity._WAKE.is_set()
    activity_record(1, "page_view", area="home")
    assert activity._WAKE.is_set()


async def test_the_writer_flushes_on_its_interval_and_on_stop(settings_env):
    settings_env(ONRAMP_ACTIVITY_FLUSH_SECONDS="0.05")
    candidate = await make_candidate()
    await activity.activity_writer_start()
    try:
        activity_record(candidate.id, "sign_in")
        for _ in range(100):
            if await ActivityEvent.count():
                break
            import asyncio

            await asyncio.sleep(0.02)
        assert await ActivityEvent.count() == 1
        activity_record(candidate.id, "page_view", area="home")
    finally:
        await activity.activity_writer_stop()
    # Shutdown wrote what was left.
    assert await ActivityEvent.count() == 2


async def test_page_views_are_recorded_by_area_without_a_query(client):
    candidate = await make_candidate()
    await sign_in_candidate(client, candidate)
    activity.activity_buffer_clear()
    for path in ("/", "/checklist", "/learning", "/resources", "/inbox", "/profile"):
        response = await client.get(path)
        assert response.status_code == 200, path
    await activity_flush()
    rows = await ActivityEvent.select(ActivityEvent.area).where(
        ActivityEvent.candidate == candidate.id
    )
    # /profile is no area worth a figure: not recorded.
    assert sorted(r["area"] for r in rows) == [
        "checklist",
        "home",
        "inbox",
        "learning",
        "resources",
    ]


async def test_signing_in_is_recorded(client):
    candidate = await make_candidate()
    await sign_in_candidate(client, candidate)
    await activity_flush()
    kinds = [r["kind"] for r in await ActivityEvent.select(ActivityEvent.kind)]
    assert "sign_in" in kinds


async def test_retention_sums_old_events_per_day_and_cohort_then_deletes_them(settings_env):
    settings_env(ONRAMP_ACTIVITY_RETENTION_DAYS="30")
    department = await make_department()
    cohort = await make_cohort(department)
    first = await make_candidate(department, cohort=cohort)
    second = await make_candidate(department, cohort=cohort)
    now = datetime(2026, 11, 29, 12, tzinfo=UTC)
    old = now - timedelta(days=40)
    for candidate in (first, first, second):
        activity_record(candidate.id, "page_view", area="home", now=old)
    activity_record(first.id, "page_view", area="home", now=now - timedelta(days=2))
    await activity_flush()

    result = await activity_retention_apply(now=now)

    assert result.deleted == 3
    assert await ActivityEvent.count() == 1
    daily = await ActivityDaily.select().first()
    assert daily["day"] == old.date()
    assert (daily["cohort"], daily["department"]) == (cohort.id, department.id)
    assert (daily["kind"], daily["area"], daily["events"], daily["candidates"]) == (
        "page_view",
        "home",
        3,
        2,
    )
    # Again: nothing more to do, the summary is not counted twice.
    assert (await activity_retention_apply(now=now)).deleted == 0
    assert await ActivityDaily.count() == 1
