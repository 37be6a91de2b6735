""" "Was this helpful? 👍/👎" on an answered question: one click, once, by its asker.

The vote is a row of ``answer_feedback`` (unique per question: a double click or a second
vote stores nothing and changes nothing). It names who answered (``responder``), and the
SLA figures count the votes per responder (``figures.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from portal.db import PreparedSQL, write_transaction
from portal.domain.errors import NotFound
from portal.domain.rooms.tables import RoomQuestion
from portal.domain.sla.tables import AnswerFeedback
from portal.i18n import gettext as _

PENDING_SHOWN = 3
# The asker's latest answered questions in a room not yet rated, newest first; its
# arguments: asker, room, how many. Also read with the room page's categories
# (rooms/page_lists.py).
PENDING_SELECT = (
    "SELECT q.id AS id, m.body AS body, q.answered_at AS answered_at FROM room_question q "
    "JOIN room_message m ON m.id = q.message "
    "WHERE q.asker = {} AND q.room = {} AND q.status = 'answered' "
    "AND m.hidden_at IS NULL "
    "AND NOT EXISTS (SELECT 1 FROM answer_feedback f WHERE f.question = q.id) "
    "ORDER BY q.answered_at DESC LIMIT {}"
)
_PENDING_READ = PreparedSQL(PENDING_SELECT)


@dataclass(frozen=True)
class PendingFeedback:
    question_id: int
    body: str


async def feedback_pending(*, candidate_id: int, room_id: int) -> list[PendingFeedback]:
    """The asker's latest answered questions in this room not yet rated (one query)."""
    rows = await _PENDING_READ.rows(candidate_id, room_id, PENDING_SHOWN)
    return [PendingFeedback(question_id=row["id"], body=row["body"]) for row in rows]


async def answer_feedback_give(*, candidate_id: int, question_id: int, helpful: bool) -> int:
    """Record the asker's vote (a second vote changes nothing); the question's room.

    NotFound for a question that is not theirs or not answered (nothing is written).
    """
    if not 0 < question_id < 2**31:
        raise NotFound(_("Not found."))
    async with write_transaction():
        question = (
            await RoomQuestion.select(RoomQuestion.room, RoomQuestion.answered_by)
            .where(
                (RoomQuestion.id == question_id)
                & (RoomQuestion.asker == candidate_id)
                & (RoomQuestion.status == "answered")
            )
            .first()
        )
        if question is None:
            raise NotFound(_("Not found."))
        await AnswerFeedback.insert(
            AnswerFeedback(
                question=question_id,
                candidate=candidate_id,
                responder=question["answered_by"],
                helpful=helpful,
                created_at=datetime.now(UTC),
            )
        ).on_conflict(target=AnswerFeedback.question, action="DO NOTHING")
    return question["room"]


async def votes_for(question_ids: Sequence[int]) -> dict[int, bool]:
    """Each rated question's vote (True: helpful)."""
    votes: dict[int, bool] = {}
    ids = list(question_ids)
    for start in range(0, len(ids), 500):
        rows = await AnswerFeedback.select(AnswerFeedback.question, AnswerFeedback.helpful).where(
            AnswerFeedback.question.is_in(ids[start : start + 500])
        )
        votes.update((row["question"], row["helpful"]) for row in rows)
    return votes
