from __future__ import annotations

import httpx
import pytest

from portal.domain.staff.api_tokens import api_token_create
from tests.factories import make_cohort, make_department, make_position

PROBLEM = "application/problem+json"


@pytest.fixture
async def api_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {await api_token_create(name='hiring system')}"}


@pytest.fixture
async def org():
    """A department with a position and a cohort, named as a hiring system would send them."""
    department = await make_department("生产部")
    position = await make_position(department, "装配工")
    cohort = await make_cohort(department, name="12月第3期")
    return {"department": department, "position": position, "cohort": cohort}


@pytest.fixture
async def other_client(app):
    """A second browser: its own cookies, the same app."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as c:
        yield c


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
