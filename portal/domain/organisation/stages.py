"""The hiring pipeline: HR renames, reorders, adds and removes stages."""

from __future__ import annotations

import re
from dataclasses import dataclass

from portal.db import unique_violation_raises, write_transaction
from portal.domain.candidates.tables import Candidate, StageChange
from portal.domain.errors import DomainError, NotFound, ValidationFailed
from portal.domain.organisation.tables import Stage
from portal.i18n import gettext as _

_CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
MAX_TYPICAL_DAYS = 365


@dataclass(frozen=True)
class StageInput:
    code: str
    name: str
    name_en: str = ""
    next_step: str = ""
    next_step_en: str = ""
    typical_days: str | int = 0


def _typical_days(raw: str | int, errors: dict[str, str]) -> int:
    try:
        value = int(str(raw).strip() or "0")
    except ValueError:
        errors["typical_days"] = _("Enter a whole number of days.")
        return 0
    if not 0 <= value <= MAX_TYPICAL_DAYS:
        errors["typical_days"] = _("Enter a number of days between 0 and 365.")
    return value


async def _check(data: StageInput, *, stage_id: int | None) -> dict:
    errors: dict[str, str] = {}
    code = data.code.strip().lower()
    if not _CODE.match(code):
        errors["code"] = _(
            "Use 2 to 40 lower-case letters, digits or underscores, starting with a letter."
        )
    elif await Stage.exists().where((Stage.code == code) & (Stage.id != (stage_id or 0))):
        errors["code"] = _("Another stage already uses this code.")
    name = " ".join(data.name.split())
    if not name or len(name) > 60:
        errors["name"] = _("Enter a name of 1 to 60 characters.")
    name_en = " ".join(data.name_en.split())
    if len(name_en) > 60:
        errors["name_en"] = _("Enter a name of at most 60 characters.")
    for field in ("next_step", "next_step_en"):
        if len(getattr(data, field)) > 500:
            errors[field] = _("At most 500 characters.")
    days = _typical_days(data.typical_days, errors)
    if errors:
        raise ValidationFailed(errors)
    return {
        Stage.code: code,
        Stage.name: name,
        Stage.name_en: name_en,
        Stage.next_step: data.next_step.strip(),
        Stage.next_step_en: data.next_step_en.strip(),
        Stage.typical_days: days,
    }


async def stage_create(*, data: StageInput) -> Stage:
    values = await _check(data, stage_id=None)
    async with write_transaction():
        last = (
            await Stage.select(Stage.sort_order).order_by(Stage.sort_order, ascending=False).first()
        )
        stage = Stage(**{column._meta.name: value for column, value in values.items()})
        stage.sort_order = (last["sort_order"] if last else 0) + 1
        with unique_violation_raises(_code_taken):
            await stage.save()
    return stage


async def stage_update(*, stage_id: int, data: StageInput) -> None:
    values = await _check(data, stage_id=stage_id)
    async with write_transaction():
        if not await Stage.exists().where(Stage.id == stage_id):
            raise NotFound(_("This stage does not exist."))
        with unique_violation_raises(_code_taken):
            await Stage.update(values).where(Stage.id == stage_id)


def _code_taken() -> ValidationFailed:
    # Checked first for the message; a double submit passes both checks, and the unique
    # index decides (the loser gets the same message, not a 500).
    return ValidationFailed({"code": _("Another stage already uses this code.")})


async def stage_move(*, stage_id: int, direction: int) -> None:
    """Swap the stage with its neighbour above (-1) or below (+1)."""
    async with write_transaction():
        stages = await Stage.select(Stage.id, Stage.sort_order).order_by(Stage.sort_order)
        ids = [row["id"] for row in stages]
        if stage_id not in ids:
            raise NotFound(_("This stage does not exist."))
        index = ids.index(stage_id)
        other = index + (1 if direction > 0 else -1)
        if not 0 <= other < len(ids):
            return
        ids[index], ids[other] = ids[other], ids[index]
        for position, sid in enumerate(ids, start=1):
            await Stage.update({Stage.sort_order: position}).where(Stage.id == sid)


async def stage_delete(*, stage_id: int) -> None:
    """Remove a stage nobody is in and nobody has passed through (history stays intact)."""
    async with write_transaction():
        if not await Stage.exists().where(Stage.id == stage_id):
            raise NotFound(_("This stage does not exist."))
        in_use = await Candidate.exists().where(Candidate.stage == stage_id) or (
            await StageChange.exists().where(
                (StageChange.to_stage == stage_id) | (StageChange.from_stage == stage_id)
            )
        )
        if in_use:
            raise DomainError(_("Candidates have been in this stage; it cannot be deleted."))
        if await Stage.count() <= 1:
            raise DomainError(_("The pipeline needs at least one stage."))
        await Stage.delete().where(Stage.id == stage_id)


async def stages_in_order() -> list[dict]:
    """Every stage of the pipeline, first to last."""
    return await Stage.select().order_by(Stage.sort_order)


async def stage_get(stage_id: int) -> dict | None:
    return await Stage.select().where(Stage.id == stage_id).first()
