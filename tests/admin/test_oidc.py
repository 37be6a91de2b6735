"""Staff single sign-on against a real OpenID Connect provider running on loopback.

The browser's round trip is followed by hand: Onramp redirects to the provider's
authorize endpoint, the provider (auto-approving its test user) redirects back to the
callback, and Onramp exchanges the code over real HTTP with the provider.
"""

from __future__ import annotations

import logging
import socket
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc.jwk import RSAKey

from admin.oidc import STATE_COOKIE
from portal.auth.oidc import oidc_cache_clear
from portal.config import get_settings
from portal.domain.staff.tables import StaffUser
from tests.factories import make_department, make_staff, sign_in_staff
from tests.oidc_provider import LoopbackOidcProvider, impostor_key, published_key

CALLBACK = "http://testserver.local/admin/oidc/callback"
REFUSED = "/admin/login?error=sso"


@pytest.fixture(scope="session")
def running_provider():
    """One provider server for the session (a start and stop cost ~0.3 s a test)."""
    running = LoopbackOidcProvider().start()
    yield running
    running.stop()


@pytest.fixture
def provider(running_provider: LoopbackOidcProvider) -> LoopbackOidcProvider:
    """The provider as new: its user, knobs and records reset for each test."""
    return running_provider.reset()


def _configure(monkeypatch: pytest.MonkeyPatch, issuer: str, **variables: str) -> None:
    monkeypatch.setenv("ONRAMP_OIDC_ISSUER", issuer)
    monkeypatch.setenv("ONRAMP_OIDC_CLIENT_ID", "onramp-test-client")
    monkeypatch.setenv("ONRAMP_OIDC_CLIENT_SECRET", "loopback-client-secret")
    monkeypatch.setenv("ONRAMP_OIDC_BUTTON_LABEL", "企业微信")
    for name, value in variables.items():
        monkeypatch.setenv(f"ONRAMP_OIDC_{name.upper()}", value)
    get_settings.cache_clear()


@pytest.fixture
async def sso_client(monkeypatch: pytest.MonkeyPatch, provider: LoopbackOidcProvider, app):
    """A client on the session's app, with settings pointing at the loopback provider.

    The sign-in routes read the settings per request, so the app need not be rebuilt."""
    _configure(monkeypatch, provider.issuer)
    oidc_cache_clear()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as c:
        yield c
    monkeypatch.undo()
    get_settings.cache_clear()
    oidc_cache_clear()


async def _start(client: httpx.AsyncClient, next_path: str | None = None) -> httpx.Response:
    params = {"next_path": next_path} if next_path is not None else {}
    return await client.get("/admin/oidc/login", params=params, follow_redirects=False)


async def _approve_at_provider(authorize_url: str) -> str:
    """The browser at the provider: returns the callback URL the provider redirects to."""
    async with httpx.AsyncClient() as browser:
        response = await browser.get(authorize_url, follow_redirects=False)
    assert response.status_code == 302, response.text
    return response.headers["location"]


async def _callback_url(client: httpx.AsyncClient, next_path: str | None = None) -> str:
    start = await _start(client, next_path)
    assert start.status_code == 303, start.text
    callback = await _approve_at_provider(start.headers["location"])
    assert callback.startswith(CALLBACK + "?")
    return callback


async def sso_sign_in(client: httpx.AsyncClient, next_path: str | None = None) -> httpx.Response:
    return await client.get(await _callback_url(client, next_path), follow_redirects=False)


def _set_cookies(response: httpx.Response) -> str:
    return "\n".join(response.headers.get_list("set-cookie"))


async def _assert_refused(client: httpx.AsyncClient, response: httpx.Response) -> None:
    assert response.status_code == 303, response.text
    assert response.headers["location"] == REFUSED
    assert "onramp_session=" not in _set_cookies(response)
    admin_page = await client.get("/admin/candidates", follow_redirects=False)
    assert admin_page.status_code == 302
    assert admin_page.headers["location"].startswith("/admin/login")


async def _assert_signed_in(client: httpx.AsyncClient, response: httpx.Response) -> None:
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/admin"
    assert (await client.get("/admin/candidates")).status_code == 200


async def _staff_rows() -> list[dict]:
    return await StaffUser.select(
        StaffUser.email, StaffUser.role, StaffUser.oidc_subject, StaffUser.password_hash
    ).order_by(StaffUser.id)


# -- configuration -----------------------------------------------------------------------


