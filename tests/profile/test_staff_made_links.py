"""A staff-made sign-in link reaches only the candidate, and every change of personal
information records who made it.

The hole this closes: a manager pressed "create sign-in link" on a candidate's page, the
page showed the link, and the manager opened it and changed the candidate's bank card.
"""

from __future__ import annotations

import re

import httpx
import pytest

from portal.config import get_settings
from portal.domain.candidates.tables import LoginLink
from portal.domain.profiles.changes import ChangedBy, personal_info_changes
from portal.domain.profiles.personal_info import ProfileInput, profile_save
from tests.admin.forms import field_error, submit
from tests.factories import (
    make_candidate,
    make_department,
    make_staff,
    sign_in_staff,
    tap_login_link,
)
from tests.journeys.helpers import make_step, outbox, texts
from tests.messaging.servers import HttpSink
from tests.profile.helpers import VALID_CARD, luhn_complete, profile_form

LINK = re.compile(r"https?://[^\s\"'<>]+/login/[A-Za-z0-9_\-]+")


@pytest.fixture
def sms(monkeypatch):
    """SMS configured against a local server, so the link can go to the candidate's phone."""
    sink = HttpSink().start()
    monkeypatch.setenv("ONRAMP_SMS_URL", sink.url("/sms"))
    monkeypatch.setenv("ONRAMP_OUTBOUND_ALLOW_PRIVATE", "true")
    get_settings.cache_clear()
    yield sink
    monkeypatch.undo()
    get_settings.cache_clear()
    sink.stop()


async def _link_step() -> int:
    return await make_step(
        trigger="event", event="login_link_created", category="transactional",
        channels=("sms",), variants=texts(("登录", "{name}，点此登录：{link}")),
    )  # fmt: skip


async def test_a_manager_never_sees_the_link_they_have_sent(client, app, sms):
    await _link_step()
    department = await make_department("生产部")
    manager = await make_staff("manager", department=department)
    candidate = await make_candidate(department=department, name="王芳")
    await sign_in_staff(client, manager)

    response = await submit(client, f"/admin/candidates/{candidate.id}/login-link", {})

    assert response.status_code == 200
    assert 'data-testid="link-sent"' in response.text
    assert not LINK.search(response.text) and "/login/" not in response.text
    link = await LoginLink.objects().get(LoginLink.candidate == candidate.id)
    assert link.created_by == manager.id
    # It went to the candidate's phone through the outbox, and works there.
    [message] = await outbox()
    assert (message["candidate"], message["channel"]) == (candidate.id, "sms")
    url = LINK.search(message["body"]).group(0)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as phone:
        await tap_login_link(phone, url.removeprefix("http://testserver.local"))
        opened = await phone.get("/")
        assert opened.status_code == 200 and "王芳" in opened.text


async def test_hr_and_admins_do_not_see_it_either(client, sms):
    await _link_step()
    for role in ("hr", "admin"):
        client.cookies.clear()
        await sign_in_staff(client, await make_staff(role))
        candidate = await make_candidate()
        response = await submit(client, f"/admin/candidates/{candidate.id}/login-link", {})
        assert response.status_code == 200, role
        assert "/login/" not in response.text, role


async def test_without_a_step_that_delivers_it_no_link_is_made(client, sms):
    await sign_in_staff(client, await make_staff("hr"))
    candidate = await make_candidate()
    response = await submit(client, f"/admin/candidates/{candidate.id}/login-link", {})
    assert response.status_code == 409
    assert "旅程" in field_error(response.text, "login_link")
    # Nor when the step writes only to the inbox, which cannot be read without signing in.
    await make_step(
        trigger="event", event="login_link_created", category="transactional",
        channels=("inbox",), variants=texts(("登录", "{link}")),
    )  # fmt: skip
    response = await submit(client, f"/admin/candidates/{candidate.id}/login-link", {})
    assert response.status_code == 409
    assert await LoginLink.count() == 0 and await outbox() == []


async def test_the_candidate_changing_their_bank_card_is_audited_as_themself(client):
    from tests.factories import sign_in_candidate

    candidate = await make_candidate()
    await sign_in_candidate(client, candidate)
    await client.get("/profile")
    token = client.cookies.get("onramp_csrf")
    await client.post("/profile", data={**profile_form(), "_csrf_token": token})
    new_card = luhn_complete("622202020011234568")
    await client.post(
        "/profile",
        data={**profile_form(id_number="", bank_card=new_card), "_csrf_token": token},
    )
    latest, first = await personal_info_changes(candidate_id=candidate.id)
    assert (latest.source, latest.staff_id, latest.fields) == ("candidate", None, ("bank_card",))
    assert first.source == "candidate" and "id_number" in first.fields
    assert new_card not in repr(latest) and VALID_CARD not in repr(first)


async def test_saving_the_same_values_records_nothing():
    candidate = await make_candidate()
    data = ProfileInput(**profile_form())
    await profile_save(candidate_id=candidate.id, data=data)
    await profile_save(candidate_id=candidate.id, data=data)
    assert len(await personal_info_changes(candidate_id=candidate.id)) == 1


async def test_staff_editing_contact_details_is_audited_with_their_id(client):
    staff = await make_staff("hr")
    await sign_in_staff(client, staff)
    department = await make_department("门店运营")
    candidate = await make_candidate(department=department, name="旧名字")
    response = await submit(
        client,
        f"/admin/candidates/{candidate.id}/edit",
        {"name": "新名字", "phone": "13700001111", "email": "", "department": department.id},
    )
    assert response.status_code == 303, response.text
    [change] = await personal_info_changes(candidate_id=candidate.id)
    assert (change.source, change.staff_id, change.staff_email) == ("staff", staff.id, staff.email)
    assert change.fields == ("name", "phone")


async def test_a_change_names_its_staff_member_only_when_staff_made_it():
    with pytest.raises(ValueError):
        ChangedBy("staff")
    with pytest.raises(ValueError):
        ChangedBy("candidate", 3)
    with pytest.raises(ValueError):
        ChangedBy("someone")


async def test_hr_sees_who_changed_what_on_the_profile_page_managers_do_not(client):
    department = await make_department("生产部")
    candidate = await make_candidate(department)
    await profile_save(candidate_id=candidate.id, data=ProfileInput(**profile_form()))
    hr = await make_staff("hr")
    await sign_in_staff(client, hr)
    page = await client.get(f"/admin/candidates/{candidate.id}/profile")
    assert page.status_code == 200
    assert page.text.count('data-testid="change-row"') == 1
    assert "候选人本人" in page.text and "银行卡号" in page.text
    assert VALID_CARD not in page.text
    client.cookies.clear()
    await sign_in_staff(client, await make_staff("manager", department=department))
    page = await client.get(f"/admin/candidates/{candidate.id}/profile")
    assert page.status_code == 200 and 'data-testid="change-log"' not in page.text
