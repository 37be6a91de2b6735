"""Drop-out risk: reasons in plain words, stored with inputs and version, seen by HR and the
department's manager only, and the one-tap interventions."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from portal.domain.checklist.tables import ChecklistTemplate
from portal.domain.insights.activity import activity_flush, activity_record
from portal.domain.insights.risk import risk_recompute
from portal.domain.insights.scorecard import SCORECARD_VERSION, reason_text, scorecard_score
from portal.domain.insights.tables import RiskAssessment, RiskIntervention
from portal.domain.messaging.tables import OutboxMessage
from portal.i18n import reset_locale, set_locale
from tests.factories import (
    make_candidate,
    make_cohort,
    make_department,
    sign_in_as,
    sign_in_candidate,
)
from tests.insights.helpers import csrf, form_key_of


def test_the_scorecard_adds_points_and_names_its_reasons():
    scored = scorecard_score(
        {"days_inactive": 8, "overdue_items": 2, "course_not_started": 1, "unread_inbox": 1}
    )
    assert scored.score == 35 + 24 + 15
    assert scored.band == "high"
    assert [r["code"] for r in scored.reasons] == ["inactive", "overdue", "course_not_started"]
    assert scorecard_score({"days_inactive": 4}).band == "low"
    assert scorecard_score({"days_inactive": 9, "overdue_items": 9}).score == 35 + 36


def test_reasons_read_in_chinese_and_english():
    token = set_locale("zh_CN")
    try:
        assert reason_text({"code": "inactive", "value": 7}) == "7 天未登录"
        assert reason_text({"code": "overdue", "value": 2}) == "2 项材料已逾期"
        assert reason_text({"code": "course_not_started"}) == "课程未开始"
        assert reason_text({"code": "question_waiting", "value": 30}) == "提问 30 小时未回答"
    finally:
        reset_locale(token)
    token = set_locale("en")
    try:
        assert reason_text({"code": "inactive", "value": 7}) == "Not signed in for 7 days"
    finally:
        reset_locale(token)


async def _drifting_candidate(department=None):
    """Added 10 days ago, never active, one document 3 days overdue."""
    department = department or await make_department()
    cohort = await make_cohort(department, starts_at=datetime.now(UTC) + timedelta(days=4))
    candidate = await make_candidate(department, cohort=cohort, name="李四")
    await candidate.update_self({"created_at": datetime.now(UTC) - timedelta(days=10)})
    await ChecklistTemplate(title="健康证", days_before_start=7, status="active").save()
    return candidate


async def test_recompute_stores_score_inputs_and_model_version_and_writes_only_changes():
    candidate = await _drifting_candidate()
    first = await risk_recompute()
    assert (first.scored, first.written) == (1, 1)
    row = await RiskAssessment.select().first()
    assert row["model_version"] == SCORECARD_VERSION and row["is_current"]
    assert json.loads(row["inputs"])["days_inactive"] == 10
    assert json.loads(row["inputs"])["overdue_items"] == 1
    assert row["score"] == 35 + 12 and row["band"] == "watch"

    assert (await risk_recompute()).written == 0  # nothing changed

    activity_record(candidate.id, "sign_in")
    await activity_flush()
    assert (await risk_recompute(candidate_ids=[candidate.id])).written == 1
    rows = await RiskAssessment.select().order_by(RiskAssessment.id)
    assert [r["is_current"] for r in rows] == [False, True]
    assert rows[1]["score"] == 12  # the overdue document is what is left
    assert json.loads(rows[0]["inputs"])["days_inactive"] == 10  # last week's, explained


async def test_recomputes_at_once_leave_one_current_score():
    """Each worker recomputes on its own schedule (and the CLI may run beside them): two that
    read the same current rows wrote a current row each for the same candidate."""
    import asyncio

    candidate = await _drifting_candidate()
    other = await make_candidate(name="王五")
    results = await asyncio.gather(*(risk_recompute() for _ in range(3)))
    rows = await RiskAssessment.select().where(RiskAssessment.is_current == True)  # noqa: E712
    assert sorted(row["candidate"] for row in rows) == sorted([candidate.id, other.id])
    assert sum(result.written for result in results) == 2  # one writer wrote, the others saw it


async def test_a_full_recompute_does_not_overwrite_a_newer_score_with_its_older_one(
    monkeypatch,
):
    """Worker B's hourly recompute read everyone's activity; meanwhile the candidate came back
    and worker A rescored them. B's older score must not become current again."""
    import contextlib

    from portal.domain.insights import risk

    candidate = await _drifting_candidate()
    started = datetime.now(UTC)
    real_transaction = risk.write_transaction
    came_back: list[bool] = []

    @contextlib.asynccontextmanager
    async def rescored_meanwhile():
        if not came_back:
            came_back.append(True)
            activity_record(candidate.id, "sign_in", now=started + timedelta(seconds=1))
            await activity_flush()
            await risk.risk_recompute(
                candidate_ids=[candidate.id], now=started + timedelta(seconds=2)
            )
        async with real_transaction():
            yield

    monkeypatch.setattr(risk, "write_transaction", rescored_meanwhile)
    assert (await risk.risk_recompute(now=started)).written == 0
    [current] = await RiskAssessment.select().where(RiskAssessment.is_current == True)  # noqa: E712
    assert current["score"] == 12  # the newer score: signed in, one document overdue
    assert current["computed_at"] == started + timedelta(seconds=2)
    assert await RiskAssessment.count() == 1


