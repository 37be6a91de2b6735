"""HR edits the reasons and the cadence with its templates; bad input changes nothing."""

from __future__ import annotations

from portal.domain.talent.tables import TalentCadenceStep, TalentReason
from tests.admin.forms import submit


async def test_hr_adds_a_reason_and_a_step_for_it(staff_client):
    hr = await staff_client("hr")
    assert (await hr.get("/admin/talent/settings")).status_code == 200
    added = await submit(
        hr, "/admin/talent/settings/reasons", {"code": "shift_work", "label": "倒班"}
    )
    assert added.status_code == 303
    step = {
        "reason_code": "shift_work", "day": "60", "kind": "news", "mode": "task",
        "assignee": "manager", "body_a": "{name}，我们有了常白班岗位。", "body_b": "",
    }  # fmt: skip
    assert (await submit(hr, "/admin/talent/settings/cadence", step)).status_code == 303
    row = await TalentCadenceStep.objects(TalentCadenceStep.reason).get(TalentCadenceStep.day == 60)
    assert row.reason.code == "shift_work" and row.mode == "task" and row.assignee == "manager"


async def test_bad_reasons_and_steps_are_refused(staff_client):
    hr = await staff_client("hr")
    await hr.get("/admin/talent/settings")
    before = await TalentCadenceStep.count()
    for code, label in (("Bad Code", "x"), ("ok_code", ""), ("salary", "重复")):
        response = await submit(
            hr, "/admin/talent/settings/reasons", {"code": code, "label": label}
        )
        assert response.status_code == 400
    for change in (
        {"day": "0"}, {"day": "x"}, {"kind": "party"}, {"mode": "fax"}, {"assignee": "ceo"},
        {"body_a": ""}, {"body_a": "{phone} 你好"}, {"body_a": "长" * 301},
        {"reason_code": "nope"},
    ):  # fmt: skip
        step = {
            "reason_code": "", "day": "45", "kind": "checkin", "mode": "message",
            "assignee": "hr", "body_a": "{name}，你好", "body_b": "", **change,
        }  # fmt: skip
        response = await submit(hr, "/admin/talent/settings/cadence", step)
        assert response.status_code == 400, change
    assert await TalentCadenceStep.count() == before
    assert not await TalentReason.exists().where(TalentReason.code == "ok_code")


async def test_other_cannot_be_switched_off_and_managers_cannot_edit(staff_client):
    hr = await staff_client("hr")
    await hr.get("/admin/talent/settings")
    other = await TalentReason.objects().get(TalentReason.code == "other")
    response = await submit(hr, f"/admin/talent/settings/reasons/{other.id}", {"label": "其他"})
    assert response.status_code == 400
    manager = await staff_client("manager")
    assert (await manager.get("/admin/talent/settings")).status_code == 403
