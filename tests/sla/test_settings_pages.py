"""SLA settings: the policy form, holidays and make-up days, and question categories."""

from __future__ import annotations

from datetime import date

from portal.domain.rooms.tables import QuestionCategory
from portal.domain.sla.policy import sla_policy_get
from portal.domain.sla.tables import SlaCalendarDay, SlaPolicy
from tests.admin.forms import field_error, submit
from tests.factories import make_department, make_staff, sign_in_staff

PAGE = "/admin/settings/sla"


def _policy_form(**changes) -> dict[str, str]:
    form = {
        "deadline_hours": "24",
        "warning_hours": "4",
        "business_hours_only": "1",
        "timezone": "Asia/Shanghai",
        "webhook_url": "https://hooks.example.com/sla",
    }
    for day in range(5):
        form.update(
            {f"day{day}_open": "1", f"day{day}_opens": "09:00", f"day{day}_closes": "18:00"}
        )
    form.update(changes)
    return form


async def _sign_in_hr(client):
    hr = await make_staff("hr")
    await sign_in_staff(client, hr)
    return hr


async def test_defaults_are_shown_before_anything_is_saved(client):
    await _sign_in_hr(client)
    page = await client.get(PAGE)
    assert page.status_code == 200
    assert 'name="deadline_hours" inputmode="numeric" value="24"' in page.text
    assert 'value="Asia/Shanghai"' in page.text
    assert await SlaPolicy.count() == 0
    # Linked from the other settings pages.
    departments = await client.get("/admin/settings/departments")
    assert 'href="/admin/settings/sla"' in departments.text


async def test_hr_saves_the_policy_once_as_one_row(client):
    hr = await _sign_in_hr(client)
    response = await submit(client, PAGE, _policy_form())
    assert response.status_code == 303
    assert response.headers["location"] == f"{PAGE}?saved=1"
    again = await submit(client, PAGE, _policy_form(deadline_hours="48", warning_hours="8"))
    assert again.status_code == 303
    assert await SlaPolicy.count() == 1
    policy = await sla_policy_get()
    assert (policy.deadline_hours, policy.warning_hours) == (48, 8)
    assert policy.business_hours_only is True
    assert policy.webhook_url == "https://hooks.example.com/sla"
    assert policy.schedule[0] is not None and policy.schedule[5] is None
    row = await SlaPolicy.objects().first()
    assert row.updated_by == hr.id
    page = await client.get(f"{PAGE}?saved=1")
    assert 'data-testid="saved"' in page.text


