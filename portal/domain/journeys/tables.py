"""Journeys and their steps, what each step sent to whom, one-tap links, HR's manual sends.

A **journey** is a list of **steps**. A step has a trigger (when), an audience (who), the
channels and category it sends with, the page its ``{link}`` opens, a goal (for the A/B
figures) and one or more **variants** (the texts, zh-CN and English; two or more make an
A/B test). Every time a step reaches a candidate it leaves one **send** row, unique per
``(step, candidate, occurrence)`` (migration 0024): the row is the step's memory of what it
did (queued, skipped because its moment had passed, failed with the reason) and the
reason evaluating twice, or in two workers at once, creates each message once.
"""

from __future__ import annotations

from piccolo.columns import Boolean, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from portal.domain.candidates.tables import Candidate
from portal.domain.organisation.tables import Cohort, Department, Position, Stage
from portal.domain.staff.tables import StaffUser

# stage_reached: the candidate reached ``stage`` (+ ``delay_hours``);
# cohort_relative: ``offset_days`` from the cohort's first day, at ``at_time`` cohort time;
# checklist_due: a checklist item is due in ``due_in_days`` days and not handed in (at
# ``at_time``); weekly: every ``weekday`` at ``at_time``; event: a transactional event.
TRIGGERS = ("stage_reached", "cohort_relative", "checklist_due", "weekly", "event")
SCHEDULED_TRIGGERS = ("stage_reached", "cohort_relative", "checklist_due", "weekly")
EVENTS = (
    "question_answered",
    "document_approved",
    "document_rejected",
    "reward_fulfilled",
    "login_link_created",
)
STEP_CHANNELS = ("inbox", "email", "sms")
STEP_CATEGORIES = ("engagement", "transactional", "digest")
# What the A/B figures count as the step having worked, within 48 hours of the send.
GOALS = ("", "checklist_handed_in", "course_started", "link_tapped")
SEND_STATUSES = ("queued", "skipped", "failed")


class Journey(Table, tablename="journey"):
    id = Serial(primary_key=True)
    # "default" for the journey Onramp ships (created once, at first start); else NULL.
    key = Varchar(length=40, null=True, default=None, unique=True)
    name = Varchar(length=100)
    description = Text(default="")
    is_active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())


class JourneyStep(Table, tablename="journey_step"):
    id = Serial(primary_key=True)
    journey = ForeignKey(Journey, null=False, on_delete=OnDelete.cascade)
    # The shipped steps' names ("welcome"), so creating the default journey is idempotent.
    key = Varchar(length=40, default="")
    sort_order = Integer(default=0)
    name = Varchar(length=100)
    enabled = Boolean(default=True)
    trigger = Varchar(length=20)
    stage = ForeignKey(Stage, null=True)
    delay_hours = Integer(default=0)
    offset_days = Integer(default=0)
    at_time = Varchar(length=5, default="10:00")
    weekday = Integer(default=4)
    due_in_days = Integer(default=3)
    event = Varchar(length=30, default="")
    audience_department = ForeignKey(Department, null=True)
    audience_position = ForeignKey(Position, null=True)
    audience_cohort = ForeignKey(Cohort, null=True)
    audience_stage = ForeignKey(Stage, null=True)
    # Tag ids, comma-separated: the candidate must carry every one of them.
    audience_tags = Varchar(length=200, default="")
    channels = Varchar(length=40, default="inbox")
    category = Varchar(length=20, default="engagement")
    link_path = Varchar(length=100, default="/")
    goal = Varchar(length=30, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    updated_by = ForeignKey(StaffUser, null=True, on_delete=OnDelete.set_null)


class JourneyVariant(Table, tablename="journey_variant"):
    """One text of a step; a candidate's variant is a stable hash of (candidate, step)."""

    id = Serial(primary_key=True)
    step = ForeignKey(JourneyStep, null=False, on_delete=OnDelete.cascade)
    label = Varchar(length=10, default="A")
    subject_zh = Varchar(length=200, default="")
    body_zh = Text(default="")
    subject_en = Varchar(length=200, default="")
    body_en = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())


class JourneySend(Table, tablename="journey_send"):
    """A step reached a candidate (once per occurrence): queued, skipped or failed."""

    id = Serial(primary_key=True)
    step = ForeignKey(JourneyStep, null=False, on_delete=OnDelete.cascade)
    candidate = ForeignKey(Candidate, null=False, on_delete=OnDelete.cascade)
    # "" for once-per-candidate steps; the cohort, checklist item, week or event otherwise.
    occurrence = Varchar(length=60, default="")
    variant = ForeignKey(JourneyVariant, null=True, on_delete=OnDelete.set_null)
    status = Varchar(length=12, default="queued")
    # skipped: "late" (moment passed by more than the grace), "no_channel"; failed: why.
    reason = Text(default="")
    # When the step was due for this candidate.
    moment = Timestamptz(default=TimestamptzNow())
    created_at = Timestamptz(default=TimestamptzNow())


class JourneySendMessage(Table, tablename="journey_send_message"):
    """The outbox messages of a send (one per channel): delivered and read figures."""

    id = Serial(primary_key=True)
    send = ForeignKey(JourneySend, null=False, on_delete=OnDelete.cascade)
    message = Integer()
    channel = Varchar(length=10)


class ManualSend(Table, tablename="manual_send"):
    """HR wrote to selected candidates by hand; the audit of who, when, what and why.

    ``client_id`` comes from the compose form (unique, migration 0024): a double submit
    finds the first send and queues nothing more.
    """

    id = Serial(primary_key=True)
    client_id = Varchar(length=64, unique=True)
    staff = ForeignKey(StaffUser, null=True, on_delete=OnDelete.set_null)
    subject = Varchar(length=200, default="")
    body = Text(default="")
    channels = Varchar(length=40, default="inbox")
    category = Varchar(length=20, default="engagement")
    # Required when HR marks the message transactional (it then bypasses the cap).
    transactional_reason = Text(default="")
    link_path = Varchar(length=100, default="/")
    recipients = Integer(default=0)
    messages = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())


class MessageLink(Table, tablename="message_link"):
    """A one-tap link in a message: signs the candidate in and opens ``target``.

    Like sign-in links: single use, expiring, only the SHA-256 of the token is kept.
    ``used_at`` is the tap (the "opened" of the A/B figures).
    """

    id = Serial(primary_key=True)
    candidate = ForeignKey(Candidate, null=False, on_delete=OnDelete.cascade)
    token_hash = Varchar(length=64, unique=True)
    target = Varchar(length=200, default="/")
    send = ForeignKey(JourneySend, null=True, on_delete=OnDelete.cascade)
    manual_send = ForeignKey(ManualSend, null=True, on_delete=OnDelete.cascade)
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class CandidateLanguage(Table, tablename="candidate_language"):
    """The language a candidate last chose in the portal; messages use it (default zh-CN)."""

    id = Serial(primary_key=True)
    candidate = ForeignKey(Candidate, null=False, unique=True, on_delete=OnDelete.cascade)
    locale = Varchar(length=10, default="zh_CN")
    updated_at = Timestamptz(default=TimestamptzNow())
