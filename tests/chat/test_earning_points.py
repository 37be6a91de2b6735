"""More ways to earn points: the daily check-in and three milestones, each through the
ledger with a unique source key, with amounts HR sets or switches off."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import httpx

from portal.domain.learning.earning import daily_checkin, daily_checkin_state
from portal.domain.learning.points import points_balance
from portal.domain.learning.tables import PointEntry
from portal.domain.rooms.membership import cohort_room_ensure
from tests.admin.forms import submit
from tests.chat.helpers import review as _review
from tests.chat.helpers import submission_of as _submission
from tests.checklist.helpers import jpeg_bytes, make_template, post, upload
from tests.factories import (
    make_candidate,
    make_cohort,
    make_department,
    sign_in_as,
    sign_in_candidate,
)
from tests.learning.helpers import answer_key, make_course, open_quiz, post_quiz
from tests.profile.helpers import profile_form


async def _entries(candidate_id: int) -> list[tuple[str, int]]:
    rows = await PointEntry.select(PointEntry.source_key, PointEntry.amount).where(
        PointEntry.candidate == candidate_id
    )
    return sorted((row["source_key"], row["amount"]) for row in rows)


async def _check_in(client: httpx.AsyncClient) -> httpx.Response:
    return await client.post(
        "/checkin",
        data={"_csrf_token": client.cookies.get("onramp_csrf")},
        follow_redirects=False,
    )


async def test_a_daily_check_in_awards_once_per_local_day(client):
    candidate = await make_candidate(cohort=await make_cohort(timezone="Asia/Shanghai"))
    await sign_in_candidate(client, candidate)
    home = await client.get("/")
    assert 'data-testid="checkin-button"' in home.text

    assert (await _check_in(client)).status_code == 303
    assert (await _check_in(client)).status_code == 303  # a double click
    home = await client.get("/")
    assert 'data-testid="checkin-done"' in home.text
    [(key, amount)] = await _entries(candidate.id)
    local_day = datetime.now(UTC).astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    assert (key, amount) == (f"checkin:{local_day.date().isoformat()}", 2)


async def test_the_local_day_is_the_cohorts(client):
    # 23:30 UTC on the 1st is 07:30 on the 2nd in Shanghai and 18:30 on the 1st in New York.
    late = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
    shanghai = await make_candidate(cohort=await make_cohort(timezone="Asia/Shanghai"))
    new_york = await make_candidate(cohort=await make_cohort(timezone="America/New_York"))
    assert await daily_checkin(candidate_id=shanghai.id, now=late) == 2
    assert await daily_checkin(candidate_id=new_york.id, now=late) == 2
    assert await _entries(shanghai.id) == [("checkin:2026-12-02", 2)]
    assert await _entries(new_york.id) == [("checkin:2026-12-01", 2)]
    # The next local day earns again; the same one does not.
    next_day = datetime(2026, 12, 2, 23, 30, tzinfo=UTC)
    assert await daily_checkin(candidate_id=new_york.id, now=late) == 0
    assert await daily_checkin(candidate_id=new_york.id, now=next_day) == 2
    state = await daily_checkin_state(candidate_id=new_york.id, now=next_day)
    assert state.done_today and state.days == 2


async def test_simultaneous_check_ins_award_once(app, client):
    candidate = await make_candidate()
    await sign_in_candidate(client, candidate)
    # Ten taps at once, as from several workers: the ledger's unique key lets one through.
    responses = await asyncio.gather(*(_check_in(client) for _ in range(10)))
    assert {r.status_code for r in responses} == {303}
    assert len(await _entries(candidate.id)) == 1
    assert await points_balance(candidate_id=candidate.id) == 2


async def test_check_in_needs_a_signed_in_candidate(client):
    await client.get("/welcome")
    response = await _check_in(client)
    assert response.status_code in (302, 303, 401) and await PointEntry.count() == 0


async def test_a_complete_profile_earns_points_once(client):
    candidate = await make_candidate(phone="13800001111")
    await sign_in_candidate(client, candidate)
    for _ in range(2):
        response = await client.post(
            "/profile",
            data={**profile_form(), "_csrf_token": client.cookies.get("onramp_csrf")},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
    assert await _entries(candidate.id) == [("earn:profile", 20)]


async def test_a_refused_profile_earns_nothing(client):
    candidate = await make_candidate()
    await sign_in_candidate(client, candidate)
    response = await client.post(
        "/profile",
        data={**profile_form(legal_name=""), "_csrf_token": client.cookies.get("onramp_csrf")},
        follow_redirects=False,
    )
    assert response.status_code == 400
    assert await _entries(candidate.id) == []


async def test_the_first_question_earns_points_later_ones_and_chat_do_not(client):
    cohort = await make_cohort()
    candidate = await make_candidate(cohort=cohort)
    room_id = await cohort_room_ensure(cohort.id)
    await sign_in_candidate(client, candidate)

    async def say(body: str, kind: str) -> None:
        response = await client.post(
            f"/rooms/{room_id}/messages",
            data={
                "body": body,
                "kind": kind,
                "client_id": uuid.uuid4().hex,
                "_csrf_token": client.cookies.get("onramp_csrf"),
            },
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text

    await say("大家好", "chat")
    assert await _entries(candidate.id) == []
    await say("培训几点开始？", "question")
    await say("要带什么？", "question")
    assert await _entries(candidate.id) == [("earn:first_question", 5)]


async def test_every_checklist_item_approved_earns_points_once(client, staff_client, media_dir):
    department = await make_department()
    candidate = await make_candidate(department, cohort=await make_cohort(department))
    await sign_in_candidate(client, candidate)
    first, second = await make_template("身份证"), await make_template("体检报告")
    for template in (first, second):
        await upload(client, template.id, ("a.jpg", jpeg_bytes(), "image/jpeg"))
        assert (await post(client, f"/checklist/items/{template.id}/submit")).status_code == 303
    hr = await staff_client()
    await _review(hr, await _submission(candidate.id, first.id), decision="approved")
    assert await _entries(candidate.id) == []  # one of two
    await _review(hr, await _submission(candidate.id, second.id), decision="approved")
    assert await _entries(candidate.id) == [("earn:checklist", 30)]


async def test_hr_sets_amounts_and_switches_a_way_off(client, staff_client):
    hr = await staff_client("hr")
    page = await hr.get("/admin/learning/points")
    assert page.status_code == 200 and 'data-testid="rule-checkin"' in page.text
    form = {
        "checkin_amount": "7",
        "checkin_enabled": "1",
        "profile_amount": "50",
        "checklist_amount": "30",
        "checklist_enabled": "1",
        "first_question_amount": "5",
        "first_question_enabled": "1",
    }  # profile switched off (no profile_enabled)
    saved = await submit(hr, "/admin/learning/points", form)
    assert saved.status_code == 303
    candidate = await make_candidate()
    assert await daily_checkin(candidate_id=candidate.id) == 7
    from portal.domain.learning.earning import profile_completed

    assert await profile_completed(candidate_id=candidate.id) == 0
    # Switching the check-in off hides its card.
    saved = await submit(hr, "/admin/learning/points", {**form, "checkin_enabled": ""})
    await sign_in_candidate(client, candidate)
    assert 'data-testid="checkin"' not in (await client.get("/")).text


async def test_bad_amounts_are_refused_and_nothing_changes(staff_client):
    hr = await staff_client("hr")
    for bad in ("-1", "abc", "1001", "", "<script>", "1" * 50):
        response = await submit(hr, "/admin/learning/points", {"checkin_amount": bad})
        assert response.status_code == 400, bad
        assert "<script>" not in response.text
    candidate = await make_candidate()
    assert await daily_checkin(candidate_id=candidate.id) == 2


async def test_managers_cannot_change_point_amounts(client):
    await sign_in_as(client, "manager")
    assert (await client.get("/admin/learning/points")).status_code == 403
    assert (await submit(client, "/admin/learning/points", {})).status_code == 403


async def test_a_passed_quiz_shows_points_and_the_next_course(client):
    first = await make_course(title="安全第一课")
    second = await make_course(title="工厂参观")
    candidate = await make_candidate()
    await sign_in_candidate(client, candidate)
    token = await open_quiz(client, first)
    response = await post_quiz(client, first, token, await answer_key(first))
    result = await client.get(response.headers["location"])
    assert 'data-testid="quiz-success"' in result.text
    assert 'data-testid="points-earned">+10<' in result.text
    assert f'href="/learning/courses/{second.id}" data-testid="next-course"' in result.text