async def test_bad_policy_values_are_refused_next_to_their_fields(client):
    await _sign_in_hr(client)
    cases = [
        ({"deadline_hours": "abc"}, "deadline_hours"),
        ({"deadline_hours": "0"}, "deadline_hours"),
        ({"deadline_hours": "100000"}, "deadline_hours"),
        ({"warning_hours": "24"}, "warning_hours"),
        ({"warning_hours": "-1"}, "warning_hours"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": "../../etc/passwd"}, "timezone"),
        ({"webhook_url": "javascript:alert(1)"}, "webhook_url"),
        ({"webhook_url": "ftp://example.com"}, "webhook_url"),
        ({"webhook_url": "https://exa mple.com"}, "webhook_url"),
        ({"day0_opens": "25:00"}, "day0"),
        ({"day1_opens": "18:00", "day1_closes": "09:00"}, "day1"),
    ]
    for changes, field in cases:
        response = await submit(client, PAGE, _policy_form(**changes))
        assert response.status_code == 400, changes
        assert field_error(response.text, field), (changes, field)
    closed_week = _policy_form()
    for day in range(7):
        closed_week.pop(f"day{day}_open", None)
    response = await submit(client, PAGE, closed_week)
    assert response.status_code == 400
    assert field_error(response.text, "schedule")
    assert await SlaPolicy.count() == 0


async def test_script_in_the_webhook_field_is_escaped_when_shown_again(client):
    await _sign_in_hr(client)
    response = await submit(client, PAGE, _policy_form(webhook_url='"><script>alert(1)</script>'))
    assert response.status_code == 400
    assert "<script>alert(1)" not in response.text


async def test_holidays_and_make_up_days(client):
    await _sign_in_hr(client)
    added = await submit(
        client, f"{PAGE}/calendar", {"day": "2026-12-31", "kind": "holiday", "name": "元旦前夕"}
    )
    assert added.status_code == 303
    workday = await submit(
        client,
        f"{PAGE}/calendar",
        {
            "day": "2027-01-02",
            "kind": "workday",
            "name": "调休",
            "opens": "09:00",
            "closes": "17:00",
        },
    )
    assert workday.status_code == 303
    page = await client.get(PAGE)
    assert "元旦前夕" in page.text and "09:00–17:00" in page.text

    for form, field in [
        ({"day": "2026-12-31", "kind": "holiday", "name": "重复"}, "day"),
        ({"day": "2026-02-30", "kind": "holiday", "name": "x"}, "day"),
        ({"day": "tomorrow", "kind": "holiday", "name": "x"}, "day"),
        ({"day": "2027-01-05", "kind": "party", "name": "x"}, "kind"),
        ({"day": "2027-01-05", "kind": "holiday", "name": ""}, "name"),
        ({"day": "2027-01-05", "kind": "holiday", "name": "长" * 61}, "name"),
        ({"day": "2027-01-09", "kind": "workday", "opens": "", "closes": ""}, "hours"),
        ({"day": "2027-01-09", "kind": "workday", "opens": "18:00", "closes": "09:00"}, "hours"),
    ]:
        response = await submit(client, f"{PAGE}/calendar", form)
        assert response.status_code == 400, form
        assert field_error(response.text, field), form
    assert await SlaCalendarDay.count() == 2

    day = await SlaCalendarDay.objects().get(SlaCalendarDay.day == date(2026, 12, 31))
    removed = await submit(client, f"{PAGE}/calendar/{day.id}/delete", {})
    assert removed.status_code == 303
    assert await SlaCalendarDay.count() == 1
    missing = await submit(client, f"{PAGE}/calendar/{day.id}/delete", {})
    assert missing.status_code == 404


async def test_categories_add_rename_reroute_deactivate_reorder(client):
    await _sign_in_hr(client)
    added = await submit(
        client,
        f"{PAGE}/categories",
        {"name": "住宿交通", "name_en": "Housing", "responder_role": "hr"},
    )
    assert added.status_code == 303
    category = await QuestionCategory.objects().get(QuestionCategory.name == "住宿交通")
    names = [
        row.name for row in await QuestionCategory.objects().order_by(QuestionCategory.sort_order)
    ]
    assert names[-1] == "住宿交通"

    duplicate = await submit(
        client, f"{PAGE}/categories", {"name": "其他", "name_en": "", "responder_role": "hr"}
    )
    assert duplicate.status_code == 400
    assert field_error(duplicate.text, "name")
    bad_role = await submit(
        client, f"{PAGE}/categories", {"name": "新的", "name_en": "", "responder_role": "ceo"}
    )
    assert bad_role.status_code == 400
    assert field_error(bad_role.text, "responder_role")

    renamed = await submit(
        client,
        f"{PAGE}/categories/{category.id}",
        {"name": "住宿与交通", "name_en": "Housing and transport", "responder_role": "manager"},
    )
    assert renamed.status_code == 303
    category = await QuestionCategory.objects().get(QuestionCategory.id == category.id)
    assert (category.name, category.responder_role) == ("住宿与交通", "manager")

    await submit(client, f"{PAGE}/categories/{category.id}/move", {"direction": "up"})
    ordered = [
        row.id for row in await QuestionCategory.objects().order_by(QuestionCategory.sort_order)
    ]
    assert ordered[-2] == category.id
    top = ordered[0]
    await submit(client, f"{PAGE}/categories/{top}/move", {"direction": "up"})
    assert [
        row.id for row in await QuestionCategory.objects().order_by(QuestionCategory.sort_order)
    ][0] == top

    await submit(client, f"{PAGE}/categories/{category.id}/active", {"active": "0"})
    assert not (await QuestionCategory.objects().get(QuestionCategory.id == category.id)).is_active
    await submit(client, f"{PAGE}/categories/{category.id}/active", {"active": "1"})
    assert (await QuestionCategory.objects().get(QuestionCategory.id == category.id)).is_active


async def test_the_last_active_category_cannot_be_deactivated(client):
    await _sign_in_hr(client)
    categories = await QuestionCategory.objects().order_by(QuestionCategory.sort_order)
    for category in categories[:-1]:
        response = await submit(client, f"{PAGE}/categories/{category.id}/active", {"active": "0"})
        assert response.status_code == 303
    last = await submit(client, f"{PAGE}/categories/{categories[-1].id}/active", {"active": "0"})
    assert last.status_code == 400
    assert await QuestionCategory.count().where(QuestionCategory.is_active == True) == 1  # noqa: E712


async def test_managers_cannot_change_sla_settings(client):
    manager = await make_staff("manager", department=await make_department())
    await sign_in_staff(client, manager)
    assert (await client.get(PAGE)).status_code == 403
    response = await submit(client, PAGE, _policy_form(deadline_hours="1"))
    assert response.status_code == 403
    response = await submit(
        client, f"{PAGE}/categories", {"name": "x", "name_en": "", "responder_role": "hr"}
    )
    assert response.status_code == 403
    assert await SlaPolicy.count() == 0
