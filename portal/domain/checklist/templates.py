"""HR's checklist templates: what to hand in, who must, in what form and by when.

A template is edited in place: candidates' items are computed from the templates at read
time (:mod:`portal.domain.checklist`), so an edit reaches every open item at once, and
what was already handed in stays in its own rows. Templates are archived, never deleted,
so their submissions stay visible to HR.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from portal.db import write_transaction
from portal.domain.checklist.tables import ChecklistTemplate
from portal.domain.errors import NotFound, ValidationFailed
from portal.domain.form_numbers import whole_number
from portal.domain.organisation.tables import Department, Position
from portal.files.storage import get_storage
from portal.files.uploads import StoredUpload
from portal.i18n import gettext as _

FILE_FAMILIES = ("photo", "pdf")
MAX_FILES_LIMIT = 10
MAX_DAYS_BEFORE = 365


@dataclass(frozen=True)
class TemplateInput:
    """A template as typed into the form: numbers and ids are still text."""

    title: str
    explanation: str = ""
    department_id: int | None = None
    position_id: int | None = None
    accepted_kinds: tuple[str, ...] = FILE_FAMILIES
    min_files: str | int = 1
    max_files: str | int = 1
    required: bool = True
    days_before_start: str | int = 7
    sort_order: str | int = 0


def family_label(family: str) -> str:
    return {"photo": _("Photo"), "pdf": "PDF"}.get(family, family)


def template_families(template: ChecklistTemplate) -> tuple[str, ...]:
    return tuple(f for f in template.accepted_kinds.split(",") if f in FILE_FAMILIES)


async def _check(data: TemplateInput) -> dict[str, object]:
    errors: dict[str, str] = {}
    title = " ".join(data.title.split())
    if not title:
        errors["title"] = _("Please enter a title.")
    elif len(title) > 200:
        errors["title"] = _("A title can be at most 200 characters long.")
    explanation = data.explanation.strip()
    if len(explanation) > 4000:
        errors["explanation"] = _("The explanation can be at most 4000 characters long.")
    families = tuple(f for f in FILE_FAMILIES if f in data.accepted_kinds)
    if not families:
        errors["accepted_kinds"] = _("Choose at least one kind of file.")
    min_files = whole_number(data.min_files, errors, "min_files", low=1, high=MAX_FILES_LIMIT)
    max_files = whole_number(data.max_files, errors, "max_files", low=1, high=MAX_FILES_LIMIT)
    if "min_files" not in errors and "max_files" not in errors and max_files < min_files:
        errors["max_files"] = _("The maximum cannot be smaller than the minimum.")
    days = whole_number(
        data.days_before_start, errors, "days_before_start", low=0, high=MAX_DAYS_BEFORE
    )
    sort_order = whole_number(data.sort_order, errors, "sort_order", low=0, high=9999)
    department_id = data.department_id
    if department_id is not None and not await Department.exists().where(
        Department.id == department_id
    ):
        errors["department_id"] = _("This department does not exist.")
    if data.position_id is not None:
        position = await Position.objects().get(Position.id == data.position_id)
        if position is None:
            errors["position_id"] = _("This position does not exist.")
        elif department_id is not None and position.department != department_id:
            errors["position_id"] = _("This position belongs to another department.")
        else:
            department_id = position.department
    if errors:
        raise ValidationFailed(errors)
    return {
        "title": title,
        "explanation": explanation,
        "department": department_id,
        "position": data.position_id,
        "accepted_kinds": ",".join(families),
        "min_files": min_files,
        "max_files": max_files,
        "required": data.required,
        "days_before_start": days,
        "sort_order": sort_order,
    }


async def template_create(*, data: TemplateInput) -> ChecklistTemplate:
    template = ChecklistTemplate(**await _check(data))
    async with write_transaction():
        await template.save()
    return template


async def template_update(*, template_id: int, data: TemplateInput) -> ChecklistTemplate:
    values = await _check(data)
    template = await template_get(template_id=template_id)
    async with write_transaction():
        await ChecklistTemplate.update(
            {**values, ChecklistTemplate.updated_at: datetime.now(UTC)}
        ).where(ChecklistTemplate.id == template.id)
    return await template_get(template_id=template_id)


async def template_get(*, template_id: int) -> ChecklistTemplate:
    template = await ChecklistTemplate.objects().get(ChecklistTemplate.id == template_id)
    if template is None:
        raise NotFound(_("This checklist item does not exist."))
    return template


async def template_set_status(*, template_id: int, status: str) -> None:
    """Archive (hidden from candidates, submissions kept for HR) or restore a template."""
    if status not in ("active", "archived"):
        raise ValueError(status)
    template = await template_get(template_id=template_id)
    async with write_transaction():
        await ChecklistTemplate.update(
            {ChecklistTemplate.status: status, ChecklistTemplate.updated_at: datetime.now(UTC)}
        ).where(ChecklistTemplate.id == template.id)


async def template_set_example(*, template_id: int, stored: StoredUpload | None) -> None:
    """Attach (or with None remove) the example file; the previous one is deleted."""
    template = await template_get(template_id=template_id)
    async with write_transaction():
        await ChecklistTemplate.update(
            {
                ChecklistTemplate.example_key: stored.key if stored else "",
                ChecklistTemplate.example_name: stored.name if stored else "",
                ChecklistTemplate.example_media_type: stored.media_type if stored else "",
                ChecklistTemplate.updated_at: datetime.now(UTC),
            }
        ).where(ChecklistTemplate.id == template.id)
    if template.example_key:
        await get_storage().delete(template.example_key)


@dataclass(frozen=True)
class TemplateRow:
    template: ChecklistTemplate
    audience: str
    families: tuple[str, ...]


async def templates_list(*, include_archived: bool = True) -> list[TemplateRow]:
    query = (
        ChecklistTemplate.objects()
        .order_by(ChecklistTemplate.sort_order)
        .order_by(ChecklistTemplate.id)
    )
    if not include_archived:
        query = query.where(ChecklistTemplate.status == "active")
    templates = await query
    departments = {
        d["id"]: d["name"] for d in await Department.select(Department.id, Department.name)
    }
    positions = {p["id"]: p["name"] for p in await Position.select(Position.id, Position.name)}
    rows = []
    for template in templates:
        rows.append(
            TemplateRow(
                template=template,
                audience=audience_label(template, departments, positions),
                families=template_families(template),
            )
        )
    return rows


def audience_label(
    template: ChecklistTemplate, departments: dict[int, str], positions: dict[int, str]
) -> str:
    if template.position:
        return (
            f"{departments.get(template.department, '')} · {positions.get(template.position, '')}"
        )
    if template.department:
        return departments.get(template.department, "")
    return _("Everyone")
