"""Settings pages for HR: departments and their positions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from admin.forms import form_text
from admin.guards import HR_ONLY
from admin.rendering import admin_page
from portal.domain.errors import ValidationFailed
from portal.domain.organisation.departments import (
    department_create,
    department_rename,
    departments_with_positions,
    position_create,
)
from portal.domain.staff.tables import StaffUser


async def _page(
    staff: StaffUser,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    failed_form: str = "",
    status_code: int = 200,
) -> Template:
    return admin_page(
        "admin/settings/departments.html",
        staff,
        status_code=status_code,
        departments=await departments_with_positions(),
        errors=errors or {},
        values=values or {},
        failed_form=failed_form,
    )


async def _submit(
    request: Request[Any, Any, Any],
    staff: StaffUser,
    *,
    save: Callable[[str], Awaitable[object]],
    form_name: str,
) -> Template | Redirect:
    """Run one of the page's small name forms; re-render it with its error when refused."""
    values = await form_text(request, "name")
    try:
        await save(values["name"])
    except ValidationFailed as failed:
        return await _page(
            staff, errors=failed.errors, values=values, failed_form=form_name, status_code=400
        )
    return Redirect("/admin/settings/departments", status_code=HTTP_303_SEE_OTHER)


class OrganisationController(Controller):
    path = "/settings/departments"
    guards = [HR_ONLY]

    @get("/", name="admin-departments")
    async def departments(self, staff: NamedDependency[StaffUser]) -> Template:
        return await _page(staff)

    @post("/", name="admin-department-create")
    async def create_department(
        self, request: Request[Any, Any, Any], staff: NamedDependency[StaffUser]
    ) -> Template | Redirect:
        return await _submit(
            request, staff, save=lambda name: department_create(name=name), form_name="new"
        )

    @post("/{department_id:int}/rename", name="admin-department-rename")
    async def rename_department(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        department_id: FromPath[int],
    ) -> Template | Redirect:
        return await _submit(
            request,
            staff,
            save=lambda name: department_rename(department_id=department_id, name=name),
            form_name=f"rename-{department_id}",
        )

    @post("/{department_id:int}/positions", name="admin-position-create")
    async def create_position(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        department_id: FromPath[int],
    ) -> Template | Redirect:
        return await _submit(
            request,
            staff,
            save=lambda name: position_create(department_id=department_id, name=name),
            form_name=f"position-{department_id}",
        )
