from __future__ import annotations

import pytest

from portal.config import get_settings
from portal.domain.staff.tables import StaffUser
from tests.admin.forms import submit
from tests.factories import STAFF_PASSWORD, make_department, make_staff, sign_in_staff


async def _login(client, email, password, **extra):
    return await submit(client, "/admin/login", {"email": email, "password": password, **extra})


async def test_admin_pages_redirect_to_sign_in_with_the_page_to_return_to(client):
    response = await client.get("/admin/candidates?stage=2", follow_redirects=False)
    assert response.status_code == 302
    assert (
        response.headers["location"] == "/admin/login?next_path=%2Fadmin%2Fcandidates%3Fstage%3D2"
    )


async def test_sign_in_with_the_right_password_opens_the_admin(client):
    staff = await make_staff("hr")
    response = await _login(client, staff.email.upper(), STAFF_PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"] == "/admin"
    assert "HttpOnly" in response.headers["set-cookie"]
    page = await client.get("/admin/candidates")
    assert page.status_code == 200
    assert staff.name in page.text
    row = await StaffUser.select(StaffUser.last_login_at).where(StaffUser.id == staff.id).first()
    assert row["last_login_at"] is not None


async def test_sign_in_returns_to_the_requested_page(client):
    staff = await make_staff("hr")
    response = await _login(client, staff.email, STAFF_PASSWORD, next_path="/admin/cohorts")
    assert response.headers["location"] == "/admin/cohorts"


async def test_sign_in_never_redirects_off_site(client):
    staff = await make_staff("hr")
    response = await _login(client, staff.email, STAFF_PASSWORD, next_path="//evil.example/x")
    assert response.headers["location"] == "/admin"


async def test_wrong_password_is_refused_with_a_message(client):
    staff = await make_staff("hr")
    response = await _login(client, staff.email, "not the password")
    assert response.status_code == 400
    assert "邮箱地址或密码错误" in response.text
    assert staff.email in response.text  # the e-mail stays filled in
    assert "onramp_session" not in response.headers.get("set-cookie", "")
    assert (await client.get("/admin/candidates", follow_redirects=False)).status_code == 302


async def test_unknown_email_gets_the_same_message_as_a_wrong_password(client):
    response = await _login(client, "nobody@example.com", STAFF_PASSWORD)
    assert response.status_code == 400
    assert "邮箱地址或密码错误" in response.text


async def test_empty_form_asks_for_both_fields(client):
    response = await _login(client, "", "")
    assert response.status_code == 400
    assert "请输入邮箱地址和密码" in response.text


async def test_deactivated_staff_cannot_sign_in(client):
    staff = await make_staff("hr")
    await StaffUser.update({StaffUser.is_active: False}).where(StaffUser.id == staff.id)
    response = await _login(client, staff.email, STAFF_PASSWORD)
    assert response.status_code == 400


async def test_deactivated_staff_is_signed_out_at_once(client):
    staff = await make_staff("hr")
    await sign_in_staff(client, staff)
    await StaffUser.update({StaffUser.is_active: False}).where(StaffUser.id == staff.id)
    response = await client.get("/admin/candidates", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"].startswith("/admin/login")


async def test_too_many_failures_lock_the_account_even_for_the_right_password(client):
    staff = await make_staff("hr")
    limit = get_settings().staff_login_max_attempts
    for _ in range(limit):
        assert (await _login(client, staff.email, "wrong password")).status_code == 400
    response = await _login(client, staff.email, STAFF_PASSWORD)
    assert response.status_code == 429
    assert "失败次数过多" in response.text
    assert "15 分钟后再试" in response.text
    assert 0 < int(response.headers["retry-after"]) <= 15 * 60
    assert "onramp_session" not in response.headers.get("set-cookie", "")
    # The password was not even checked: no sign-in was recorded.
    row = await StaffUser.select(StaffUser.last_login_at).where(StaffUser.id == staff.id).first()
    assert row["last_login_at"] is None


async def test_too_many_failures_from_one_address_lock_other_accounts_too(client):
    staff = await make_staff("hr")
    limit = get_settings().staff_login_max_attempts
    for number in range(limit):
        await _login(client, f"guess{number}@example.com", "wrong password")
    response = await _login(client, staff.email, STAFF_PASSWORD)
    assert response.status_code == 429


async def test_a_successful_sign_in_clears_the_failures_of_that_email(client):
    staff = await make_staff("hr")
    limit = get_settings().staff_login_max_attempts
    for _ in range(limit - 1):
        await _login(client, staff.email, "wrong password")
    assert (await _login(client, staff.email, STAFF_PASSWORD)).status_code == 303
    client.cookies.delete("onramp_session")
    await client.get("/admin/login")  # the form again, with a token for being signed out
    # The address kept its failures, so only one more try is left from here.
    assert (await _login(client, staff.email, "wrong password")).status_code == 400
    assert (await _login(client, staff.email, "wrong password")).status_code == 429


async def test_sign_in_rotates_the_session(client):
    first = await make_staff("hr")
    second = await make_staff("admin")
    await sign_in_staff(client, first)
    old_token = client.cookies.get("onramp_session")
    await sign_in_staff(client, second)
    assert client.cookies.get("onramp_session") != old_token
    client.cookies.clear()
    client.cookies.set("onramp_session", old_token)
    assert (await client.get("/admin/candidates", follow_redirects=False)).status_code == 302


async def test_a_candidate_session_does_not_open_the_admin(client):
    from tests.factories import make_candidate, sign_in_candidate

    await sign_in_candidate(client, await make_candidate())
    response = await client.get("/admin/candidates", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"].startswith("/admin/login")


async def test_sign_out_ends_the_session(client):
    staff = await make_staff("hr")
    await sign_in_staff(client, staff)
    token = client.cookies.get("onramp_session")
    response = await submit(client, "/admin/logout", {})
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/login"
    client.cookies.clear()
    client.cookies.set("onramp_session", token)
    assert (await client.get("/admin/candidates", follow_redirects=False)).status_code == 302


async def test_the_page_shows_who_is_signed_in_and_their_role(client):
    department = await make_department("生产部")
    staff = await make_staff("manager", department=department)
    await sign_in_staff(client, staff)
    page = await client.get("/admin/candidates")
    assert f"{staff.name} · 经理" in page.text
    english = await client.get("/admin/candidates", headers={"Accept-Language": "en"})
    assert f"{staff.name} · Manager" in english.text


async def test_no_sso_button_when_single_sign_on_is_not_configured(client):
    page = await client.get("/admin/login")
    assert page.status_code == 200
    assert "/admin/oidc/login" not in page.text


@pytest.fixture
def oidc_configured(monkeypatch):
    monkeypatch.setenv("ONRAMP_OIDC_ISSUER", "https://login.example.com")
    monkeypatch.setenv("ONRAMP_OIDC_CLIENT_ID", "onramp")
    monkeypatch.setenv("ONRAMP_OIDC_BUTTON_LABEL", "企业微信")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


async def test_sso_button_links_to_the_oidc_login(client, oidc_configured):
    page = await client.get("/admin/login?next_path=/admin/cohorts")
    assert 'href="/admin/oidc/login?next_path=%2Fadmin%2Fcohorts"' in page.text
    assert "使用 企业微信 登录" in page.text


async def test_failed_sso_shows_a_message(client):
    page = await client.get("/admin/login?error=sso")
    assert "单点登录失败" in page.text
