"""Group chats (``/admin/groups``): HR creates one and lists its members explicitly.

The chat itself is a room: staff read and moderate it at ``/admin/rooms/{id}``, members
use ``/rooms/{id}``. HR and admins only (``may_manage_rooms``).
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from admin.forms import form_text
from admin.guards import HR_ONLY
from admin.rendering import admin_page
from portal.domain.errors import NotFound, ValidationFailed
from portal.domain.rooms.groups import (
    group_create,
    group_member_add,
    group_member_remove,
    group_members,
    groups_list,
)
from portal.domain.staff.tables import StaffUser
from portal.domain.validation import is_plausible_id

PAGE = "/admin/groups"


def _id_or_404(value: int) -> int:
    if not is_plausible_id(value):
        raise NotFound()
    return value


async def _members_page(
    staff: StaffUser,
    room_id: int,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    group, members = await group_members(room_id)
    return admin_page(
        "admin/groups/members.html",
        staff,
        status_code=status_code,
        group=group,
        members=members,
        values=values or {"kind": "candidate", "contact": ""},
        errors=errors or {},
    )


class GroupController(Controller):
    path = "/groups"
    guards = [HR_ONLY]

    @get("/", name="admin-groups")
    async def list_groups(self, staff: NamedDependency[StaffUser]) -> Template:
        return admin_page(
            "admin/groups/list.html", staff, groups=await groups_list(), values={}, errors={}
        )

    @post("/", name="admin-group-create")
    async def create_group(
        self, staff: NamedDependency[StaffUser], request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        values = await form_text(request, "name")
        try:
            room_id = await group_create(name=values["name"][:1000], staff_id=staff.id)
        except ValidationFailed as failed:
            return admin_page(
                "admin/groups/list.html",
                staff,
                status_code=400,
                groups=await groups_list(),
                values=values,
                errors=failed.errors,
            )
        return Redirect(f"{PAGE}/{room_id}", status_code=HTTP_303_SEE_OTHER)

    @get("/{room_id:int}", name="admin-group")
    async def members(self, staff: NamedDependency[StaffUser], room_id: FromPath[int]) -> Template:
        return await _members_page(staff, _id_or_404(room_id))

    @post("/{room_id:int}/members", name="admin-group-member-add")
    async def add_member(
        self,
        staff: NamedDependency[StaffUser],
        room_id: FromPath[int],
        request: Request[Any, Any, Any],
    ) -> Template | Redirect:
        room_id = _id_or_404(room_id)
        values = await form_text(request, "kind", "contact")
        try:
            await group_member_add(
                room_id=room_id, kind=values["kind"], contact=values["contact"][:300],
                staff_id=staff.id,
            )  # fmt: skip
        except ValidationFailed as failed:
            return await _members_page(
                staff, room_id, values=values, errors=failed.errors, status_code=400
            )
        return Redirect(f"{PAGE}/{room_id}", status_code=HTTP_303_SEE_OTHER)

    @post("/{room_id:int}/members/{member_id:int}/remove", name="admin-group-member-remove")
    async def remove_member(self, room_id: FromPath[int], member_id: FromPath[int]) -> Redirect:
        await group_member_remove(room_id=_id_or_404(room_id), member_id=_id_or_404(member_id))
        return Redirect(f"{PAGE}/{room_id}", status_code=HTTP_303_SEE_OTHER)
