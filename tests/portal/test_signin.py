from __future__ import annotations

from datetime import UTC, datetime, timedelta

from portal.auth.tokens import hash_token
from portal.domain.candidates.login_links import login_link_create
from portal.domain.candidates.tables import LoginLink
from tests.factories import make_candidate, sign_in_candidate, tap_login_link


def _path(url: str) -> str:
    return url.removeprefix("http://testserver.local")


async def test_link_signs_in_and_redirects_home(client):
    candidate = await make_candidate(name="李娜")
    url = await login_link_create(candidate_id=candidate.id)
    response = await tap_login_link(client, _path(url))
    assert response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert "onramp_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    home = await client.get("/")
    assert home.status_code == 200
    assert "李娜" in home.text


async def test_token_is_stored_only_hashed(client):
    candidate = await make_candidate()
    url = await login_link_create(candidate_id=candidate.id)
    token = url.rsplit("/", 1)[1]
    rows = await LoginLink.select(LoginLink.token_hash)
    assert [row["token_hash"] for row in rows] == [hash_token(token)]
    assert token not in str(rows)


async def test_reused_link_shows_friendly_page(client):
    candidate = await make_candidate()
    url = await login_link_create(candidate_id=candidate.id)
    await tap_login_link(client, _path(url))
    client.cookies.clear()
    again = await client.get(_path(url), follow_redirects=False)
    assert again.status_code == 410
    assert "已经使用过" in again.text
    assert "onramp_session" not in again.headers.get("set-cookie", "")


async def test_expired_link_shows_friendly_page(client):
    candidate = await make_candidate()
    url = await login_link_create(candidate_id=candidate.id)
    await LoginLink.update({LoginLink.expires_at: datetime.now(UTC) - timedelta(minutes=1)}).where(
        LoginLink.candidate == candidate.id
    )
    response = await client.get(_path(url), follow_redirects=False)
    assert response.status_code == 410
    assert "已过期" in response.text
    assert (await client.get("/", follow_redirects=False)).headers["location"] == "/welcome"


async def test_unknown_link_is_refused(client):
    response = await client.get("/login/not-a-real-token", follow_redirects=False)
    assert response.status_code == 404
    assert "链接无效" in response.text


async def test_sign_in_rotates_the_session(client):
    first = await make_candidate(name="甲")
    second = await make_candidate(name="乙")
    await sign_in_candidate(client, first)
    old_token = client.cookies.get("onramp_session")
    await sign_in_candidate(client, second)
    new_token = client.cookies.get("onramp_session")
    assert new_token and new_token != old_token
    # The old session no longer works.
    client.cookies.clear()
    client.cookies.set("onramp_session", old_token)
    response = await client.get("/", follow_redirects=False)
    assert response.status_code == 302


