"""Staff accounts, managed by admins: create, change role or department, deactivate, reset."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from admin.forms import form_id, form_text
from admin.guards import ADMIN_ONLY
from admin.rendering import admin_page
from portal.auth.passwords import password_generate
from portal.domain.errors import NotFound, ValidationFailed
from portal.domain.organisation.departments import departments_with_positions
from portal.domain.staff.accounts import (
    staff_create,
    staff_member_get,
    staff_members_list,
    staff_reset_password,
    staff_update,
)
from portal.domain.staff.tables import STAFF_ROLES, StaffUser
from portal.i18n import gettext as _

LIST_URL = "/admin/settings/staff"


async def _list_page(
    staff: StaffUser,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    new_password: tuple[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    members = await staff_members_list()
    return admin_page(
        "admin/settings/staff.html",
        staff,
        status_code=status_code,
        members=members,
        departments=await departments_with_positions(),
        roles=STAFF_ROLES,
        values=values or {"role": "hr"},
        errors=errors or {},
        new_password=new_password,
    )


class StaffAccountsController(Controller):
    path = "/settings/staff"
    guards = [ADMIN_ONLY]

    @get("/", name="admin-staff")
    async def staff_list(self, staff: NamedDependency[StaffUser]) -> Template:
        return await _list_page(staff)

    @post("/", name="admin-staff-create")
    async def create(
        self, request: Request[Any, Any, Any], staff: NamedDependency[StaffUser]
    ) -> Template:
        values = await form_text(request, "email", "name", "role", "department")
        password = password_generate()
        try:
            created = await staff_create(
                email=values["email"],
                role=values["role"],
                name=values["name"],
                password=password,
                department_id=form_id(values["department"]),
            )
        except ValidationFailed as failed:
            return await _list_page(staff, values=values, errors=failed.errors, status_code=400)
        # Shown once: only the argon2 hash is kept.
        return await _list_page(staff, new_password=(created.email, password))

    @post("/{member_id:int}", name="admin-staff-update")
    async def update(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        member_id: FromPath[int],
    ) -> Template | Redirect:
        values = await form_text(request, "name", "role", "department", "is_active")
        try:
            await staff_update(
                staff_id=member_id,
                actor_id=staff.id,
                role=values["role"],
                name=values["name"],
                department_id=form_id(values["department"]),
                is_active=values["is_active"] == "1",
            )
        except ValidationFailed as failed:
            errors = {f"{member_id}-{field}": message for field, message in failed.errors.items()}
            return await _list_page(staff, errors=errors, status_code=400)
        return Redirect(LIST_URL, status_code=HTTP_303_SEE_OTHER)

    @post("/{member_id:int}/password", name="admin-staff-password")
    async def reset_password(
        self, staff: NamedDependency[StaffUser], member_id: FromPath[int]
    ) -> Template:
        member = await staff_member_get(member_id)
        if member is None:
            raise NotFound(_("This staff member does not exist."))
        password = await staff_reset_password(staff_id=member_id)
        return await _list_page(staff, new_password=(member.email, password))
