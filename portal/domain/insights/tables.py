"""Activity, its daily summary, drop-out risk assessments, models and interventions.

``activity_event`` is append-only and written in batches by :mod:`.activity`. Its
``candidate`` is a plain integer, not a foreign key: the log is written off the request
path, in bulk, and must not fail a whole batch because one candidate was deleted since.
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
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from portal.domain.candidates.tables import Candidate
from portal.domain.staff.tables import StaffUser

# What a row of activity_event says happened; ``area`` qualifies page views.
ACTIVITY_KINDS = (
    "sign_in",
    "page_view",
    "lesson_opened",
    "lesson_finished",
    "quiz_attempt",
    "checklist_upload",
    "room_message",
    "room_question",
    "inbox_opened",
    "link_tapped",
    "survey_answered",
)
AREAS = ("home", "checklist", "learning", "lesson", "room", "resources", "inbox", "other")
BANDS = ("low", "watch", "high")
INTERVENTION_KINDS = ("message", "task")


class ActivityEvent(Table, tablename="activity_event"):
    id = Serial(primary_key=True)
    candidate = Integer()
    kind = Varchar(length=20)
    area = Varchar(length=12, default="")
    # The lesson, resource, inbox message… the event is about (0: none).
    subject = Integer(default=0)
    occurred_at = Timestamptz(default=TimestamptzNow())


class CandidateActivity(Table, tablename="candidate_activity"):
    """Per candidate, a running summary kept by each flush (outlives the retention)."""

    id = Serial(primary_key=True)
    candidate = Integer(unique=True)
    first_active_at = Timestamptz()
    last_active_at = Timestamptz()
    events = Integer(default=0)
    sign_ins = Integer(default=0)
    lessons_opened = Integer(default=0)


class ActivityDaily(Table, tablename="activity_daily"):
    """Events past the retention, summed per day, cohort, department, kind, area, subject.

    No candidate id: once aggregated the record is no longer about a person.
    """

    id = Serial(primary_key=True)
    day = Date()
    cohort = Integer(default=0)
    department = Integer(default=0)
    kind = Varchar(length=20)
    area = Varchar(length=12, default="")
    subject = Integer(default=0)
    events = Integer(default=0)
    candidates = Integer(default=0)


class RiskModel(Table, tablename="risk_model"):
    """A version of the risk model: the points scorecard or a fitted logistic regression."""

    id = Serial(primary_key=True)
    version = Varchar(length=40, unique=True)
    kind = Varchar(length=20, default="scorecard")
    # JSON: the scorecard's points, or the regression's coefficients and intercept.
    params = Text(default="{}")
    # JSON: AUC, Brier score… measured on held-out cohorts when it was saved.
    metrics = Text(default="{}")
    active = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())


class RiskAssessment(Table, tablename="risk_assessment"):
    """A candidate's score, kept with its inputs and model version; a new row when it changes."""

    id = Serial(primary_key=True)
    candidate = ForeignKey(Candidate, null=False, on_delete=OnDelete.cascade)
    score = Integer(default=0)
    band = Varchar(length=10, default="low")
    # JSON lists/objects: reason codes with their numbers; the inputs the score came from.
    reasons = Text(default="[]")
    inputs = Text(default="{}")
    model_version = Varchar(length=40)
    is_current = Boolean(default=True)
    computed_at = Timestamptz(default=TimestamptzNow())


class RiskIntervention(Table, tablename="risk_intervention"):
    """What staff did about a candidate's risk: a personal message or a follow-up task."""

    id = Serial(primary_key=True)
    candidate = ForeignKey(Candidate, null=False, on_delete=OnDelete.cascade)
    kind = Varchar(length=10, default="message")
    reason = Varchar(length=30, default="")
    body = Text(default="")
    created_by = ForeignKey(StaffUser, null=True, on_delete=OnDelete.set_null)
    assignee = ForeignKey(StaffUser, null=True, on_delete=OnDelete.set_null)
    due_on = Date(null=True, default=None)
    outbox_message = Integer(null=True, default=None)
    score = Integer(default=0)
    # The form's one-time key: a double submit records (and sends) once.
    form_key = Varchar(length=64, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())
    # The candidate's first activity within 72 hours after it, set by the activity flush.
    followed_at = Timestamptz(null=True, default=None)
    done_at = Timestamptz(null=True, default=None)