async def test_without_oidc_settings_both_endpoints_are_not_found(client):
    assert (await client.get("/admin/oidc/login", follow_redirects=False)).status_code == 404
    callback = await client.get("/admin/oidc/callback?state=x&code=y", follow_redirects=False)
    assert callback.status_code == 404
    assert 'data-testid="sso-button"' not in (await client.get("/admin/login")).text


async def test_sign_in_page_offers_the_configured_provider(sso_client):
    page = await sso_client.get("/admin/login?next_path=/admin/cohorts")
    assert 'data-testid="sso-button"' in page.text
    assert "使用 企业微信 登录" in page.text
    assert 'href="/admin/oidc/login?next_path=%2Fadmin%2Fcohorts"' in page.text


async def test_login_sends_state_nonce_and_pkce_s256_to_the_provider(sso_client, provider):
    start = await _start(sso_client)
    assert start.status_code == 303
    sent = parse_qs(urlsplit(start.headers["location"]).query)
    assert start.headers["location"].startswith(f"{provider.issuer}/authorize?")
    assert sent["response_type"] == ["code"]
    assert sent["client_id"] == ["onramp-test-client"]
    assert sent["redirect_uri"] == [CALLBACK]
    assert sent["scope"] == ["openid email profile"]
    assert sent["code_challenge_method"] == ["S256"]
    assert len(sent["state"][0]) >= 40 and len(sent["nonce"][0]) >= 40
    assert sent["state"] != sent["nonce"]
    state_cookie = _set_cookies(start)
    assert f"{STATE_COOKIE}={sent['state'][0]}" in state_cookie
    assert "HttpOnly" in state_cookie and "Path=/admin/oidc" in state_cookie

    await sso_client.get(await _approve_at_provider(start.headers["location"]))
    (exchange,) = provider.token_requests
    assert exchange["grant_type"] == "authorization_code"
    assert 43 <= len(exchange["code_verifier"]) <= 128
    assert exchange["redirect_uri"] == CALLBACK
    assert "client_secret" not in exchange  # sent with HTTP Basic, as the provider prefers


async def test_unreachable_provider_ends_on_the_sign_in_page(monkeypatch, client, caplog):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    _configure(monkeypatch, f"http://127.0.0.1:{port}")
    oidc_cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="onramp.oidc"):
            response = await _start(client)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert response.status_code == 303
    assert response.headers["location"] == REFUSED
    assert "could not start" in caplog.text


# -- who signs in ------------------------------------------------------------------------


async def test_existing_staff_signs_in_by_verified_email_and_lands_in_the_admin(sso_client):
    staff = await make_staff("hr", email="li.lei@example.com")
    response = await sso_sign_in(sso_client)
    assert response.status_code == 303
    assert response.headers["location"] == "/admin"
    cookies = _set_cookies(response)
    assert "onramp_session=" in cookies and f'{STATE_COOKIE}=""' in cookies
    page = await sso_client.get("/admin/candidates")
    assert page.status_code == 200
    assert staff.name in page.text
    row = await StaffUser.select().where(StaffUser.id == staff.id).first()
    assert row["oidc_subject"] == "idp-user-1"
    assert row["last_login_at"] is not None


async def test_linked_subject_signs_in_even_after_the_email_changed(sso_client, provider):
    staff = await make_staff("admin", email="li.lei@example.com")
    await _assert_signed_in(sso_client, await sso_sign_in(sso_client))
    sso_client.cookies.clear()
    provider.user.email = "lei.li@newname.example.com"
    provider.user.email_verified = False
    response = await sso_sign_in(sso_client)
    await _assert_signed_in(sso_client, response)
    assert [row["email"] for row in await _staff_rows()] == [staff.email]


async def test_sso_replaces_the_session_already_in_the_browser(sso_client):
    other = await make_staff("admin", email="someone.else@example.com")
    await sign_in_staff(sso_client, other)
    old_session = sso_client.cookies.get("onramp_session")
    me = await make_staff("hr", email="li.lei@example.com")
    await _assert_signed_in(sso_client, await sso_sign_in(sso_client))
    assert sso_client.cookies.get("onramp_session") != old_session
    assert me.name in (await sso_client.get("/admin/candidates")).text
    sso_client.cookies.clear()
    sso_client.cookies.set("onramp_session", old_session)
    stale = await sso_client.get("/admin/candidates", follow_redirects=False)
    assert stale.status_code == 302  # the old token was forgotten, not just overwritten


