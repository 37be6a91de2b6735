from __future__ import annotations

import asyncio

from portal.domain.api_tokens import api_token_revoke
from portal.domain.tables import ApiToken, Candidate, Stage, StageChange
from tests.api.conftest import offer
from tests.factories import make_candidate

PROBLEM = "application/problem+json"


async def test_bulk_upsert_creates_then_replay_changes_nothing(client, api_headers, org):
    body = {
        "candidates": [
            offer(
                "ATS-1", "13700000001", position="装配工", cohort="12月第3期", stage="offer_sent"
            ),
            offer("ATS-2", "137 0000 0002", email="Wu@Example.com"),
        ]
    }
    first = await client.put("/api/v1/candidates", json=body, headers=api_headers)
    assert first.status_code == 200, first.text
    assert first.json()["created"] == 2
    one = await Candidate.objects().get(Candidate.external_id == "ATS-1")
    assert (one.cohort, one.position) == (org["cohort"].id, org["position"].id)
    assert (await Stage.objects().get(Stage.id == one.stage)).code == "offer_sent"
    two = await Candidate.objects().get(Candidate.external_id == "ATS-2")
    assert (two.phone, two.email) == ("13700000002", "wu@example.com")
    history = await StageChange.select().where(StageChange.candidate == one.id)
    assert history and all(row["source"] == "api" for row in history)

    replay = await client.put("/api/v1/candidates", json=body, headers=api_headers)
    assert replay.json() == {
        "created": 0,
        "updated": 0,
        "unchanged": 2,
        "candidates": [
            {"external_id": "ATS-1", "id": one.id, "result": "unchanged"},
            {"external_id": "ATS-2", "id": two.id, "result": "unchanged"},
        ],
    }
    assert await Candidate.count() == 2


async def test_upsert_updates_an_existing_candidate(client, api_headers, org):
    await client.put(
        "/api/v1/candidates",
        json={"candidates": [offer("ATS-1", "13700000001")]},
        headers=api_headers,
    )
    changed = offer("ATS-1", "13700000009", name="赵六六", cohort="12月第3期", stage="pre_start")
    response = await client.put(
        "/api/v1/candidates", json={"candidates": [changed]}, headers=api_headers
    )
    assert response.json()["updated"] == 1
    candidate = await Candidate.objects().get(Candidate.external_id == "ATS-1")
    assert (candidate.name, candidate.phone, candidate.cohort) == (
        "赵六六",
        "13700000009",
        org["cohort"].id,
    )


