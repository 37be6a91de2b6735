"""The activity record: buffered without queries, written in batches, bounded, kept by retention."""

from __future__ import annotations

import asyncio
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


async def test_retention_run_by_two_workers_at_once_counts_each_event_once(settings_env):
    """Every worker's risk watcher runs the retention, and they start together."""
    settings_env(ONRAMP_ACTIVITY_RETENTION_DAYS="30")
    department = await make_department()
    cohort = await make_cohort(department)
    candidates = [await make_candidate(department, cohort=cohort) for _ in range(3)]
    now = datetime(2026, 11, 29, 12, tzinfo=UTC)
    for days in (40, 41, 45):
        for candidate in candidates:
            activity_record(candidate.id, "page_view", area="home", now=now - timedelta(days=days))
    await activity_flush()

    results = await asyncio.gather(*(activity_retention_apply(now=now) for _ in range(3)))

    assert sum(result.deleted for result in results) == 9
    assert await ActivityEvent.count() == 0
    daily = await ActivityDaily.select().order_by(ActivityDaily.day)
    assert [(row["events"], row["candidates"]) for row in daily] == [(3, 3)] * 3


async def test_two_workers_writing_a_new_candidates_first_events_at_once_both_land():
    """Each worker flushes its own buffer: both may see no summary row for a new candidate.
    Every event is written and the summary adds both batches up (it used to insert twice,
    and the second batch failed on the unique candidate)."""
    first, second = await make_candidate(), await make_candidate()
    start = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)

    def batch(minutes: list[int], kind: str) -> list[activity.Activity]:
        return [
            activity.Activity(candidate.id, kind, "home", 0, start + timedelta(minutes=m))
            for candidate in (first, second)
            for m in minutes
        ]

    for round_number in range(3):
        offset = 100 * round_number
        await asyncio.gather(
            activity.activity_write(batch([offset + 5, offset + 9], "page_view")),
            activity.activity_write(batch([offset + 1], "sign_in")),
            activity.activity_write(batch([offset + 20, offset + 3], "lesson_opened")),
        )
    assert await ActivityEvent.count() == 2 * 3 * 5
    summaries = await CandidateActivity.select().order_by(CandidateActivity.candidate)
    assert [row["candidate"] for row in summaries] == [first.id, second.id]
    for row in summaries:
        assert row["events"] == 15
        assert row["sign_ins"] == 3
        assert row["lessons_opened"] == 6
        assert row["first_active_at"] == start + timedelta(minutes=1)
        assert row["last_active_at"] == start + timedelta(minutes=220)


async def test_a_later_batch_widens_the_summary_in_both_directions():
    candidate = await make_candidate()
    noon = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
    await activity.activity_write([activity.Activity(candidate.id, "page_view", "home", 0, noon)])
    await activity.activity_write(
        [
            activity.Activity(candidate.id, "sign_in", "", 0, noon - timedelta(hours=1)),
            activity.Activity(candidate.id, "page_view", "home", 0, noon + timedelta(seconds=1)),
        ]
    )
    row = (
        await CandidateActivity.select().where(CandidateActivity.candidate == candidate.id).first()
    )
    assert (row["first_active_at"], row["last_active_at"]) == (
        noon - timedelta(hours=1),
        noon + timedelta(seconds=1),
    )
    assert (row["events"], row["sign_ins"], row["lessons_opened"]) == (3, 1, 0)
