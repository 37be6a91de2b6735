from __future__ import annotations

import pytest

from portal.domain.api_tokens import api_token_create
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


def offer(external_id: str, phone: str, **extra: object) -> dict[str, object]:
    return {
        "external_id": external_id,
        "name": "赵六",
        "phone": phone,
        "department": "生产部",
        **extra,
    }
