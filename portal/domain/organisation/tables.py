"""The organisation's structure: departments, positions, hiring stages, cohorts."""

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