async def test_sign_in_returns_to_the_page_asked_for_but_never_off_site(sso_client):
    await make_staff("hr", email="li.lei@example.com")
    response = await sso_sign_in(sso_client, next_path="/admin/cohorts")
    assert response.headers["location"] == "/admin/cohorts"
    sso_client.cookies.clear()
    response = await sso_sign_in(sso_client, next_path="//evil.example/phish")
    assert response.headers["location"] == "/admin"


async def test_unverified_email_is_neither_linked_nor_signed_in(sso_client, provider, caplog):
    await make_staff("hr", email="li.lei@example.com")
    provider.user.email_verified = False
    with caplog.at_level(logging.WARNING, logger="onramp.oidc"):
        await _assert_refused(sso_client, await sso_sign_in(sso_client))
    assert "verified: False" in caplog.text
    assert (await _staff_rows())[0]["oidc_subject"] is None


async def test_email_already_linked_to_another_subject_is_refused(sso_client):
    staff = await make_staff("hr", email="li.lei@example.com")
    await StaffUser.update({StaffUser.oidc_subject: "someone-else"}).where(StaffUser.id == staff.id)
    await _assert_refused(sso_client, await sso_sign_in(sso_client))
    assert (await _staff_rows())[0]["oidc_subject"] == "someone-else"


async def test_deactivated_staff_cannot_sign_in_with_sso(sso_client):
    staff = await make_staff("hr", email="li.lei@example.com")
    await StaffUser.update(
        {StaffUser.oidc_subject: "idp-user-1", StaffUser.is_active: False}
    ).where(StaffUser.id == staff.id)
    await _assert_refused(sso_client, await sso_sign_in(sso_client))


async def test_unknown_person_is_refused_without_a_default_role(sso_client, caplog):
    with caplog.at_level(logging.WARNING, logger="onramp.oidc"):
        await _assert_refused(sso_client, await sso_sign_in(sso_client))
    assert "ONRAMP_OIDC_DEFAULT_ROLE is not set" in caplog.text
    assert await _staff_rows() == []


async def test_unknown_person_gets_an_account_with_the_default_role(sso_client, monkeypatch):
    monkeypatch.setenv("ONRAMP_OIDC_DEFAULT_ROLE", "hr")
    get_settings.cache_clear()
    await _assert_signed_in(sso_client, await sso_sign_in(sso_client))
    row = await StaffUser.select().first()
    assert row["email"] == "li.lei@example.com"
    assert row["name"] == "李雷"
    assert row["role"] == "hr"
    assert row["oidc_subject"] == "idp-user-1"
    assert row["password_hash"] is None
    assert row["last_login_at"] is not None
    page = await sso_client.get("/admin/candidates")
    assert "李雷" in page.text


async def test_default_role_manager_cannot_create_accounts(sso_client, monkeypatch, caplog):
    await make_department()
    monkeypatch.setenv("ONRAMP_OIDC_DEFAULT_ROLE", "manager")
    get_settings.cache_clear()
    with caplog.at_level(logging.WARNING, logger="onramp.oidc"):
        await _assert_refused(sso_client, await sso_sign_in(sso_client))
    assert "a manager needs a department" in caplog.text
    assert await _staff_rows() == []


# -- tampering and replay ----------------------------------------------------------------


async def test_callback_with_a_different_state_is_refused(sso_client, provider):
    await make_staff("hr", email="li.lei@example.com")
    callback = await _callback_url(sso_client)
    forged = callback.replace("state=", "state=x", 1)
    await _assert_refused(sso_client, await sso_client.get(forged, follow_redirects=False))
    assert provider.token_requests == []


async def test_made_up_state_is_refused_even_with_a_matching_cookie(sso_client, provider):
    await make_staff("hr", email="li.lei@example.com")
    callback = await _callback_url(sso_client)
    code = parse_qs(urlsplit(callback).query)["code"][0]
    sso_client.cookies.set(STATE_COOKIE, "made-up-state", path="/admin/oidc")
    response = await sso_client.get(
        "/admin/oidc/callback", params={"state": "made-up-state", "code": code}
    )
    await _assert_refused(sso_client, response)
    assert provider.token_requests == []


async def test_callback_opened_in_another_browser_is_refused(sso_client, provider):
    # Login CSRF: the attacker's own callback URL, sent to a victim, must not sign the
    # victim in as the attacker.
    await make_staff("hr", email="li.lei@example.com")
    callback = await _callback_url(sso_client)
    sso_client.cookies.clear()
    await _assert_refused(sso_client, await sso_client.get(callback, follow_redirects=False))
    assert provider.token_requests == []


