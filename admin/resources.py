"""The resource library for HR: publish guides, FAQ entries, files and links.

Admin and HR manage resources; managers are refused (403). Any signed-in staff member
may open a published or draft resource's file from here.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import File, Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from admin.forms import form_id
from admin.guards import HR_ONLY
from admin.rendering import admin_page
from portal.config import get_settings
from portal.domain.candidates.lists import department_choices
from portal.domain.errors import NotFound, ValidationFailed
from portal.domain.organisation.cohort_lists import cohort_choices
from portal.domain.resources.files import StoredFile, file_size_label, resource_max_bytes
from portal.domain.resources.library import (
    ResourceInput,
    kind_label,
    resource_check,
    resource_create,
    resource_delete,
    resource_get,
    resource_move,
    resource_update,
    resources_for_staff,
)
from portal.domain.resources.tables import RESOURCE_KINDS, Resource
from portal.domain.staff.tables import StaffUser
from portal.files.responses import resource_file_response
from portal.files.storage import get_storage
from portal.files.uploads import UploadRefused, request_body_limit, store_upload, uploaded_files
from portal.i18n import gettext as _

FIELDS = (
    "kind",
    "title",
    "body",
    "url",
    "audience",
    "department",
    "cohort",
    "status",
    "sort_order",
)
_MAX_TEXT = 200_000
# Cut off a request that is too large while it arrives (the CSRF check parses the form).
UPLOAD_BODY_LIMIT = request_body_limit(get_settings().resource_max_bytes)


def _values(form: Any) -> dict[str, str]:
    values = {}
    for name in FIELDS:
        value = form.get(name)
        values[name] = value[:_MAX_TEXT] if isinstance(value, str) else ""
    return values


def _input(values: dict[str, str], kind: str) -> ResourceInput:
    return ResourceInput(
        kind=kind,
        title=values["title"],
        body=values["body"],
        url=values["url"],
        audience=values["audience"],
        department_id=form_id(values["department"]),
        cohort_id=form_id(values["cohort"]),
        status=values["status"],
        sort_order=values["sort_order"],
    )


async def _stored_upload(form: Any, kind: str) -> StoredFile | None:
    """The uploaded file, streamed to storage and checked by content (photos re-encoded,
    which drops EXIF data such as GPS location); None when no file was chosen."""
    chosen = uploaded_files(form, "file")
    if kind != "file" or not chosen:
        return None
    try:
        upload = await store_upload(
            chosen[0], area="resources", families=("photo", "pdf"), max_bytes=resource_max_bytes()
        )
    except UploadRefused as refused:
        raise ValidationFailed({"file": str(refused)}) from None
    return StoredFile(key=upload.key, kind=upload.kind, size=upload.size, name=upload.name)


async def _form_page(
    staff: StaffUser,
    *,
    kind: str,
    values: dict[str, str],
    resource: Resource | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    return admin_page(
        "admin/resources/form.html",
        staff,
        status_code=status_code,
        kind=kind,
        kind_name=kind_label(kind),
        resource=resource,
        values=values,
        errors=errors or {},
        departments=await department_choices(),
        cohorts=await cohort_choices(department_scope=None),
        max_mb=get_settings().resource_max_bytes // (1024 * 1024),
        file_size=file_size_label(resource.file_size) if resource and resource.file_key else "",
    )


async def _save(
    request: Request[Any, Any, Any], staff: StaffUser, *, kind: str, resource: Resource | None
) -> Template | Redirect:
    form = await request.form()
    values = _values(form)
    data = _input(values, kind)
    try:
        stored = await _stored_upload(form, kind)
    except ValidationFailed as refused:
        errors = {**await resource_check(data=data, kind=kind), **refused.errors}
        return await _form_page(
            staff, kind=kind, values=values, resource=resource, errors=errors, status_code=400
        )
    try:
        if resource is None:
            await resource_create(data=data, stored=stored, staff_id=staff.id)
        else:
            await resource_update(resource_id=resource.id, data=data, stored=stored)
    except ValidationFailed as failed:
        return await _form_page(
            staff,
            kind=kind,
            values=values,
            resource=resource,
            errors=failed.errors,
            status_code=400,
        )
    return Redirect("/admin/resources?saved=1", status_code=HTTP_303_SEE_OTHER)


class ResourceController(Controller):
    path = "/resources"

    @get("/", name="admin-resources", guards=[HR_ONLY])
    async def list_resources(self, staff: NamedDependency[StaffUser]) -> Template:
        return admin_page(
            "admin/resources/list.html",
            staff,
            rows=await resources_for_staff(),
            kinds=[(kind, kind_label(kind)) for kind in RESOURCE_KINDS],
            kind_label=kind_label,
        )

    @get("/new", name="admin-resource-new", guards=[HR_ONLY])
    async def new_resource(
        self, request: Request[Any, Any, Any], staff: NamedDependency[StaffUser]
    ) -> Template:
        kind = request.query_params.get("kind") or ""
        if kind not in RESOURCE_KINDS:
            raise NotFound(_("Not found."))
        values = dict.fromkeys(FIELDS, "")
        values.update(kind=kind, audience="everyone", status="draft")
        return await _form_page(staff, kind=kind, values=values)

    @post(
        "/new",
        name="admin-resource-create",
        request_max_body_size=UPLOAD_BODY_LIMIT,
        guards=[HR_ONLY],
    )
    async def create_resource(
        self, request: Request[Any, Any, Any], staff: NamedDependency[StaffUser]
    ) -> Template | Redirect:
        kind = _values(await request.form())["kind"]
        if kind not in RESOURCE_KINDS:
            raise NotFound(_("Not found."))
        return await _save(request, staff, kind=kind, resource=None)

    @get("/{resource_id:int}/edit", name="admin-resource-edit", guards=[HR_ONLY])
    async def edit_resource(
        self, staff: NamedDependency[StaffUser], resource_id: FromPath[int]
    ) -> Template:
        resource = await resource_get(resource_id=resource_id)
        values = {
            "kind": resource.kind,
            "title": resource.title,
            "body": resource.body,
            "url": resource.url,
            "audience": resource.audience,
            "department": str(resource.department or ""),
            "cohort": str(resource.cohort or ""),
            "status": resource.status,
            "sort_order": str(resource.sort_order),
        }
        return await _form_page(staff, kind=resource.kind, values=values, resource=resource)

    @post(
        "/{resource_id:int}/edit",
        name="admin-resource-update",
        request_max_body_size=UPLOAD_BODY_LIMIT,
        guards=[HR_ONLY],
    )
    async def update_resource(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        resource_id: FromPath[int],
    ) -> Template | Redirect:
        resource = await resource_get(resource_id=resource_id)
        return await _save(request, staff, kind=resource.kind, resource=resource)

    @post("/{resource_id:int}/delete", name="admin-resource-delete", guards=[HR_ONLY])
    async def delete_resource(
        self, staff: NamedDependency[StaffUser], resource_id: FromPath[int]
    ) -> Redirect:
        await resource_delete(resource_id=resource_id)
        return Redirect("/admin/resources?deleted=1", status_code=HTTP_303_SEE_OTHER)

    @post("/{resource_id:int}/move/{direction:str}", name="admin-resource-move", guards=[HR_ONLY])
    async def move_resource(
        self,
        staff: NamedDependency[StaffUser],
        resource_id: FromPath[int],
        direction: FromPath[str],
    ) -> Redirect:
        if direction not in ("up", "down"):
            raise NotFound(_("Not found."))
        await resource_move(resource_id=resource_id, direction=direction)
        return Redirect(f"/admin/resources#resource-{resource_id}", status_code=HTTP_303_SEE_OTHER)

    @get("/{resource_id:int}/file", name="admin-resource-file")
    async def resource_file(
        self, staff: NamedDependency[StaffUser], resource_id: FromPath[int]
    ) -> File:
        # Any signed-in staff member (the dependency); checked on every request.
        resource = await resource_get(resource_id=resource_id)
        if resource.kind != "file" or not resource.file_key:
            raise NotFound(_("This resource does not exist."))
        if await get_storage().size(resource.file_key) is None:
            raise NotFound(_("This file is no longer available."))
        return resource_file_response(
            key=resource.file_key, name=resource.file_name, media_type=resource.file_type
        )
