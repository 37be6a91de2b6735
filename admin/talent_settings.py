"""Talent pool settings, HR's: withdrawal reasons, the recall cadence and its templates per
reason, growth paths per position (`/admin/talent/settings`)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from admin.forms import form_text
from admin.guards import HR_ONLY
from admin.rendering import admin_page as _admin_page
from portal.domain.candidates.lists import position_choices
from portal.domain.errors import NotFound, ValidationFailed
from portal.domain.staff.tables import StaffUser
from portal.domain.talent.growth import growth_lines, growth_path, growth_path_save
from portal.domain.talent.labels import talent_label
from portal.domain.talent.settings import (
    StepInput,
    cadence_step_delete,
    cadence_step_save,
    cadence_steps,
    reason_add,
    reason_edit,
)
from portal.domain.talent.tables import ASSIGNEES, STEP_KINDS, STEP_MODES
from portal.domain.talent.withdrawal import reason_choices


def admin_page(template: str, staff: StaffUser, **context: Any) -> Template:
    """The admin page with ``label`` for the pool's codes."""
    return _admin_page(template, staff, label=talent_label, **context)


STEP_FIELDS = ("reason_code", "day", "kind", "mode", "assignee", "body_a", "body_b")
SETTINGS_URL = "/admin/talent/settings"


class TalentSettingsController(Controller):
    path = "/talent/settings"
    guards = [HR_ONLY]

    async def _page(
        self, staff: StaffUser, *, status_code: int = 200, errors: dict[str, str] | None = None,
        values: dict[str, str] | None = None, form: str = "",
    ) -> Template:  # fmt: skip
        return admin_page(
            "admin/talent/settings.html",
            staff,
            status_code=status_code,
            reasons=await reason_choices(include_inactive=True),
            active_codes={r.code for r in await reason_choices()},
            steps=await cadence_steps(),
            kinds=STEP_KINDS,
            modes=STEP_MODES,
            assignees=ASSIGNEES,
            positions=await position_choices(),
            errors=errors or {},
            values=values or {},
            form=form,
        )

    @get("/", name="admin-talent-settings")
    async def settings_page(self, staff: NamedDependency[StaffUser]) -> Template:
        return await self._page(staff)

    @post("/reasons", name="admin-talent-reason-add")
    async def add_reason(
        self, request: Request[Any, Any, Any], staff: NamedDependency[StaffUser]
    ) -> Template | Redirect:
        values = await form_text(request, "code", "label")
        try:
            await reason_add(code=values["code"][:41], label=values["label"][:101])
        except ValidationFailed as failed:
            return await self._page(
                staff, status_code=400, errors=failed.errors, values=values, form="reason"
            )
        return Redirect(SETTINGS_URL, status_code=HTTP_303_SEE_OTHER)

    @post("/reasons/{reason_id:int}", name="admin-talent-reason-edit")
    async def edit_reason(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        reason_id: FromPath[int],
    ) -> Template | Redirect:
        values = await form_text(request, "label", "active")
        try:
            await reason_edit(
                reason_id=reason_id, label=values["label"][:101], active=values["active"] == "1"
            )
        except ValidationFailed as failed:
            return await self._page(
                staff, status_code=400, errors=failed.errors, values=values, form="reason"
            )
        return Redirect(SETTINGS_URL, status_code=HTTP_303_SEE_OTHER)

    async def _save_step(
        self, request: Request[Any, Any, Any], staff: StaffUser, step_id: int | None
    ) -> Template | Redirect:
        values = await form_text(request, *STEP_FIELDS)
        data = StepInput(**{k: values[k][:301] for k in STEP_FIELDS})
        try:
            await cadence_step_save(step_id=step_id, data=data)
        except ValidationFailed as failed:
            return await self._page(
                staff, status_code=400, errors=failed.errors, values=values,
                form=f"step-{step_id or 'new'}",
            )  # fmt: skip
        return Redirect(SETTINGS_URL, status_code=HTTP_303_SEE_OTHER)

    @post("/cadence", name="admin-talent-step-add")
    async def add_step(
        self, request: Request[Any, Any, Any], staff: NamedDependency[StaffUser]
    ) -> Template | Redirect:
        return await self._save_step(request, staff, None)

    @post("/cadence/{step_id:int}", name="admin-talent-step-edit")
    async def edit_step(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        step_id: FromPath[int],
    ) -> Template | Redirect:
        return await self._save_step(request, staff, step_id)

    @post("/cadence/{step_id:int}/delete", name="admin-talent-step-delete")
    async def delete_step(
        self, staff: NamedDependency[StaffUser], step_id: FromPath[int]
    ) -> Redirect:
        await cadence_step_delete(step_id=step_id)
        return Redirect(SETTINGS_URL, status_code=HTTP_303_SEE_OTHER)

    @get("/growth/{position_id:int}", name="admin-talent-growth")
    async def growth_page(
        self, staff: NamedDependency[StaffUser], position_id: FromPath[int]
    ) -> Template:
        path = await growth_path(position_id)
        return admin_page(
            "admin/talent/growth.html",
            staff,
            path=path,
            values={"steps": growth_lines(path)},
            errors={},
        )

    @post("/growth/{position_id:int}", name="admin-talent-growth-save")
    async def growth_save(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        position_id: FromPath[int],
    ) -> Template | Redirect:
        values = await form_text(request, "steps")
        try:
            await growth_path_save(position_id=position_id, text=values["steps"][:3000])
        except ValidationFailed as failed:
            return admin_page(
                "admin/talent/growth.html",
                staff,
                status_code=400,
                path=await growth_path(position_id),
                values=values,
                errors=failed.errors,
            )
        except NotFound:
            raise
        return Redirect(
            f"/admin/talent/settings/growth/{position_id}", status_code=HTTP_303_SEE_OTHER
        )
