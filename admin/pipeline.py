"""Settings pages for HR: the hiring pipeline's stages."""

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
from portal.domain.errors import DomainError, NotFound, ValidationFailed
from portal.domain.organisation.stages import (
    StageInput,
    stage_create,
    stage_delete,
    stage_get,
    stage_move,
    stage_update,
    stages_in_order,
)
from portal.domain.staff.tables import StaffUser
from portal.i18n import gettext as _

STAGE_FIELDS = ("code", "name", "name_en", "next_step", "next_step_en", "typical_days")
LIST_URL = "/admin/settings/stages"


async def _list_page(staff: StaffUser, *, error: str = "", status_code: int = 200) -> Template:
    stages = await stages_in_order()
    return admin_page(
        "admin/settings/stages.html", staff, stages=stages, error=error, status_code=status_code
    )


def _form_page(
    staff: StaffUser,
    *,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    stage_id: int | None = None,
    status_code: int = 200,
) -> Template:
    return admin_page(
        "admin/settings/stage_form.html",
        staff,
        values=values,
        errors=errors or {},
        stage_id=stage_id,
        status_code=status_code,
    )


class PipelineController(Controller):
    path = "/settings/stages"
    guards = [HR_ONLY]

    @get("/", name="admin-stages")
    async def stages(self, staff: NamedDependency[StaffUser]) -> Template:
        return await _list_page(staff)

    @get("/new", name="admin-stage-new")
    async def new_stage(self, staff: NamedDependency[StaffUser]) -> Template:
        return _form_page(staff, values={**dict.fromkeys(STAGE_FIELDS, ""), "typical_days": "0"})

    @post("/new", name="admin-stage-create")
    async def create_stage(
        self, request: Request[Any, Any, Any], staff: NamedDependency[StaffUser]
    ) -> Template | Redirect:
        values = await form_text(request, *STAGE_FIELDS)
        try:
            await stage_create(data=StageInput(**values))
        except ValidationFailed as failed:
            return _form_page(staff, values=values, errors=failed.errors, status_code=400)
        return Redirect(LIST_URL, status_code=HTTP_303_SEE_OTHER)

    @get("/{stage_id:int}/edit", name="admin-stage-edit")
    async def edit_stage(
        self, staff: NamedDependency[StaffUser], stage_id: FromPath[int]
    ) -> Template:
        stage = await stage_get(stage_id)
        if stage is None:
            raise NotFound(_("This stage does not exist."))
        values = {field: str(stage[field]) for field in STAGE_FIELDS}
        return _form_page(staff, values=values, stage_id=stage_id)

    @post("/{stage_id:int}/edit", name="admin-stage-update")
    async def update_stage(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        stage_id: FromPath[int],
    ) -> Template | Redirect:
        values = await form_text(request, *STAGE_FIELDS)
        try:
            await stage_update(stage_id=stage_id, data=StageInput(**values))
        except ValidationFailed as failed:
            return _form_page(
                staff, values=values, errors=failed.errors, stage_id=stage_id, status_code=400
            )
        return Redirect(LIST_URL, status_code=HTTP_303_SEE_OTHER)

    @post("/{stage_id:int}/move", name="admin-stage-move")
    async def move_stage(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        stage_id: FromPath[int],
    ) -> Redirect:
        direction = (await form_text(request, "direction"))["direction"]
        await stage_move(stage_id=stage_id, direction=-1 if direction == "up" else 1)
        return Redirect(LIST_URL, status_code=HTTP_303_SEE_OTHER)

    @post("/{stage_id:int}/delete", name="admin-stage-delete")
    async def delete_stage(
        self, staff: NamedDependency[StaffUser], stage_id: FromPath[int]
    ) -> Template | Redirect:
        try:
            await stage_delete(stage_id=stage_id)
        except NotFound:
            raise  # a 404 page, not the "in use" message below
        except DomainError as refused:
            return await _list_page(staff, error=str(refused), status_code=409)
        return Redirect(LIST_URL, status_code=HTTP_303_SEE_OTHER)
