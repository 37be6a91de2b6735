"""The hiring stages in pipeline order, named in the current language."""

from __future__ import annotations

from dataclasses import dataclass

from portal.domain.organisation.tables import Stage
from portal.i18n import get_locale


@dataclass(frozen=True)
class StageChoice:
    id: int
    code: str
    label: str


def stage_label(name: str, name_en: str) -> str:
    """Stages are named in Chinese, with an optional English name."""
    return name_en if get_locale() == "en" and name_en else name


async def stage_choices() -> list[StageChoice]:
    rows = await Stage.select(Stage.id, Stage.code, Stage.name, Stage.name_en).order_by(
        Stage.sort_order
    )
    return [
        StageChoice(id=row["id"], code=row["code"], label=stage_label(row["name"], row["name_en"]))
        for row in rows
    ]
