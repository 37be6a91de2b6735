"""Talent pool tables.

One ``talent_entry`` per candidate (unique): the record kept on withdrawal. Its ``status``
is ``open`` (in the pool, cadence running), ``closed`` (an outcome ended the cadence),
``stopped`` (the candidate asked never to be contacted again: permanent), ``rejoined`` or
``anonymised``. ``department``/``position``/``reason`` survive anonymisation: they are the
aggregate figures' dimensions, and no longer point at a person.
"""

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
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from portal.domain.candidates.tables import Candidate
from portal.domain.organisation.tables import Department, Position
from portal.domain.staff.tables import StaffUser

ENTRY_STATUSES = ("open", "closed", "stopped", "rejoined", "anonymised")
OUTCOMES = (
    "no_reply",
    "replied",
    "interested",
    "reinterviewed",
    "rejoined",
    "not_interested",
)
STEP_KINDS = ("checkin", "news", "invite")
STEP_MODES = ("message", "task")
ASSIGNEES = ("hr", "manager")


class TalentReason(Table, tablename="talent_reason"):
    """HR's list of withdrawal reasons; ``code`` is stable, ``label`` is what HR sees."""

    id = Serial(primary_key=True)
    code = Varchar(length=40, unique=True)
    label = Varchar(length=100)
    sort_order = Integer(default=0)
    active = Boolean(default=True)


class TalentEntry(Table, tablename="talent_entry"):
    id = Serial(primary_key=True)
    candidate = ForeignKey(Candidate, null=True, on_delete=OnDelete.set_null)
    department = ForeignKey(Department, null=True, on_delete=OnDelete.set_null)
    position = ForeignKey(Position, null=True, on_delete=OnDelete.set_null)
    reason = ForeignKey(TalentReason, null=True, on_delete=OnDelete.set_null)
    reason_text = Text(default="")
    # "admin", "api" or "portal": who recorded the withdrawal.
    source = Varchar(length=10, default="admin")
    withdrawn_at = Timestamptz(default=TimestamptzNow())
    withdrawn_by = ForeignKey(StaffUser, null=True, on_delete=OnDelete.set_null)
    consent = Boolean(default=False)
    consent_until = Timestamptz(null=True, default=None)
    # The candidate's answer to "could something change your mind?" (portal flow).
    change_mind = Text(default="")
    notes = Text(default="")
    status = Varchar(length=12, default="open")
    outcome = Varchar(length=20, default="")
    stopped_at = Timestamptz(null=True, default=None)
    last_contact_at = Timestamptz(null=True, default=None)
    rejoined_at = Timestamptz(null=True, default=None)
    anonymised_at = Timestamptz(null=True, default=None)
    # 1 for the first withdrawal, +1 for each withdrawal after a rejoin (cadence rounds).
    round = Integer(default=1)
    updated_at = Timestamptz(default=TimestamptzNow())


class TalentNeed(Table, tablename="talent_need"):
    """A need the candidate voiced (弹性工作, 培训机会): unique ``(entry, name)``."""

    id = Serial(primary_key=True)
    entry = ForeignKey(TalentEntry, null=False, on_delete=OnDelete.cascade)
    name = Varchar(length=20)


class TalentEvent(Table, tablename="talent_event"):
    """Append-only history of an entry: notes, outcomes, recalls, stop, rejoin."""

    id = Serial(primary_key=True)
    entry = ForeignKey(TalentEntry, null=False, on_delete=OnDelete.cascade)
    kind = Varchar(length=20)
    body = Text(default="")
    staff = ForeignKey(StaffUser, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())


class TalentCadenceStep(Table, tablename="talent_cadence_step"):
    """A recall step: for one reason, or the default (``reason`` NULL)."""

    id = Serial(primary_key=True)
    reason = ForeignKey(TalentReason, null=True, on_delete=OnDelete.cascade)
    day = Integer()
    kind = Varchar(length=10)
    mode = Varchar(length=10, default="message")
    assignee = Varchar(length=10, default="hr")
    # Variant texts (A/B): B empty means A only. {name} and {growth_link} are filled in.
    body_a = Text(default="")
    body_b = Text(default="")
    link_growth = Boolean(default=False)


class TalentRecall(Table, tablename="talent_recall"):
    """One cadence step reaching one entry: unique ``(entry, round, day)`` (sent once)."""

    id = Serial(primary_key=True)
    entry = ForeignKey(TalentEntry, null=False, on_delete=OnDelete.cascade)
    round = Integer(default=1)
    step = ForeignKey(TalentCadenceStep, null=True, on_delete=OnDelete.set_null)
    day = Integer()
    kind = Varchar(length=10)
    mode = Varchar(length=10)
    variant = Varchar(length=1, default="A")
    # queued (outbox), task (a to-do), skipped (consent / stop), done (task completed)
    status = Varchar(length=10, default="queued")
    outbox_id = Integer(null=True, default=None)
    outcome = Varchar(length=20, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class TalentTask(Table, tablename="talent_task"):
    """A to-do for HR or the hiring manager: a recall call, a "change my mind" answer."""

    id = Serial(primary_key=True)
    entry = ForeignKey(TalentEntry, null=False, on_delete=OnDelete.cascade)
    department = ForeignKey(Department, null=True, on_delete=OnDelete.set_null)
    assignee = Varchar(length=10, default="hr")
    title = Varchar(length=200)
    body = Text(default="")
    due_at = Timestamptz()
    done_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class GrowthStep(Table, tablename="growth_step"):
    """One step of a position's growth path (装配工 → 班组长 ~12 months → 主管助理)."""

    id = Serial(primary_key=True)
    position = ForeignKey(Position, null=False, on_delete=OnDelete.cascade)
    sort_order = Integer(default=0)
    title = Varchar(length=60)
    # Typical months from the previous step (0 for the first).
    months = Integer(default=0)
    # How many people took this step last year (optional).
    people_last_year = Integer(null=True, default=None)
