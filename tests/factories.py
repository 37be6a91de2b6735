"""Factories: real rows through the real services."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from portal.domain.candidates.login_links import login_link_create
from portal.domain.candidates.records import CandidateInput, candidate_create
from portal.domain.candidates.tables import Candidate
from portal.domain.organisation.tables import Cohort, Department, Position
from portal.domain.staff.accounts import staff_create
from portal.domain.staff.tables import StaffUser

_sequence = itertools.count(1)

STAFF_PASSWORD = "correct horse battery"


async def make_department(name: str | None = None, **values: Any) -> Department:
    department = Department(name=name or f"部门{next(_sequence)}", **values)
    await department.save()
    return department


async def make_position(department: Department, name: str | None = None) -> Position:
    position = Position(department=department.id, name=name or f"岗位{next(_sequence)}")
    await position.save()
    return position


async def make_cohort(
    department: Department | None = None,
    *,
    starts_at: datetime | None = None,
    name: str | None = None,
    timezone: str = "Asia/Shanghai",
    place: str = "苏州培训中心",
    capacity: int = 30,
) -> Cohort:
    cohort = Cohort(
        name=name or f"第{next(_sequence)}期",
        department=department.id if department else None,
        starts_at=starts_at or datetime.now(UTC) + timedelta(days=12),
        place=place,
        timezone=timezone,
        capacity=capacity,
    )
    await cohort.save()
    return cohort


def unique_phone() -> str:
    return f"139{next(_sequence):08d}"


async def make_candidate(
    department: Department | None = None,
    *,
    cohort: Cohort | None = None,
    name: str = "张三",
    phone: str | None = None,
    email: str | None = None,
    external_id: str | None = None,
    stage_id: int | None = None,
) -> Candidate:
    department = department or await make_department()
    return await candidate_create(
        data=CandidateInput(
            name=name,
            phone=phone or unique_phone(),
            email=email,
            department_id=department.id,
            cohort_id=cohort.id if cohort else None,
            external_id=external_id,
        ),
        stage_id=stage_id,
        source="test",
    )


async def make_staff(
    role: str = "hr",
    *,
    email: str | None = None,
    department: Department | None = None,
    password: str = STAFF_PASSWORD,
) -> StaffUser:
    return await staff_create(
        email=email or f"staff{next(_sequence)}@example.com",
        role=role,
        password=password,
        department_id=department.id if department else None,
    )


async def sign_in_as(
    client: httpx.AsyncClient, role: str = "hr", *, department: Department | None = None
) -> StaffUser:
    """Sign ``client`` in as a new staff member of ``role`` (a manager gets a department)."""
    if role == "manager" and department is None:
        department = await make_department()
    staff = await make_staff(role, department=department)
    await sign_in_staff(client, staff)
    return staff


async def sign_in_candidate(client: httpx.AsyncClient, candidate: Candidate) -> None:
    """Open the link (the "continue" page) and tap it, as a person does."""
    url = await login_link_create(candidate_id=candidate.id)
    await tap_login_link(client, url.removeprefix("http://testserver.local"))


async def tap_login_link(client: httpx.AsyncClient, path: str) -> httpx.Response:
    """GET the sign-in link's page, then POST its form (with the page's CSRF token)."""
    page = await client.get(path, follow_redirects=False)
    assert page.status_code == 200, page.text
    response = await client.post(
        path, data={"_csrf_token": client.cookies.get("onramp_csrf")}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return response


async def sign_in_staff(
    client: httpx.AsyncClient, staff: StaffUser, password: str = STAFF_PASSWORD
) -> None:
    """Sign in through the real form: fetch the CSRF cookie, post it with the credentials."""
    page = await client.get("/admin/login")
    assert page.status_code == 200, page.text
    response = await client.post(
        "/admin/login",
        data={
            "email": staff.email,
            "password": password,
            "_csrf_token": client.cookies.get("onramp_csrf"),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/admin"
