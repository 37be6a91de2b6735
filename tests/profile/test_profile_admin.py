"""Staff see the profile masked; only admins reveal, and every reveal is logged."""

import pytest

from portal.domain.profiles.personal_info import ProfileInput, profile_save
from portal.domain.profiles.tables import ProfileReveal
from tests.factories import make_candidate, make_department, make_staff, sign_in_staff
from tests.profile.helpers import VALID_CARD, VALID_ID, profile_form


async def _candidate_with_profile(**kwargs):
    candidate = await make_candidate(**kwargs)
    await profile_save(candidate_id=candidate.id, data=ProfileInput(**profile_form()))
    return candidate


async def _reveal(client, candidate_id, field):
    return await client.post(
        f"/admin/candidates/{candidate_id}/profile/reveal",
        data={"field": field, "_csrf_token": client.cookies.get("onramp_csrf")},
        follow_redirects=False,
    )


@pytest.mark.parametrize("role", ["admin", "hr", "manager"])
async def test_staff_see_the_profile_masked(client, role):
    department = await make_department()
    candidate = await _candidate_with_profile(department=department)
    await sign_in_staff(client, await make_staff(role, department=department))
    detail = await client.get(f"/admin/candidates/{candidate.id}")
    assert f'href="/admin/candidates/{candidate.id}/profile"' in detail.text
    page = await client.get(f"/admin/candidates/{candidate.id}/profile")
    assert page.status_code == 200
    assert VALID_ID not in page.text and VALID_CARD not in page.text
    assert "4403**********" + VALID_ID[-4:] in page.text
    assert f"6222 **** **** {VALID_CARD[-4:]}" in page.text
    assert ('data-testid="reveal-id_number"' in page.text) == (role == "admin")


async def test_an_admin_reveal_shows_the_number_and_is_logged_once(client):
    candidate = await _candidate_with_profile()
    admin = await make_staff("admin")
    await sign_in_staff(client, admin)
    response = await _reveal(client, candidate.id, "id_number")
    assert response.status_code == 200
    assert VALID_ID in response.text
    assert VALID_CARD not in response.text  # only the field asked for
    assert response.headers["cache-control"] == "no-store"
    rows = await ProfileReveal.select()
    assert len(rows) == 1
    assert rows[0]["staff"] == admin.id and rows[0]["candidate"] == candidate.id
    assert rows[0]["field"] == "id_number" and rows[0]["staff_email"] == admin.email
    assert rows[0]["ip_address"]

    await _reveal(client, candidate.id, "bank_card")
    again = await _reveal(client, candidate.id, "bank_card")
    assert VALID_CARD in again.text
    assert await ProfileReveal.count() == 3
    log = await client.get("/admin/profile-reveals")
    assert log.status_code == 200
    assert log.text.count('data-testid="reveal-row"') == 3
    assert VALID_ID not in log.text and VALID_CARD not in log.text


@pytest.mark.parametrize("role", ["hr", "manager"])
async def test_hr_and_managers_cannot_reveal_and_nothing_is_logged(client, role):
    department = await make_department()
    candidate = await _candidate_with_profile(department=department)
    await sign_in_staff(client, await make_staff(role, department=department))
    for field in ("id_number", "bank_card"):
        response = await _reveal(client, candidate.id, field)
        assert response.status_code == 403
        assert VALID_ID not in response.text and VALID_CARD not in response.text
    assert await ProfileReveal.count() == 0
    assert (await client.get("/admin/profile-reveals")).status_code == 403


async def test_a_manager_cannot_see_another_departments_profile(client):
    candidate = await _candidate_with_profile()
    await sign_in_staff(client, await make_staff("manager", department=await make_department()))
    assert (await client.get(f"/admin/candidates/{candidate.id}/profile")).status_code == 404


async def test_bad_reveal_requests_record_nothing(client):
    candidate = await _candidate_with_profile()
    no_profile = await make_candidate(name="王五")
    await sign_in_staff(client, await make_staff("admin"))
    assert (await _reveal(client, candidate.id, "legal_name")).status_code == 404
    assert (await _reveal(client, candidate.id, "")).status_code == 404
    assert (await _reveal(client, no_profile.id, "id_number")).status_code == 404
    assert (await _reveal(client, 999999, "id_number")).status_code == 404
    no_csrf = await client.post(
        f"/admin/candidates/{candidate.id}/profile/reveal", data={"field": "id_number"}
    )
    assert no_csrf.status_code == 403
    assert await ProfileReveal.count() == 0


async def test_a_profile_not_filled_in_says_so(client):
    candidate = await make_candidate()
    await sign_in_staff(client, await make_staff("hr"))
    page = await client.get(f"/admin/candidates/{candidate.id}/profile")
    assert 'data-testid="no-profile"' in page.text


async def test_script_tags_are_escaped_for_staff(client):
    candidate = await make_candidate()
    script = "<script>alert(1)</script>"
    await profile_save(
        candidate_id=candidate.id,
        data=ProfileInput(**profile_form(legal_name=script, address=script, emergency_name=script)),
    )
    await sign_in_staff(client, await make_staff("admin"))
    page = await client.get(f"/admin/candidates/{candidate.id}/profile")
    assert script not in page.text and "&lt;script&gt;" in page.text
