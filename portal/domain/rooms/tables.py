"""Tables of the cohort Q&A room: rooms, messages, questions and moderation.

Every message is a row before anyone receives it; its ``id`` orders the room and is the
cursor a reconnecting client resumes from (``?after=``). A message is never deleted:
hiding sets ``hidden_at`` and members receive a tombstone, the row stays for the audit.
Unique indexes (migration 0006) make a retried ``client_id`` store nothing twice.
"""

from __future__ import annotations

from piccolo.columns import Boolean, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from portal.domain.candidates.tables import Candidate
from portal.domain.organisation.tables import Cohort, Department
from portal.domain.staff.tables import StaffUser

MESSAGE_KINDS = ("chat", "question", "answer")
QUESTION_STATUSES = ("open", "answered", "closed")
# Who a question category is routed to: HR, or the asker's department manager.
RESPONDER_ROLES = ("hr", "manager")
# "room": a cohort's or a department's room (who may join follows from cohort and
# department); "direct": one candidate's private thread with HR (``direct_candidate``);
# "group": a group chat whose members are listed in ``room_member``.
ROOM_KINDS = ("room", "direct", "group")


class Room(Table, tablename="room"):
    id = Serial(primary_key=True)
    name = Varchar(length=100)
    # A cohort's room; ``department`` narrows it (e.g. one room per department of a cohort).
    # A room with no cohort but a department is that department's room across cohorts.
    cohort = ForeignKey(Cohort, null=True)
    department = ForeignKey(Department, null=True)
    # The one pinned message (a plain id: a FK would make room and message depend on each other).
    pinned_message_id = Integer(null=True, default=None)
    is_archived = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())
    kind = Varchar(length=20, default="room")
    # A direct thread's candidate (one thread each: unique index, migration 0051).
    direct_candidate = ForeignKey(Candidate, null=True)


class RoomMember(Table, tablename="room_member"):
    """An explicit member of a group chat: a candidate or a staff member."""

    id = Serial(primary_key=True)
    room = ForeignKey(Room, null=False)
    candidate = ForeignKey(Candidate, null=True)
    staff = ForeignKey(StaffUser, null=True)
    added_by = ForeignKey(StaffUser, null=True)
    added_at = Timestamptz(default=TimestamptzNow())


class QuestionCategory(Table, tablename="question_category"):
    id = Serial(primary_key=True)
    name = Varchar(length=60)
    name_en = Varchar(length=60, default="")
    responder_role = Varchar(length=20, default="hr")
    sort_order = Integer(default=0)
    is_active = Boolean(default=True)


class RoomMessage(Table, tablename="room_message"):
    id = Serial(primary_key=True)
    room = ForeignKey(Room, null=False)
    # Exactly one author column is set.
    author_candidate = ForeignKey(Candidate, null=True)
    author_staff = ForeignKey(StaffUser, null=True)
    # "c<id>" or "s<id>": with ``client_id`` the key that makes a retried send idempotent.
    author_key = Varchar(length=24)
    client_id = Varchar(length=64)
    kind = Varchar(length=20, default="chat")
    body = Text()
    reply_to = Integer(null=True, default=None)
    # A private question ("ask HR") and its answers: seen by the asker and staff only.
    private_to = ForeignKey(Candidate, null=True)
    # Which staff see a private thread: "hr" (HR and admins) or "manager" (also the
    # managers of the asker's department), from the question's category when asked.
    private_role = Varchar(length=20, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    hidden_at = Timestamptz(null=True, default=None)
    hidden_by = ForeignKey(StaffUser, null=True)
    hidden_reason = Text(default="")


class RoomQuestion(Table, tablename="room_question"):
    """The SLA side of a ``question`` message: deadline, routing, answer."""

    id = Serial(primary_key=True)
    message = ForeignKey(RoomMessage, null=False, unique=True)
    room = ForeignKey(Room, null=False)
    asker = ForeignKey(Candidate, null=False)
    category = ForeignKey(QuestionCategory, null=True)
    responder_role = Varchar(length=20, default="hr")
    is_private = Boolean(default=False)
    asked_at = Timestamptz(default=TimestamptzNow())
    # Stored when asked (24 h, or through business hours), so a later schedule change
    # does not move a promise already made.
    deadline_at = Timestamptz()
    status = Varchar(length=20, default="open")
    assigned_to = ForeignKey(StaffUser, null=True)
    answered_at = Timestamptz(null=True, default=None)
    answered_by = ForeignKey(StaffUser, null=True)
    answer_message_id = Integer(null=True, default=None)
    closed_reason = Varchar(length=40, default="")
    updated_at = Timestamptz(default=TimestamptzNow())


class MessageReport(Table, tablename="message_report"):
    id = Serial(primary_key=True)
    message = ForeignKey(RoomMessage, null=False)
    reporter = ForeignKey(Candidate, null=False)
    reason = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    resolved_at = Timestamptz(null=True, default=None)
    resolved_by = ForeignKey(StaffUser, null=True)


class RoomMute(Table, tablename="room_mute"):
    id = Serial(primary_key=True)
    room = ForeignKey(Room, null=False)
    candidate = ForeignKey(Candidate, null=False)
    until = Timestamptz()
    reason = Text(default="")
    muted_by = ForeignKey(StaffUser, null=True)
    created_at = Timestamptz(default=TimestamptzNow())