async def test_one_invalid_item_rejects_the_whole_request_and_names_it(client, api_headers, org):
    await make_candidate(org["department"], phone="13700000005")
    body = {
        "candidates": [
            offer("ATS-1", "13700000001"),
            offer("ATS-2", "12345"),
            offer("ATS-3", "13700000003", cohort="没有这个批次"),
            offer("ATS-4", "13700000005"),
        ]
    }
    response = await client.put("/api/v1/candidates", json=body, headers=api_headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert "Item 1" in problem["detail"] and "ATS-2" in problem["detail"]
    flagged = {(e["index"], e["external_id"], e["field"]) for e in problem["errors"]}
    assert flagged == {(1, "ATS-2", "phone"), (2, "ATS-3", "cohort"), (3, "ATS-4", "phone")}
    assert await Candidate.count() == 1


async def test_duplicates_inside_one_request_are_refused(client, api_headers, org):
    body = {"candidates": [offer("ATS-1", "13700000001"), offer("ATS-1", "13700000002")]}
    response = await client.put("/api/v1/candidates", json=body, headers=api_headers)
    assert response.status_code == 422
    assert response.json()["errors"][0] == {
        "index": 1,
        "external_id": "ATS-1",
        "field": "external_id",
        "message": "same as item 0 in this request",
    }
    assert await Candidate.count() == 0


async def test_wrong_types_and_missing_fields_are_clear(client, api_headers, org):
    wrong = await client.put(
        "/api/v1/candidates",
        json={
            "candidates": [{"external_id": 7, "name": "x", "phone": "1", "department": "生产部"}]
        },
        headers=api_headers,
    )
    assert wrong.status_code == 400
    assert wrong.headers["content-type"] == PROBLEM
    assert "candidates[0].external_id" in wrong.json()["detail"]
    missing = await client.put(
        "/api/v1/candidates", json={"candidates": [{"external_id": "A"}]}, headers=api_headers
    )
    assert missing.status_code == 400
    assert "name" in missing.json()["detail"]
    unknown = await client.put(
        "/api/v1/candidates", json={"candidates": [], "extra": 1}, headers=api_headers
    )
    assert unknown.status_code == 400
    empty = await client.put("/api/v1/candidates", json={"candidates": []}, headers=api_headers)
    assert empty.status_code == 422


async def test_malformed_json_body_is_a_clear_problem(client, api_headers):
    response = await client.put(
        "/api/v1/candidates",
        content=b'{"candidates": [',
        headers={**api_headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["detail"].startswith("The request body is not valid JSON")
    assert problem["status"] == 400 and problem["instance"] == "/api/v1/candidates"


async def test_too_many_items_are_refused(client, api_headers, org):
    body = {"candidates": [offer(f"A{i}", f"137{i:08d}") for i in range(1001)]}
    response = await client.put("/api/v1/candidates", json=body, headers=api_headers)
    assert response.status_code == 413
    assert "1000" in response.json()["detail"]
    assert await Candidate.count() == 0


async def test_missing_wrong_and_revoked_tokens_are_refused(client, api_headers):
    body = {"candidates": []}
    missing = await client.put("/api/v1/candidates", json=body)
    assert missing.status_code == 401
    assert missing.headers["content-type"] == PROBLEM
    assert missing.headers["www-authenticate"].startswith("Bearer")
    wrong = await client.put(
        "/api/v1/candidates", json=body, headers={"Authorization": "Bearer onr_not-a-token"}
    )
    assert wrong.status_code == 401
    basic = await client.put(
        "/api/v1/candidates", json=body, headers={"Authorization": "Basic eDp5"}
    )
    assert basic.status_code == 401
    token = await ApiToken.objects().first()
    await api_token_revoke(token_id=token.id)
    revoked = await client.put("/api/v1/candidates", json=body, headers=api_headers)
    assert revoked.status_code == 401
    assert "revoked" in revoked.json()["detail"]


async def test_tokens_are_stored_only_hashed(api_headers):
    token = api_headers["Authorization"].split()[1]
    stored = await ApiToken.select(ApiToken.token_hash, ApiToken.prefix)
    assert token not in str(stored)
    assert stored[0]["prefix"] == token[:12]


async def test_set_stage_is_recorded_with_source_api(client, api_headers, org):
    candidate = await make_candidate(org["department"], external_id="ATS-9")
    response = await client.post(
        "/api/v1/candidates/ATS-9/stage",
        json={"stage": "training", "note": "体检通过"},
        headers=api_headers,
    )
    assert response.status_code == 200
    assert response.json() == {"external_id": "ATS-9", "stage": "training", "changed": True}
    change = (
        await StageChange.objects()
        .where(StageChange.candidate == candidate.id)
        .order_by(StageChange.id, ascending=False)
        .first()
    )
    assert (change.source, change.note) == ("api", "体检通过")
    again = await client.post(
        "/api/v1/candidates/ATS-9/stage", json={"stage": "training"}, headers=api_headers
    )
    assert again.json()["changed"] is False


async def test_set_stage_errors(client, api_headers, org):
    await make_candidate(org["department"], external_id="ATS-9")
    unknown_stage = await client.post(
        "/api/v1/candidates/ATS-9/stage", json={"stage": "hired"}, headers=api_headers
    )
    assert unknown_stage.status_code == 422
    assert "interview_passed" in unknown_stage.json()["detail"]
    unknown_candidate = await client.post(
        "/api/v1/candidates/NOPE/stage", json={"stage": "training"}, headers=api_headers
    )
    assert unknown_candidate.status_code == 404
    assert unknown_candidate.headers["content-type"] == PROBLEM


async def test_login_link_from_the_api_signs_the_candidate_in(client, api_headers, org):
    await make_candidate(org["department"], external_id="ATS-9", name="钱七")
    response = await client.post("/api/v1/candidates/ATS-9/login-links", headers=api_headers)
    assert response.status_code == 201
    url = response.json()["url"]
    assert response.json()["expires_at"]
    signed_in = await client.get(
        url.removeprefix("http://testserver.local"), follow_redirects=False
    )
    assert signed_in.status_code == 302 and signed_in.headers["location"] == "/"
    assert "钱七" in (await client.get("/")).text


async def test_no_login_link_for_a_withdrawn_candidate(client, api_headers, org):
    from portal.domain.candidates import candidate_set_status

    candidate = await make_candidate(org["department"], external_id="ATS-9")
    await candidate_set_status(candidate_id=candidate.id, status="withdrawn", reason="去了别家")
    response = await client.post("/api/v1/candidates/ATS-9/login-links", headers=api_headers)
    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM


async def test_concurrent_upserts_of_the_same_offer_create_one_candidate(client, api_headers, org):
    body = {"candidates": [offer("ATS-1", "13700000001")]}
    responses = await asyncio.gather(
        *[client.put("/api/v1/candidates", json=body, headers=api_headers) for _ in range(4)]
    )
    assert await Candidate.count() == 1
    assert all(r.status_code in (200, 422) for r in responses)
    assert sum(r.json().get("created", 0) for r in responses if r.status_code == 200) == 1


async def test_unknown_route_and_wrong_method_are_problems(client, api_headers):
    missing = await client.get("/api/v1/nothing-here", headers=api_headers)
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM
    wrong_method = await client.delete("/api/v1/candidates", headers=api_headers)
    assert wrong_method.status_code == 405 and wrong_method.headers["content-type"] == PROBLEM


async def test_openapi_documents_the_api(client):
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert "/api/v1/candidates" in spec["paths"]
    assert "/api/v1/candidates/{external_id}/login-links" in spec["paths"]
    assert "/api/v1/me" in spec["paths"]
    assert spec["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"