async def test_hr_sees_the_list_with_reasons_highest_first(client, staff_client):
    drifting = await _drifting_candidate()
    calm = await make_candidate(name="王五")
    activity_record(calm.id, "sign_in")
    await activity_flush()
    await risk_recompute()
    hr = await staff_client("hr")

    page = await hr.get("/admin/insights/risk")

    assert page.status_code == 200
    html = page.text
    assert html.index("李四") < html.index("王五")
    assert "10 天未登录" in html and "1 项材料已逾期" in html
    assert f"/admin/insights/risk/candidates/{drifting.id}" in html


async def test_a_manager_sees_their_department_only(staff_client):
    mine = await make_department()
    theirs = await make_department()
    own = await _drifting_candidate(mine)
    other = await make_candidate(theirs, name="赵六")
    await risk_recompute()
    manager = await staff_client("manager", department=mine)

    page = await manager.get("/admin/insights/risk")
    assert own.name in page.text and "赵六" not in page.text
    response = await manager.get(f"/admin/insights/risk/candidates/{other.id}")
    assert response.status_code == 404
    response = await manager.post(
        f"/admin/insights/risk/candidates/{other.id}/message",
        data={"body": "hi", "form_key": "a" * 32, "_csrf_token": csrf(manager)},
    )
    assert response.status_code == 404
    assert await OutboxMessage.count() == 0


async def test_candidates_never_see_risk(client):
    candidate = await _drifting_candidate()
    await risk_recompute()
    await sign_in_candidate(client, candidate)
    for path in ("/admin/insights/risk", f"/admin/insights/risk/candidates/{candidate.id}"):
        response = await client.get(path, follow_redirects=False)
        assert response.status_code in (302, 303, 307)
        assert response.headers["location"].startswith("/admin/login")
    home = await client.get("/")
    assert home.status_code == 200
    assert "未登录" not in home.text and "risk" not in home.text.lower()


async def test_one_tap_message_goes_through_the_outbox_once(staff_client):
    candidate = await _drifting_candidate()
    await risk_recompute()
    hr = await staff_client("hr")
    page = await hr.get(f"/admin/insights/risk/candidates/{candidate.id}")
    assert page.status_code == 200
    key = form_key_of(page.text)
    assert "李四" in page.text  # the template per reason names them
    form = {
        "reason": "inactive",
        "body": "李四你好，最近还好吗？",
        "form_key": key,
        "_csrf_token": csrf(hr),
    }

    sent = await hr.post(f"/admin/insights/risk/candidates/{candidate.id}/message", data=form)
    again = await hr.post(f"/admin/insights/risk/candidates/{candidate.id}/message", data=form)

    assert sent.status_code == 303 and again.status_code == 303
    messages = await OutboxMessage.select().where(OutboxMessage.candidate == candidate.id)
    assert len(messages) == 1
    assert messages[0]["channel"] == "inbox" and messages[0]["body"] == "李四你好，最近还好吗？"
    intervention = await RiskIntervention.select().first()
    assert intervention["outbox_message"] == messages[0]["id"]
    assert intervention["score"] == 47 and intervention["kind"] == "message"
    # In the candidate's admin history.
    history = await hr.get(f"/admin/candidates/{candidate.id}")
    assert "李四你好，最近还好吗？" in history.text


