"""Stage changes and sign-in links for one candidate, addressed by external_id."""

from __future__ import annotations

from datetime import datetime

from portal.domain.candidates.records import candidate_set_status
from portal.domain.candidates.tables import Candidate, LoginLink, StageChange
from portal.domain.organisation.tables import Stage
from tests.api.helpers import assert_problem
from tests.factories import make_candidate, tap_login_link


async def test_set_stage_is_recorded_with_source_api(client, api_headers, org):
    candidate = await make_candidate(org["department"], external_id="ATS-9")
    response = await client.post(
        "/api/v1/candidates/ATS-9/stage",
        json={"stage": "training", "note": "体检通过"},
        headers=api_headers,
    )
    assert response.status_code == 200
    assert response.json() == {"external_id": "ATS-9", "stage": "training", "changed": True}
    stored = await Candidate.objects().get(Candidate.id == candidate.id)
    assert (await Stage.objects().get(Stage.id == stored.stage)).code == "training"
    change = (
        await StageChange.objects()
        .where(StageChange.candidate == candidate.id)
        .order_by(StageChange.id, ascending=False)
        .first()
    )
    assert (change.source, change.note, change.from_stage) == ("api", "体检通过", candidate.stage)


async def test_setting_the_current_stage_again_records_nothing(client, api_headers, org):
    await make_candidate(org["department"], external_id="ATS-9")
    url = "/api/v1/candidates/ATS-9/stage"
    await client.post(url, json={"stage": "training"}, headers=api_headers)
    count = await StageChange.count()
    again = await client.post(url, json={"stage": "training"}, headers=api_headers)
    assert again.json()["changed"] is False
    assert await StageChange.count() == count


async def test_an_unknown_stage_code_is_422_and_lists_the_known_ones(client, api_headers, org):
    candidate = await make_candidate(org["department"], external_id="ATS-9")
    response = await client.post(
        "/api/v1/candidates/ATS-9/stage", json={"stage": "hired"}, headers=api_headers
    )
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["field"] == "stage"
    assert "interview_passed" in problem["detail"] and "joined" in problem["detail"]
    assert (await Candidate.objects().get(Candidate.id == candidate.id)).stage == candidate.stage


async def test_an_unknown_candidate_is_404(client, api_headers, org):
    stage = await client.post(
        "/api/v1/candidates/NOPE/stage", json={"stage": "training"}, headers=api_headers
    )
    assert 'external_id "NOPE"' in assert_problem(stage, 404)["detail"]
    link = await client.post("/api/v1/candidates/NOPE/login-links", headers=api_headers)
    assert_problem(link, 404)


async def test_login_link_from_the_api_signs_the_candidate_in(client, api_headers, org):
    candidate = await make_candidate(org["department"], external_id="ATS-9", name="钱七")
    response = await client.post("/api/v1/candidates/ATS-9/login-links", headers=api_headers)
    assert response.status_code == 201
    body = response.json()
    assert body["url"].startswith("http://testserver.local/login/")
    link = await LoginLink.objects().get(LoginLink.candidate == candidate.id)
    assert datetime.fromisoformat(body["expires_at"]) == link.expires_at
    signed_in = await tap_login_link(client, body["url"].removeprefix("http://testserver.local"))
    assert signed_in.headers["location"] == "/"
    assert (await client.get("/api/v1/me")).json()["name"] == "钱七"


async def test_no_login_link_for_a_withdrawn_candidate(client, api_headers, org):
    candidate = await make_candidate(org["department"], external_id="ATS-9")
    await candidate_set_status(candidate_id=candidate.id, status="withdrawn", reason="去了别家")
    response = await client.post("/api/v1/candidates/ATS-9/login-links", headers=api_headers)
    assert "withdrawn" in assert_problem(response, 409)["detail"]
    assert await LoginLink.count() == 0
