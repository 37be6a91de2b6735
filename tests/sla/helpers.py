"""Helpers for the sla tests (fixtures are in conftest.py)."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta

from portal.domain.candidates.tables import Candidate
from portal.domain.organisation.tables import Cohort
from portal.domain.rooms.tables import QuestionCategory, Room, RoomMessage, RoomQuestion

_sequence = itertools.count(1)


async def category_named(name: str) -> QuestionCategory:
    category = await QuestionCategory.objects().get(QuestionCategory.name == name)
    assert category is not None, name
    return category


async def make_room(cohort: Cohort | None = None, *, name: str | None = None) -> Room:
    room = Room(name=name or f"房间{next(_sequence)}", cohort=cohort.id if cohort else None)
    await room.save()
    return room


async def make_question(
    room: Room,
    asker: Candidate,
    *,
    body: str = "培训期间有住宿吗?",
    asked_at: datetime | None = None,
    deadline_at: datetime | None = None,
    hours_left: float | None = None,
    category: QuestionCategory | None = None,
    private: bool = False,
    status: str = "open",
) -> RoomQuestion:
    """A question message and its SLA row, as the room stores them."""
    now = datetime.now(UTC)
    asked_at = asked_at or now - timedelta(hours=1)
    if deadline_at is None:
        deadline_at = (
            now + timedelta(hours=hours_left)
            if hours_left is not None
            else (asked_at + timedelta(hours=24))
        )
    message = RoomMessage(
        room=room.id,
        author_candidate=asker.id,
        author_key=f"c{asker.id}",
        client_id=str(uuid.uuid4()),
        kind="question",
        body=body,
        private_to=asker.id if private else None,
        created_at=asked_at,
    )
    await message.save()
    question = RoomQuestion(
        message=message.id,
        room=room.id,
        asker=asker.id,
        category=category.id if category else None,
        responder_role=category.responder_role if category else "hr",
        is_private=private,
        asked_at=asked_at,
        deadline_at=deadline_at,
        status=status,
        updated_at=asked_at,
    )
    await question.save()
    return question
