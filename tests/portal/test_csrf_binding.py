"""CSRF tokens are bound to the session: an anonymous page's token is refused once signed in."""

from __future__ import annotations

from portal.domain.organisation.tables import Department
from tests.factories import make_candidate, make_staff, sign_in_candidate, sign_in_staff


def _plant(client, token: str) -> None:
    """Put a CSRF cookie in the jar (as a sibling sub-domain or an attacker could)."""
    client.cookies.delete("onramp_csrf")
    client.cookies.set("onramp_csrf", token, domain="testserver.local")


async def test_an_anonymous_token_is_refused_with_a_signed_in_session(client):
    await client.get("/welcome")
    anonymous = client.cookies.get("onramp_csrf")
    assert anonymous
    candidate = await make_candidate()
    await sign_in_candidate(client, candidate)
    # The attacker's pair from an anonymous page, planted next to the victim's session.
    _plant(client, anonymous)
    refused = await client.post("/logout", data={"_csrf_token": anonymous}, follow_redirects=False)
    assert refused.status_code == 403
    assert (await client.get("/", follow_redirects=False)).status_code == 200
    # A fresh page hands out a token for this session, which works.
    await client.get("/welcome")
    bound = client.cookies.get("onramp_csrf")
    assert bound != anonymous
    done = await client.post("/logout", data={"_csrf_token": bound}, follow_redirects=False)
    assert done.status_code == 302


async def test_the_token_rotates_at_sign_in_and_sign_out(client):
    await client.get("/welcome")
    anonymous = client.cookies.get("onramp_csrf")
    await sign_in_candidate(client, await make_candidate())
    signed_in = client.cookies.get("onramp_csrf")
    assert signed_in and signed_in != anonymous
    out = await client.post("/logout", data={"_csrf_token": signed_in}, follow_redirects=False)
    assert "onramp_csrf=" in out.headers.get("set-cookie", "")
    after = client.cookies.get("onramp_csrf")
    assert after not in (anonymous, signed_in)
    # The signed-in token no longer works now that the session is gone.
    _plant(client, signed_in)
    assert (
        await client.post("/logout", data={"_csrf_token": signed_in}, follow_redirects=False)
    ).status_code == 403


async def test_a_staff_form_refuses_the_login_pages_token(client):
    await client.get("/admin/login")
    anonymous = client.cookies.get("onramp_csrf")
    await sign_in_staff(client, await make_staff("admin"))
    assert client.cookies.get("onramp_csrf") != anonymous
    _plant(client, anonymous)
    response = await client.post(
        "/admin/settings/departments",
        data={"name": "伪造部", "_csrf_token": anonymous},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert await Department.count().where(Department.name == "伪造部") == 0


async def test_a_token_for_another_session_is_refused(client):
    await sign_in_candidate(client, await make_candidate())
    first = client.cookies.get("onramp_csrf")
    session = client.cookies.get("onramp_session")
    await sign_in_candidate(client, await make_candidate())
    assert client.cookies.get("onramp_session") != session
    _plant(client, first)
    response = await client.post("/logout", data={"_csrf_token": first}, follow_redirects=False)
    assert response.status_code == 403
