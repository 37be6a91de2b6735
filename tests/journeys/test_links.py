"""One-tap links: a robot's GET uses nothing up, the POST signs in and lands, once."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta

from portal.domain.candidates.records import candidate_set_status
from portal.domain.journeys.links import message_link_create
from portal.domain.journeys.tables import MessageLink
from tests.factories import make_candidate


def _path(url: str) -> str:
    return url.removeprefix("http://testserver.local")


async def _csrf(client, path: str) -> str:
    page = await client.get(path)
    assert page.status_code == 200, page.text
    return client.cookies.get("onramp_csrf")


async def test_a_robots_get_shows_a_continue_page_and_uses_nothing_up(client):
    candidate = await make_candidate()
    url = await message_link_create(candidate_id=candidate.id, target="/checklist")
    for _ in range(3):  # link preview, mail scanner, the person
        page = await client.get(_path(url))
        assert page.status_code == 200
        assert 'data-testid="continue"' in page.text
    assert (await MessageLink.select(MessageLink.used_at).first())["used_at"] is None
    assert "onramp_session" not in client.cookies


async def test_the_post_signs_in_and_lands_on_the_page_once(client):
    candidate = await make_candidate(name="点一下")
    url = await message_link_create(candidate_id=candidate.id, target="/checklist")
    token = await _csrf(client, _path(url))
    response = await client.post(_path(url), data={"_csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/checklist"
    landed = await client.get("/checklist")
    assert landed.status_code == 200
    assert (await MessageLink.select(MessageLink.used_at).first())["used_at"] is not None
    # Someone else (a fresh browser) cannot use it again.
    client.cookies.clear()
    token = await _csrf(client, "/welcome")
    again = await client.post(_path(url), data={"_csrf_token": token}, follow_redirects=False)
    assert again.status_code == 410
    assert "onramp_session" not in client.cookies


async def test_following_ones_own_link_again_while_signed_in_just_lands(client):
    candidate = await make_candidate()
    url = await message_link_create(candidate_id=candidate.id, target="/learning")
    token = await _csrf(client, _path(url))
    await client.post(_path(url), data={"_csrf_token": token})
    response = await client.get(_path(url), follow_redirects=False)
    assert response.status_code == 302 and response.headers["location"] == "/learning"


async def test_two_taps_at_once_sign_in_once(client):
    candidate = await make_candidate()
    url = await message_link_create(candidate_id=candidate.id, target="/")
    token = await _csrf(client, _path(url))
    client.cookies.delete("onramp_session")
    results = await asyncio.gather(
        client.post(_path(url), data={"_csrf_token": token}, follow_redirects=False),
        client.post(_path(url), data={"_csrf_token": token}, follow_redirects=False),
    )
    assert sorted(r.status_code for r in results) == [303, 410]


async def test_expired_unknown_and_withdrawn_links_are_refused(client):
    candidate = await make_candidate()
    old = await message_link_create(
        candidate_id=candidate.id, target="/", now=datetime.now(UTC) - timedelta(days=30)
    )
    assert (await client.get(_path(old))).status_code == 410
    token = client.cookies.get("onramp_csrf") or await _csrf(client, "/welcome")
    assert (await client.post(_path(old), data={"_csrf_token": token})).status_code == 410
    assert (await client.get("/go/not-a-real-token")).status_code == 404
    fresh = await message_link_create(candidate_id=candidate.id, target="/")
    await candidate_set_status(candidate_id=candidate.id, status="withdrawn", reason="另有工作")
    page = await client.get(_path(fresh))
    assert page.status_code == 403
    refused = await client.post(_path(fresh), data={"_csrf_token": token}, follow_redirects=False)
    assert refused.status_code == 403
    assert "onramp_session" not in client.cookies
    # Refusing did not use it up: reactivated, the link works.
    await candidate_set_status(candidate_id=candidate.id, status="active")
    ok = await client.post(_path(fresh), data={"_csrf_token": token}, follow_redirects=False)
    assert ok.status_code == 303


async def test_a_link_only_leads_to_local_pages():
    import pytest

    candidate = await make_candidate()
    for target in ("https://evil.example/", "//evil.example", "/\\evil"):
        with pytest.raises(ValueError):
            await message_link_create(candidate_id=candidate.id, target=target)
    # Even a row tampered with in the database redirects home, never off-site.
    from portal.domain.journeys.links import _safe

    assert _safe("//evil.example/x") == "/"


async def test_links_in_journey_messages_are_one_tap_and_stored_hashed(settings_env, channels):
    from portal.domain.candidates.records import candidate_move_stage
    from portal.domain.journeys.evaluation import journeys_evaluate
    from portal.domain.organisation.tables import Stage
    from tests.journeys.helpers import make_step, outbox, texts

    offer = (await Stage.select(Stage.id).where(Stage.code == "offer_sent").first())["id"]
    await make_step(
        trigger="stage_reached", stage_id=offer, channels=("inbox", "sms"), link_path="/checklist",
        variants=texts(("材料", "请上传材料：{link}")),
    )  # fmt: skip
    candidate = await make_candidate()
    await candidate_move_stage(candidate_id=candidate.id, stage_id=offer)
    await journeys_evaluate(now=datetime.now(UTC) + timedelta(minutes=1))
    by_channel = {m["channel"]: m for m in await outbox()}
    assert by_channel["inbox"]["body"] == "请上传材料：http://testserver.local/checklist"
    token = re.search(r"/go/([A-Za-z0-9_-]+)", by_channel["sms"]["body"]).group(1)
    [link] = await MessageLink.select()
    assert token not in link["token_hash"] and len(link["token_hash"]) == 64
    assert link["target"] == "/checklist" and link["send"] is not None


async def test_a_link_used_as_the_candidate_is_withdrawn_signs_nobody_in(client, monkeypatch):
    """The link was checked (candidate active); the withdrawal committed, and revoked their
    sessions, before this tap wrote its session: that session dates from the check, so it is
    one of those ended (as for sign-in links, tests/portal/test_session_revocation.py)."""
    from portal.domain.journeys.links import message_link_redeem
    from portal.web import message_links

    candidate = await make_candidate()
    url = await message_link_create(candidate_id=candidate.id, target="/checklist")

    async def redeemed_then_withdrawn(token: str, *, signed_in_as: int | None):
        link = await message_link_redeem(token, signed_in_as=signed_in_as)
        await candidate_set_status(
            candidate_id=link.candidate_id, status="withdrawn", reason="放弃"
        )
        return link

    monkeypatch.setattr(message_links, "message_link_redeem", redeemed_then_withdrawn)
    token = await _csrf(client, _path(url))
    response = await client.post(_path(url), data={"_csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303  # the link was good when it was checked
    landed = await client.get("/checklist", follow_redirects=False)
    assert landed.status_code in (302, 303)
    assert landed.headers["location"].endswith("/welcome")
