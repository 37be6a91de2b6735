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


async def test_the_token_is_bound_to_the_session_cookie_that_signs_the_request_in(client):
    """With two session cookies in one header, the first signs the request in (as the
    session middleware reads it) and the CSRF token is checked against that one too."""
    await sign_in_staff(client, await make_staff("hr"))
    await client.get("/admin/questions")  # a CSRF cookie bound to this session
    session, token = client.cookies.get("onramp_session"), client.cookies.get("onramp_csrf")
    client.cookies.clear()
    for cookie_header, expected in (
        (f"onramp_session={session}; onramp_session=stale; onramp_csrf={token}", 404),
        (f"onramp_session=stale; onramp_session={session}; onramp_csrf={token}", 403),
    ):
        response = await client.post(
            "/admin/questions/987654321/close",
            data={"_csrf_token": token},
            headers={"Cookie": cookie_header},
            follow_redirects=False,
        )
        # 404: signed in, the token accepted, no such question. 403: the first cookie is
        # no session, and the token is bound to a session the request does not sign in with.
        assert response.status_code == expected, response.text[:200]
