"""Tables of the suggestion box.

An anonymous suggestion stores **no** candidate: ``candidate`` is NULL and nothing else in
the row points back at its author — only the cohort (and that cohort's department) so it
reaches the right people, and times rounded down to the hour so they cannot be matched
against a request log to the second. A named suggestion keeps its author, who sees its
status and HR's reply.

Each suggestion carries its handling deadline, computed when it arrives under the SLA
policy (as a room question's) and stored. ``suggestion_sla_event`` records each warning
and breach once per suggestion (unique index in migration 0058).
"""

from __future__ import annotations

from piccolo.columns import Boolean, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from portal.domain.candidates.tables import Candidate
from portal.domain.staff.tables import StaffUser

SUGGESTION_KINDS = ("suggestion", "complaint")
SUGGESTION_CATEGORIES = ("process", "training", "housing", "pay", "people", "other")
SUGGESTION_STATUSES = ("open", "handled")


class Suggestion(Table, tablename="suggestion"):
    id = Serial(primary_key=True)
    kind = Varchar(length=12)
    category = Varchar(length=20)
    body = Text()
    is_anonymous = Boolean(default=False)
    # NULL for an anonymous suggestion: never stored, not even hashed.
    candidate = ForeignKey(Candidate, null=True)
    # For routing: the cohort (and its department; a named author's own department).
    cohort = Integer(null=True, default=None)
    department = Integer(null=True, default=None)
    # The form's one-time id: a double submit stores one suggestion.
    client_key = Varchar(length=64, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    deadline_at = Timestamptz()
    status = Varchar(length=12, default="open")
    handled_at = Timestamptz(null=True, default=None)
    handled_by = ForeignKey(StaffUser, null=True)
    # What HR did (staff only) and the reply the (named) author reads.
    handling = Text(default="")
    reply = Text(default="")


class SuggestionSlaEvent(Table, tablename="suggestion_sla_event"):
    id = Serial(primary_key=True)
    suggestion = ForeignKey(Suggestion, null=False)
    kind = Varchar(length=20)
    deadline_at = Timestamptz()
    created_at = Timestamptz(default=TimestamptzNow())
