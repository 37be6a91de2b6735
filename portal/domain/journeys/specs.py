"""Steps as the evaluator and the senders use them: a step with its variants, loaded once."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import time

from portal.domain.journeys.placeholders import allowed_variables
from portal.domain.journeys.recipients import Audience
from portal.domain.journeys.tables import Journey, JourneyStep, JourneyVariant
from portal.domain.validation import row_id_from


@dataclass(frozen=True)
class VariantSpec:
    id: int
    label: str
    subject_zh: str
    body_zh: str
    subject_en: str
    body_en: str

    def texts(self, locale: str) -> tuple[str, str]:
        """(subject, body) in ``locale``; the zh-CN text when the English one is empty."""
        if locale == "en" and self.body_en.strip():
            return self.subject_en, self.body_en
        return self.subject_zh, self.body_zh


@dataclass(frozen=True)
class StepSpec:
    id: int
    journey_id: int
    name: str
    enabled: bool
    trigger: str
    stage_id: int | None
    delay_hours: int
    offset_days: int
    at_time: str
    weekday: int
    due_in_days: int
    event: str
    audience: Audience
    channels: tuple[str, ...]
    category: str
    link_path: str
    goal: str
    variants: tuple[VariantSpec, ...]

    @property
    def context(self) -> str:
        """Which variables its templates may use: the trigger, or ``event:<name>``."""
        return f"event:{self.event}" if self.trigger == "event" else self.trigger

    @property
    def allowed(self) -> tuple[str, ...]:
        return allowed_variables(self.context)

    @property
    def clock(self) -> time:
        hours, minutes = (int(part) for part in self.at_time.split(":"))
        return time(hours, minutes)

    @property
    def experiment(self) -> str:
        return f"step:{self.id}"

    def variant_for(self, candidate_id: int) -> VariantSpec:
        """A stable choice: the same candidate always gets the same variant of a step."""
        return self.variants[variant_index(self.experiment, candidate_id, len(self.variants))]


def variant_index(experiment: str, candidate_id: int, count: int) -> int:
    """A uniform, stable bucket from a hash of (experiment, candidate): no state to store.

    SHA-256 rather than ``hash()``, which Python salts per process: every worker and
    every restart must put a candidate in the same bucket.
    """
    digest = hashlib.sha256(f"{experiment}:{candidate_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % max(count, 1)


def tag_ids_parse(text: str) -> tuple[int, ...]:
    return tuple(sorted({tag for part in text.split(",") if (tag := row_id_from(part))}))


def _spec(row: dict, variants: list[dict]) -> StepSpec:
    return StepSpec(
        id=row["id"],
        journey_id=row["journey"],
        name=row["name"],
        enabled=row["enabled"],
        trigger=row["trigger"],
        stage_id=row["stage"],
        delay_hours=row["delay_hours"],
        offset_days=row["offset_days"],
        at_time=row["at_time"],
        weekday=row["weekday"],
        due_in_days=row["due_in_days"],
        event=row["event"],
        audience=Audience(
            department_id=row["audience_department"],
            position_id=row["audience_position"],
            cohort_id=row["audience_cohort"],
            stage_id=row["audience_stage"],
            tag_ids=tag_ids_parse(row["audience_tags"]),
        ),
        channels=tuple(c for c in row["channels"].split(",") if c),
        category=row["category"],
        link_path=row["link_path"] or "/",
        goal=row["goal"],
        variants=tuple(
            VariantSpec(
                id=v["id"],
                label=v["label"],
                subject_zh=v["subject_zh"],
                body_zh=v["body_zh"],
                subject_en=v["subject_en"],
                body_en=v["body_en"],
            )
            for v in variants
        ),
    )


async def _load(query) -> list[StepSpec]:  # noqa: ANN001 - a Piccolo select
    rows = await query.order_by(JourneyStep.sort_order).order_by(JourneyStep.id)
    if not rows:
        return []
    variants: dict[int, list[dict]] = {row["id"]: [] for row in rows}
    for variant in (
        await JourneyVariant.select()
        .where(JourneyVariant.step.is_in(list(variants)))
        .order_by(JourneyVariant.id)
    ):
        variants[variant["step"]].append(variant)
    return [_spec(row, variants[row["id"]]) for row in rows if variants[row["id"]]]


async def live_steps(*, triggers: tuple[str, ...], event: str | None = None) -> list[StepSpec]:
    """Enabled steps (with at least one text) of active journeys with one of ``triggers``."""
    active = Journey.select(Journey.id).where(Journey.is_active == True)  # noqa: E712
    journeys = [row["id"] for row in await active]
    if not journeys:
        return []
    query = JourneyStep.select().where(
        (JourneyStep.enabled == True)  # noqa: E712 - a SQL expression
        & JourneyStep.trigger.is_in(list(triggers))
        & JourneyStep.journey.is_in(journeys)
    )
    if event is not None:
        query = query.where(JourneyStep.event == event)
    return await _load(query)


async def step_spec(step_id: int) -> StepSpec | None:
    found = await _load(JourneyStep.select().where(JourneyStep.id == step_id))
    return found[0] if found else None
