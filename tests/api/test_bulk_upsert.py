"""PUT /api/v1/candidates: create or update by external_id, all or nothing, idempotent."""

from __future__ import annotations

import asyncio

from portal.domain.candidates.tables import Candidate, StageChange
from portal.domain.organisation.tables import Department, Stage
from portal.domain.profiles.changes import personal_info_changes
from tests.api.helpers import assert_problem, offer
from tests.factories import make_candidate

URL = "/api/v1/candidates"


async def _stage_code(candidate: Candidate) -> str:
    return (await Stage.objects().get(Stage.id == candidate.stage)).code


async def test_bulk_upsert_creates_candidates_with_names_resolved(client, api_headers, org):
    body = {
        "candidates": [
            offer(
                "ATS-1", "13700000001", position="装配工", cohort="12月第3期", stage="offer_sent"
            ),
            offer("ATS-2", "137 0000 0002", email="Wu@Example.com"),
        ]
    }
    response = await client.put(URL, json=body, headers=api_headers)
    assert response.status_code == 200, response.text
    one = await Candidate.objects().get(Candidate.external_id == "ATS-1")
    two = await Candidate.objects().get(Candidate.external_id == "ATS-2")
    assert response.json() == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "candidates": [
            {"external_id": "ATS-1", "id": one.id, "result": "created"},
            {"external_id": "ATS-2", "id": two.id, "result": "created"},
        ],
    }
    assert (one.department, one.position, one.cohort) == (
        org["department"].id,
        org["position"].id,
        org["cohort"].id,
    )
    assert await _stage_code(one) == "offer_sent"
    assert await _stage_code(two) == "interview_passed"
    assert (two.phone, two.email) == ("13700000002", "wu@example.com")
    history = await StageChange.select(StageChange.source).where(StageChange.candidate == one.id)
    assert [row["source"] for row in history] == ["api"]


async def test_replaying_the_same_payload_changes_nothing(client, api_headers, org):
    body = {
        "candidates": [
            offer("ATS-1", "13700000001", position="装配工", stage="pre_start"),
            offer("ATS-2", "13700000002", email="wu@example.com", cohort="12月第3期"),
        ]
    }
    await client.put(URL, json=body, headers=api_headers)
    changes_before = await StageChange.count()
    updated_at = {c.id: c.updated_at for c in await Candidate.objects()}

    replay = await client.put(URL, json=body, headers=api_headers)
    assert replay.status_code == 200
    assert (replay.json()["created"], replay.json()["updated"], replay.json()["unchanged"]) == (
        0,
        0,
        2,
    )
    assert [c["result"] for c in replay.json()["candidates"]] == ["unchanged", "unchanged"]
    assert await Candidate.count() == 2
    assert await StageChange.count() == changes_before
    assert {c.id: c.updated_at for c in await Candidate.objects()} == updated_at


async def test_upsert_updates_a_known_candidate_and_records_the_stage_move(
    client, api_headers, org
):
    await client.put(URL, json={"candidates": [offer("ATS-1", "13700000001")]}, headers=api_headers)
    changed = offer("ATS-1", "13700000009", name="赵六六", cohort="12月第3期", stage="pre_start")
    response = await client.put(URL, json={"candidates": [changed]}, headers=api_headers)
    assert response.json()["updated"] == 1
    candidate = await Candidate.objects().get(Candidate.external_id == "ATS-1")
    assert (candidate.name, candidate.phone, candidate.cohort) == (
        "赵六六",
        "13700000009",
        org["cohort"].id,
    )
    assert await _stage_code(candidate) == "pre_start"
    move = (
        await StageChange.objects()
        .where(StageChange.candidate == candidate.id)
        .order_by(StageChange.id, ascending=False)
        .first()
    )
    assert move.source == "api" and move.from_stage is not None
    # The new name and phone are personal information: audited as the integration's change.
    [change] = await personal_info_changes(candidate_id=candidate.id)
    assert (change.source, change.staff_id, change.fields) == ("api", None, ("name", "phone"))


async def test_a_stage_alone_counts_as_an_update(client, api_headers, org):
    await make_candidate(org["department"], external_id="ATS-1", phone="13700000001", name="赵六")
    response = await client.put(
        URL,
        json={"candidates": [offer("ATS-1", "13700000001", stage="training")]},
        headers=api_headers,
    )
    assert response.json()["candidates"][0]["result"] == "updated"
    assert await _stage_code(await Candidate.objects().first()) == "training"


