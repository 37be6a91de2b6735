"""The hiring stages in pipeline order, named in the current language."""

from __future__ import annotations

from dataclasses import dataclass

from portal.domain.organisation.tables import Stage
from portal.i18n import localized_name


@dataclass(frozen=True)
class StageChoice:
    id: int
    code: str
    label: str


async def stage_choices() -> list[StageChoice]:
    rows = await Stage.select(Stage.id, Stage.code, Stage.name, Stage.name_en).order_by(
        Stage.sort_order
    )
    return [
        StageChoice(
            id=row["id"], code=row["code"], label=localized_name(row["name"], row["name_en"])
        )
        for row in rows
    ]
