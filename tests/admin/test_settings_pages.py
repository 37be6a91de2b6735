"""Settings pages: departments and positions, hiring stages, staff accounts."""

from __future__ import annotations

from portal.auth.passwords import password_verify
from portal.domain.organisation.tables import Department, Position, Stage
from portal.domain.staff.tables import StaffUser
from tests.factories import make_candidate, make_department, make_staff, sign_in_staff


async def _csrf(client) -> str:
    return client.cookies.get("onramp_csrf")


async def test_hr_adds_a_department_and_a_position(client):
    await sign_in_staff(client, await make_staff("hr"))
    response = await client.post(
        "/admin/settings/departments", data={"name": "生产部", "_csrf_token": await _csrf(client)}
    )
    assert response.status_code == 303
    department = await Department.objects().get(Department.name == "生产部")
    await client.post(
        f"/admin/settings/departments/{department.id}/positions",
        data={"name": "装配工", "_csrf_token": await _csrf(client)},
    )
    page = (await client.get("/admin/settings/departments")).text
    assert "生产部" in page and "装配工" in page
    assert await Position.count() == 1


async def test_duplicate_department_re_renders_with_the_error(client):
    await make_department("生产部")
    await sign_in_staff(client, await make_staff("hr"))
    response = await client.post(
        "/admin/settings/departments", data={"name": "生产部", "_csrf_token": await _csrf(client)}
    )
    assert response.status_code == 400
    assert "已有其他部门使用此名称" in response.text
    assert await Department.count() == 1


async def test_settings_need_a_csrf_token(client):
    await sign_in_staff(client, await make_staff("hr"))
    response = await client.post("/admin/settings/departments", data={"name": "生产部"})
    assert response.status_code == 403
    assert await Department.count() == 0


async def test_managers_cannot_change_settings(client):
    department = await make_department()
    await sign_in_staff(client, await make_staff("manager", department=department))
    assert (await client.get("/admin/settings/departments")).status_code == 403
    response = await client.post(
        "/admin/settings/departments", data={"name": "新部门", "_csrf_token": await _csrf(client)}
    )
    assert response.status_code == 403
    assert await Department.count() == 1


async def test_stage_edit_shows_on_the_candidate_home(client):
    await sign_in_staff(client, await make_staff("hr"))
    stage = await Stage.objects().get(Stage.code == "interview_passed")
    original = (await Stage.select().where(Stage.id == stage.id))[0]
    try:
        response = await client.post(
            f"/admin/settings/stages/{stage.id}/edit",
            data={
                "code": "interview_passed",
                "name": "复试通过",
                "name_en": "Second interview passed",
                "next_step": "请等待电话通知。",
                "next_step_en": "",
                "typical_days": "2",
                "_csrf_token": await _csrf(client),
            },
        )
        assert response.status_code == 303
        stages_page = (await client.get("/admin/settings/stages")).text
        assert "复试通过" in stages_page
        bad = await client.post(
            f"/admin/settings/stages/{stage.id}/edit",
            data={
                "code": "Bad Code",
                "name": "",
                "typical_days": "many",
                "_csrf_token": await _csrf(client),
            },
        )
        assert bad.status_code == 400
        assert "请输入整数天数" in bad.text
        assert (await Stage.objects().get(Stage.id == stage.id)).name == "复试通过"
    finally:
        # Seed data kept between tests: every column back as it was.
        await Stage.update(
            {column: original[column._meta.name] for column in Stage._meta.non_default_columns}
        ).where(Stage.id == stage.id)


async def test_a_stage_in_use_cannot_be_deleted_from_the_page(client):
    await make_candidate()
    await sign_in_staff(client, await make_staff("hr"))
    stage = await Stage.objects().get(Stage.code == "interview_passed")
    response = await client.post(
        f"/admin/settings/stages/{stage.id}/delete", data={"_csrf_token": await _csrf(client)}
    )
    assert response.status_code == 409
    assert "不能删除" in response.text
    assert await Stage.exists().where(Stage.id == stage.id)


async def test_only_admins_manage_staff_accounts(client):
    await sign_in_staff(client, await make_staff("hr"))
    assert (await client.get("/admin/settings/staff")).status_code == 403


async def test_admin_creates_an_account_and_sees_the_password_once(client):
    await sign_in_staff(client, await make_staff("admin"))
    response = await client.post(
        "/admin/settings/staff",
        data={
            "email": "new.hr@example.com",
            "name": "新同事",
            "role": "hr",
            "department": "",
            "_csrf_token": await _csrf(client),
        },
    )
    assert response.status_code == 200
    password = response.text.split('class="mono copy" readonly value="')[1].split('"')[0]
    created = await StaffUser.objects().get(StaffUser.email == "new.hr@example.com")
    assert password_verify(created.password_hash, password)
    assert password not in (await client.get("/admin/settings/staff")).text


async def test_manager_account_without_department_is_refused(client):
    await sign_in_staff(client, await make_staff("admin"))
    response = await client.post(
        "/admin/settings/staff",
        data={
            "email": "m@example.com",
            "role": "manager",
            "department": "",
            "_csrf_token": await _csrf(client),
        },
    )
    assert response.status_code == 400
    assert "部门经理必须指定所属部门" in response.text
    assert not await StaffUser.exists().where(StaffUser.email == "m@example.com")


async def test_deactivated_staff_is_signed_out_at_once(client, app):
    import httpx

    admin = await make_staff("admin")
    hr = await make_staff("hr")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver.local"
    ) as hr_client:
        await sign_in_staff(hr_client, hr)
        assert (await hr_client.get("/admin/candidates")).status_code == 200
        await sign_in_staff(client, admin)
        response = await client.post(
            f"/admin/settings/staff/{hr.id}",
            data={
                "name": "",
                "role": "hr",
                "department": "",
                "is_active": "0",
                "_csrf_token": await _csrf(client),
            },
        )
        assert response.status_code == 303
        after = await hr_client.get("/admin/candidates", follow_redirects=False)
        assert after.status_code == 302
        assert after.headers["location"].startswith("/admin/login")
