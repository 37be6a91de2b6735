from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from portal.domain.candidates.records import candidate_set_status
from portal.domain.organisation.cohort_lists import cohort_overview
from portal.domain.organisation.tables import Cohort, Stage
from tests.admin.forms import field_error, submit
from tests.factories import (
    make_candidate,
    make_cohort,
    make_department,
    sign_in_as,
)

VALID = {
    "name": "生产部 12 月第 3 期",
    "department": "",
    "start_date": "2026-12-01",
    "start_time": "09:00",
    "timezone": "Asia/Shanghai",
    "place": "苏州培训中心 3 楼",
    "capacity": "40",
}


async def _stage_ids() -> dict[str, int]:
    return {row["code"]: row["id"] for row in await Stage.select(Stage.code, Stage.id)}


async def test_create_cohort_stores_the_local_start_as_utc(client):
    await sign_in_as(client)
    department = await make_department("生产部")
    response = await submit(client, "/admin/cohorts/new", {**VALID, "department": department.id})
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/cohorts"
    cohort = await Cohort.objects().get(Cohort.name == "生产部 12 月第 3 期")
    assert cohort.starts_at == datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    assert (cohort.timezone, cohort.place, cohort.capacity) == (
        "Asia/Shanghai",
        "苏州培训中心 3 楼",
        40,
    )
    assert cohort.department == department.id


async def test_start_is_read_in_the_chosen_time_zone(client):
    await sign_in_as(client)
    await submit(client, "/admin/cohorts/new", {**VALID, "timezone": "America/New_York"})
    cohort = await Cohort.objects().get(Cohort.name == VALID["name"])
    assert cohort.starts_at == datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
    page = await client.get("/admin/cohorts")
    assert "2026/12/1 09:00" in page.text
    assert "America/New_York" in page.text


async def test_new_cohort_form_defaults_to_the_configured_time_zone(client):
    await sign_in_as(client)
    page = await client.get("/admin/cohorts/new")
    assert '<option value="Asia/Shanghai" selected>' in page.text


def _assert_refused(response, field: str, message_part: str) -> None:
    assert response.status_code == 400
    error = field_error(response.text, field)
    assert error and message_part in error, (field, error)


