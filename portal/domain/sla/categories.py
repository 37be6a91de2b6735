"""Question categories: what candidates choose when they ask, and who answers.

A category routes its questions to HR or to the asker's department manager. Categories
are never deleted (questions keep pointing at them): HR deactivates one to take it off the
candidates' list. The order is the order candidates see.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.db import write_transaction
from portal.domain.errors import NotFound, ValidationFailed
from portal.domain.rooms.tables import RESPONDER_ROLES, QuestionCategory
from portal.i18n import gettext as _

MAX_NAME = 60


@dataclass(frozen=True)
class CategoryInput:
    name: str
    name_en: str
    responder_role: str


async def sla_categories() -> list[QuestionCategory]:
    return (
        await QuestionCategory.objects()
        .order_by(QuestionCategory.sort_order)
        .order_by(QuestionCategory.id)
    )


def _clean(raw: str) -> str:
    return " ".join((raw or "").split())


async def _check(data: CategoryInput, *, category_id: int | None = None) -> dict[str, str]:
    errors: dict[str, str] = {}
    name, name_en = _clean(data.name), _clean(data.name_en)
    if not name:
        errors["name"] = _("Please enter a name.")
    elif len(name) > MAX_NAME:
        errors["name"] = _("A name can be at most 60 characters long.")
    if len(name_en) > MAX_NAME:
        errors["name_en"] = _("A name can be at most 60 characters long.")
    if data.responder_role not in RESPONDER_ROLES:
        errors["responder_role"] = _("Choose who answers: HR or the department's manager.")
    if name and "name" not in errors:
        for other in await sla_categories():
            if other.id != category_id and other.name.casefold() == name.casefold():
                errors["name"] = _("A category with this name already exists.")
    if errors:
        raise ValidationFailed(errors)
    return {"name": name, "name_en": name_en, "responder_role": data.responder_role}


async def sla_category_create(*, data: CategoryInput) -> QuestionCategory:
    values = await _check(data)
    async with write_transaction():
        last = (
            await QuestionCategory.select(QuestionCategory.sort_order)
            .order_by(QuestionCategory.sort_order, ascending=False)
            .first()
        )
        category = QuestionCategory(
            **values, sort_order=(last["sort_order"] + 1) if last else 1, is_active=True
        )
        await category.save()
    return category


async def _get(category_id: int) -> QuestionCategory:
    category = await QuestionCategory.objects().get(QuestionCategory.id == category_id)
    if category is None:
        raise NotFound(_("This category does not exist."))
    return category


async def sla_category_update(*, category_id: int, data: CategoryInput) -> None:
    """Rename and re-route; questions already asked keep the responder they were given."""
    await _get(category_id)
    values = await _check(data, category_id=category_id)
    async with write_transaction():
        await QuestionCategory.update(
            {
                QuestionCategory.name: values["name"],
                QuestionCategory.name_en: values["name_en"],
                QuestionCategory.responder_role: values["responder_role"],
            }
        ).where(QuestionCategory.id == category_id)


async def sla_category_set_active(*, category_id: int, active: bool) -> None:
    await _get(category_id)
    if not active:
        others = await QuestionCategory.count().where(
            (QuestionCategory.is_active == True)  # noqa: E712
            & (QuestionCategory.id != category_id)
        )
        if others == 0:
            raise ValidationFailed(
                {"category": _("Keep at least one active category for candidates to choose.")}
            )
    async with write_transaction():
        await QuestionCategory.update({QuestionCategory.is_active: active}).where(
            QuestionCategory.id == category_id
        )


async def sla_category_move(*, category_id: int, direction: str) -> None:
    """Move a category one place up or down in the candidates' list."""
    if direction not in ("up", "down"):
        raise NotFound(_("This category does not exist."))
    async with write_transaction():
        ordered = [row.id for row in await sla_categories()]
        if category_id not in ordered:
            raise NotFound(_("This category does not exist."))
        index = ordered.index(category_id)
        target = index - 1 if direction == "up" else index + 1
        if not 0 <= target < len(ordered):
            return
        ordered[index], ordered[target] = ordered[target], ordered[index]
        # Renumber all: the seeded orders may have gaps or ties.
        for position, identifier in enumerate(ordered, start=1):
            await QuestionCategory.update({QuestionCategory.sort_order: position}).where(
                QuestionCategory.id == identifier
            )