async def test_sign_out_ends_the_session(client):
    candidate = await make_candidate()
    await sign_in_candidate(client, candidate)
    token = client.cookies.get("onramp_session")
    await client.get("/welcome")  # fetch a CSRF cookie
    csrf = client.cookies.get("onramp_csrf")
    response = await client.post("/logout", data={"_csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 302
    client.cookies.clear()
    client.cookies.set("onramp_session", token)
    assert (await client.get("/", follow_redirects=False)).headers["location"] == "/welcome"


async def test_sign_out_without_csrf_token_is_refused(client):
    candidate = await make_candidate()
    await sign_in_candidate(client, candidate)
    response = await client.post("/logout", follow_redirects=False)
    assert response.status_code == 403
    assert (await client.get("/", follow_redirects=False)).status_code == 200


async def test_withdrawn_candidate_cannot_use_a_link(client):
    from portal.domain.candidates.records import candidate_set_status

    candidate = await make_candidate()
    url = await login_link_create(candidate_id=candidate.id)
    await candidate_set_status(candidate_id=candidate.id, status="withdrawn", reason="另有工作")
    response = await client.get(_path(url), follow_redirects=False)
    assert response.status_code == 403
    assert "onramp_session" not in response.headers.get("set-cookie", "")
    await client.get("/welcome")
    tapped = await client.post(
        _path(url), data={"_csrf_token": client.cookies.get("onramp_csrf")}, follow_redirects=False
    )
    assert tapped.status_code == 403
    assert "onramp_session" not in tapped.headers.get("set-cookie", "")


async def test_session_cookie_is_secure_when_served_over_https(monkeypatch):
    import httpx

    from onramp.app import create_app
    from portal.config import get_settings

    monkeypatch.setenv("ONRAMP_BASE_URL", "https://onramp.example.com")
    get_settings.cache_clear()
    try:
        candidate = await make_candidate()
        url = await login_link_create(candidate_id=candidate.id)
        assert url.startswith("https://onramp.example.com/login/")
        transport = httpx.ASGITransport(app=create_app(manage_database=False))
        async with httpx.AsyncClient(
            transport=transport, base_url="https://onramp.example.com"
        ) as c:
            response = await tap_login_link(c, url)
        assert "Secure" in response.headers["set-cookie"]
    finally:
        # monkeypatch restores the environment; the next get_settings() reads it afresh.
        get_settings.cache_clear()


async def test_a_robot_fetching_the_link_does_not_use_it_up(client):
    """Link previews (WeChat, SMS apps, mail scanners) GET the URL before the person taps."""
    candidate = await make_candidate(name="王芳")
    url = await login_link_create(candidate_id=candidate.id)
    for _ in range(3):
        robot = await client.get(_path(url), follow_redirects=False)
        assert robot.status_code == 200
        assert "onramp_session" not in robot.headers.get("set-cookie", "")
        assert robot.headers["cache-control"] == "no-store"
        assert 'data-testid="continue"' in robot.text and "继续" in robot.text
    assert (await LoginLink.select(LoginLink.used_at).first())["used_at"] is None
    client.cookies.clear()
    # The real tap, later, on the phone: signed in once.
    response = await tap_login_link(client, _path(url))
    assert response.headers["location"] == "/"
    assert "王芳" in (await client.get("/")).text
    assert (await LoginLink.select(LoginLink.used_at).first())["used_at"] is not None


async def test_the_continue_page_speaks_english_too(client):
    candidate = await make_candidate()
    url = await login_link_create(candidate_id=candidate.id)
    client.cookies.set("onramp_lang", "en")
    page = await client.get(_path(url))
    assert page.status_code == 200 and "Continue" in page.text and "works once" in page.text


async def test_a_second_tap_on_the_same_link_gets_the_used_page(client):
    candidate = await make_candidate()
    url = await login_link_create(candidate_id=candidate.id)
    await client.get(_path(url))
    token = client.cookies.get("onramp_csrf")
    first = await client.post(_path(url), data={"_csrf_token": token}, follow_redirects=False)
    assert first.status_code == 303
    client.cookies.clear()
    await client.get("/welcome")
    second = await client.post(
        _path(url), data={"_csrf_token": client.cookies.get("onramp_csrf")}, follow_redirects=False
    )
    assert second.status_code == 410 and "已经使用过" in second.text
    assert "onramp_session" not in second.headers.get("set-cookie", "")


async def test_the_tap_needs_the_csrf_token(client):
    candidate = await make_candidate()
    url = await login_link_create(candidate_id=candidate.id)
    await client.get(_path(url))
    refused = await client.post(_path(url), follow_redirects=False)
    assert refused.status_code == 403
    assert (await LoginLink.select(LoginLink.used_at).first())["used_at"] is None


async def test_an_expired_link_tapped_shows_the_expired_page(client):
    candidate = await make_candidate()
    url = await login_link_create(candidate_id=candidate.id)
    await client.get(_path(url))
    await LoginLink.update({LoginLink.expires_at: datetime.now(UTC) - timedelta(minutes=1)}).where(
        LoginLink.candidate == candidate.id
    )
    response = await client.post(
        _path(url), data={"_csrf_token": client.cookies.get("onramp_csrf")}, follow_redirects=False
    )
    assert response.status_code == 410 and "已过期" in response.text


async def test_the_signed_in_candidate_opening_their_link_goes_home_and_keeps_it(client):
    candidate = await make_candidate()
    await sign_in_candidate(client, candidate)
    url = await login_link_create(candidate_id=candidate.id)
    response = await client.get(_path(url), follow_redirects=False)
    assert response.status_code == 302 and response.headers["location"] == "/"
    assert await LoginLink.count().where(LoginLink.used_at.is_null()) == 1