async def test_activity_within_72_hours_marks_the_intervention_followed(staff_client):
    candidate = await _drifting_candidate()
    hr = await staff_client("hr")
    page = await hr.get(f"/admin/insights/risk/candidates/{candidate.id}")
    await hr.post(
        f"/admin/insights/risk/candidates/{candidate.id}/message",
        data={"body": "你好", "form_key": form_key_of(page.text), "_csrf_token": csrf(hr)},
    )
    activity_record(candidate.id, "page_view", area="inbox")
    await activity_flush()
    row = await RiskIntervention.select().first()
    assert row["followed_at"] is not None
    await risk_recompute()
    listing = await hr.get("/admin/insights/risk")
    assert 'data-testid="followed"' in listing.text


async def test_bad_messages_and_tasks_are_refused_with_nothing_written(staff_client):
    candidate = await _drifting_candidate()
    hr = await staff_client("hr")
    page = await hr.get(f"/admin/insights/risk/candidates/{candidate.id}")
    key = form_key_of(page.text)
    url = f"/admin/insights/risk/candidates/{candidate.id}"
    for data in (
        {"body": "   ", "form_key": key},
        {"body": "x" * 1001, "form_key": key},
        {"body": "hi", "form_key": "not-a-key"},
        {"body": "hi", "form_key": key, "reason": "<script>"},
    ):
        response = await hr.post(url + "/message", data={**data, "_csrf_token": csrf(hr)})
        assert response.status_code == 400, data
    for data in (
        {"assignee": "", "due_on": "2030-01-01"},
        {"assignee": "999999", "due_on": "2030-01-01"},
        {"assignee": "1", "due_on": "yesterday"},
        {"assignee": "1", "due_on": "2001-01-01"},
    ):
        response = await hr.post(
            url + "/task", data={**data, "form_key": key, "_csrf_token": csrf(hr)}
        )
        assert response.status_code == 400, data
    assert await RiskIntervention.count() == 0
    assert await OutboxMessage.count() == 0


async def test_a_follow_up_task_for_the_department_manager(staff_client):
    department = await make_department()
    candidate = await _drifting_candidate(department)
    hr = await staff_client("hr")
    manager_client = await staff_client("hr")
    other_manager = await sign_in_as(manager_client, "manager")  # another department
    page = await hr.get(f"/admin/insights/risk/candidates/{candidate.id}")
    key = form_key_of(page.text)
    url = f"/admin/insights/risk/candidates/{candidate.id}/task"
    due = (datetime.now(UTC).date() + timedelta(days=2)).isoformat()

    refused = await hr.post(
        url,
        data={
            "assignee": str(other_manager.id),
            "due_on": due,
            "form_key": key,
            "_csrf_token": csrf(hr),
        },
    )
    assert refused.status_code == 400

    mine = await sign_in_as(await staff_client("hr"), "manager", department=department)
    created = await hr.post(
        url,
        data={
            "assignee": str(mine.id),
            "due_on": due,
            "note": "打个电话",
            "form_key": key,
            "_csrf_token": csrf(hr),
        },
    )
    assert created.status_code == 303
    task = await RiskIntervention.select().first()
    assert (task["kind"], task["assignee"], task["due_on"].isoformat()) == ("task", mine.id, due)


async def test_the_assignee_sees_the_follow_up_and_marks_it_done(staff_client):
    candidate = await _drifting_candidate()
    hr = await staff_client("hr")
    page = await hr.get(f"/admin/insights/risk/candidates/{candidate.id}")
    me = form_key_of(page.text)
    assignee_id = int(re.search(r'<option value="(\d+)" selected', page.text).group(1))
    due = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()
    await hr.post(
        f"/admin/insights/risk/candidates/{candidate.id}/task",
        data={"assignee": str(assignee_id), "due_on": due, "form_key": me, "_csrf_token": csrf(hr)},
    )
    listing = await hr.get("/admin/insights/risk")
    assert 'data-testid="my-tasks"' in listing.text and "李四" in listing.text
    task = await RiskIntervention.select().first()
    other = await staff_client("manager")  # another department: not found, nothing changes
    refused = await other.post(
        f"/admin/insights/risk/tasks/{task['id']}/done", data={"_csrf_token": csrf(other)}
    )
    assert refused.status_code == 404
    done = await hr.post(
        f"/admin/insights/risk/tasks/{task['id']}/done", data={"_csrf_token": csrf(hr)}
    )
    assert done.status_code == 303
    assert (await RiskIntervention.select().first())["done_at"] is not None
    assert 'data-testid="my-tasks"' not in (await hr.get("/admin/insights/risk")).text
