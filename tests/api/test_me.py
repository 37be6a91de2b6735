"""GET /api/v1/me: the signed-in candidate's own home data, and nobody else's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from portal.domain.staff.api_tokens import api_token_create
from tests.api.helpers import assert_problem
from tests.factories import (
    make_candidate,
    make_cohort,
    make_department,
    make_staff,
    sign_in_candidate,
    sign_in_staff,
)


async def test_me_returns_the_signed_in_candidates_home(client):
    department = await make_department("生产部", last_ordinal=41)
    starts_at = datetime.now(UTC) + timedelta(days=12)
    cohort = await make_cohort(department, name="第3期", place="苏州", starts_at=starts_at)
    candidate = await make_candidate(department, cohort=cohort, name="孙八")
    await sign_in_candidate(client, candidate)

    response = await client.get("/api/v1/me", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 200
    me = response.json()
    assert (me["id"], me["name"], me["department"], me["ordinal"], me["status"]) == (
        candidate.id,
        "孙八",
        "生产部",
        42,
        "active",
    )
    assert me["current_stage"] == "面试通过"
    assert me["next_step"].startswith("HR 将在 2 个工作日内联系你")
    assert datetime.fromisoformat(me["next_step_by"]).utcoffset() == timedelta(hours=8)
    assert [step["code"] for step in me["steps"]][:2] == ["interview_passed", "background_check"]
    assert [step["state"] for step in me["steps"]][:2] == ["current", "todo"]
    assert me["steps"][0]["reached_at"] and me["steps"][1]["reached_at"] is None
    assert me["cohort"]["name"] == "第3期" and me["cohort"]["place"] == "苏州"
    assert me["cohort"]["timezone"] == "Asia/Shanghai"
    cohort_start = datetime.fromisoformat(me["cohort"]["starts_at"])
    assert cohort_start.utcoffset() == timedelta(hours=8) and cohort_start == cohort.starts_at
    assert me["cohort"]["countdown"] == {"days": 12, "state": "upcoming"}


async def test_me_follows_the_clients_language(client):
    candidate = await make_candidate()
    await sign_in_candidate(client, candidate)
    me = (await client.get("/api/v1/me", headers={"Accept-Language": "en"})).json()
    assert me["current_stage"] == "Interview passed"


async def test_each_candidate_sees_only_themselves(client, other_client):
    department = await make_department()
    first = await make_candidate(department, name="孙八", email="sun@example.com")
    second = await make_candidate(department, name="周九", email="zhou@example.com")
    await sign_in_candidate(client, first)
    await sign_in_candidate(other_client, second)
    mine = await client.get("/api/v1/me")
    theirs = await other_client.get("/api/v1/me")
    assert (mine.json()["id"], theirs.json()["id"]) == (first.id, second.id)
    assert "周九" not in mine.text and "孙八" not in theirs.text
    assert "@example.com" not in mine.text + theirs.text  # no contact data in /me at all


async def test_me_without_a_session_is_a_401_problem(client):
    problem = assert_problem(await client.get("/api/v1/me"), 401)
    assert "Sign in with your link" in problem["detail"]


async def test_a_bearer_token_gives_no_candidate_data(client):
    token = await api_token_create(name="x")
    response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert_problem(response, 401)


async def test_a_staff_session_is_not_a_candidate(client):
    await make_candidate()
    await sign_in_staff(client, await make_staff("admin"))
    assert_problem(await client.get("/api/v1/me"), 401)


async def test_me_without_a_cohort_says_so(client):
    candidate = await make_candidate()
    await sign_in_candidate(client, candidate)
    assert (await client.get("/api/v1/me")).json()["cohort"] is None
