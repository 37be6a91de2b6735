"""Managers see and act on their own department only; HR records stay with HR."""

from __future__ import annotations

from portal.domain.candidates.tables import Candidate, LoginLink, StageChange
from portal.domain.organisation.tables import Cohort, Stage
from tests.admin.forms import submit
from tests.factories import make_candidate, make_cohort, make_department, make_staff, sign_in_staff


async def _stage_id(code: str) -> int:
    return (await Stage.select(Stage.id).where(Stage.code == code).first())["id"]


async def _setup(client):
    own = await make_department("生产部")
    other = await make_department("门店运营")
    manager = await make_staff("manager", department=own)
    await sign_in_staff(client, manager)
    return manager, own, other


async def test_manager_list_never_shows_other_departments(client):
    _, own, other = await _setup(client)
    await make_candidate(own, name="自己部门的人", phone="13800000001")
    await make_candidate(other, name="别的部门的人", phone="13800000002")
    for params in ({}, {"q": "部门的人"}, {"q": "13800000002"}, {"status": "active"}):
        page = await client.get("/admin/candidates", params=params)
        assert page.status_code == 200
        assert "别的部门的人" not in page.text, params
    page = await client.get("/admin/candidates")
    assert "自己部门的人" in page.text
    assert "共 1 名候选人" in page.text


async def test_manager_filtering_by_another_departments_cohort_shows_nothing(client):
    _, _, other = await _setup(client)
    cohort = await make_cohort(other, name="门店 12 月批次")
    await make_candidate(other, cohort=cohort, name="别的部门的人")
    page = await client.get("/admin/candidates", params={"cohort": cohort.id})
    assert "别的部门的人" not in page.text
    assert "门店 12 月批次" not in page.text  # not even offered as a filter


async def test_manager_gets_404_for_another_departments_candidate(client):
    _, _, other = await _setup(client)
    stranger = await make_candidate(other, name="别的部门的人")
    for path in (f"/admin/candidates/{stranger.id}", f"/admin/candidates/{stranger.id}/edit"):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert "别的部门的人" not in response.text
    # The same answer as for an id that does not exist at all.
    assert (await client.get("/admin/candidates/424242")).status_code == 404


async def test_manager_cannot_act_on_another_departments_candidate(client):
    _, _, other = await _setup(client)
    stranger = await make_candidate(other, name="别的部门的人")
    offer = await _stage_id("offer_sent")
    for path, data in (
        (f"/admin/candidates/{stranger.id}/stage", {"stage": offer}),
        (f"/admin/candidates/{stranger.id}/status", {"status": "withdrawn", "reason": "x"}),
        (f"/admin/candidates/{stranger.id}/login-link", {}),
        (
            f"/admin/candidates/{stranger.id}/edit",
            {"name": "改掉", "phone": "13800000009", "department": other.id},
        ),
    ):
        response = await submit(client, path, data)
        assert response.status_code == 404, path
    saved = await Candidate.objects().get(Candidate.id == stranger.id)
    assert (saved.name, saved.stage, saved.status) == ("别的部门的人", stranger.stage, "active")
    assert await LoginLink.count() == 0
    assert await StageChange.count().where(StageChange.candidate == stranger.id) == 1


async def test_manager_can_move_stage_and_send_a_link_in_their_department(client, monkeypatch):
    from portal.config import get_settings
    from portal.domain.candidates.tables import LoginLink
    from tests.journeys.helpers import make_step, texts

    # E-mail offered, so the "new sign-in link" step can deliver (nothing is sent for real).
    monkeypatch.setenv("ONRAMP_SMTP_HOST", "127.0.0.1")
    get_settings.cache_clear()
    await make_step(
        trigger="event", event="login_link_created", category="transactional",
        channels=("email",), variants=texts(("登录", "{link}")),
    )  # fmt: skip
    manager, own, _ = await _setup(client)
    candidate = await make_candidate(own, email="own@example.com")
    offer = await _stage_id("offer_sent")
    moved = await submit(client, f"/admin/candidates/{candidate.id}/stage", {"stage": offer})
    assert moved.status_code == 303
    assert await StageChange.exists().where(
        (StageChange.candidate == candidate.id) & (StageChange.changed_by == manager.id)
    )
    link = await submit(client, f"/admin/candidates/{candidate.id}/login-link", {})
    assert link.status_code == 200
    # Sent to the candidate, never shown: whoever reads a link can act as the candidate.
    assert 'data-testid="link-sent"' in link.text and "/login/" not in link.text
    stored = await LoginLink.objects().get(LoginLink.candidate == candidate.id)
    assert stored.created_by == manager.id


