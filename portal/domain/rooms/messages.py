"""Sending and reading room messages.

A message is stored (and committed) before anyone receives it; then it is published to the
room's members through the hub. ``(author, client_id)`` is unique, so a send retried by a
reconnecting phone is acknowledged with the first message's id and never stored twice.

Bodies are plain text: stored as typed (trimmed, control characters removed), escaped
wherever they are shown.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from portal.config import get_settings
from portal.db import (
    PreparedSQL,
    is_unique_violation,
    transaction_lock,
    write_transaction,
)
from portal.domain.access import department_scope, public_role
from portal.domain.insights.activity import activity_record
from portal.domain.learning.earning import first_question_asked
from portal.domain.rooms.direct import (
    direct_reply_to_inbox,
    direct_routing,
    thread_questions_answer,
)
from portal.domain.rooms.display import quote_excerpt
from portal.domain.rooms.errors import SendRefused
from portal.domain.rooms.membership import (
    Member,
    RoomInfo,
    member_and_room_now,
    member_for_staff,
    room_for_member,
)
from portal.domain.rooms.questions import (
    category_resolve,
    question_answer_by_reply,
    question_create,
)
from portal.domain.rooms.tables import RoomMessage, RoomMute
from portal.domain.staff.tables import StaffUser
from portal.domain.validation import is_plausible_id
from portal.i18n import babel_locale
from portal.i18n import gettext as _
from portal.realtime.hub import get_hub

_CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$", re.ASCII)
# Catch-up sends at most this many messages; an older client reloads the page.
CATCH_UP_LIMIT = 500
# Hidden messages whose tombstones a resuming client gets (it may have shown them).
TOMBSTONE_LIMIT = 200

# The staff-side name for the send API (the SLA tracker answers through it).
author_for_staff = member_for_staff


@dataclass(frozen=True, slots=True)
class SendResult:
    id: int
    duplicate: bool


def clean_body(body: object) -> str:
    """Plain text as typed: newlines kept, other control characters dropped, trimmed."""
    if not isinstance(body, str):
        raise SendRefused("bad_body", _("The message must be text."))
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(
        char for char in text if char in "\n\t" or unicodedata.category(char) not in ("Cc", "Cs")
    )
    return text.strip()


def _iso(moment: datetime) -> str:
    """``2026-11-30T08:52:15.430Z``: the time as the frames carry it, always in UTC."""
    if moment.tzinfo is not None and moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return _iso_of_utc(moment.replace(tzinfo=None))


# A message's time never changes and every page of its room shows it again. Kept by the
# UTC wall time: zoned times equal across a fold (the hour repeated when clocks go back)
# would otherwise share an entry.
@functools.lru_cache(maxsize=4096)
def _iso_of_utc(wall: datetime) -> str:
    # Times read from either database are already in UTC: written without the offset,
    # then the "Z", rather than converted and the offset replaced (every message of a page).
    return wall.isoformat(timespec="milliseconds") + "Z"


def _local(moment: datetime) -> str:
    """A moment as people read it: short, in the company's time zone and their language."""
    zone = ZoneInfo(get_settings().default_timezone)
    return format_datetime(moment, "short", tzinfo=zone, locale=babel_locale())


def _quote(
    *,
    body: str | None,
    hidden: bool,
    candidate_name: str | None,
    staff_name: str | None,
    staff_email: str | None,
) -> dict[str, str]:
    """A reply's quote of its target: who wrote it and its first words ("" when hidden)."""
    name = candidate_name or staff_name or (staff_email or "").split("@")[0]
    return {"author": name, "text": "" if hidden else quote_excerpt(body)}  # fmt: skip


