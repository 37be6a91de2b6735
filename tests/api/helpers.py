"""Helpers for the api tests (fixtures are in conftest.py)."""

from __future__ import annotations

import httpx

PROBLEM = "application/problem+json"


def offer(external_id: str, phone: str, **extra: object) -> dict[str, object]:
    return {
        "external_id": external_id,
        "name": "赵六",
        "phone": phone,
        "department": "生产部",
        **extra,
    }


def assert_problem(response: httpx.Response, status: int) -> dict:
    """An RFC 9457 problem with the given status; returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["type"] == "about:blank"
    assert problem["status"] == status
    assert problem["title"] and problem["detail"]
    assert problem["instance"] == response.request.url.path
    return problem
