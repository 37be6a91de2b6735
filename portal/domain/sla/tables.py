"""Tables of the answer SLA: the company's policy, its calendar, and recorded events.

The policy is one row (``key = "default"``), created lazily with the defaults the first
time someone saves it; until then :func:`portal.domain.sla.policy.sla_policy_get` answers
with the defaults. A question's deadline is computed from the policy when it is asked and
stored on ``room_question.deadline_at``, so editing the policy never moves a promise
already made.

``sla_event`` holds each warning and breach exactly once per question: a unique index on
``(question, kind)`` (migration 0008) decides which of several concurrent watchers
records it, and only that one notifies.
"""

from __future__ import annotations

from piccolo.columns import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from portal.domain.candidates.tables import Candidate
from portal.domain.rooms.tables import RoomQuestion
from portal.domain.staff.tables import StaffUser

SLA_EVENT_KINDS = ("warning", "breach")
# A calendar day is either a holiday (closed although the schedule opens) or a make-up
# working day (调休: open although the weekly schedule is closed, e.g. a Saturday).
CALENDAR_DAY_KINDS = ("holiday", "workday")


class SlaPolicy(Table, tablename="sla_policy"):
    id = Serial(primary_key=True)
    # One row per company; the unique key makes two concurrent first saves create one.
    key = Varchar(length=20, unique=True, default="default")
    deadline_hours = Integer(default=24)
    warning_hours = Integer(default=4)
    business_hours_only = Boolean(default=False)
    timezone = Varchar(length=64, default="Asia/Shanghai")
    # JSON: {"0": ["09:00", "18:00"], ... "6": null}; weekday 0 is Monday.
    weekly_schedule = Text(default="")
    webhook_url = Varchar(length=500, default="")
    updated_at = Timestamptz(default=TimestamptzNow())
    updated_by = ForeignKey(StaffUser, null=True)


class SlaCalendarDay(Table, tablename="sla_calendar_day"):
    id = Serial(primary_key=True)
    day = Date(unique=True)
    kind = Varchar(length=20, default="holiday")
    name = Varchar(length=60, default="")
    # Opening hours of a make-up working day ("09:00"–"18:00"); unused for holidays.
    opens = Varchar(length=5, default="")
    closes = Varchar(length=5, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class SlaEvent(Table, tablename="sla_event"):
    id = Serial(primary_key=True)
    question = ForeignKey(RoomQuestion, null=False)
    kind = Varchar(length=20)
    # The deadline the event was about (the question's stored deadline at that moment).
    deadline_at = Timestamptz()
    created_at = Timestamptz(default=TimestamptzNow())
    # The webhook delivery, when one is configured: when it was tried and what went wrong.
    notified_at = Timestamptz(null=True, default=None)
    notify_error = Text(default="")


class AnswerFeedback(Table, tablename="answer_feedback"):
    """ "Was this helpful?" on an answered question: once per question, by its asker."""

    id = Serial(primary_key=True)
    question = ForeignKey(RoomQuestion, null=False, unique=True)
    candidate = ForeignKey(Candidate, null=False)
    # Who answered, copied when the vote is cast (the per-responder figures read it).
    responder = ForeignKey(StaffUser, null=True)
    helpful = Boolean()
    created_at = Timestamptz(default=TimestamptzNow())
