"""Rows the app-shell tests need: a rejected document, an answered question."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from portal.domain.checklist.tables import ChecklistSubmission, ChecklistTemplate
from portal.domain.rooms.membership import cohort_room_ensure
from portal.domain.rooms.tables import RoomMessage, RoomQuestion


async def make_template(title: str = "身份证", *, days_before_start: int = 7) -> ChecklistTemplate:
    template = ChecklistTemplate(
        title=title, explanation="", days_before_start=days_before_start, required=True
    )
    await template.save()
    return template


async def make_rejected(candidate, title: str = "身份证") -> ChecklistTemplate:
    template = await make_template(title)
    await ChecklistSubmission(
        candidate=candidate.id,
        template=template.id,
        status="rejected",
        reject_reason="blurry",
        round=1,
    ).save()
    return template


async def make_answered_question(candidate, *, answered_at: datetime | None = None) -> int:
    """The candidate asked in their cohort's room and HR answered; returns the room id."""
    room_id = await cohort_room_ensure(candidate.cohort)
    asked = datetime.now(UTC) - timedelta(hours=2)
    message = RoomMessage(
        room=room_id,
        author_candidate=candidate.id,
        author_key=f"c{candidate.id}",
        client_id=str(uuid.uuid4()),
        kind="question",
        body="培训期间有住宿吗?",
        created_at=asked,
    )
    await message.save()
    await RoomQuestion(
        message=message.id,
        room=room_id,
        asker=candidate.id,
        responder_role="hr",
        asked_at=asked,
        deadline_at=asked + timedelta(hours=24),
        status="answered",
        answered_at=answered_at or datetime.now(UTC) - timedelta(minutes=5),
    ).save()
    return room_id
