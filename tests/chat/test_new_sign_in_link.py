"""A candidate whose link no longer works asks for a new one with their phone number."""

from __future__ import annotations

import asyncio

import httpx

from portal.config import get_settings
from portal.domain.candidates.records import candidate_set_status
from portal.domain.candidates.tables import LinkRequest, LoginLink
from tests.admin.forms import submit
from tests.chat.helpers import LINK, ask_for_link, sms_link_step
from tests.factories import make_candidate, sign_in_as, tap_login_link
from tests.journeys.helpers import outbox


async def test_a_used_link_page_offers_the_form_and_hr_phone(client, monkeypatch):
    monkeypatch.setenv("ONRAMP_HR_CONTACT_PHONE", "+86 512 6666-8888")
    get_settings.cache_clear()
    response = await client.get("/login/not-a-real-token")
    assert response.status_code == 404
    assert 'data-testid="new-link-form"' in response.text
    assert 'href="tel:+8651266668888"' in response.text
    welcome = await client.get("/welcome")
    assert 'data-testid="new-link-form"' in welcome.text and "tel:+8651266668888" in welcome.text


async def test_a_known_number_gets_a_new_link_by_sms_that_works(client, app, sms):
    await sms_link_step()
    candidate = await make_candidate(name="李雷", phone="13912345678")

    response = await ask_for_link(client, "139 1234 5678")

    assert response.status_code == 200 and 'data-testid="new-link-sent"' in response.text
    assert "/login/" not in response.text
    [message] = await outbox()
    assert (message["candidate"], message["channel"]) == (candidate.id, "sms")
    url = LINK.search(message["body"]).group(0)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as phone:
        await tap_login_link(phone, url.removeprefix("http://testserver.local"))
        assert "李雷" in (await phone.get("/")).text
    assert await LinkRequest.count() == 0


async def test_unknown_and_known_numbers_get_the_same_answer(client, sms):
    await sms_link_step()
    await make_candidate(phone="13912345678")
    known = await ask_for_link(client, "13912345678")
    unknown = await ask_for_link(client, "13800000000")
    assert known.status_code == unknown.status_code == 200

    def body(response: httpx.Response) -> str:
        # The CSRF token is the only thing that may differ.
        return response.text.replace(client.cookies.get("onramp_csrf") or "", "")

    assert body(known) == body(unknown)
    assert len(await outbox()) == 1 and await LoginLink.count() == 1


async def test_a_malformed_number_is_refused_with_the_error_next_to_the_field(client):
    for raw in ("12345", "<script>alert(1)</script>", "", "1" * 500):
        response = await ask_for_link(client, raw)
        assert response.status_code == 400, raw
        assert 'data-testid="new-link-error"' in response.text
        assert "<script>alert" not in response.text
    assert await LoginLink.count() == 0


async def test_a_double_submit_sends_one_link(client, sms):
    await sms_link_step()
    await make_candidate(phone="13912345678")
    first, second = [await ask_for_link(client, "13912345678") for _ in range(2)]
    assert first.status_code == second.status_code == 200
    assert second.text.count("new-link-sent") == first.text.count("new-link-sent") == 1
    assert await LoginLink.count() == 1 and len(await outbox()) == 1


async def test_too_many_requests_for_one_number_are_refused(client, sms, monkeypatch):
    monkeypatch.setattr("portal.web.signin.RESEND_SECONDS", 0.001)
    await sms_link_step()
    await make_candidate(phone="13912345678")
    statuses = []
    for _ in range(4):
        statuses.append((await ask_for_link(client, "13912345678")).status_code)
        await asyncio.sleep(1.05)
    assert statuses == [200, 200, 200, 429]
    assert await LoginLink.count() == 3
    # An unknown number is counted the same way: the limit reveals nothing either.
    statuses = [(await ask_for_link(client, "13800000000")).status_code for _ in range(4)]
    assert statuses[-1] == 429


async def test_too_many_requests_from_one_address_are_refused(client, monkeypatch):
    monkeypatch.setenv("ONRAMP_LINK_REQUEST_MAX_PER_IP", "2")
    get_settings.cache_clear()
    statuses = [(await ask_for_link(client, f"1380000000{n}")).status_code for n in range(3)]
    assert statuses == [200, 200, 429]
    refused = await ask_for_link(client, "13800000009")
    assert "Retry-After" in refused.headers


async def test_a_withdrawn_candidate_gets_the_same_page_and_nothing(client, sms):
    await sms_link_step()
    candidate = await make_candidate(phone="13912345678")
    await candidate_set_status(candidate_id=candidate.id, status="withdrawn", reason="另有工作")
    response = await ask_for_link(client, "13912345678")
    assert response.status_code == 200 and 'data-testid="new-link-sent"' in response.text
    assert await LoginLink.count() == 0 and await LinkRequest.count() == 0


async def test_without_sms_hr_sees_the_request_and_sends_with_one_click(client, staff_client, sms):
    candidate = await make_candidate(name="韩梅梅", phone="13912345678")
    # No journey step delivers links yet: the request waits for HR (twice is one row).
    for _ in range(2):
        assert (await ask_for_link(client, "13912345678")).status_code == 200
    assert await LoginLink.count() == 0 and await LinkRequest.count() == 1

    hr = await staff_client("hr")
    page = await hr.get("/admin/link-requests")
    assert page.status_code == 200 and "韩梅梅" in page.text and "/login/" not in page.text
    [request] = await LinkRequest.select(LinkRequest.id)
    refused = await submit(hr, f"/admin/link-requests/{request['id']}/send", {})
    assert refused.status_code == 409  # still no channel: it stays open, nothing made
    assert await LoginLink.count() == 0

    await sms_link_step()
    sent = await submit(hr, f"/admin/link-requests/{request['id']}/send", {})
    assert sent.status_code == 303
    [message] = await outbox()
    assert message["candidate"] == candidate.id and message["channel"] == "sms"
    page = await hr.get("/admin/link-requests")
    assert 'data-testid="no-link-requests"' in page.text
    # A double submit of the click sends nothing more.
    again = await submit(hr, f"/admin/link-requests/{request['id']}/send", {})
    assert again.status_code == 404 and len(await outbox()) == 1


async def test_managers_cannot_see_link_requests(client):
    await sign_in_as(client, "manager")
    assert (await client.get("/admin/link-requests")).status_code == 403


async def test_two_clicks_at_once_on_send_send_one_link(client, sms):
    """Two HR people (or a double click) send the same request at the same moment."""
    from portal.domain.candidates.link_requests import link_request_send
    from portal.domain.errors import NotFound
    from tests.factories import make_staff

    await make_candidate(name="李梅", phone="13912345679")
    assert (await ask_for_link(client, "13912345679")).status_code == 200
    [request] = await LinkRequest.select(LinkRequest.id)
    await sms_link_step()
    staff = await make_staff("hr")

    async def click() -> str:
        try:
            await link_request_send(request_id=request["id"], staff_id=staff.id)
        except NotFound:
            return "gone"
        return "sent"

    assert sorted(await asyncio.gather(click(), click(), click())) == ["gone", "gone", "sent"]
    assert len(await outbox()) == 1 and await LoginLink.count() == 1
