"""Which content works: lessons, resources and announcements opened most, by distinct
candidates, in a selection's period; and journey steps and A/B variants reaching their goal
(the journeys' own figures, :func:`portal.domain.journeys.figures.step_figures`, which
count every candidate the step was sent to, whatever the selection)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from portal.domain.candidates.tables import Candidate
from portal.domain.insights.selection import Selection
from portal.domain.journeys.figures import StepFigures, step_figures
from portal.domain.journeys.tables import JourneyStep

TOP = 15


@dataclass(frozen=True)
class Opened:
    name: str
    events: int
    candidates: int


@dataclass
class Content:
    lessons: list[Opened] = field(default_factory=list)
    resources: list[Opened] = field(default_factory=list)
    announcements: list[Opened] = field(default_factory=list)
    steps: list[tuple[str, StepFigures]] = field(default_factory=list)


async def _opened(selection: Selection, condition: str, join: str, name: str) -> list[Opened]:
    where, args = selection.candidate_sql()
    rows = await Candidate.raw(
        f"SELECT {name} AS name, COUNT(*) AS events, COUNT(DISTINCT e.candidate) AS people "  # noqa: S608 - fixed fragments
        f"FROM activity_event e JOIN candidate c ON c.id = e.candidate {join} "
        f"WHERE {where} AND {condition} AND e.occurred_at >= {{}} AND e.occurred_at < {{}} "
        f"GROUP BY {name} ORDER BY COUNT(DISTINCT e.candidate) DESC, COUNT(*) DESC",
        *args,
        selection.start_at,
        selection.end_at,
    )
    return [Opened(row["name"] or "—", row["events"], row["people"]) for row in rows[:TOP]]


async def content_figures(selection: Selection, *, with_journeys: bool = True) -> Content:
    content = Content()
    content.lessons = await _opened(
        selection,
        "e.kind = 'lesson_opened'",
        "JOIN course x ON x.id = e.subject",
        "x.title",
    )
    content.resources = await _opened(
        selection,
        "e.area = 'resources' AND e.subject > 0",
        "JOIN resource x ON x.id = e.subject",
        "x.title",
    )
    # One outbox row per recipient: an announcement is its subject line.
    content.announcements = await _opened(
        selection,
        "e.kind = 'inbox_opened' AND x.category = 'announcement'",
        "JOIN outbox_message x ON x.id = e.subject",
        "x.subject",
    )
    if with_journeys:
        steps = await JourneyStep.select(JourneyStep.id, JourneyStep.name, JourneyStep.goal).where(
            JourneyStep.goal != ""
        )
        for step in steps:
            content.steps.append(
                (step["name"], await step_figures(step_id=step["id"], goal=step["goal"]))
            )
    return content


def as_rows(items: list[Opened]) -> list[dict[str, Any]]:
    return [{"name": i.name, "events": i.events, "candidates": i.candidates} for i in items]
