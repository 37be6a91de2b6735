"""A candidate's 1:1 thread with HR: a room of kind ``direct``, one per candidate.

The thread is a room, so the room page, its websocket (send / ack / message, ``client_id``
idempotent, resume with ``?after=``) and the SLA tracker serve it unchanged. What differs
(``messages._store`` asks :func:`direct_routing`):

- Every candidate message is a ``question`` with a stored deadline: each waits on the SLA
  tracker (same 24-hour or business-hours deadline, warnings and breach-once rules as the
  room's questions) until a staff member writes in the thread, which answers every open
  question of the thread that staff member may see.
- Every message is private to the candidate (``private_to``), so the existing visibility
  rules apply: HR and admins see the whole thread; a department manager only the
  messages routed to managers (by the category the candidate chose) and the replies to
  them.
- A staff message also lands in the candidate's inbox (an outbox row, same transaction);
  it replaces the journeys' "question answered" message for the thread's questions.

A candidate without a cohort has a thread like everybody else (it belongs to no cohort).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from portal.db import is_unique_violation, write_transaction
from portal.domain.candidates.tables import Candidate
from portal.domain.errors import NotFound
from portal.domain.messaging.checks import OutboundMessage
from portal.domain.messaging.enqueue import message_enqueue
from portal.domain.messaging.locale import message_locale
from portal.domain.messaging.tables import OutboxMessage
from portal.domain.rooms.errors import SendRefused
from portal.domain.rooms.membership import MAX_ROOM_NAME, Member, RoomInfo
from portal.domain.rooms.questions import Category, category_resolve
from portal.domain.rooms.tables import Room, RoomQuestion
from portal.i18n import gettext as _

# What an inbox item quotes of HR's reply.
INBOX_QUOTE_CHARS = 200


@dataclass(frozen=True, slots=True)
class DirectRouting:
    kind: str
    category: Category | None
    private_to: int
    private_role: str
    manager_department: int | None


async def _thread_id(candidate_id: int) -> int | None:
    row = (
        await Room.select(Room.id)
        .where((Room.kind == "direct") & (Room.direct_candidate == candidate_id))
        .first()
        .run()
    )
    return row["id"] if row else None


async def direct_thread_ensure(candidate_id: int) -> int:
    """The candidate's thread with HR, created on first use (once, even when racing)."""
    if (existing := await _thread_id(candidate_id)) is not None:
        return existing
    candidate = (
        await Candidate.select(Candidate.name)
        .where((Candidate.id == candidate_id) & (Candidate.status != "withdrawn"))
        .first()
        .run()
    )
    if candidate is None:
        raise NotFound(_("Not found."))
    try:
        async with write_transaction():
            if (existing := await _thread_id(candidate_id)) is not None:
                return existing
            room = Room(
                name=(candidate["name"] or "HR")[:MAX_ROOM_NAME],
                kind="direct",
                direct_candidate=candidate_id,
            )
            await room.save()
            return room.id
    except Exception as error:
        if is_unique_violation(error) and (existing := await _thread_id(candidate_id)):
            return existing
        raise


async def direct_routing(
    author: Member,
    room: RoomInfo,
    kind: object,
    target: dict[str, Any] | None,
    category_id: object,
) -> DirectRouting:
    """What a message in a direct thread is stored as, and who sees it."""
    thread_candidate = room.direct_candidate_id or 0
    if not author.is_staff:
        if kind not in ("chat", "question"):
            raise SendRefused("bad_kind", _("This kind of message cannot be sent here."))
        category = await category_resolve(category_id)
        role = category.responder_role or "hr"
        return DirectRouting(
            kind="question",
            category=category,
            private_to=thread_candidate,
            private_role=role,
            manager_department=room.direct_department_id if role == "manager" else None,
        )
    if kind not in ("chat", "answer"):
        raise SendRefused("bad_kind", _("This kind of message cannot be sent here."))
    if target is not None:
        role = target["private_role"] or "hr"
    else:
        role = "manager" if author.role == "manager" else "hr"
    return DirectRouting(
        kind="answer" if target is not None and target["kind"] == "question" else "chat",
        category=None,
        private_to=thread_candidate,
        private_role=role,
        manager_department=room.direct_department_id if role == "manager" else None,
    )


