"""The outbox, the candidates' channel preferences, cohort group bots, stuck-outbox incidents."""

from __future__ import annotations

from piccolo.columns import (
    Boolean,
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
from portal.domain.organisation.tables import Cohort
from portal.domain.staff.tables import StaffUser

CHANNELS = ("inbox", "email", "sms", "bot")
# Channels that interrupt someone: the cap, quiet hours and unsubscribe apply to these.
PUSH_CHANNELS = ("email", "sms")
STATUSES = ("pending", "sending", "sent", "failed", "suppressed", "deferred")
# transactional: never capped; engagement: capped, folded into a digest when over the cap;
# digest: the fold itself; announcement: cohort posts; alert: HR-facing alerts.
CATEGORIES = ("transactional", "engagement", "digest", "announcement", "alert")
BOT_KINDS = ("wecom", "dingtalk", "feishu")


class OutboxMessage(Table, tablename="outbox_message"):
    """One message to one recipient on one channel, written with the event that caused it.

    Indexes (migration 0016): unique ``dedupe_key``; the relay's due index; the inbox's
    ``(candidate, channel, status)``; the cap's ``(candidate, category, status, sent_at)``.
    """

    id = Serial(primary_key=True)
    dedupe_key = Varchar(length=200)
    channel = Varchar(length=10)
    category = Varchar(length=20)
    candidate = ForeignKey(Candidate, null=True)
    # Where it goes, fixed at enqueue: an address, a phone number, or a bot ("hr", "cohort:7").
    recipient = Varchar(length=254, default="")
    locale = Varchar(length=10, default="zh_CN")
    subject = Varchar(length=200, default="")
    body = Text(default="")
    body_html = Text(default="")
    # "text" or "markdown" (group bots).
    body_format = Varchar(length=10, default="text")
    # A link the inbox item opens ("/checklist"), relative to the portal.
    link = Varchar(length=500, default="")
    not_before = Timestamptz(default=TimestamptzNow())
    # When it should have left at the latest (not moved by retries): the stuck alert's clock.
    due_at = Timestamptz(default=TimestamptzNow())
    status = Varchar(length=12, default="pending")
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(default=TimestamptzNow())
    lease_until = Timestamptz(null=True, default=None)
    leased_by = Varchar(length=100, default="")
    last_error = Text(default="")
    # Why a message is suppressed or deferred: "cap", "quiet_hours", "unsubscribed", …
    reason = Varchar(length=40, default="")
    folded_into = Integer(null=True, default=None)
    provider_message_id = Varchar(length=200, default="")
    sent_by = Varchar(length=100, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    sent_at = Timestamptz(null=True, default=None)
    read_at = Timestamptz(null=True, default=None)


class MessagePreference(Table, tablename="message_preference"):
    """A candidate turned a channel off (or on again) for a category; no row: on.

    Unique ``(candidate, channel, category)`` (migration 0016).
    """

    id = Serial(primary_key=True)
    candidate = ForeignKey(Candidate, null=False)
    channel = Varchar(length=10)
    category = Varchar(length=20)
    enabled = Boolean(default=True)
    updated_at = Timestamptz(default=TimestamptzNow())


class CohortBot(Table, tablename="cohort_bot"):
    """A cohort's group-chat bot for announcements (one per cohort, set by HR)."""

    id = Serial(primary_key=True)
    cohort = ForeignKey(Cohort, null=False, unique=True)
    kind = Varchar(length=10, default="wecom")
    url = Varchar(length=1000)
    secret = Varchar(length=200, default="")
    updated_at = Timestamptz(default=TimestamptzNow())


class OutboxIncident(Table, tablename="outbox_incident"):
    """The outbox is stuck: the oldest due message waited past the alert threshold.

    ``open_key`` is "open" while the incident lasts and NULL after; its unique index lets
    exactly one worker open an incident (and enqueue the HR alert) however many check.
    """

    id = Serial(primary_key=True)
    open_key = Varchar(length=10, null=True, default=None, unique=True)
    opened_at = Timestamptz(default=TimestamptzNow())
    closed_at = Timestamptz(null=True, default=None)
    oldest_message = Integer(null=True, default=None)
    waited_minutes = Integer(default=0)
    detail = Text(default="")


AUDIENCE_KINDS = ("all", "department", "cohort", "tag")


class Announcement(Table, tablename="announcement"):
    """HR's news to many candidates: each recipient gets an inbox item (outbox rows)."""

    id = Serial(primary_key=True)
    title = Varchar(length=200)
    body = Text()
    audience_kind = Varchar(length=20, default="all")
    # The department, cohort or tag id; None for everybody.
    audience_id = Integer(null=True, default=None)
    # Shown on the home page of its recipients until then (None: not pinned).
    pinned_until = Timestamptz(null=True, default=None)
    # "inbox", or also "email" / "sms" (comma-separated), sent through the outbox as a
    # manual send (journeys/manual.py): engagement, so capped, unless ``important``, which
    # the manual send records with who, when and why (its transactional reason).
    channels = Varchar(length=40, default="inbox")
    important = Boolean(default=False)
    # The manual send that queued its messages (a plain id: messaging does not import journeys).
    manual_send_id = Integer(null=True, default=None)
    recipients = Integer(default=0)
    created_by = ForeignKey(StaffUser, null=True)
    created_at = Timestamptz(default=TimestamptzNow())
