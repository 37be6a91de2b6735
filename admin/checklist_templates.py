"""Checklist templates for HR: what candidates must hand in, for whom, by when.

Only admin and HR reach these pages; managers are refused (403).
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from admin.forms import form_id
from admin.guards import HR_ONLY
from admin.rendering import admin_page
from portal.config import get_settings
from portal.domain.candidates.lists import department_choices, position_choices
from portal.domain.checklist.tables import ChecklistTemplate
from portal.domain.checklist.templates import (
    FILE_FAMILIES,
    TemplateInput,
    family_label,
    template_create,
    template_get,
    template_set_example,
    template_set_status,
    template_update,
    templates_list,
)
from portal.domain.errors import NotFound, ValidationFailed
from portal.domain.staff.tables import StaffUser
from portal.files.responses import stored_file_response
from portal.files.uploads import (
    UploadRefused,
    discard_stored,
    request_body_limit,
    store_upload,
    uploaded_files,
)
from portal.i18n import gettext as _

TEXT_FIELDS = (
    "title",
    "explanation",
    "department",
    "position",
    "min_files",
    "max_files",
    "days_before_start",
    "sort_order",
)
BASE = "/admin/checklist/templates"


async def _form_values(request: Request[Any, Any, Any]) -> dict[str, Any]:
    form = await request.form()
    values: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        value = form.get(name)
        values[name] = value[:5000] if isinstance(value, str) else ""
    values["accepted_kinds"] = [k for k in form.getall("accepted_kinds", []) if k in FILE_FAMILIES]
    values["required"] = form.get("required") == "1"
    return values


def _input(values: dict[str, Any]) -> TemplateInput:
    return TemplateInput(
        title=values["title"],
        explanation=values["explanation"],
        department_id=form_id(values["department"]),
        position_id=form_id(values["position"]),
        accepted_kinds=tuple(values["accepted_kinds"]),
        min_files=values["min_files"],
        max_files=values["max_files"],
        required=values["required"],
        days_before_start=values["days_before_start"],
        sort_order=values["sort_order"] or "0",
    )


def _values_of(template: ChecklistTemplate) -> dict[str, Any]:
    return {
        "title": template.title,
        "explanation": template.explanation,
        "department": str(template.department or "") if not template.position else "",
        "position": str(template.position or ""),
        "min_files": str(template.min_files),
        "max_files": str(template.max_files),
        "days_before_start": str(template.days_before_start),
        "sort_order": str(template.sort_order),
        "accepted_kinds": template.accepted_kinds.split(","),
        "required": template.required,
    }


async def _form_page(
    staff: StaffUser,
    *,
    values: dict[str, Any],
    template: ChecklistTemplate | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    return admin_page(
        "admin/checklist/template_form.html",
        staff,
        status_code=status_code,
        item=template,
        values=values,
        errors=errors or {},
        departments=await department_choices(),
        positions=await position_choices(),
        families=[(f, family_label(f)) for f in FILE_FAMILIES],
        max_megabytes=max(1, get_settings().upload_max_bytes // (1024 * 1024)),
    )


async def _save_example(request: Request[Any, Any, Any], template_id: int) -> None:
    """Store the example file chosen in the form, if any (raises UploadRefused)."""
    form = await request.form()
    files = uploaded_files(form, "example")
    if files:
        try:
            stored = await store_upload(
                files[0],
                area="checklist-examples",
                families=FILE_FAMILIES,
                max_bytes=get_settings().upload_max_bytes,
            )
        finally:
            await files[0].close()
        try:
            await template_set_example(template_id=template_id, stored=stored)
        except BaseException:
            await discard_stored([stored])
            raise
    elif form.get("remove_example") == "1":
        await template_set_example(template_id=template_id, stored=None)


_BODY_LIMIT = request_body_limit(get_settings().upload_max_bytes)


class ChecklistTemplateController(Controller):
    path = "/checklist/templates"

    @get("/", name="admin-checklist-templates", guards=[HR_ONLY])
    async def list_templates(self, staff: NamedDependency[StaffUser]) -> Template:
        return admin_page(
            "admin/checklist/templates.html",
            staff,
            rows=await templates_list(),
            family_label=family_label,
        )

    @get("/new", name="admin-checklist-template-new", guards=[HR_ONLY])
    async def new_template(self, staff: NamedDependency[StaffUser]) -> Template:
        values = dict.fromkeys(TEXT_FIELDS, "")
        values.update(
            min_files="1",
            max_files="1",
            days_before_start="7",
            sort_order="0",
            accepted_kinds=list(FILE_FAMILIES),
            required=True,
        )
        return await _form_page(staff, values=values)

    @post(
        "/new",
        name="admin-checklist-template-create",
        request_max_body_size=_BODY_LIMIT,
        guards=[HR_ONLY],
    )
    async def create_template(
        self, request: Request[Any, Any, Any], staff: NamedDependency[StaffUser]
    ) -> Template | Redirect:
        values = await _form_values(request)
        try:
            template = await template_create(data=_input(values))
        except ValidationFailed as failed:
            return await _form_page(staff, values=values, errors=failed.errors, status_code=400)
        try:
            await _save_example(request, template.id)
        except UploadRefused as refused:
            # The item itself was saved; say why the example was not, on its edit page.
            return await _form_page(
                staff,
                values=values,
                template=await template_get(template_id=template.id),
                errors={"example": str(refused)},
                status_code=400,
            )
        return Redirect(BASE, status_code=HTTP_303_SEE_OTHER)

    @get("/{template_id:int}/edit", name="admin-checklist-template-edit", guards=[HR_ONLY])
    async def edit_template(
        self, staff: NamedDependency[StaffUser], template_id: FromPath[int]
    ) -> Template:
        template = await template_get(template_id=template_id)
        return await _form_page(staff, values=_values_of(template), template=template)

    @post(
        "/{template_id:int}/edit",
        name="admin-checklist-template-update",
        request_max_body_size=_BODY_LIMIT,
        guards=[HR_ONLY],
    )
    async def update_template(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        template_id: FromPath[int],
    ) -> Template | Redirect:
        template = await template_get(template_id=template_id)
        values = await _form_values(request)
        try:
            await template_update(template_id=template.id, data=_input(values))
            await _save_example(request, template.id)
        except ValidationFailed as failed:
            return await _form_page(
                staff, values=values, template=template, errors=failed.errors, status_code=400
            )
        except UploadRefused as refused:
            return await _form_page(
                staff,
                values=values,
                template=await template_get(template_id=template.id),
                errors={"example": str(refused)},
                status_code=400,
            )
        return Redirect(BASE, status_code=HTTP_303_SEE_OTHER)

    @post(
        "/{template_id:int}/{action:str}", name="admin-checklist-template-status", guards=[HR_ONLY]
    )
    async def set_status(
        self, staff: NamedDependency[StaffUser], template_id: FromPath[int], action: FromPath[str]
    ) -> Redirect:
        status = {"archive": "archived", "restore": "active"}.get(action)
        if status is None:
            raise NotFound(_("Not found."))
        await template_set_status(template_id=template_id, status=status)
        return Redirect(BASE, status_code=HTTP_303_SEE_OTHER)

    @get("/{template_id:int}/example", name="admin-checklist-template-example")
    async def example(
        self, staff: NamedDependency[StaffUser], template_id: FromPath[int]
    ) -> Response[Any]:
        template = await template_get(template_id=template_id)
        if not template.example_key:
            raise NotFound(_("Not found."))
        return await stored_file_response(
            template.example_key, template.example_media_type, template.example_name
        )