def message_event(row: dict[str, Any]) -> dict[str, Any]:
    """The ``message`` frame every member receives (and catch-up replays)."""
    if row.get("author_staff"):
        author = {
            "id": row["author_staff"],
            "name": row.get("staff_name") or row.get("staff_email", "").split("@")[0],
            "role": public_role(row.get("staff_role") or ""),
        }
    else:
        author = {
            "id": row["author_candidate"],
            "name": row.get("candidate_name") or "",
            "role": "candidate",
        }
    return {
        "type": "message",
        "id": row["id"],
        "room": row["room"],
        "kind": row["kind"],
        "body": row["body"],
        "author": author,
        "reply_to": row["reply_to"],
        "quote": _quote(
            body=row.get("reply_body"),
            hidden=row.get("reply_hidden_at") is not None,
            candidate_name=row.get("reply_candidate_name"),
            staff_name=row.get("reply_staff_name"),
            staff_email=row.get("reply_staff_email"),
        )
        if row["reply_to"]
        else None,
        "created_at": _iso(row["created_at"]),
        "private": row["private_to"] is not None,
    }


def _visible_to(member: Member):
    """Messages ``member`` may see: public ones, plus the private threads that are theirs.

    A private thread is the asker's, HR's and admins'; when its question is routed to
    managers, also the managers' of the asker's department (as in the SLA tracker).
    """
    shown = RoomMessage.hidden_at.is_null()
    if not member.is_staff:
        return shown & (RoomMessage.private_to.is_null() | (RoomMessage.private_to == member.id))
    scope = department_scope(member.staff)
    if scope is None:
        return shown
    return shown & (
        RoomMessage.private_to.is_null()
        | ((RoomMessage.private_role == "manager") & (RoomMessage.private_to.department == scope))
    )


# The catch-up's reads, written as SQL: a reconnecting room runs them thousands of times at
# once, and building them (four joins) with Piccolo's query builder took about a hundred
# times longer than running them. The same rule as _visible_to (used for reply targets).
_EVENTS_SELECT = (
    "SELECT m.id AS id, m.room AS room, m.kind AS kind, m.body AS body, "
    "m.reply_to AS reply_to, m.created_at AS created_at, m.private_to AS private_to, "
    "m.author_candidate AS author_candidate, m.author_staff AS author_staff, "
    "c.name AS candidate_name, s.name AS staff_name, s.email AS staff_email, "
    "s.role AS staff_role, "
    # The message replied to, for the quote (a reply is seen by whoever sees its target).
    "r.body AS reply_body, r.hidden_at AS reply_hidden_at, "
    "rc.name AS reply_candidate_name, rs.name AS reply_staff_name, rs.email AS reply_staff_email "
    "FROM room_message m "
    "LEFT JOIN candidate c ON c.id = m.author_candidate "
    "LEFT JOIN staff_user s ON s.id = m.author_staff "
    "LEFT JOIN room_message r ON r.id = m.reply_to "
    "LEFT JOIN candidate rc ON rc.id = r.author_candidate "
    "LEFT JOIN staff_user rs ON rs.id = r.author_staff "
)


def _visible_sql(member: Member) -> tuple[str, str, list[Any]]:
    """_visible_to(member) as SQL: an extra join, a condition, its arguments."""
    if not member.is_staff:
        return "", "AND (m.private_to IS NULL OR m.private_to = {}) ", [member.id]
    scope = department_scope(member.staff)
    if scope is None:
        return "", "", []
    return (
        "LEFT JOIN candidate p ON p.id = m.private_to ",
        "AND (m.private_to IS NULL OR (m.private_role = 'manager' AND p.department = {})) ",
        [scope],
    )


async def _events(
    room_id: int, member: Member, *, after: int | None, newest_first: bool, limit: int
) -> list[dict[str, Any]]:
    join, condition, args = _visible_sql(member)
    values: list[Any] = [room_id, *args]
    if after is not None:
        values.append(after)
    values.append(limit)
    return await _events_read(join, condition, after is not None, newest_first).rows(*values)


@functools.lru_cache(maxsize=32)
def _events_read(join: str, condition: str, after: bool, newest_first: bool) -> PreparedSQL:
    """The events query of one shape (who reads, catch-up or latest), built once."""
    sql = _EVENTS_SELECT + join + "WHERE m.room = {} AND m.hidden_at IS NULL " + condition
    if after:
        sql += "AND m.id > {} "
    sql += ("ORDER BY m.id DESC " if newest_first else "ORDER BY m.id ") + "LIMIT {}"
    return PreparedSQL(sql)


