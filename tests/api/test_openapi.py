"""The OpenAPI document at /schema describes the API, its security and its problems."""

from __future__ import annotations


async def test_openapi_documents_the_api(client):
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"
    upsert = spec["paths"]["/api/v1/candidates"]["put"]
    assert upsert["tags"] == ["candidates"] and upsert["summary"]
    assert upsert["security"] == [{"BearerToken": []}]
    assert "CandidateUpsertRequest" in str(upsert["requestBody"])
    for code in ("400", "401", "413", "422"):
        assert list(upsert["responses"][code]["content"]) == ["application/problem+json"]
    for path in ("/stage", "/login-links"):
        operation = spec["paths"][f"/api/v1/candidates/{{external_id}}{path}"]["post"]
        assert operation["security"] == [{"BearerToken": []}]
        assert "404" in operation["responses"]
    me = spec["paths"]["/api/v1/me"]["get"]
    assert "security" not in me and "401" in me["responses"]
    assert {"MeResponse", "Problem"} <= set(spec["components"]["schemas"])