async def test_one_invalid_item_rejects_the_whole_request_and_names_it(client, api_headers, org):
    await make_candidate(org["department"], phone="13700000005", external_id="HR-OLD")
    body = {
        "candidates": [
            offer("ATS-1", "13700000001", stage="offer_sent"),
            offer("ATS-2", "12345"),
            offer("ATS-3", "13700000003", cohort="没有这个批次"),
            offer("ATS-4", "13700000005"),
            offer("ATS-5", "13700000006", department="销售部"),
            offer("ATS-6", "13700000007", stage="hired"),
        ]
    }
    response = await client.put(URL, json=body, headers=api_headers)
    problem = assert_problem(response, 422)
    assert problem["detail"].startswith('Item 1 (external_id "ATS-2"), phone:')
    assert problem["detail"].endswith("There are 4 more problems. Nothing was saved.")
    flagged = {(e["index"], e["external_id"], e["field"]) for e in problem["errors"]}
    assert flagged == {
        (1, "ATS-2", "phone"),
        (2, "ATS-3", "cohort"),
        (3, "ATS-4", "phone"),
        (4, "ATS-5", "department"),
        (5, "ATS-6", "stage"),
    }
    messages = {e["external_id"]: e["message"] for e in problem["errors"]}
    # The CSV import's wording: both paths resolve names in portal/domain/candidates/batch.
    assert messages["ATS-3"] == "There is no cohort called “没有这个批次”."
    assert messages["ATS-4"] == "Another candidate already has this value."
    assert "offer_sent" in messages["ATS-6"]
    # ATS-1 was valid and applied first: rolled back with the rest, ordinal counter too.
    assert [c.external_id for c in await Candidate.objects()] == ["HR-OLD"]
    assert await StageChange.count() == 1
    department = await Department.objects().get(Department.id == org["department"].id)
    assert department.last_ordinal == 1


async def test_duplicates_inside_one_request_are_refused(client, api_headers, org):
    # As in a CSV file: every item sharing a value is refused, each naming the others
    # (which of them is right is for a person to decide).
    body = {
        "candidates": [
            offer("ATS-1", "13700000001", email="a@example.com"),
            offer("ATS-1", "13700000002"),
            offer("ATS-3", "137-0000-0001"),
            offer("ATS-4", "13700000004", email="A@example.com"),
        ]
    }
    problem = assert_problem(await client.put(URL, json=body, headers=api_headers), 422)
    assert [(e["index"], e["field"], e["message"]) for e in problem["errors"]] == [
        (0, "phone", "The same value is also in item 2 of this request."),
        (0, "email", "The same value is also in item 3 of this request."),
        (0, "external_id", "The same value is also in item 1 of this request."),
        (1, "external_id", "The same value is also in item 0 of this request."),
        (2, "phone", "The same value is also in item 0 of this request."),
        (3, "email", "The same value is also in item 0 of this request."),
    ]
    assert await Candidate.count() == 0


async def test_a_blank_external_id_is_refused(client, api_headers, org):
    response = await client.put(
        URL, json={"candidates": [offer("   ", "13700000001")]}, headers=api_headers
    )
    # The schema says so (a pattern), so it is the schema's 400, naming the item's field.
    problem = assert_problem(response, 400)
    assert problem["errors"] == [
        {
            "index": 0,
            "field": "candidates[0].external_id",
            "message": "Expected `str` that is not blank",
        }
    ]
    assert await Candidate.count() == 0


async def test_items_apply_in_order_so_a_freed_phone_can_be_reused(client, api_headers, org):
    await make_candidate(org["department"], external_id="ATS-1", phone="13700000001")
    body = {
        "candidates": [
            offer("ATS-1", "13700000011"),  # gives up 13700000001
            offer("ATS-2", "13700000001"),
        ]
    }
    response = await client.put(URL, json=body, headers=api_headers)
    assert response.status_code == 200, response.text
    phones = {c.external_id: c.phone for c in await Candidate.objects()}
    assert phones == {"ATS-1": "13700000011", "ATS-2": "13700000001"}


async def test_a_position_of_another_department_is_refused(client, api_headers, org):
    from tests.factories import make_department, make_position

    sales = await make_department("销售部")
    await make_position(sales, "导购")
    response = await client.put(
        URL,
        json={"candidates": [offer("ATS-1", "13700000001", position="导购")]},
        headers=api_headers,
    )
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["field"] == "position"
    assert await Candidate.count() == 0


async def test_empty_and_oversized_requests_are_refused(client, api_headers, org):
    empty = await client.put(URL, json={"candidates": []}, headers=api_headers)
    assert assert_problem(empty, 422)["detail"] == "The request contains no candidates."
    body = {"candidates": [offer(f"A{i}", f"137{i:08d}") for i in range(1001)]}
    problem = assert_problem(await client.put(URL, json=body, headers=api_headers), 413)
    assert problem["detail"] == "At most 1000 candidates per request; this one has 1001."
    assert await Candidate.count() == 0


async def test_concurrent_identical_pushes_create_one_candidate_and_all_succeed(
    client, api_headers, org
):
    body = {"candidates": [offer("ATS-1", "13700000001"), offer("ATS-2", "13700000002")]}
    responses = await asyncio.gather(
        *[client.put(URL, json=body, headers=api_headers) for _ in range(4)]
    )
    assert [r.status_code for r in responses] == [200] * 4
    assert sum(r.json()["created"] for r in responses) == 2
    assert sum(r.json()["unchanged"] for r in responses) == 6
    assert await Candidate.count() == 2