async def test_replayed_callback_is_refused(sso_client, provider):
    await make_staff("hr", email="li.lei@example.com")
    callback = await _callback_url(sso_client)
    state = parse_qs(urlsplit(callback).query)["state"][0]
    await _assert_signed_in(sso_client, await sso_client.get(callback, follow_redirects=False))
    sso_client.cookies.clear()
    # Even with the state cookie put back, the state was used up on the server.
    sso_client.cookies.set(STATE_COOKIE, state, path="/admin/oidc")
    await _assert_refused(sso_client, await sso_client.get(callback, follow_redirects=False))
    assert len(provider.token_requests) == 1


async def test_provider_error_is_logged_but_not_shown(sso_client, caplog):
    start = await _start(sso_client)
    state = parse_qs(urlsplit(start.headers["location"]).query)["state"][0]
    with caplog.at_level(logging.WARNING, logger="onramp.oidc"):
        response = await sso_client.get(
            "/admin/oidc/callback",
            params={
                "state": state,
                "error": "access_denied",
                "error_description": "internal tenant 42 policy",
            },
        )
    await _assert_refused(sso_client, response)
    assert "access_denied" in caplog.text
    page = await sso_client.get(response.headers["location"])
    assert "单点登录失败" in page.text
    assert "tenant 42" not in page.text and "access_denied" not in page.text


async def test_wrong_client_secret_is_refused_by_the_provider(sso_client, monkeypatch, caplog):
    await make_staff("hr", email="li.lei@example.com")
    monkeypatch.setenv("ONRAMP_OIDC_CLIENT_SECRET", "not-the-secret")
    get_settings.cache_clear()
    with caplog.at_level(logging.WARNING, logger="onramp.oidc"):
        await _assert_refused(sso_client, await sso_sign_in(sso_client))
    assert "invalid_client" in caplog.text


async def test_id_token_signed_with_another_key_is_refused(sso_client, provider, caplog):
    await make_staff("hr", email="li.lei@example.com")
    provider.signing_key = impostor_key()
    with caplog.at_level(logging.WARNING, logger="onramp.oidc"):
        await _assert_refused(sso_client, await sso_sign_in(sso_client))
    assert "BadSignatureError" in caplog.text
    assert (await _staff_rows())[0]["oidc_subject"] is None


@pytest.mark.parametrize(
    ("claims", "omitted", "reason"),
    [
        ({"nonce": "not-the-nonce-we-sent"}, (), "Invalid claim: 'nonce'"),
        ({}, ("nonce",), "Missing claim: 'nonce'"),
        ({"aud": "another-client"}, (), "Invalid claim: 'aud'"),
        ({"iss": "http://127.0.0.1:1/other-issuer"}, (), "Invalid claim: 'iss'"),
        ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, (), "expired"),
    ],
    ids=["wrong-nonce", "missing-nonce", "wrong-audience", "wrong-issuer", "expired"],
)
async def test_id_token_with_bad_claims_is_refused(
    sso_client, provider, caplog, claims, omitted, reason
):
    await make_staff("hr", email="li.lei@example.com")
    provider.id_token_claims = claims
    provider.id_token_omits = omitted
    with caplog.at_level(logging.WARNING, logger="onramp.oidc"):
        await _assert_refused(sso_client, await sso_sign_in(sso_client))
    assert "the ID token is not valid" in caplog.text and reason in caplog.text
    assert (await _staff_rows())[0]["oidc_subject"] is None


@pytest.mark.parametrize("algorithm", ["none", "HS256"])
async def test_id_token_not_signed_with_the_providers_public_key_is_refused(
    sso_client, provider, algorithm
):
    # "none" would need no key at all; HS256 would be keyed with the client secret,
    # which this client (and anyone who learns the secret) knows.
    await make_staff("hr", email="li.lei@example.com")
    provider.id_token_alg = algorithm
    await _assert_refused(sso_client, await sso_sign_in(sso_client))
    assert (await _staff_rows())[0]["oidc_subject"] is None


async def test_keys_rotated_by_the_provider_are_fetched_again(sso_client, provider):
    await make_staff("hr", email="li.lei@example.com")
    await _assert_signed_in(sso_client, await sso_sign_in(sso_client))  # keys now cached
    sso_client.cookies.clear()
    rotated = RSAKey.generate_key(2048, parameters={"kid": "loopback-key-2", "use": "sig"})
    provider.published_keys = [published_key(), rotated]
    provider.signing_key = rotated
    await _assert_signed_in(sso_client, await sso_sign_in(sso_client))
