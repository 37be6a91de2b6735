"""Builders for journey tests: journeys and steps through the real editing service."""

from __future__ import annotations

from portal.domain.journeys.editing import StepInput, VariantInput, step_save
from portal.domain.journeys.tables import Journey, JourneySend, JourneyStep
from portal.domain.messaging.tables import OutboxMessage


async def make_journey(name: str = "测试旅程") -> int:
    journey = Journey(name=name)
    await journey.save()
    return journey.id


def texts(*pairs: tuple[str, str], en: tuple[str, str] = ("", "")) -> tuple[VariantInput, ...]:
    return tuple(
        VariantInput(
            id=None,
            label="ABCDE"[index],
            subject_zh=subject,
            body_zh=body,
            subject_en=en[0] if index == 0 else "",
            body_en=en[1] if index == 0 else "",
        )
        for index, (subject, body) in enumerate(pairs)
    )


async def make_step(journey_id: int | None = None, **values) -> int:
    """A step saved through ``step_save``; ``values`` are StepInput fields."""
    journey_id = journey_id or await make_journey()
    values.setdefault("name", "步骤")
    if "trigger" not in values:
        values.update(trigger="event", event="document_approved", category="transactional")
    values.setdefault("variants", texts(("你好 {name}", "{name}，你好！")))
    return await step_save(
        step_id=None, journey_id=journey_id, data=StepInput(**values), staff_id=None
    )


async def sends(step_id: int | None = None) -> list[dict]:
    query = JourneySend.select().order_by(JourneySend.id)
    if step_id is not None:
        query = query.where(JourneySend.step == step_id)
    return await query


async def outbox(prefix: str = "journey:") -> list[dict]:
    rows = await OutboxMessage.select().order_by(OutboxMessage.id)
    return [row for row in rows if row["dedupe_key"].startswith(prefix)]


async def step_row(step_id: int) -> dict:
    return await JourneyStep.select().where(JourneyStep.id == step_id).first()
