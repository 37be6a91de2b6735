"""Staff accounts and integration API tokens."""

from __future__ import annotations

from piccolo.columns import (
    Boolean,
    ForeignKey,
    Serial,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from portal.domain.organisation.tables import Department

STAFF_ROLES = ("admin", "hr", "manager")


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


class ApiToken(Table, tablename="api_token"):
    """A bearer token for the integration API; only its SHA-256 is kept."""

    id = Serial(primary_key=True)
    name = Varchar(length=100)
    token_hash = Varchar(length=64, unique=True)
    prefix = Varchar(length=12)
    created_at = Timestamptz(default=TimestamptzNow())
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
