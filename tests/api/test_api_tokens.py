"""Bearer tokens: the only way into the integration endpoints; stored hashed."""

from __future__ import annotations

import pytest

from portal.domain.candidates.tables import Candidate
from portal.domain.staff.api_tokens import api_token_revoke
from portal.domain.staff.tables import ApiToken
from tests.api.helpers import assert_problem, offer

ENDPOINTS = [
    ("PUT", "/api/v1/candidates"),
    ("POST", "/api/v1/candidates/ATS-1/stage"),
    ("POST", "/api/v1/candidates/ATS-1/login-links"),
]


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
async def test_every_integration_endpoint_needs_a_token(client, method, url):
    response = await client.request(method, url, json={"stage": "training"})
    problem = assert_problem(response, 401)
    assert response.headers["www-authenticate"] == 'Bearer realm="onramp"'
    assert problem["detail"] == "Send an API token as 'Authorization: Bearer <token>'."


@pytest.mark.parametrize(
    "authorization",
    ["Bearer onr_not-a-token", "Bearer not-even-the-prefix", "Basic eDp5", "Bearer ", "onr_x"],
)
async def test_a_wrong_token_is_refused_and_nothing_is_written(client, org, authorization):
    response = await client.put(
        "/api/v1/candidates",
        json={"candidates": [offer("ATS-1", "13700000001")]},
        headers={"Authorization": authorization},
    )
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert await Candidate.count() == 0


async def test_a_revoked_token_is_refused(client, api_headers, org):
    token = await ApiToken.objects().first()
    await api_token_revoke(token_id=token.id)
    response = await client.put(
        "/api/v1/candidates",
        json={"candidates": [offer("ATS-1", "13700000001")]},
        headers=api_headers,
    )
    assert "revoked" in assert_problem(response, 401)["detail"]
    assert await Candidate.count() == 0


async def test_the_token_is_checked_before_the_body_is_read(client):
    response = await client.put(
        "/api/v1/candidates",
        content=b"{not json",
        headers={"Authorization": "Bearer onr_wrong", "Content-Type": "application/json"},
    )
    assert_problem(response, 401)


async def test_tokens_are_stored_only_hashed_and_their_use_is_recorded(client, api_headers):
    token = api_headers["Authorization"].split()[1]
    stored = await ApiToken.objects().first()
    assert token not in (stored.token_hash, stored.name) and stored.prefix == token[:12]
    assert stored.last_used_at is None
    await client.post("/api/v1/candidates/NOPE/login-links", headers=api_headers)
    assert (await ApiToken.objects().first()).last_used_at is not None