async def message_events_after(
    room_id: int, member: Member, after: int, *, limit: int = CATCH_UP_LIMIT
) -> list[dict[str, Any]]:
    """Visible messages with an id above ``after``, oldest first (the catch-up)."""
    rows = await _events(room_id, member, after=after, newest_first=False, limit=limit)
    return [message_event(row) for row in rows]


async def recent_message_events(
    room_id: int, member: Member, *, limit: int = 50
) -> list[dict[str, Any]]:
    """The latest visible messages, oldest first (what a page shows when it opens)."""
    rows = await _events(room_id, member, after=None, newest_first=True, limit=limit)
    return [message_event(row) for row in reversed(rows)]


async def hidden_ids_up_to(room_id: int, up_to: int) -> list[int]:
    """Recently hidden messages a resuming client may still show (tombstones to replay)."""
    rows = await RoomMessage.raw(
        "SELECT id FROM room_message WHERE room = {} AND id <= {} AND hidden_at IS NOT NULL "
        "ORDER BY hidden_at DESC LIMIT {}",
        room_id,
        up_to,
        TOMBSTONE_LIMIT,
    ).run()
    return [row["id"] for row in rows]


async def message_event_by_id(message_id: int) -> dict[str, Any] | None:
    rows = await RoomMessage.raw(_EVENTS_SELECT + "WHERE m.id = {}", message_id).run()
    return message_event(rows[0]) if rows else None


async def _existing_send(member: Member, client_id: str) -> int | None:
    row = (
        await RoomMessage.select(RoomMessage.id)
        .where((RoomMessage.author_key == member.key) & (RoomMessage.client_id == client_id))
        .first()
        .run()
    )
    return row["id"] if row else None


async def _reply_target(room_id: int, member: Member, reply_to: object) -> dict[str, Any] | None:
    if reply_to is None:
        return None
    if not is_plausible_id(reply_to):
        # Not a number, or one no row has (larger than the database's integers).
        raise SendRefused("bad_reply_to", _("The message you reply to does not exist."))
    target = (
        await RoomMessage.select(
            RoomMessage.id,
            RoomMessage.kind,
            RoomMessage.private_to,
            RoomMessage.private_role,
            RoomMessage.private_to.department.as_alias("private_department"),
            RoomMessage.author_candidate,
            RoomMessage.body,
            RoomMessage.author_candidate.name.as_alias("candidate_name"),
            RoomMessage.author_staff.name.as_alias("staff_name"),
            RoomMessage.author_staff.email.as_alias("staff_email"),
        )
        .where((RoomMessage.id == reply_to) & (RoomMessage.room == room_id) & _visible_to(member))
        .first()
        .run()
    )
    if target is None:
        raise SendRefused("bad_reply_to", _("The message you reply to does not exist."))
    return target


async def _active_mute_until(room_id: int, candidate_id: int, now: datetime) -> datetime | None:
    row = (
        await RoomMute.select(RoomMute.until)
        .where(
            (RoomMute.room == room_id)
            & (RoomMute.candidate == candidate_id)
            & (RoomMute.until > now)
        )
        .order_by(RoomMute.until, ascending=False)
        .first()
        .run()
    )
    return row["until"] if row else None


async def _check_rate(member: Member, now: datetime) -> None:
    settings = get_settings()
    since = now - timedelta(seconds=settings.room_rate_limit_seconds)
    recent = await RoomMessage.count().where(
        (RoomMessage.author_key == member.key) & (RoomMessage.created_at > since)
    )
    if recent >= settings.room_rate_limit_count:
        raise SendRefused(
            "rate_limited",
            _(
                "You are sending too fast: at most %(count)s messages in %(seconds)s seconds. "
                "Wait a moment and try again.",
                count=settings.room_rate_limit_count,
                seconds=settings.room_rate_limit_seconds,
            ),
        )


async def _lock_room(room_id: int) -> None:
    """On PostgreSQL, one room's inserts commit one after another, so ids follow commits.

    A client resumes from the highest id it saw; if a lower id could commit later, a
    client that left in between would skip it. SQLite's write lock already does this.
    """
    await transaction_lock(7100, room_id)


