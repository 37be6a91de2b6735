"""A candidate reaches only their own data; sessions of one kind open nothing of the other."""

from __future__ import annotations

from tests.factories import make_candidate, make_staff, sign_in_candidate, sign_in_staff


async def test_a_candidate_session_opens_no_admin_page(client):
    mine = await make_candidate(name="自己")
    other = await make_candidate(name="别人")
    await sign_in_candidate(client, mine)
    for path in ("/admin/candidates", f"/admin/candidates/{other.id}", "/admin/cohorts"):
        response = await client.get(path, follow_redirects=False)
        assert response.status_code == 302, path
        assert response.headers["location"].startswith("/admin/login")
    landing = await client.get("/admin", follow_redirects=True)
    assert landing.url.path == "/admin/login"
    # The home page and /me only ever show the session's own candidate.
    assert "别人" not in (await client.get("/")).text
    assert (await client.get("/api/v1/me")).json()["id"] == mine.id


async def test_a_staff_session_is_not_a_candidate(client):
    await sign_in_staff(client, await make_staff("admin"))
    response = await client.get("/", follow_redirects=False)
    assert response.headers["location"] == "/welcome"
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_a_forged_session_cookie_opens_nothing(client):
    await make_candidate()
    client.cookies.set("onramp_session", "forged-token")
    assert (await client.get("/", follow_redirects=False)).headers["location"] == "/welcome"
    client.cookies.set("onramp_session", "x" * 5000)
    assert (await client.get("/", follow_redirects=False)).status_code == 302
