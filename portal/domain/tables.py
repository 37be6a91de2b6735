"""Every Onramp table. Rules live in services (writes) and selectors (reads), not here."""

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

CANDIDATE_STATUSES = ("active", "withdrawn", "joined")
STAFF_ROLES = ("admin", "hr", "manager")


class Department(Table, tablename="department"):
    id = Serial(primary_key=True)
    name = Varchar(length=100, unique=True)
    # The last "你是我们第 N 位…" number handed out; bumped atomically per candidate.
    last_ordinal = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())


class Position(Table, tablename="position"):
    """Unique per department (index in migration 0002)."""

    id = Serial(primary_key=True)
    department = ForeignKey(Department, null=False)
    name = Varchar(length=100)
    created_at = Timestamptz(default=TimestamptzNow())


class Stage(Table, tablename="stage"):
    """A step of the hiring pipeline, in ``sort_order``."""

    id = Serial(primary_key=True)
    code = Varchar(length=40, unique=True)
    name = Varchar(length=60)
    name_en = Varchar(length=60, default="")
    next_step = Text(default="")
    next_step_en = Text(default="")
    typical_days = Integer(default=0)
    sort_order = Integer(default=0)


class Cohort(Table, tablename="cohort"):
    """A training batch: the candidates who start together."""

    id = Serial(primary_key=True)
    name = Varchar(length=100, unique=True)
    department = ForeignKey(Department, null=True)
    starts_at = Timestamptz()
    place = Varchar(length=200, default="")
    timezone = Varchar(length=64, default="Asia/Shanghai")
    capacity = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())


class StaffUser(Table, tablename="staff_user"):
    id = Serial(primary_key=True)
    email = Varchar(length=254, unique=True)
    name = Varchar(length=100, default="")
    role = Varchar(length=20)
    # Managers see only their own department.
    department = ForeignKey(Department, null=True)
    password_hash = Varchar(length=255, null=True, default=None)
    oidc_subject = Varchar(length=255, null=True, default=None, unique=True)
    is_active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
    last_login_at = Timestamptz(null=True, default=None)


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


class ApiToken(Table, tablename="api_token"):
    """A bearer token for the integration API; only its SHA-256 is kept."""

    id = Serial(primary_key=True)
    name = Varchar(length=100)
    token_hash = Varchar(length=64, unique=True)
    prefix = Varchar(length=12)
    created_at = Timestamptz(default=TimestamptzNow())
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
