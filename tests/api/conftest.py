from __future__ import annotations

import httpx
import pytest

from portal.domain.staff.api_tokens import api_token_create
from tests.factories import make_cohort, make_department, make_position


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