async def thread_questions_answer(
    *, room_id: int, author: Member, answer_message_id: int, at: datetime
) -> list[int]:
    """A staff message answers the thread's open questions it may see; their message ids.

    A manager sees (and so answers) only the questions routed to managers.
    """
    condition = (RoomQuestion.room == room_id) & (RoomQuestion.status == "open")
    if author.role == "manager":
        condition = condition & (RoomQuestion.responder_role == "manager")
    updated = (
        await RoomQuestion.update(
            {
                RoomQuestion.status: "answered",
                RoomQuestion.answered_at: at,
                RoomQuestion.answered_by: author.id,
                RoomQuestion.answer_message_id: answer_message_id,
                RoomQuestion.updated_at: at,
            }
        )
        .where(condition)
        .returning(RoomQuestion.id, RoomQuestion.message, RoomQuestion.asker)
        .run()
    )
    # No "question_answered" journey event: the reply itself is the candidate's inbox item
    # (direct_reply_to_inbox, with its text and a link to the thread); the journey's
    # "your question has an answer" on top of it would say the same thing twice.
    return sorted(row["message"] for row in updated)


async def direct_reply_to_inbox(
    *, room_id: int, candidate_id: int, message_id: int, author_name: str, text: str
) -> None:
    """HR's message in the thread is also an inbox item (called in the send's transaction)."""
    quote = text if len(text) <= INBOX_QUOTE_CHARS else text[: INBOX_QUOTE_CHARS - 1] + "…"
    # In the candidates' language (zh-CN, as every outbox message by default), not in the
    # language of the staff member's admin page.
    with message_locale("zh_CN"):
        subject = _("%(name)s replied to you", name=author_name)[:200]
    await message_enqueue(
        message=OutboundMessage(
            dedupe_key=f"direct:{message_id}",
            channel="inbox",
            category="transactional",
            candidate_id=candidate_id,
            subject=subject,
            body=quote,
            link=f"/rooms/{room_id}",
        )
    )


async def direct_replies_read(*, candidate_id: int, room_id: int) -> None:
    """The candidate opened their thread: its reply items in the inbox count as read."""
    await OutboxMessage.update({OutboxMessage.read_at: datetime.now(UTC)}).where(
        (OutboxMessage.candidate == candidate_id)
        & (OutboxMessage.channel == "inbox")
        & (OutboxMessage.link == f"/rooms/{room_id}")
        & (OutboxMessage.status == "sent")
        & OutboxMessage.read_at.is_null()
    )


@dataclass(frozen=True, slots=True)
class ThreadRow:
    room_id: int
    candidate_id: int
    candidate_name: str
    department_name: str | None
    waiting: int
    last_message_at: datetime | None


async def threads_list(*, department_scope: int | None, limit: int = 200) -> list[ThreadRow]:
    """Threads with a message, latest first; a manager's (``department_scope``) own people's.

    ``waiting`` counts the open questions (HR's and managers'; a manager answers theirs).
    """
    sql = (
        "SELECT r.id AS room_id, c.id AS candidate_id, c.name AS candidate_name, "
        "d.name AS department_name, "
        "(SELECT COUNT(*) FROM room_question q WHERE q.room = r.id AND q.status = 'open') "
        "AS waiting, "
        "(SELECT MAX(m.created_at) FROM room_message m WHERE m.room = r.id "
        "AND m.hidden_at IS NULL) AS last_message_at "
        "FROM room r JOIN candidate c ON c.id = r.direct_candidate "
        "LEFT JOIN department d ON d.id = c.department "
        "WHERE r.kind = 'direct' AND r.is_archived = {} "
    )
    args: list[Any] = [False]
    if department_scope is not None:
        sql += "AND c.department = {} "
        args.append(department_scope)
    sql += (
        "AND EXISTS (SELECT 1 FROM room_message m WHERE m.room = r.id) "
        "ORDER BY last_message_at DESC, r.id DESC LIMIT {}"
    )
    args.append(limit)
    rows = await Room.raw(sql, *args)
    for row in rows:
        # SQLite hands an aggregate's timestamp back as text.
        if isinstance(row["last_message_at"], str):
            moment = datetime.fromisoformat(row["last_message_at"])
            row["last_message_at"] = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return [ThreadRow(**row) for row in rows]
