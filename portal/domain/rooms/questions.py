"""Questions asked in a room (or privately) and how they get answered.

A question's deadline is computed and stored when it is asked. It is answered by a staff
reply (``reply_to`` the question), or by staff marking an existing message as its answer;
staff can also close it as "not a question". Routing: the category decides whether HR or
the asker's department manager should answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from portal.db import PreparedSQL, write_transaction
from portal.domain.errors import Conflict, NotFound, ValidationFailed
from portal.domain.faq.index import faq_index_question
from portal.domain.journeys.events import journey_event
from portal.domain.rooms.errors import SendRefused
from portal.domain.rooms.membership import member_for_staff, room_for_member
from portal.domain.rooms.tables import RoomMessage, RoomQuestion
from portal.domain.sla.deadlines import question_deadline
from portal.domain.staff.tables import StaffUser
from portal.domain.validation import row_id_from
from portal.i18n import gettext as _
from portal.i18n import localized_name

CLOSE_REASONS = ("not_a_question", "duplicate", "resolved_elsewhere")


@dataclass(frozen=True, slots=True)
class Category:
    id: int
    name: str
    responder_role: str


# Every room page and question reads them: SQL built once, not the query builder.
_ACTIVE_CATEGORIES_SQL = (
    "SELECT id, name, name_en, responder_role, sort_order, is_active FROM question_category "
    "WHERE is_active = {} ORDER BY sort_order, id"
)
_ACTIVE_CATEGORIES_READ = PreparedSQL(_ACTIVE_CATEGORIES_SQL)


async def active_categories() -> list[dict[str, Any]]:
    rows = await _ACTIVE_CATEGORIES_READ.rows(True)
    return [{**row, "label": localized_name(row["name"], row["name_en"])} for row in rows]


async def category_resolve(category_id: object) -> Category:
    """The chosen active category; with none chosen, the last one (其他 / Other)."""

    categories = await active_categories()
    if category_id in (None, ""):
        if not categories:
            return Category(id=0, name="", responder_role="hr")
        chosen = categories[-1]
    else:
        # A form's text or a frame's JSON number; "²" and True are neither.
        wanted = row_id_from(category_id)
        chosen = next((row for row in categories if row["id"] == wanted), None)
        if chosen is None:
            raise SendRefused("bad_category", _("Choose a category from the list."))
    return Category(id=chosen["id"], name=chosen["name"], responder_role=chosen["responder_role"])


async def question_create(
    *,
    message_id: int,
    room_id: int,
    asker_id: int,
    category: Category | None,
    is_private: bool,
    asked_at: datetime,
    deadline_at: datetime | None = None,
) -> int:
    """The SLA record of a question message (called inside the send's transaction)."""
    question = RoomQuestion(
        message=message_id,
        room=room_id,
        asker=asker_id,
        category=category.id if category and category.id else None,
        responder_role=category.responder_role if category else "hr",
        is_private=is_private,
        asked_at=asked_at,
        deadline_at=deadline_at or await question_deadline(asked_at),
        status="open",
        updated_at=asked_at,
    )
    await question.save()
    return question.id


async def question_answer_by_reply(
    *, question_message_id: int, staff_id: int, answer_message_id: int, at: datetime
) -> bool:
    """A staff reply answers an open question; True if this reply was the answer."""
    updated = (
        await RoomQuestion.update(
            {
                RoomQuestion.status: "answered",
                RoomQuestion.answered_at: at,
                RoomQuestion.answered_by: staff_id,
                RoomQuestion.answer_message_id: answer_message_id,
                RoomQuestion.updated_at: at,
            }
        )
        .where((RoomQuestion.message == question_message_id) & (RoomQuestion.status == "open"))
        .returning(RoomQuestion.id, RoomQuestion.asker)
        .run()
    )
    if updated:  # tell the asker (journeys), in the answer's transaction
        await faq_index_question(updated[0]["id"])
        await journey_event(
            event="question_answered", candidate_id=updated[0]["asker"], ref=f"q{updated[0]['id']}"
        )
    return bool(updated)


async def _question_for_staff(question_id: int, staff: StaffUser) -> dict[str, Any]:
    row = (
        await RoomQuestion.select(
            RoomQuestion.id,
            RoomQuestion.room,
            RoomQuestion.message,
            RoomQuestion.status,
            RoomQuestion.is_private,
            RoomQuestion.asker,
            RoomQuestion.responder_role,
            RoomQuestion.asker.department.as_alias("asker_department"),
        )
        .where(RoomQuestion.id == question_id)
        .first()
        .run()
    )
    if row is None:
        raise NotFound(_("Not found."))
    await room_for_member(row["room"], member_for_staff(staff))
    return row


async def message_mark_as_answer(*, question_id: int, message_id: int, staff: StaffUser) -> None:
    """Staff point at an existing message of the room as the question's answer."""
    question = await _question_for_staff(question_id, staff)
    if question["status"] != "open":
        raise Conflict(_("This question is already answered or closed."))
    answer = (
        await RoomMessage.select(
            RoomMessage.id, RoomMessage.created_at, RoomMessage.author_staff, RoomMessage.private_to
        )
        .where(
            (RoomMessage.id == message_id)
            & (RoomMessage.room == question["room"])
            & (RoomMessage.id > question["message"])
            & RoomMessage.hidden_at.is_null()
        )
        .first()
        .run()
    )
    if answer is None:
        raise NotFound(_("Choose a later message of the same room as the answer."))
    if question["is_private"] and answer["private_to"] != question["asker"]:
        raise NotFound(_("Choose a later message of the same room as the answer."))
    now = datetime.now(UTC)
    # A staff message answered when it was written; a member's answer when staff confirmed it.
    answered_at = answer["created_at"] if answer["author_staff"] else now
    async with write_transaction():
        updated = (
            await RoomQuestion.update(
                {
                    RoomQuestion.status: "answered",
                    RoomQuestion.answered_at: answered_at,
                    RoomQuestion.answered_by: staff.id,
                    RoomQuestion.answer_message_id: answer["id"],
                    RoomQuestion.updated_at: now,
                }
            )
            .where((RoomQuestion.id == question_id) & (RoomQuestion.status == "open"))
            .returning(RoomQuestion.id)
            .run()
        )
        if updated:
            await faq_index_question(question_id)
            await journey_event(
                event="question_answered", candidate_id=question["asker"], ref=f"q{question_id}"
            )
    if not updated:
        raise Conflict(_("This question is already answered or closed."))
    from portal.realtime.hub import get_hub

    private = question["is_private"]
    await get_hub().publish(
        question["room"],
        {"type": "answered", "question": question["message"], "answer": answer["id"]},
        private_to=question["asker"] if private else None,
        manager_department=question["asker_department"]
        if private and question["responder_role"] == "manager"
        else None,
    )


async def question_close(*, question_id: int, staff: StaffUser, reason: str) -> None:
    """Close without an answer (e.g. "not a question"); it leaves the SLA tracker."""
    if reason not in CLOSE_REASONS:
        raise ValidationFailed({"reason": _("Choose a reason from the list.")})
    await _question_for_staff(question_id, staff)
    now = datetime.now(UTC)
    updated = (
        await RoomQuestion.update(
            {
                RoomQuestion.status: "closed",
                RoomQuestion.closed_reason: reason,
                RoomQuestion.updated_at: now,
            }
        )
        .where((RoomQuestion.id == question_id) & (RoomQuestion.status == "open"))
        .returning(RoomQuestion.id)
        .run()
    )
    if not updated:
        raise Conflict(_("This question is already answered or closed."))