async def test_manager_cannot_create_edit_or_withdraw_candidates(client):
    _, own, _ = await _setup(client)
    candidate = await make_candidate(own, name="原名")
    assert (await client.get("/admin/candidates/new")).status_code == 403
    created = await submit(
        client,
        "/admin/candidates/new",
        {"name": "新人", "phone": "13800000003", "department": own.id},
    )
    assert created.status_code == 403
    assert (await client.get(f"/admin/candidates/{candidate.id}/edit")).status_code == 403
    edited = await submit(
        client,
        f"/admin/candidates/{candidate.id}/edit",
        {"name": "改名", "phone": candidate.phone, "department": own.id},
    )
    assert edited.status_code == 403
    withdrawn = await submit(
        client, f"/admin/candidates/{candidate.id}/status", {"status": "withdrawn", "reason": "x"}
    )
    assert withdrawn.status_code == 403
    saved = await Candidate.objects().get(Candidate.id == candidate.id)
    assert (saved.name, saved.status) == ("原名", "active")
    assert await Candidate.count() == 1
    page = await client.get(f"/admin/candidates/{candidate.id}")
    assert f"/admin/candidates/{candidate.id}/edit" not in page.text
    assert f"/admin/candidates/{candidate.id}/status" not in page.text


async def test_manager_sees_own_and_shared_cohorts_counting_only_their_people(client):
    _, own, other = await _setup(client)
    own_cohort = await make_cohort(own, name="生产部批次")
    shared = await make_cohort(None, name="共用批次")
    other_cohort = await make_cohort(other, name="门店批次")
    await make_candidate(own, cohort=shared)
    await make_candidate(other, cohort=shared)
    await make_candidate(other, cohort=shared)
    await make_candidate(other, cohort=other_cohort)
    page = await client.get("/admin/cohorts")
    assert "生产部批次" in page.text and "共用批次" in page.text
    assert "门店批次" not in page.text
    shared_row = page.text.split(f'data-cohort-id="{shared.id}"')[1].split("</tr>")[0]
    assert "<b>1</b>" in shared_row
    assert own_cohort.name in page.text


async def test_manager_cannot_create_or_edit_cohorts(client):
    _, own, _ = await _setup(client)
    cohort = await make_cohort(own, name="原批次")
    assert (await client.get("/admin/cohorts/new")).status_code == 403
    data = {
        "name": "新批次",
        "start_date": "2026-12-01",
        "start_time": "09:00",
        "timezone": "Asia/Shanghai",
        "capacity": "1",
    }
    assert (await submit(client, "/admin/cohorts/new", data)).status_code == 403
    assert (await client.get(f"/admin/cohorts/{cohort.id}/edit")).status_code == 403
    assert (await submit(client, f"/admin/cohorts/{cohort.id}/edit", data)).status_code == 403
    assert [row["name"] for row in await Cohort.select(Cohort.name)] == ["原批次"]
    page = await client.get("/admin/cohorts")
    assert "/admin/cohorts/new" not in page.text


async def test_hr_sees_every_department(client):
    own, other = await make_department(), await make_department()
    await make_candidate(own, name="甲部门的人")
    await make_candidate(other, name="乙部门的人")
    await sign_in_staff(client, await make_staff("hr"))
    page = await client.get("/admin/candidates")
    assert "甲部门的人" in page.text and "乙部门的人" in page.text


async def test_a_manager_without_a_department_sees_no_candidates(client):
    from portal.domain.staff.tables import StaffUser

    department = await make_department()
    candidate = await make_candidate(department, name="某部门的人")
    manager = await make_staff("manager", department=department)
    await StaffUser.update({StaffUser.department: None}).where(StaffUser.id == manager.id)
    await sign_in_staff(client, manager)
    page = await client.get("/admin/candidates")
    assert "某部门的人" not in page.text
    assert (await client.get(f"/admin/candidates/{candidate.id}")).status_code == 404