def _validate_kind(member: Member, kind: object, reply_target: dict[str, Any] | None) -> str:
    allowed = ("chat", "answer") if member.is_staff else ("chat", "question")
    if kind not in allowed:
        raise SendRefused("bad_kind", _("This kind of message cannot be sent here."))
    if kind == "answer" and (reply_target is None or reply_target["kind"] != "question"):
        raise SendRefused("bad_reply_to", _("An answer must reply to a question."))
    if member.is_staff and reply_target is not None and reply_target["kind"] == "question":
        # A staff reply to a question is its answer.
        return "answer"
    return str(kind)


async def message_send(
    *,
    room_id: int,
    author: Member,
    client_id: object,
    kind: object,
    body: object,
    reply_to: object = None,
    private: bool = False,
    category_id: object = None,
) -> SendResult:
    """Store a message and publish it to the room; SendRefused says why not.

    The author must already be allowed in the room (checked when they connected, or by
    the admin page that calls this). Every check that reads the database runs in the
    write transaction that stores the message: one connection, and no check can go
    stale before the insert.
    """
    if not isinstance(client_id, str) or not _CLIENT_ID.match(client_id):
        raise SendRefused("bad_client_id", _("Each message needs a client_id (a UUID)."))
    text = clean_body(body)
    try:
        async with write_transaction():
            event, answered = await _store(
                room_id=room_id,
                author=author,
                client_id=client_id,
                kind=kind,
                text=text,
                reply_to=reply_to,
                private=private,
                category_id=category_id,
            )
    except SendRefused:
        # A retried send whose first try was stored is acknowledged, even if it would be
        # refused now (a rate limit its own first try used up, a mute since).
        if (existing := await _existing_send(author, client_id)) is not None:
            return SendResult(id=existing, duplicate=True)
        raise
    except Exception as error:
        # A retried send (or the same send racing on another connection) hits the unique
        # index on (author, client_id): acknowledge the stored one. Checking first would
        # cost every send a query.
        if is_unique_violation(error) and (existing := await _existing_send(author, client_id)):
            return SendResult(id=existing, duplicate=True)
        raise

    if author.kind == "candidate":
        activity_record(
            author.id,
            "room_question" if event.get("kind") == "question" else "room_message",
            subject_id=room_id,
        )
    hub = get_hub()
    private_to = event.pop("private_to")
    manager_department = event.pop("manager_department")
    await hub.publish(room_id, event, private_to=private_to, manager_department=manager_department)
    for question_message_id in answered:
        await hub.publish(
            room_id,
            {"type": "answered", "question": question_message_id, "answer": event["id"]},
            private_to=private_to,
            manager_department=manager_department,
        )
    return SendResult(id=event["id"], duplicate=False)


def _privacy(
    author: Member,
    stored_kind: str,
    category: Any,
    target: dict[str, Any] | None,
    private: bool,
) -> tuple[int | None, str | None, int | None]:
    """Who sees a message of a room: everybody, or a private thread's people."""
    if target is not None and target["private_to"] is not None:
        # A reply in a private thread stays in it, seen by the same people.
        role = target["private_role"] or "hr"
        department = target["private_department"] if role == "manager" else None
        return target["private_to"], role, department
    if private:
        if author.is_staff or stored_kind != "question":
            raise SendRefused("bad_private", _("Only your own questions can be private."))
        role = category.responder_role if category else "hr"
        return author.id, role, author.department_id if role == "manager" else None
    return None, None, None