async def test_bad_cohort_input_gets_clear_errors_and_writes_nothing(client):
    await sign_in_as(client)
    await make_cohort(name="已有的批次")
    cases = [
        ({"capacity": "-1"}, "capacity", "不能为负数"),
        ({"capacity": "forty"}, "capacity", "请填写整数"),
        ({"capacity": "3.5"}, "capacity", "请填写整数"),
        ({"capacity": ""}, "capacity", "请填写整数"),
        ({"capacity": "1000001"}, "capacity", "最多为 100000"),
        ({"start_date": "2026-13-45"}, "start_date", "YYYY-MM-DD"),
        ({"start_date": "next week"}, "start_date", "YYYY-MM-DD"),
        ({"start_date": "1900-01-01"}, "start_date", "2000 年到 2100 年"),
        ({"start_time": "25:00"}, "start_time", "HH:MM"),
        ({"start_time": ""}, "start_time", "HH:MM"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", "请从列表中选择时区"),
        ({"timezone": "../../etc/passwd"}, "timezone", "请从列表中选择时区"),
        ({"name": "  "}, "name", "请填写培训批次名称"),
        ({"name": "已有的批次"}, "name", "已有同名"),
        ({"department": "424242"}, "department", "该部门不存在"),
        ({"department": "abc"}, "department", "该部门不存在"),
    ]
    for change, field, message in cases:
        response = await submit(client, "/admin/cohorts/new", {**VALID, **change})
        _assert_refused(response, field, message)
    assert await Cohort.count() == 1


async def test_a_time_skipped_by_daylight_saving_is_refused(client):
    await sign_in_as(client)
    response = await submit(
        client,
        "/admin/cohorts/new",
        {
            **VALID,
            "timezone": "America/New_York",
            "start_date": "2027-03-14",
            "start_time": "02:30",
        },
    )
    _assert_refused(response, "start_time", "不存在这个时间")


async def test_refused_form_keeps_what_was_typed(client):
    await sign_in_as(client)
    response = await submit(
        client, "/admin/cohorts/new", {**VALID, "capacity": "-5", "timezone": "Europe/Berlin"}
    )
    assert 'value="-5"' in response.text
    assert f'value="{VALID["name"]}"' in response.text
    assert '<option value="Europe/Berlin" selected>' in response.text


async def test_every_error_is_reported_at_once(client):
    await sign_in_as(client)
    response = await submit(
        client,
        "/admin/cohorts/new",
        {"name": "", "start_date": "x", "start_time": "y", "timezone": "z", "capacity": "-1"},
    )
    for field in ("name", "start_date", "start_time", "timezone", "capacity"):
        assert field_error(response.text, field), field


async def test_edit_form_shows_local_values_and_saves(client):
    await sign_in_as(client)
    cohort = await make_cohort(
        name="旧批次", starts_at=datetime(2026, 12, 1, 1, 0, tzinfo=UTC), timezone="Asia/Shanghai"
    )
    form = await client.get(f"/admin/cohorts/{cohort.id}/edit")
    assert 'value="2026-12-01"' in form.text and 'value="09:00"' in form.text
    response = await submit(
        client,
        f"/admin/cohorts/{cohort.id}/edit",
        {**VALID, "name": "新批次", "start_time": "13:30", "capacity": "0"},
    )
    assert response.status_code == 303
    saved = await Cohort.objects().get(Cohort.id == cohort.id)
    assert (saved.name, saved.capacity) == ("新批次", 0)
    assert saved.starts_at == datetime(2026, 12, 1, 5, 30, tzinfo=UTC)


async def test_edit_keeping_its_own_name_is_allowed_but_not_another_cohorts(client):
    await sign_in_as(client)
    cohort = await make_cohort(name="甲批次")
    await make_cohort(name="乙批次")
    same = await submit(client, f"/admin/cohorts/{cohort.id}/edit", {**VALID, "name": "甲批次"})
    assert same.status_code == 303
    taken = await submit(client, f"/admin/cohorts/{cohort.id}/edit", {**VALID, "name": "乙批次"})
    _assert_refused(taken, "name", "已有同名")
    assert (await Cohort.objects().get(Cohort.id == cohort.id)).name == "甲批次"


async def test_a_mixed_cohort_cannot_be_given_to_one_department(client):
    await sign_in_as(client)
    production, retail = await make_department(), await make_department()
    shared = await make_cohort(None, name="共用批次")
    await make_candidate(production, cohort=shared)
    await make_candidate(retail, cohort=shared)
    response = await submit(
        client,
        f"/admin/cohorts/{shared.id}/edit",
        {**VALID, "name": "共用批次", "department": production.id},
    )
    _assert_refused(response, "department", "其他部门的候选人")
    assert (await Cohort.objects().get(Cohort.id == shared.id)).department is None


async def test_editing_an_unknown_cohort_is_not_found(client):
    await sign_in_as(client)
    assert (await client.get("/admin/cohorts/424242/edit")).status_code == 404
    response = await submit(client, "/admin/cohorts/424242/edit", VALID)
    assert response.status_code == 404
    assert await Cohort.count() == 0


async def test_head_counts_per_stage_leave_out_withdrawn_candidates(client):
    await sign_in_as(client)
    stages = await _stage_ids()
    department = await make_department()
    cohort = await make_cohort(department, name="统计批次", capacity=3)
    other = await make_cohort(department, name="另一个批次")
    await make_candidate(department, cohort=cohort, stage_id=stages["offer_sent"])
    await make_candidate(department, cohort=cohort, stage_id=stages["offer_sent"])
    await make_candidate(department, cohort=cohort, stage_id=stages["pre_start"])
    await make_candidate(department, cohort=cohort, stage_id=stages["joined"])
    gone = await make_candidate(department, cohort=cohort, stage_id=stages["pre_start"])
    await candidate_set_status(candidate_id=gone.id, status="withdrawn", reason="放弃")
    await make_candidate(department, cohort=other, stage_id=stages["training"])
    await make_candidate(department, stage_id=stages["training"])  # in no cohort

    page = await client.get("/admin/cohorts")
    assert page.status_code == 200
    row = page.text.split(f'data-cohort-id="{cohort.id}"')[1].split("</tr>")[0]
    counts = dict(re.findall(r'data-stage="(\w+)">(\d+)<', row))
    assert counts == {
        "interview_passed": "0",
        "background_check": "0",
        "offer_sent": "2",
        "pre_start": "1",
        "training": "0",
        "joined": "1",
    }
    assert "<b>4</b>" in row
    assert "超出名额" in row  # 4 people for 3 places
    other_row = page.text.split(f'data-cohort-id="{other.id}"')[1].split("</tr>")[0]
    assert dict(re.findall(r'data-stage="(\w+)">(\d+)<', other_row))["training"] == "1"


async def test_upcoming_cohorts_come_first_soonest_on_top(client):
    now = datetime(2026, 11, 20, tzinfo=UTC)
    await make_cohort(name="早已结束", starts_at=now - timedelta(days=60))
    await make_cohort(name="下个月", starts_at=now + timedelta(days=30))
    await make_cohort(name="下周", starts_at=now + timedelta(days=7))
    await make_cohort(name="上个月", starts_at=now - timedelta(days=20))
    overview = await cohort_overview(department_scope=None, now=now)
    assert [row.name for row in overview.rows] == ["下周", "下个月", "上个月", "早已结束"]
