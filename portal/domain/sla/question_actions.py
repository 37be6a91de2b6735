"""What staff do from the SLA tracker: answer, close as "not a question", assign.

Answering goes through the room's own send (:func:`portal.domain.rooms.messages.message_send`)
as a staff reply to the question's message, so the answer is stored, broadcast to the room
(or only to the asker for a private question) and marks the question answered — exactly as
if it had been typed in the room. The form's ``client_id`` makes a double submit one answer.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple

from portal.db import PreparedSQL, write_transaction
from portal.domain.access import Staff, may_answer_question
from portal.domain.errors import Conflict, ValidationFailed
from portal.domain.rooms.errors import SendRefused
from portal.domain.rooms.membership import room_for_member
from portal.domain.rooms.messages import author_for_staff, message_send
from portal.domain.rooms.questions import question_close
from portal.domain.rooms.tables import RoomQuestion
from portal.domain.sla.tracker import TrackerQuestion, tracker_question
from portal.domain.staff.tables import StaffUser
from portal.i18n import gettext as _


def _ensure_open(question: TrackerQuestion) -> None:
    if question.status == "answered":
        raise Conflict(
            _("%(name)s has already answered this question.", name=question.answered_by_name)
            if question.answered_by_name
            else _("This question is already answered or closed.")
        )
    if question.status != "open":
        raise Conflict(_("This question is already answered or closed."))


async def tracker_answer(*, question_id: int, staff: StaffUser, body: str, client_id: str) -> int:
    """Post ``body`` as the answer to the question; returns the answer message's id."""
    question = await tracker_question(staff, question_id)
    _ensure_open(question)
    author = author_for_staff(staff)
    await room_for_member(question.room_id, author)
    try:
        result = await message_send(
            room_id=question.room_id,
            author=author,
            client_id=client_id,
            kind="answer",
            body=body,
            reply_to=question.message_id,
        )
    except SendRefused as refused:
        raise ValidationFailed({"body": refused.detail}) from None
    return result.id


async def tracker_close(*, question_id: int, staff: StaffUser) -> None:
    """Close the question as "not a question": it leaves the tracker, no breach follows."""
    question = await tracker_question(staff, question_id)
    _ensure_open(question)
    await question_close(question_id=question.id, staff=staff, reason="not_a_question")


def _may_answer(staff: Staff, question: TrackerQuestion) -> bool:
    return may_answer_question(
        staff,
        responder_role=question.responder_role,
        asker_department_id=question.asker_department_id,
    )


class Assignee(NamedTuple):
    """An active staff member the tracker offers as an assignee (read as SQL, not a row).

    A named tuple: made for every active staff member on every tracker page, and hashed
    as part of each card's memo key (portal/web/question_cards.py)."""

    id: int
    name: str
    email: str
    role: str
    department: int | None


_ASSIGNEES_READ = PreparedSQL(
    "SELECT id, name, email, role, department FROM staff_user WHERE is_active = {} ORDER BY name"
)


async def assignee_choices(
    questions: list[TrackerQuestion], active_staff: list[dict[str, Any]] | None = None
) -> dict[int, list[Assignee]]:
    """Eligible assignees per question, from one read for the whole page.

    ``active_staff``: the active staff by name when the caller read them already (the
    tracker page, with its pick lists); read here otherwise."""
    if not questions:
        return {}
    if active_staff is None:
        active_staff = await _ASSIGNEES_READ.rows(True)
    rows = [Assignee(**row) for row in active_staff]
    return {
        question.id: [row for row in rows if _may_answer(row, question)] for question in questions
    }


async def tracker_assign(*, question_id: int, staff: StaffUser, assignee_id: int | None) -> None:
    """Assign the question to ``assignee_id`` (staff who may answer it), or unassign (None)."""
    question = await tracker_question(staff, question_id)
    _ensure_open(question)
    if assignee_id is not None:
        assignee = await StaffUser.objects().get(
            (StaffUser.id == assignee_id) & (StaffUser.is_active == True)  # noqa: E712
        )
        if assignee is None or not _may_answer(assignee, question):
            raise ValidationFailed(
                {"assignee": _("Choose a colleague who may answer this question.")}
            )
    async with write_transaction():
        updated = (
            await RoomQuestion.update(
                {
                    RoomQuestion.assigned_to: assignee_id,
                    RoomQuestion.updated_at: datetime.now(UTC),
                }
            )
            .where((RoomQuestion.id == question.id) & (RoomQuestion.status == "open"))
            .returning(RoomQuestion.id)
        )
    if not updated:
        raise Conflict(_("This question is already answered or closed."))
