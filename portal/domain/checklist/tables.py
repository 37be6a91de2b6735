"""Tables of the document checklist: HR's templates, candidates' submissions and files.

A candidate's checklist is never copied: it is computed at read time from the active
templates that match the candidate (everyone, their department or their position), so
editing a template changes every open item at once. What a candidate hands in lives in
its own rows keyed by (candidate, template) — unique index in migration 0010 — and so
survives any edit or archiving of the template.
"""

from __future__ import annotations

from piccolo.columns import Boolean, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from portal.domain.candidates.tables import Candidate
from portal.domain.organisation.tables import Department, Position
from portal.domain.staff.tables import StaffUser

TEMPLATE_STATUSES = ("active", "archived")
# "draft": files uploaded, not yet handed in. No row at all is also "to do".
SUBMISSION_STATUSES = ("draft", "submitted", "approved", "rejected")
REVIEW_DECISIONS = ("approved", "rejected")


class ChecklistTemplate(Table, tablename="checklist_template"):
    id = Serial(primary_key=True)
    title = Varchar(length=200)
    explanation = Text(default="")
    # Who gets it: both empty = everyone; a department; or one position (its department set too).
    department = ForeignKey(Department, null=True)
    position = ForeignKey(Position, null=True)
    # Comma-separated file families accepted: "photo", "pdf" or "photo,pdf".
    accepted_kinds = Varchar(length=40, default="photo,pdf")
    min_files = Integer(default=1)
    max_files = Integer(default=1)
    required = Boolean(default=True)
    # Due this many days before the cohort starts (0 = on the first day).
    days_before_start = Integer(default=7)
    # An optional example picture or PDF, stored under a generated key.
    example_key = Varchar(length=200, default="")
    example_name = Varchar(length=200, default="")
    example_media_type = Varchar(length=60, default="")
    sort_order = Integer(default=0)
    status = Varchar(length=20, default="active")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class ChecklistSubmission(Table, tablename="checklist_submission"):
    """One candidate's answer to one template; unique per (candidate, template)."""

    id = Serial(primary_key=True)
    candidate = ForeignKey(Candidate, null=False)
    template = ForeignKey(ChecklistTemplate, null=False)
    status = Varchar(length=20, default="draft")
    # How many times it was handed in; a review names the round it judged, so a stale
    # review form cannot approve files the reviewer never saw.
    round = Integer(default=0)
    submitted_at = Timestamptz(null=True, default=None)
    reviewed_at = Timestamptz(null=True, default=None)
    reviewed_by = ForeignKey(StaffUser, null=True, on_delete=OnDelete.set_null)
    reject_reason = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class ChecklistFile(Table, tablename="checklist_file"):
    id = Serial(primary_key=True)
    submission = ForeignKey(ChecklistSubmission, null=False)
    storage_key = Varchar(length=200)
    # A small JPEG preview for photos; empty for PDFs.
    thumb_key = Varchar(length=200, default="")
    # The uploader's file name, sanitised, for display and downloads only (never a path).
    original_name = Varchar(length=200, default="")
    media_type = Varchar(length=60)
    family = Varchar(length=20)
    size = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())


class ChecklistReview(Table, tablename="checklist_review"):
    """Append-only history of every decision on a submission."""

    id = Serial(primary_key=True)
    submission = ForeignKey(ChecklistSubmission, null=False)
    round = Integer(default=0)
    decision = Varchar(length=20)
    reason = Text(default="")
    reviewed_by = ForeignKey(StaffUser, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())
