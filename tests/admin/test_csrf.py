"""Every admin form refuses a post without the CSRF token, and changes nothing."""

from __future__ import annotations

from portal.domain.candidates.tables import Candidate, LoginLink, StageChange
from portal.domain.organisation.tables import Cohort, Stage
from tests.factories import (
    STAFF_PASSWORD,
    make_candidate,
    make_cohort,
    make_department,
    make_staff,
    sign_in_staff,
)


async def _snapshot() -> tuple:
    return (
        await Candidate.select().order_by(Candidate.id),
        await Cohort.select().order_by(Cohort.id),
        await StageChange.count(),
        await LoginLink.count(),
    )


async def test_every_admin_form_needs_the_csrf_token(client):
    department = await make_department()
    cohort = await make_cohort(department)
    candidate = await make_candidate(department)
    staff = await make_staff("admin")
    await sign_in_staff(client, staff)
    offer = (await Stage.select(Stage.id).where(Stage.code == "offer_sent").first())["id"]
    cohort_form = {
        "name": "新批次",
        "start_date": "2026-12-01",
        "start_time": "09:00",
        "timezone": "Asia/Shanghai",
        "capacity": "10",
    }
    posts = {
        "/admin/candidates/new": {
            "name": "新人",
            "phone": "13800000001",
            "department": department.id,
        },
        f"/admin/candidates/{candidate.id}/edit": {
            "name": "改名",
            "phone": candidate.phone,
            "department": department.id,
        },
        f"/admin/candidates/{candidate.id}/stage": {"stage": offer},
        f"/admin/candidates/{candidate.id}/status": {"status": "withdrawn", "reason": "x"},
        f"/admin/candidates/{candidate.id}/login-link": {},
        "/admin/cohorts/new": cohort_form,
        f"/admin/cohorts/{cohort.id}/edit": cohort_form,
        "/admin/logout": {},
    }
    before = await _snapshot()
    for path, data in posts.items():
        for token in (None, "forged-token"):
            body = dict(data) if token is None else {**data, "_csrf_token": token}
            response = await client.post(path, data=body, follow_redirects=False)
            assert response.status_code == 403, (path, token)
    assert await _snapshot() == before
    # Still signed in: the refused sign-out did nothing.
    assert (await client.get("/admin/candidates", follow_redirects=False)).status_code == 200


async def test_sign_in_needs_the_csrf_token(client):
    staff = await make_staff("hr")
    await client.get("/admin/login")
    response = await client.post(
        "/admin/login",
        data={"email": staff.email, "password": STAFF_PASSWORD},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert "onramp_session" not in response.headers.get("set-cookie", "")
