"""Growth paths per position: HR describes the steps (装配工 → 班组长 ~12 months → 主管助理)
with typical times and, optionally, how many took each step last year. Candidates see it as
a simple path on their phone; recall messages link to ``/growth/<position>``.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.db import write_transaction
from portal.domain.errors import NotFound, ValidationFailed
from portal.domain.organisation.tables import Position
from portal.domain.talent.tables import GrowthStep
from portal.domain.validation import whole_number
from portal.i18n import gettext as _

STEPS_MAX = 10
TITLE_MAX = 60


@dataclass(frozen=True)
class GrowthStepView:
    title: str
    months: int
    people_last_year: int | None


@dataclass(frozen=True)
class GrowthPath:
    position_id: int
    position: str
    steps: list[GrowthStepView]

    @property
    def total_months(self) -> int:
        return sum(step.months for step in self.steps)


async def growth_path(position_id: int) -> GrowthPath:
    """The position's path; NotFound for an unknown position."""
    position = (
        await Position.select(Position.id, Position.name).where(Position.id == position_id).first()
    )
    if position is None:
        raise NotFound(_("Not found."))
    rows = (
        await GrowthStep.select()
        .where(GrowthStep.position == position_id)
        .order_by(GrowthStep.sort_order)
    )
    return GrowthPath(
        position_id=position["id"],
        position=position["name"],
        steps=[GrowthStepView(r["title"], r["months"], r["people_last_year"]) for r in rows],
    )


def growth_lines_parse(text: str) -> list[GrowthStepView]:
    """HR's editor: one step a line, ``title | months | people last year`` (last two optional).

    ValidationFailed under ``steps`` names the bad line.
    """
    steps: list[GrowthStepView] = []
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if len(lines) > STEPS_MAX:
        raise ValidationFailed({"steps": _("At most 10 steps.")})
    for number, line in enumerate(lines, start=1):
        parts = [part.strip() for part in line.replace("｜", "|").split("|")]
        title = parts[0]
        if not title or len(title) > TITLE_MAX or any(c in title for c in "<>{}"):
            raise ValidationFailed(
                {
                    "steps": _(
                        "Line %(line)s: a step needs a title of at most 60 characters.", line=number
                    )
                }
            )
        months: int | None = 0
        people: int | None = None
        if len(parts) > 1 and parts[1]:
            months = whole_number(parts[1], minimum=0, maximum=600)
        if len(parts) > 2 and parts[2]:
            people = whole_number(parts[2], minimum=0, maximum=100000)
            if people is None:
                months = None
        if months is None or len(parts) > 3:
            raise ValidationFailed(
                {"steps": _("Line %(line)s: months and people are whole numbers.", line=number)}
            )
        steps.append(GrowthStepView(title, months, people))
    return steps


async def growth_path_save(*, position_id: int, text: str) -> None:
    steps = growth_lines_parse(text)
    async with write_transaction():
        if not await Position.exists().where(Position.id == position_id):
            raise NotFound(_("Not found."))
        await GrowthStep.delete().where(GrowthStep.position == position_id)
        if steps:
            await GrowthStep.insert(
                *(
                    GrowthStep(
                        position=position_id,
                        sort_order=order,
                        title=step.title,
                        months=step.months,
                        people_last_year=step.people_last_year,
                    )
                    for order, step in enumerate(steps)
                )
            )


def growth_lines(path: GrowthPath) -> str:
    """The path as HR's editor shows it."""
    lines = []
    for step in path.steps:
        parts = [step.title, str(step.months)]
        if step.people_last_year is not None:
            parts.append(str(step.people_last_year))
        lines.append(" | ".join(parts))
    return "\n".join(lines)
