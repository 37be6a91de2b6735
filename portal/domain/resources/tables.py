"""Tables for the resource library: guides, FAQ entries, files and links HR publishes."""

from __future__ import annotations

from piccolo.columns import ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from portal.domain.organisation.tables import Cohort, Department
from portal.domain.staff.tables import StaffUser

RESOURCE_KINDS = ("guide", "faq", "file", "link")
RESOURCE_AUDIENCES = ("everyone", "department", "cohort")
RESOURCE_STATUSES = ("draft", "published")


class Resource(Table, tablename="resource"):
    """One item of the library, shown to the candidates it targets once published.

    ``kind`` decides which columns matter: a guide's ``body`` is Markdown; an FAQ entry's
    ``title`` is the question and ``body`` the answer; a file lives in storage under
    ``file_key`` (a generated key; ``file_name`` is only for display); a link has ``url``.
    ``audience`` is everyone, one department or one cohort (``department``/``cohort``).
    """

    id = Serial(primary_key=True)
    kind = Varchar(length=10)
    title = Varchar(length=200)
    body = Text(default="")
    url = Varchar(length=2000, default="")
    file_key = Varchar(length=200, null=True, default=None)
    file_name = Varchar(length=200, default="")
    file_type = Varchar(length=60, default="")
    file_size = Integer(default=0)
    audience = Varchar(length=12, default="everyone")
    department = ForeignKey(Department, null=True)
    cohort = ForeignKey(Cohort, null=True)
    status = Varchar(length=12, default="draft")
    # Smaller first within a kind; ties by id.
    sort_order = Integer(default=0)
    created_by = ForeignKey(StaffUser, null=True)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    published_at = Timestamptz(null=True, default=None)
