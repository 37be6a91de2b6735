"""The tab bar's unread counts, read in one query for every signed-in page.

* inbox: unread rows of the inbox (``outbox_message`` on the inbox channel, sent), so any
  later kind of inbox item (announcements, HR's direct messages) is counted with no change;
* answers: the candidate's questions answered since they last opened a room;
* rejected: checklist documents HR sent back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from portal.db import PreparedSQL
from portal.domain.shell.tables import CandidateSeen

_UNSEEN_ANSWERS = (
    "FROM room_question q LEFT JOIN candidate_seen cs ON cs.candidate = q.asker "
    "WHERE q.asker = c.id AND q.answered_at IS NOT NULL "
    "AND (cs.answers_seen_at IS NULL OR q.answered_at > cs.answers_seen_at)"
)
# The first published course meant for the candidate (the audience rule of
# portal/domain/learning/catalog.py) that they have not passed: home only.
_NEXT_COURSE = (
    "FROM course co WHERE co.status = 'published' AND (co.audience = 'everyone' "
    "OR (co.audience = 'department' AND co.department = c.department) "
    "OR (co.audience = 'position' AND co.position = c.position) "
    "OR (co.audience = 'cohort' AND co.cohort = c.cohort)) "
    "AND NOT EXISTS (SELECT 1 FROM quiz_attempt a WHERE a.candidate = c.id "
    "AND a.course = co.id AND a.passed) ORDER BY co.id LIMIT 1"
)
_BADGES_SQL = (
    "SELECT "
    "(SELECT count(*) FROM outbox_message o WHERE o.candidate = c.id AND o.channel = 'inbox' "
    "AND o.status = 'sent' AND o.read_at IS NULL) AS inbox, "
    "(SELECT count(*) FROM checklist_submission s WHERE s.candidate = c.id "
    "AND s.status = 'rejected') AS rejected, "
    f"(SELECT count(*) {_UNSEEN_ANSWERS}) AS answers, "
    f"(SELECT q.room {_UNSEEN_ANSWERS} ORDER BY q.answered_at DESC LIMIT 1) AS answer_room"
    "{course} FROM candidate c WHERE c.id = {{}}"
)
_SQL = {
    False: PreparedSQL(_BADGES_SQL.format(course="")),
    True: PreparedSQL(
        _BADGES_SQL.format(
            course=f", (SELECT co.id {_NEXT_COURSE}) AS course_id, "
            f"(SELECT co.title {_NEXT_COURSE}) AS course_title"
        )
    ),
}


@dataclass(frozen=True, slots=True)
class Badges:
    inbox: int = 0
    answers: int = 0
    rejected: int = 0
    answer_room: int | None = None
    course_id: int | None = None
    course_title: str = ""

    @property
    def me(self) -> int:
        """The "me" tab's count: documents to upload again."""
        return self.rejected


async def candidate_badges(*, candidate_id: int, with_course: bool = False) -> Badges:
    """The counts (and, for home, the next course) in one query."""
    rows = await _SQL[with_course].rows(candidate_id)
    row = rows[0] if rows else {}
    return Badges(
        inbox=row.get("inbox") or 0,
        answers=row.get("answers") or 0,
        rejected=row.get("rejected") or 0,
        answer_room=row.get("answer_room"),
        course_id=row.get("course_id"),
        course_title=row.get("course_title") or "",
    )


async def answers_seen(*, candidate_id: int, now: datetime | None = None) -> None:
    """Answers up to now are no longer new (upsert on the unique candidate column)."""
    now = now or datetime.now(UTC)
    updated = (
        await CandidateSeen.update({CandidateSeen.answers_seen_at: now})
        .where(CandidateSeen.candidate == candidate_id)
        .returning(CandidateSeen.id)
    )
    if not updated:
        await CandidateSeen.insert(
            CandidateSeen(candidate=candidate_id, answers_seen_at=now)
        ).on_conflict(action="DO NOTHING")
