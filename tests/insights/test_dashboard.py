"""Each dashboard figure on a small known dataset, the CSV, and bad or out-of-scope filters."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, time, timedelta

from portal.domain.candidates.tables import Candidate
from portal.domain.checklist.tables import ChecklistSubmission, ChecklistTemplate
from portal.domain.insights.activity import activity_flush, activity_record
from portal.domain.insights.content import content_figures
from portal.domain.insights.dashboard import dashboard_figures
from portal.domain.insights.selection import Selection
from portal.domain.learning.tables import Course, QuizAttempt
from portal.domain.messaging.tables import OutboxMessage
from portal.domain.rooms.tables import Room, RoomMessage, RoomQuestion
from tests.factories import make_candidate, make_cohort, make_department

MIDNIGHT = datetime.combine(datetime.now(UTC).date(), time(), tzinfo=UTC)
NOW = datetime.now(UTC)


async def _dataset():
    """Cohort of 5 (capacity 5): A, B, C active, W withdrawn, J started."""
    department = await make_department()
    cohort = await make_cohort(department, starts_at=MIDNIGHT + timedelta(days=20), capacity=5)
    people = {}
    for name in "ABCWJ":
        people[name] = await make_candidate(department, cohort=cohort, name=name)
    await Candidate.update({Candidate.created_at: MIDNIGHT - timedelta(days=5)}).where(
        Candidate.cohort == cohort.id
    )
    await Candidate.update(
        {Candidate.status: "withdrawn", Candidate.withdraw_reason: "=cmd|' /C calc'!A0"}
    ).where(Candidate.id == people["W"].id)
    await Candidate.update({Candidate.status: "joined"}).where(Candidate.id == people["J"].id)
    a, b = people["A"].id, people["B"].id
    activity_record(a, "page_view", area="home", now=NOW - timedelta(days=2))
    activity_record(b, "page_view", area="home", now=NOW - timedelta(days=10))
    course = Course(title="安全第一课", status="published", audience="everyone")
    await course.save()
    for who in (a, a, b):
        activity_record(
            who, "lesson_opened", area="lesson", subject_id=course.id, now=NOW - timedelta(days=10)
        )
    # A's lesson views are older: A's last visit stays 2 days ago.
    await activity_flush()
    await QuizAttempt(
        token="t" * 40, candidate=a, course=course.id, submitted_at=NOW, passed=True
    ).save()
    template = ChecklistTemplate(title="健康证", days_before_start=30, status="active")
    await template.save()
    await ChecklistSubmission(candidate=a, template=template.id, status="submitted").save()
    room = Room(name="第1期", cohort=cohort.id)
    await room.save()
    for number, answered in enumerate((NOW - timedelta(hours=30), None, NOW)):
        message = RoomMessage(
            room=room.id,
            author_candidate=a,
            author_key=f"c{a}",
            client_id=f"q{number}",
            kind="question",
            body="?",
        )
        await message.save()
        await RoomQuestion(
            message=message.id,
            room=room.id,
            asker=a,
            asked_at=NOW - timedelta(hours=40),
            deadline_at=NOW - timedelta(hours=16),
            answered_at=answered,
            status="answered" if answered else "open",
        ).save()
    for number, read in enumerate((NOW, None)):
        await OutboxMessage(
            dedupe_key=f"m{number}",
            channel="inbox",
            category="announcement",
            candidate=a,
            body="开营通知",
            subject="开营通知",
            status="sent",
            read_at=read,
        ).save()
    return department, cohort, people, course


def _selection(cohort=None, department=None, scope=None):
    return Selection(
        start=MIDNIGHT.date() - timedelta(days=29),
        end=MIDNIGHT.date(),
        cohort_id=cohort,
        department_id=department,
        scope=scope,
    )


async def test_funnel_figures():
    department, cohort, _people, _course = await _dataset()
    funnel = (await dashboard_figures(_selection(cohort.id))).funnel
    assert (funnel.total, funnel.active, funnel.withdrawn, funnel.started) == (5, 3, 1, 1)
    assert funnel.withdrawal_rate == 0.2
    assert funnel.planned == 5
    assert funnel.stages[0][1] == 3 and sum(count for _l, count in funnel.stages) == 3
    assert funnel.reasons == [("=cmd|' /C calc'!A0", 1)]
    assert (funnel.offer_to_start_median, funnel.offer_to_start_max) == (25, 25)
    assert sum(added for _w, added, _x in funnel.weeks) == 5
    # Each was added at the first stage this week (the stage history).
    assert funnel.stage_weeks[-1][1][0] == 5
    assert sum(sum(counts) for _week, counts in funnel.stage_weeks) == 5


async def test_engagement_figures():
    _department, cohort, _people, _course = await _dataset()
    figures = (await dashboard_figures(_selection(cohort.id))).engagement
    assert (figures.active, figures.weekly_active) == (3, 1)
    assert figures.median_days_since_visit == 6  # 2 and 10 days
    assert figures.never_visited == 1
    assert (figures.courses_passed, figures.courses_due) == (1, 3)
    assert (figures.checklist_handed, figures.checklist_due) == (1, 3)
    assert (figures.questions_asked, figures.questions_within_sla) == (3, 1)
    assert (figures.inbox_read, figures.inbox_sent) == (1, 2)


async def test_content_figures():
    _department, cohort, _people, course = await _dataset()
    content = await content_figures(_selection(cohort.id))
    assert [(i.name, i.candidates, i.events) for i in content.lessons] == [("安全第一课", 2, 3)]


async def test_another_departments_selection_sees_none_of_it():
    _department, cohort, _people, _course = await _dataset()
    other = await make_department()
    figures = await dashboard_figures(_selection(scope=other.id))
    assert figures.funnel.total == 0 and figures.engagement.weekly_active == 0


async def test_the_page_and_the_csv(staff_client):
    _department, cohort, _people, _course = await _dataset()
    hr = await staff_client("hr")
    page = await hr.get(f"/admin/insights?cohort={cohort.id}")
    assert page.status_code == 200
    assert 'data-figure="withdrawal-rate">20%' in page.text
    assert "<svg" in page.text
    content = await hr.get(f"/admin/insights/content?cohort={cohort.id}")
    assert content.status_code == 200 and "安全第一课" in content.text

    response = await hr.get(f"/admin/insights/csv?cohort={cohort.id}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    reasons = [row for row in rows if row[1].endswith("calc'!A0")]
    assert reasons and reasons[0][1].startswith("'=")  # formula-safe
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


async def test_bad_filters_are_refused_with_the_reason(staff_client):
    department, cohort, _people, _course = await _dataset()
    hr = await staff_client("hr")
    for query, field in (
        ("start=2026-13-40", "start"),
        ("start=2026-10-10&end=2026-10-01", "start"),
        ("start=2026-10-10&end=0001-01-01", "end"),  # was an OverflowError, a 500
        ("start=9999-12-01&end=9999-12-31", "start"),
        ("cohort=999999", "cohort"),
        ("cohort=abc", "cohort"),
        ("department=999999", "department"),
    ):
        for path in ("/admin/insights", "/admin/insights/csv", "/admin/insights/content"):
            response = await hr.get(f"{path}?{query}")
            assert response.status_code == 400, (path, query)
            assert f'data-testid="error-{field}"' in response.text


async def test_a_manager_sees_their_department_only(staff_client):
    department, cohort, _people, _course = await _dataset()
    other = await make_department()
    manager = await staff_client("manager", department=other)
    for query in (f"cohort={cohort.id}", f"department={department.id}"):
        response = await manager.get(f"/admin/insights?{query}")
        assert response.status_code == 400
        csv_response = await manager.get(f"/admin/insights/csv?{query}")
        assert csv_response.status_code == 400
    own = await manager.get("/admin/insights")
    assert own.status_code == 200
    assert 'data-figure="total">0<' in own.text
    own_manager = await staff_client("manager", department=department)
    mine = await own_manager.get("/admin/insights")
    assert 'data-figure="total">5<' in mine.text


async def test_funnel_counts_the_reason_recorded_with_the_withdrawal():
    """The talent pool's structured reason wins over the typed note; older withdrawals
    (no recorded reason) still count their note."""
    from portal.domain.candidates.records import candidate_set_status
    from portal.domain.talent.labels import talent_label
    from portal.domain.talent.tables import TalentReason
    from portal.domain.talent.withdrawal import WithdrawalInput

    department, cohort, people, _course = await _dataset()
    for name in "AB":
        await candidate_set_status(
            candidate_id=people[name].id,
            status="withdrawn",
            withdrawal=WithdrawalInput(reason_code="commute", text="太远了"),
        )
    funnel = (await dashboard_figures(_selection(cohort.id))).funnel
    reasons = dict(funnel.reasons)
    assert funnel.withdrawn == 3
    assert reasons["=cmd|' /C calc'!A0"] == 1
    commute = await TalentReason.select(TalentReason.label).where(TalentReason.code == "commute")
    assert funnel.reasons[0] == (talent_label(commute[0]["label"]), 2)
    assert "太远了" not in reasons  # the listed reason is counted, not the free text
