"""Every withdrawal path records the talent-pool entry: the admin page, the API and the
candidate's own "I can't join" flow; bad input changes nothing."""

from __future__ import annotations

from portal.domain.candidates.tables import Candidate
from portal.domain.staff.api_tokens import api_token_create
from portal.domain.talent.tables import TalentEntry, TalentNeed, TalentTask
from tests.admin.forms import field_error, submit
from tests.api.helpers import assert_problem
from tests.factories import make_candidate, make_department, sign_in_candidate


async def _status(candidate_id: int) -> str:
    return (await Candidate.objects().get(Candidate.id == candidate_id)).status


async def test_hr_withdraws_on_the_candidate_page_with_reason_needs_and_consent(staff_client):
    hr = await staff_client("hr")
    candidate = await make_candidate()
    response = await submit(
        hr, f"/admin/candidates/{candidate.id}/status",
        {"status": "withdrawn", "reason": "嫌远", "reason_code": "commute",
         "needs": "弹性工作、离家近", "consent": "1"},
    )  # fmt: skip
    assert response.status_code == 303, response.text
    entry = await TalentEntry.objects(TalentEntry.reason).get(TalentEntry.candidate == candidate.id)
    assert entry.reason.code == "commute" and entry.consent and entry.source == "admin"
    assert await TalentNeed.count().where(TalentNeed.entry == entry.id) == 2


async def test_an_invalid_reason_or_need_on_the_admin_page_is_refused(staff_client):
    hr = await staff_client("hr")
    candidate = await make_candidate()
    for data, field in (
        ({"reason_code": "bored"}, "reason_code"),
        ({"reason_code": "salary", "needs": "<b>x</b>"}, "needs"),
    ):
        response = await submit(
            hr, f"/admin/candidates/{candidate.id}/status",
            {"status": "withdrawn", "reason": "x", **data},
        )  # fmt: skip
        assert response.status_code == 400
        assert field_error(response.text, field)
    assert await _status(candidate.id) == "active"
    assert await TalentEntry.count() == 0


async def test_the_api_withdraws_once_then_409(client):
    headers = {"Authorization": f"Bearer {await api_token_create(name='ats')}"}
    candidate = await make_candidate(external_id="ATS-77")
    body = {"reason": "another_offer", "text": "去了别家", "needs": ["晋升路径"], "consent": True}
    response = await client.post("/api/v1/candidates/ATS-77/withdrawal", json=body, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["reason"] == "another_offer" and response.json()["consent_until"]
    assert await _status(candidate.id) == "withdrawn"
    again = await client.post("/api/v1/candidates/ATS-77/withdrawal", json=body, headers=headers)
    assert_problem(again, 409)
    assert await TalentEntry.count() == 1


async def test_the_api_refuses_bad_withdrawals_and_saves_nothing(client):
    headers = {"Authorization": f"Bearer {await api_token_create(name='ats')}"}
    candidate = await make_candidate(external_id="ATS-78")
    url = "/api/v1/candidates/ATS-78/withdrawal"
    assert_problem(await client.post(url, json={"reason": "bored"}, headers=headers), 422)
    assert_problem(
        await client.post(url, json={"reason": "salary", "needs": ["a{b}"]}, headers=headers), 422
    )
    assert_problem(await client.post(url, json={"reason": 5}, headers=headers), 400)
    assert_problem(await client.post(url, json={"reason": "salary", "x": 1}, headers=headers), 400)
    assert_problem(
        await client.post("/api/v1/candidates/NOPE/withdrawal", json={}, headers=headers), 404
    )
    assert_problem(await client.post(url, json={"reason": "salary"}), 401)
    assert await _status(candidate.id) == "active" and await TalentEntry.count() == 0


async def test_a_candidate_who_cannot_join_is_asked_once_then_withdrawn_and_signed_out(client):
    candidate = await make_candidate(name="王五")
    await sign_in_candidate(client, candidate)
    assert (await client.get("/leave")).status_code == 200
    csrf = client.cookies.get("onramp_csrf")
    form = {"_csrf_token": csrf, "reason_code": "start_date", "need": ["培训机会"], "needs": "",
            "consent": "1", "step": "reasons"}  # fmt: skip
    asked = await client.post("/leave", data=form)
    assert asked.status_code == 200 and 'name="change_mind"' in asked.text
    assert await _status(candidate.id) == "active"
    done = await client.post(
        "/leave", data={**form, "step": "confirm", "change_mind": "如果能下个月再入职就来"},
        follow_redirects=False,
    )  # fmt: skip
    assert done.status_code == 303 and done.headers["location"] == "/left"
    assert await _status(candidate.id) == "withdrawn"
    entry = await TalentEntry.objects().get(TalentEntry.candidate == candidate.id)
    assert entry.source == "portal" and entry.change_mind == "如果能下个月再入职就来"
    [task] = await TalentTask.select().where(TalentTask.entry == entry.id)
    assert "王五" in task["title"] and task["body"] == "如果能下个月再入职就来"
    # Their session is over, like any withdrawal.
    home = await client.get("/", follow_redirects=False)
    assert home.status_code in (302, 303) and "/welcome" in home.headers["location"]
    assert (await client.get("/left")).status_code == 200


async def test_the_leave_form_refuses_a_missing_or_unknown_reason(client):
    candidate = await make_candidate()
    await sign_in_candidate(client, candidate)
    csrf = client.cookies.get("onramp_csrf")
    for reason in ("", "bored"):
        response = await client.post(
            "/leave", data={"_csrf_token": csrf, "reason_code": reason, "step": "confirm"}
        )
        assert response.status_code == 400
    assert await _status(candidate.id) == "active"


async def test_leaving_needs_the_candidates_own_session(client):
    await make_department()
    response = await client.get("/leave", follow_redirects=False)
    assert response.status_code in (302, 303)
