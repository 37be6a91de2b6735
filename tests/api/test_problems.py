"""Every error under /api/v1 is application/problem+json with a detail a developer can act on."""

from __future__ import annotations

import logging

import pytest

from tests.api.helpers import assert_problem, offer

URL = "/api/v1/candidates"


async def test_a_malformed_json_body_is_a_clear_400(client, api_headers):
    response = await client.put(
        URL,
        content=b'{"candidates": [',
        headers={**api_headers, "Content-Type": "application/json"},
    )
    problem = assert_problem(response, 400)
    assert problem["title"] == "Bad Request"
    assert problem["detail"].startswith("The request body is not valid JSON (")


async def test_a_missing_body_says_so(client, api_headers):
    response = await client.post("/api/v1/candidates/ATS-1/stage", headers=api_headers)
    assert assert_problem(response, 400)["detail"] == "The request needs a JSON body."


async def test_wrong_types_name_the_item_and_field(client, api_headers, org):
    body = {"candidates": [offer("ATS-1", "13700000001"), offer("ATS-2", 13700000002)]}
    problem = assert_problem(await client.put(URL, json=body, headers=api_headers), 400)
    assert problem["errors"] == [
        {"index": 1, "field": "candidates[1].phone", "message": "Expected `str`, got `int`"}
    ]
    assert "candidates[1].phone" in problem["detail"]


async def test_missing_fields_name_the_item_and_field(client, api_headers, org):
    body = {"candidates": [{"external_id": "ATS-1", "phone": "13700000001", "department": "x"}]}
    problem = assert_problem(await client.put(URL, json=body, headers=api_headers), 400)
    assert problem["errors"] == [
        {
            "index": 0,
            "field": "candidates[0].name",
            "message": "Object missing required field `name`",
        }
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([1, 2], "body"),
        ({"candidates": [], "extra": 1}, "body"),
        ({"candidates": "ATS-1"}, "candidates"),
        ({"candidates": [offer("ATS-1", "13700000001", colour="red")]}, "candidates[0]"),
    ],
)
async def test_bodies_of_the_wrong_shape_are_400(client, api_headers, body, field):
    problem = assert_problem(await client.put(URL, json=body, headers=api_headers), 400)
    assert problem["errors"][0]["field"] == field


async def test_an_unknown_endpoint_and_a_wrong_method_are_problems(client, api_headers):
    missing = await client.get("/api/v1/nothing-here", headers=api_headers)
    assert assert_problem(missing, 404)["detail"] == (
        "There is no API endpoint at /api/v1/nothing-here."
    )
    wrong_method = await client.delete(URL, headers=api_headers)
    problem = assert_problem(wrong_method, 405)
    assert wrong_method.headers["allow"] == "OPTIONS, PUT"
    assert problem["detail"] == (
        "DELETE is not allowed on /api/v1/candidates; allowed: OPTIONS, PUT."
    )


async def test_an_unexpected_error_is_a_generic_500_and_is_logged(
    client, api_headers, monkeypatch, caplog
):
    async def broken(**_kwargs):
        raise RuntimeError("password=hunter2 in a connection string")

    monkeypatch.setattr("portal.api.candidates.login_link_create_by_external_id", broken)
    with caplog.at_level(logging.ERROR, logger="onramp.api"):
        response = await client.post("/api/v1/candidates/ATS-1/login-links", headers=api_headers)
    problem = assert_problem(response, 500)
    assert problem["detail"] == "An unexpected error occurred; it has been logged."
    assert "hunter2" not in response.text
    assert any("hunter2" in record.exc_text for record in caplog.records if record.exc_text)


async def test_routing_errors_follow_accept_language_too(client, api_headers):
    response = await client.get("/api/v1/nothing-here", headers={"Accept-Language": "zh-CN"})
    assert assert_problem(response, 404)["detail"] == "/api/v1/nothing-here 没有对应的 API 接口。"


async def test_messages_are_english_unless_the_client_asks_for_chinese(client, api_headers, org):
    body = {"candidates": [offer("ATS-1", "123")]}
    english = await client.put(URL, json=body, headers=api_headers)
    assert assert_problem(english, 422)["errors"][0]["message"].startswith("Enter an 11-digit")
    chinese = await client.put(
        URL, json=body, headers={**api_headers, "Accept-Language": "zh-CN,zh;q=0.9"}
    )
    problem = assert_problem(chinese, 422)
    assert problem["detail"].startswith("第 0 项(external_id “ATS-1”)的 phone:")
    assert problem["detail"].endswith("未保存任何内容。")
