"""Withdrawing a candidate (or deactivating staff) ends the sessions they already have."""

from __future__ import annotations

import json
import time

from portal.auth.sessions import Principal, session_read, session_start, sessions_revoke
from portal.auth.stores import store_for
from portal.auth.tokens import hash_token
from portal.config import get_settings
from portal.domain.candidates.records import candidate_set_status
from portal.domain.checklist.tables import ChecklistFile
from portal.domain.staff.accounts import staff_update
from tests.checklist.helpers import jpeg_bytes, make_template
from tests.factories import make_candidate, make_staff, sign_in_candidate, sign_in_staff


async def test_a_withdrawn_candidates_old_cookie_opens_nothing(client):
    candidate = await make_candidate()
    template = await make_template()
    await sign_in_candidate(client, candidate)
    assert (await client.get("/")).status_code == 200
    csrf = client.cookies.get("onramp_csrf") or (await client.get("/checklist")).cookies.get(
        "onramp_csrf"
    )

    await candidate_set_status(
        candidate_id=candidate.id, status="withdrawn", reason="took another offer"
    )

    for path in ("/", "/profile", "/checklist", "/rooms", "/learning"):
        response = await client.get(path, follow_redirects=False)
        assert response.status_code in (302, 303), path
        assert response.headers["location"].endswith("/welcome"), path
    me = await client.get("/api/v1/me")
    assert me.status_code == 401
    assert me.headers["content-type"].startswith("application/problem+json")
    upload = await client.post(
        f"/checklist/items/{template.id}/files",
        data={"_csrf_token": csrf or ""},
        files={"files": ("id.jpg", jpeg_bytes(), "image/jpeg")},
        follow_redirects=False,
    )
    assert upload.status_code in (302, 303, 401, 403)
    assert await ChecklistFile.count() == 0


async def test_a_candidate_taken_back_signs_in_again_with_a_new_link(client):
    candidate = await make_candidate()
    await sign_in_candidate(client, candidate)
    await candidate_set_status(candidate_id=candidate.id, status="withdrawn", reason="no show")
    await candidate_set_status(candidate_id=candidate.id, status="active")
    # The old session stays ended...
    assert (await client.get("/", follow_redirects=False)).status_code in (302, 303)
    # ...and a new sign-in works.
    await sign_in_candidate(client, candidate)
    assert (await client.get("/")).status_code == 200


async def test_revoking_ends_older_sessions_only_and_deletes_them():
    store = store_for(get_settings(), "sessions")
    principal = Principal(kind="candidate", id=987654)
    old = await session_start(store, get_settings(), principal=principal, previous_token=None)
    await sessions_revoke(principal=principal)
    new = await session_start(store, get_settings(), principal=principal, previous_token=None)
    assert await session_read(store, old) is None
    assert await store.get(hash_token(old)) is None  # deleted when found revoked
    assert (await session_read(store, new)).principal == principal


async def test_an_expired_session_is_not_read_even_if_the_store_still_has_it():
    store = store_for(get_settings(), "sessions")
    token = "expired-session-token"
    payload = {"kind": "candidate", "id": 5, "iat": time.time() - 100, "exp": time.time() - 1}
    await store.set(hash_token(token), json.dumps(payload).encode(), expires_in=3600)
    assert await session_read(store, token) is None


async def test_a_deactivated_staff_members_session_ends(client):
    admin = await make_staff("admin")
    hr = await make_staff("hr")
    await sign_in_staff(client, hr)
    assert (await client.get("/admin/candidates")).status_code == 200
    await staff_update(
        staff_id=hr.id, actor_id=admin.id, role="hr", name="", department_id=None, is_active=False
    )
    response = await client.get("/admin/candidates", follow_redirects=False)
    assert response.status_code in (302, 303)
    # Even once reactivated, that old session stays ended.
    await staff_update(
        staff_id=hr.id, actor_id=admin.id, role="hr", name="", department_id=None, is_active=True
    )
    response = await client.get("/admin/candidates", follow_redirects=False)
    assert response.status_code in (302, 303)


async def test_a_link_tapped_as_the_candidate_is_withdrawn_signs_nobody_in(client, monkeypatch):
    """The link was checked (candidate active); the withdrawal committed, and revoked their
    sessions, before this sign-in wrote its session: that session is one of those ended."""
    from urllib.parse import urlsplit

    from portal.domain.candidates.login_links import login_link_create, login_link_redeem
    from portal.web import signin
    from tests.factories import tap_login_link

    candidate = await make_candidate()
    path = urlsplit(await login_link_create(candidate_id=candidate.id)).path

    async def redeemed_then_withdrawn(token: str) -> int:
        candidate_id = await login_link_redeem(token)
        await candidate_set_status(candidate_id=candidate_id, status="withdrawn", reason="放弃")
        return candidate_id

    monkeypatch.setattr(signin, "login_link_redeem", redeemed_then_withdrawn)
    await tap_login_link(client, path)
    home = await client.get("/", follow_redirects=False)
    assert home.status_code in (302, 303)
    assert home.headers["location"].endswith("/welcome")
