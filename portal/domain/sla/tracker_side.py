"""What the SLA tracker shows beside its cards, in one read.

The filter selects (rooms, cohorts, question categories), the active staff the cards
offer as assignees, the SLA policy, the open suggestions' deadlines (the suggestion box's
line) and the last week's alerts. They were five reads. On PostgreSQL each read is a
round trip, and under load each cost the page 40-70 µs of CPU (most of it the send and
the server's wake-up), so the page asks once: a UNION ALL in which each part fills its
own columns and leaves the others NULL (:func:`_part`).

Typed NULLs settle PostgreSQL's column types. SQLite takes each column's declared type,
which picks the converter of its values, from the first part only: that part is the
suggestions', whose ``at`` is a real TIMESTAMPTZ column, so every time in ``at`` reads as
a datetime. The other columns hold integers and text, which SQLite returns as they are
(a boolean as 0 or 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from portal.db import PreparedSQL
from portal.domain.access import department_scope, question_scope, sees_cohort, sees_department
from portal.domain.sla.policy import POLICY_KEY, Policy, policy_from_row
from portal.domain.staff.tables import StaffUser
from portal.domain.suggestions.sla import SuggestionSummary, summary_of_deadlines
from portal.i18n import localized_name

# The alerts the tracker lists: the last week's, newest first, at most this many.
EVENT_DAYS = 7
EVENT_LIMIT = 20

# Every column of the read, with the type of its NULL where a part leaves it empty.
_COLUMNS = {
    "id": "INTEGER",
    "name": "TEXT",
    "name_en": "TEXT",
    "department": "INTEGER",
    "cohort": "INTEGER",
    "email": "TEXT",
    "role": "TEXT",
    "at": "TIMESTAMPTZ",
    "question": "INTEGER",
    "status": "TEXT",
    "event_kind": "TEXT",
    "by_name": "TEXT",
    "by_number": "INTEGER",
    "deadline_hours": "INTEGER",
    "warning_hours": "INTEGER",
    "business_hours_only": "BOOLEAN",
    "timezone": "TEXT",
    "weekly_schedule": "TEXT",
    "webhook_url": "TEXT",
}


def _part(kind: str, source: str, **values: str) -> str:
    """``SELECT`` of one part: ``values`` fills some columns, the rest are typed NULLs."""
    assert set(values) <= set(_COLUMNS), set(values) - set(_COLUMNS)
    columns = ", ".join(
        f"{values.get(name, f'CAST(NULL AS {null_type})')} AS {name}"
        for name, null_type in _COLUMNS.items()
    )
    return f"SELECT '{kind}' AS kind, {columns} FROM {source}"


def _sql(manager: bool) -> str:
    # A manager's scope: suggestions of their department; alerts of the questions routed
    # to managers whose asker is in it (as tracker._where_sql writes it).
    suggestion_scope = "AND department = {} " if manager else ""
    event_scope = "AND q.responder_role = {} AND a.department = {} " if manager else ""
    parts = [
        _part("g", f"suggestion WHERE status = 'open' {suggestion_scope}", at="deadline_at"),
        _part(
            "r",
            "room WHERE kind != 'direct'",
            id="id",
            name="name",
            department="department",
            cohort="cohort",
            by_name="name",
        ),
        _part("c", "cohort", id="id", name="name", department="department", at="starts_at"),
        _part(
            "q",
            "question_category",
            id="id",
            name="name",
            name_en="name_en",
            by_number="sort_order",
        ),  # fmt: skip
        _part(
            "s",
            "staff_user WHERE is_active",
            id="id",
            name="name",
            department="department",
            email="email",
            role="role",
            by_name="name",
        ),
        _part(
            "p",
            "sla_policy WHERE key = {}",
            deadline_hours="deadline_hours",
            warning_hours="warning_hours",
            business_hours_only="business_hours_only",
            timezone="timezone",
            weekly_schedule="weekly_schedule",
            webhook_url="webhook_url",
        ),
        _part(
            "e",
            "(SELECT e.id AS id, e.kind AS kind, e.created_at AS created_at, "
            "e.question AS question, a.name AS asker_name, q.status AS status "
            "FROM sla_event e "
            "LEFT JOIN room_question q ON q.id = e.question "
            "LEFT JOIN candidate a ON a.id = q.asker "
            f"WHERE e.created_at >= {{}} {event_scope}"
            "ORDER BY e.id DESC LIMIT {}) recent",
            id="recent.id",
            name="recent.asker_name",
            at="recent.created_at",
            question="recent.question",
            status="recent.status",
            event_kind="recent.kind",
        ),
    ]
    # Rooms and staff by name, cohorts newest first, categories as HR sorted them.
    return " UNION ALL ".join(parts) + " ORDER BY kind, by_name, at DESC, by_number, id"


_READS = {manager: PreparedSQL(_sql(manager)) for manager in (False, True)}


@dataclass(frozen=True)
class RecentEvent:
    id: int
    kind: str
    created_at: datetime
    question_id: int
    asker_name: str
    status: str


@dataclass(frozen=True)
class TrackerSide:
    # {"rooms", "cohorts", "categories"}: the filter selects, each [{"id", "name"}].
    choices: dict[str, list[dict[str, Any]]]
    # Every active staff member (id, name, email, role, department), by name: who may
    # answer a card is decided per card (question_actions.assignee_choices).
    active_staff: list[dict[str, Any]]
    policy: Policy
    suggestions: SuggestionSummary
    # The alerts of questions the staff member sees, newest first.
    events: list[RecentEvent]


async def tracker_side(staff: StaffUser, *, now: datetime | None = None) -> TrackerSide:
    """Everything the tracker page shows beside its cards, as ``staff`` may see it."""
    now = now or datetime.now(UTC)
    since = now - timedelta(days=EVENT_DAYS)
    scope = question_scope(staff)
    if scope is None:
        rows = await _READS[False].rows(POLICY_KEY, since, EVENT_LIMIT)
    else:
        rows = await _READS[True].rows(
            department_scope(staff),
            POLICY_KEY,
            since,
            scope.responder_role,
            scope.asker_department,
            EVENT_LIMIT,
        )
    by_kind: dict[str, list[dict[str, Any]]] = {kind: [] for kind in "grcqspe"}
    for row in rows:
        by_kind[row["kind"]].append(row)
    policy_rows = by_kind["p"]
    return TrackerSide(
        choices=_choices(staff, by_kind["r"], by_kind["c"], by_kind["q"]),
        active_staff=[
            {name: row[name] for name in ("id", "name", "email", "role", "department")}
            for row in by_kind["s"]
        ],
        policy=policy_from_row(policy_rows[0]) if policy_rows else Policy(),
        suggestions=summary_of_deadlines([row["at"] for row in by_kind["g"]], now),
        events=[
            RecentEvent(
                id=row["id"],
                kind=row["event_kind"],
                created_at=row["at"],
                question_id=row["question"],
                asker_name=row["name"] or "",
                status=row["status"] or "",
            )
            for row in sorted(by_kind["e"], key=lambda row: row["id"], reverse=True)
        ],
    )


def _choices(
    staff: StaffUser,
    rooms: list[dict[str, Any]],
    cohorts: list[dict[str, Any]],
    categories: list[dict[str, Any]],
) -> dict[str, list[dict[str, Any]]]:
    if department_scope(staff) is not None:
        # A manager's own department's and shared cohorts, and the rooms within them.
        cohorts = [cohort for cohort in cohorts if sees_cohort(staff, cohort["department"])]
        visible = {cohort["id"] for cohort in cohorts}
        rooms = [
            room
            for room in rooms
            if (room["department"] is not None and sees_department(staff, room["department"]))
            or (room["department"] is None and room["cohort"] in visible)
        ]
    return {
        "rooms": [{"id": room["id"], "name": room["name"]} for room in rooms],
        "cohorts": [{"id": cohort["id"], "name": cohort["name"]} for cohort in cohorts],
        "categories": [
            {"id": row["id"], "name": localized_name(row["name"], row["name_en"])}
            for row in categories
        ],
    }
