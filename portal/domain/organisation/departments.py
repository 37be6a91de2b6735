"""Departments and the positions inside them."""

from __future__ import annotations

from portal.db import unique_violation_raises, write_transaction
from portal.domain.errors import NotFound, ValidationFailed
from portal.domain.organisation.tables import Department, Position
from portal.i18n import gettext as _


def _clean_name(raw: str, errors: dict[str, str]) -> str:
    name = " ".join((raw or "").split())
    if not name or len(name) > 100:
        errors["name"] = _("Enter a name of 1 to 100 characters.")
    return name


async def department_create(*, name: str) -> Department:
    errors: dict[str, str] = {}
    name = _clean_name(name, errors)
    if not errors and await Department.exists().where(Department.name == name):
        errors["name"] = _("Another department already has this name.")
    if errors:
        raise ValidationFailed(errors)
    department = Department(name=name)
    with unique_violation_raises(
        lambda: ValidationFailed({"name": _("Another department already has this name.")})
    ):
        await department.save()
    return department


async def department_rename(*, department_id: int, name: str) -> None:
    errors: dict[str, str] = {}
    name = _clean_name(name, errors)
    if not errors and await Department.exists().where(
        (Department.name == name) & (Department.id != department_id)
    ):
        errors["name"] = _("Another department already has this name.")
    if errors:
        raise ValidationFailed(errors)
    async with write_transaction():
        if not await Department.exists().where(Department.id == department_id):
            raise NotFound(_("This department does not exist."))
        with unique_violation_raises(
            lambda: ValidationFailed({"name": _("Another department already has this name.")})
        ):
            await Department.update({Department.name: name}).where(Department.id == department_id)


async def position_create(*, department_id: int, name: str) -> Position:
    errors: dict[str, str] = {}
    name = _clean_name(name, errors)
    if not await Department.exists().where(Department.id == department_id):
        raise NotFound(_("This department does not exist."))
    if not errors and await Position.exists().where(
        (Position.department == department_id) & (Position.name == name)
    ):
        errors["name"] = _("This department already has a position with this name.")
    if errors:
        raise ValidationFailed(errors)
    position = Position(department=department_id, name=name)
    with unique_violation_raises(
        lambda: ValidationFailed(
            {"name": _("This department already has a position with this name.")}
        )
    ):
        await position.save()
    return position


async def departments_with_positions() -> list[dict]:
    """Every department with its positions, for settings pages and form choices."""
    departments = await Department.select(Department.id, Department.name).order_by(Department.name)
    positions = await Position.select(Position.id, Position.name, Position.department).order_by(
        Position.name
    )
    by_department: dict[int, list[dict]] = {}
    for position in positions:
        by_department.setdefault(position["department"], []).append(position)
    return [{**row, "positions": by_department.get(row["id"], [])} for row in departments]
