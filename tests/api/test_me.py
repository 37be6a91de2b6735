from __future__ import annotations

from tests.factories import make_candidate, make_cohort, make_department, sign_in_candidate


async def test_me_returns_the_signed_in_candidates_home(client):
    department = await make_department("生产部", last_ordinal=41)
    cohort = await make_cohort(department, name="第3期", place="苏州")
    candidate = await make_candidate(department, cohort=cohort, name="孙八")
    await make_candidate(department, name="别人")
    await sign_in_candidate(client, candidate)
    response = await client.get("/api/v1/me")
    assert response.status_code == 200
    me = response.json()
    assert (me["id"], me["name"], me["department"], me["ordinal"]) == (
        candidate.id,
        "孙八",
        "生产部",
        42,
    )
    assert me["cohort"]["name"] == "第3期" and me["cohort"]["place"] == "苏州"
    assert me["cohort"]["countdown"]["state"] == "upcoming"
    assert me["cohort"]["countdown"]["days"] >= 11
    assert [step["state"] for step in me["steps"]][:2] == ["current", "todo"]
    assert me["steps"][0]["reached_at"]


async def test_me_without_a_session_is_a_problem(client):
    response = await client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


async def test_me_ignores_a_bearer_token_for_candidate_data(client):
    from portal.domain.api_tokens import api_token_create

    token = await api_token_create(name="x")
    response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


async def test_me_without_a_cohort_says_so(client):
    candidate = await make_candidate()
    await sign_in_candidate(client, candidate)
    assert (await client.get("/api/v1/me")).json()["cohort"] is None
