"""Candidates, their stage history and their sign-in links."""

from __future__ import annotations

from piccolo.columns import (
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from portal.domain.organisation.tables import Cohort, Department, Position, Stage
from portal.domain.staff.tables import StaffUser

CANDIDATE_STATUSES = ("active", "withdrawn", "joined")


class Candidate(Table, tablename="candidate"):
    id = Serial(primary_key=True)
    name = Varchar(length=100)
    phone = Varchar(length=20, unique=True)
    email = Varchar(length=254, null=True, default=None, unique=True)
    department = ForeignKey(Department, null=False)
    position = ForeignKey(Position, null=True)
    cohort = ForeignKey(Cohort, null=True)
    stage = ForeignKey(Stage, null=False)
    status = Varchar(length=20, default="active")
    withdraw_reason = Text(default="")
    external_id = Varchar(length=100, null=True, default=None, unique=True)
    # "你是我们第 N 位加入…的伙伴": unique per department (index in migration 0002).
    ordinal = Integer()
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class StageChange(Table, tablename="stage_change"):
    """Append-only history of every stage a candidate reached, and who moved them."""

    id = Serial(primary_key=True)
    candidate = ForeignKey(Candidate, null=False)
    from_stage = ForeignKey(Stage, null=True)
    to_stage = ForeignKey(Stage, null=False)
    changed_by = ForeignKey(StaffUser, null=True)
    source = Varchar(length=20, default="admin")
    note = Text(default="")
    changed_at = Timestamptz(default=TimestamptzNow())


class LoginLink(Table, tablename="login_link"):
    """A single-use sign-in link; only the SHA-256 of its token is kept."""

    id = Serial(primary_key=True)
    candidate = ForeignKey(Candidate, null=False)
    token_hash = Varchar(length=64, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
    created_by = ForeignKey(StaffUser, null=True)


class LinkRequest(Table, tablename="link_request"):
    """A candidate asked for a new sign-in link and no message could deliver it: HR acts.

    One row per candidate (unique): asking again only moves ``requested_at`` and reopens it.
    """

    id = Serial(primary_key=True)
    candidate = ForeignKey(Candidate, null=False, unique=True)
    requested_at = Timestamptz(default=TimestamptzNow())
    handled_at = Timestamptz(null=True, default=None)
    handled_by = ForeignKey(StaffUser, null=True)