async def _store(
    *,
    room_id: int,
    author: Member,
    client_id: str,
    kind: object,
    text: str,
    reply_to: object,
    private: bool,
    category_id: object,
) -> tuple[dict[str, Any], list[int]]:
    """Check and insert (inside the send's transaction); the event, the questions answered."""
    # First, so the mute and rate checks below see every earlier send of the room.
    await _lock_room(room_id)
    # Still allowed here? Checked in the transaction that stores the message, so a socket
    # that missed its revocation (or a page opened before it) cannot post any more.
    found = await member_and_room_now(author, room_id)
    if found is None:
        raise SendRefused("forbidden", _("You can no longer post in this room."))
    author, room = found
    if not text:
        raise SendRefused("empty", _("Write something first."))
    limit = get_settings().room_message_max_chars
    if len(text) > limit:
        raise SendRefused(
            "too_long",
            _("Messages are at most %(limit)s characters (this one has %(length)s).",
              limit=limit, length=len(text)),
        )  # fmt: skip
    target = await _reply_target(room_id, author, reply_to)
    if room.is_direct:
        # A 1:1 thread with HR (rooms/direct.py): every message private to its candidate.
        routing = await direct_routing(author, room, kind, target, category_id)
        stored_kind, category = routing.kind, routing.category
        private_to, private_role = routing.private_to, routing.private_role
        manager_department = routing.manager_department
    else:
        stored_kind = _validate_kind(author, kind, target)
        category = await category_resolve(category_id) if stored_kind == "question" else None
        private_to, private_role, manager_department = _privacy(
            author, stored_kind, category, target, private
        )
    now = datetime.now(UTC)
    if not author.is_staff:
        if until := await _active_mute_until(room_id, author.id, now):
            raise SendRefused(
                "muted",
                _("A moderator has muted you in this room until %(until)s.", until=_local(until)),
            )
        await _check_rate(author, now)
    message = RoomMessage(
        room=room_id,
        author_candidate=None if author.is_staff else author.id,
        author_staff=author.id if author.is_staff else None,
        author_key=author.key,
        client_id=client_id,
        kind=stored_kind,
        body=text,
        reply_to=target["id"] if target else None,
        private_to=private_to,
        private_role=private_role,
        created_at=now,
    )
    await message.save()
    answered: list[int] = []
    if stored_kind == "question":
        await question_create(
            message_id=message.id,
            room_id=room_id,
            asker_id=author.id,
            category=category,
            is_private=private_to is not None,
            asked_at=now,
        )
        # Points for the first question ever asked (once: the ledger's unique source key).
        await first_question_asked(candidate_id=author.id)
    elif room.is_direct and author.is_staff:
        answered = await thread_questions_answer(
            room_id=room_id, author=author, answer_message_id=message.id, at=now
        )
        await direct_reply_to_inbox(
            room_id=room_id,
            candidate_id=room.direct_candidate_id or 0,
            message_id=message.id,
            author_name=author.name,
            text=text,
        )
    elif (
        stored_kind == "answer"
        and target is not None
        and await question_answer_by_reply(
            question_message_id=target["id"],
            staff_id=author.id,
            answer_message_id=message.id,
            at=now,
        )
    ):
        answered = [target["id"]]
    # The frame members receive, built from what was stored (no read-back).
    event = {
        "type": "message",
        "id": message.id,
        "room": room_id,
        "kind": stored_kind,
        "body": text,
        "author": {"id": author.id, "name": author.name, "role": author.role},
        "reply_to": message.reply_to,
        "quote": _quote(
            body=target["body"],
            hidden=False,
            candidate_name=target["candidate_name"],
            staff_name=target["staff_name"],
            staff_email=target["staff_email"],
        )
        if target
        else None,
        "created_at": _iso(now),
        "private": private_to is not None,
        # Routing for the hub, removed before the frame goes out.
        "private_to": private_to,
        "manager_department": manager_department,
    }
    return event, answered


async def staff_send(
    *, staff: StaffUser, room_id: int, client_id: str, body: str, reply_to: int | None
) -> SendResult:
    """A staff message from an admin page (the room's own check applies)."""
    author = member_for_staff(staff)
    await room_for_member(room_id, author)
    return await message_send(
        room_id=room_id,
        author=author,
        client_id=client_id,
        kind="chat",
        body=body,
        reply_to=reply_to,
    )


__all__ = [
    "CATCH_UP_LIMIT",
    "RoomInfo",
    "SendRefused",
    "SendResult",
    "author_for_staff",
    "message_event",
    "message_events_after",
    "message_send",
    "staff_send",
]
