"""What the SLA tracker shows: questions by time left, with the asker's context.

HR and admins see every question; a manager sees the questions routed to managers
whose asker is in the manager's own department (:func:`portal.domain.access.question_scope`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from portal.db import prepared
from portal.domain.access import question_scope
from portal.domain.checklist.status import ChecklistStatus, checklist_statuses
from portal.domain.errors import NotFound
from portal.domain.rooms.tables import RoomQuestion
from portal.domain.sla.policy import Policy, sla_policy_get
from portal.domain.sla.time_left import time_left_label, urgency
from portal.domain.staff.tables import StaffUser
from portal.i18n import gettext as _
from portal.i18n import localized_name

# The tracker lists at most this many questions (open ones first); the figures count all.
TRACKER_LIMIT = 300


@dataclass(frozen=True)
class TrackerFilters:
    room_id: int | None = None
    cohort_id: int | None = None
    category_id: int | None = None
    mine: bool = False
    include_answered: bool = False


class TrackerQuestion(NamedTuple):
    """A card of the tracker. A named tuple rather than a frozen dataclass: a page makes up
    to 300 of them, and a frozen dataclass sets each of its 28 fields through
    ``object.__setattr__`` (13 µs a card against 8); its hash, part of the card memo's key
    (portal/web/question_cards.py), is made in C too."""

    id: int
    message_id: int
    room_id: int
    room_name: str
    body: str
    category: str
    responder_role: str
    is_private: bool
    status: str
    asked_at: datetime
    deadline_at: datetime
    urgency: str
    time_left: str
    assigned_to_id: int | None
    assigned_to_name: str
    answered_at: datetime | None
    answered_by_name: str
    closed_reason: str
    asker_id: int
    asker_name: str
    asker_department_id: int | None
    cohort_name: str
    department_name: str
    position_name: str
    stage_name: str
    updated_at: datetime
    # The asker's document checklist (counts), filled in for the tracker's cards.
    checklist: ChecklistStatus | None = None

    @property
    def version(self) -> str:
        """Changes whenever the card would look different (apart from the ticking label)."""
        return f"{self.status}:{self.assigned_to_id}:{self.urgency}:{self.updated_at.timestamp()}"

    @property
    def answered_in_time(self) -> bool:
        return self.answered_at is not None and self.answered_at <= self.deadline_at


@dataclass(frozen=True)
class SlaSummary:
    open: int
    soon: int
    overdue: int
    warning_hours: int


def question_where(staff: StaffUser) -> Any:
    """The where-clause of the questions ``staff`` may see; None for all of them."""
    scope = question_scope(staff)
    if scope is None:
        return None
    return (RoomQuestion.responder_role == scope.responder_role) & (
        RoomQuestion.asker.department == scope.asker_department
    )


_COLUMNS = (
    RoomQuestion.id,
    RoomQuestion.message,
    RoomQuestion.room,
    RoomQuestion.room.name.as_alias("room_name"),
    RoomQuestion.message.body.as_alias("body"),
    RoomQuestion.category.name.as_alias("category_name"),
    RoomQuestion.category.name_en.as_alias("category_name_en"),
    RoomQuestion.responder_role,
    RoomQuestion.is_private,
    RoomQuestion.status,
    RoomQuestion.asked_at,
    RoomQuestion.deadline_at,
    RoomQuestion.assigned_to,
    RoomQuestion.assigned_to.name.as_alias("assigned_to_name"),
    RoomQuestion.assigned_to.email.as_alias("assigned_to_email"),
    RoomQuestion.answered_at,
    RoomQuestion.answered_by.name.as_alias("answered_by_name"),
    RoomQuestion.closed_reason,
    RoomQuestion.updated_at,
    RoomQuestion.asker,
    RoomQuestion.asker.name.as_alias("asker_name"),
    RoomQuestion.asker.department.as_alias("asker_department"),
    RoomQuestion.asker.cohort.name.as_alias("cohort_name"),
    RoomQuestion.asker.department.name.as_alias("department_name"),
    RoomQuestion.asker.position.name.as_alias("position_name"),
    RoomQuestion.asker.stage.name.as_alias("stage_name"),
    RoomQuestion.asker.stage.name_en.as_alias("stage_name_en"),
)


def _item(
    row: dict[str, Any],
    now: datetime,
    warning_hours: int,
    checklists: dict[int, ChecklistStatus],
) -> TrackerQuestion:
    deadline_at = row["deadline_at"]
    return TrackerQuestion(
        id=row["id"],
        message_id=row["message"],
        room_id=row["room"],
        room_name=row["room_name"] or "",
        body=row["body"] or "",
        category=localized_name(row["category_name"], row["category_name_en"]),
        responder_role=row["responder_role"],
        is_private=bool(row["is_private"]),
        status=row["status"],
        asked_at=row["asked_at"],
        deadline_at=deadline_at,
        urgency=urgency(deadline_at, now, warning_hours),
        time_left=time_left_label(deadline_at, now),
        assigned_to_id=row["assigned_to"],
        assigned_to_name=row["assigned_to_name"] or (row["assigned_to_email"] or ""),
        answered_at=row["answered_at"],
        answered_by_name=row["answered_by_name"] or "",
        closed_reason=row["closed_reason"] or "",
        asker_id=row["asker"],
        asker_name=row["asker_name"] or "",
        asker_department_id=row["asker_department"],
        cohort_name=row["cohort_name"] or "",
        department_name=row["department_name"] or "",
        position_name=row["position_name"] or "",
        stage_name=localized_name(row["stage_name"], row["stage_name_en"]),
        updated_at=row["updated_at"],
        checklist=checklists.get(row["asker"]),
    )


def _where(staff: StaffUser, filters: TrackerFilters) -> list[Any]:
    clauses = []
    scope = question_where(staff)
    if scope is not None:
        clauses.append(scope)
    if filters.room_id:
        clauses.append(RoomQuestion.room == filters.room_id)
    if filters.cohort_id:
        clauses.append(RoomQuestion.asker.cohort == filters.cohort_id)
    if filters.category_id:
        clauses.append(RoomQuestion.category == filters.category_id)
    if filters.mine:
        clauses.append(RoomQuestion.assigned_to == staff.id)
    return clauses


# The tracker's questions, written as SQL (as the room handshake's reads are): building the
# eleven-join select with Piccolo's query builder cost more CPU than running it. The same
# joins and columns as _COLUMNS (used for one question by tracker_question).
_QUESTIONS_SELECT = (
    "SELECT q.id AS id, q.message AS message, q.room AS room, r.name AS room_name, "
    "m.body AS body, cat.name AS category_name, cat.name_en AS category_name_en, "
    "q.responder_role AS responder_role, q.is_private AS is_private, q.status AS status, "
    "q.asked_at AS asked_at, q.deadline_at AS deadline_at, q.assigned_to AS assigned_to, "
    "st.name AS assigned_to_name, st.email AS assigned_to_email, "
    "q.answered_at AS answered_at, ab.name AS answered_by_name, "
    "q.closed_reason AS closed_reason, q.updated_at AS updated_at, q.asker AS asker, "
    "a.name AS asker_name, a.department AS asker_department, co.name AS cohort_name, "
    "d.name AS department_name, p.name AS position_name, sg.name AS stage_name, "
    "sg.name_en AS stage_name_en "
    "FROM room_question q "
    "LEFT JOIN room r ON r.id = q.room "
    "LEFT JOIN room_message m ON m.id = q.message "
    "LEFT JOIN question_category cat ON cat.id = q.category "
    "LEFT JOIN staff_user st ON st.id = q.assigned_to "
    "LEFT JOIN staff_user ab ON ab.id = q.answered_by "
    "LEFT JOIN candidate a ON a.id = q.asker "
    "LEFT JOIN cohort co ON co.id = a.cohort "
    "LEFT JOIN department d ON d.id = a.department "
    'LEFT JOIN "position" p ON p.id = a.position '
    "LEFT JOIN stage sg ON sg.id = a.stage "
)


def _where_sql(staff: StaffUser, filters: TrackerFilters | None) -> tuple[str, list[Any]]:
    """question_where(staff) and _where(staff, filters) as SQL: conditions, arguments."""
    sql, args = "", []
    scope = question_scope(staff)
    if scope is not None:
        sql += "AND q.responder_role = {} AND a.department = {} "
        args += [scope.responder_role, scope.asker_department]
    if filters is None:
        return sql, args
    if filters.room_id:
        sql += "AND q.room = {} "
        args.append(filters.room_id)
    if filters.cohort_id:
        sql += "AND a.cohort = {} "
        args.append(filters.cohort_id)
    if filters.category_id:
        sql += "AND q.category = {} "
        args.append(filters.category_id)
    if filters.mine:
        sql += "AND q.assigned_to = {} "
        args.append(staff.id)
    return sql, args


async def tracker_questions(
    staff: StaffUser,
    filters: TrackerFilters,
    *,
    now: datetime | None = None,
    policy: Policy | None = None,
) -> list[TrackerQuestion]:
    """Open questions by time left (least first); then, if asked, the latest answered ones.

    ``policy``: the SLA policy when the caller has read it already (once per page)."""
    now = now or datetime.now(UTC)
    policy = policy or await sla_policy_get()
    where, args = _where_sql(staff, filters)
    rows = await prepared(
        f"{_QUESTIONS_SELECT}WHERE q.status = 'open' {where}ORDER BY q.deadline_at, q.id LIMIT {{}}"
    ).rows(*args, TRACKER_LIMIT)
    if filters.include_answered and len(rows) < TRACKER_LIMIT:
        rows += await prepared(
            f"{_QUESTIONS_SELECT}WHERE q.status != 'open' {where}"
            "ORDER BY q.updated_at DESC LIMIT {}"
        ).rows(*args, TRACKER_LIMIT - len(rows))
    # The askers' checklists before the cards are made: a frozen card copied with
    # dataclasses.replace() cost more than making it.
    checklists = await checklist_statuses([row["asker"] for row in rows], now=now)
    return [_item(row, now, policy.warning_hours, checklists) for row in rows]


async def tracker_question(
    staff: StaffUser, question_id: int, *, now: datetime | None = None
) -> TrackerQuestion:
    """One question ``staff`` may see; NotFound (no hint that it exists) otherwise."""
    query = RoomQuestion.select(*_COLUMNS).where(RoomQuestion.id == question_id)
    scope = question_where(staff)
    if scope is not None:
        query = query.where(scope)
    row = await query.first()
    if row is None:
        raise NotFound(_("This question does not exist or is not yours to answer."))
    policy = await sla_policy_get()
    now = now or datetime.now(UTC)
    checklists = await checklist_statuses([row["asker"]], now=now)
    return _item(row, now, policy.warning_hours, checklists)


async def sla_summary(
    staff: StaffUser, *, now: datetime | None = None, policy: Policy | None = None
) -> SlaSummary:
    """How many open questions ``staff`` sees, and how many of them are due soon or overdue.

    Counted by the database (the same boundaries as :func:`urgency`): the tracker's reads
    stay the same size however many questions are open."""
    now = now or datetime.now(UTC)
    policy = policy or await sla_policy_get()
    where, args = _where_sql(staff, None)
    join = "LEFT JOIN candidate a ON a.id = q.asker " if where else ""
    rows = await prepared(
        "SELECT COUNT(*) AS open_count, "
        "COALESCE(SUM(CASE WHEN q.deadline_at <= {} THEN 1 ELSE 0 END), 0) AS overdue, "
        "COALESCE(SUM(CASE WHEN q.deadline_at > {} AND q.deadline_at <= {} "
        "THEN 1 ELSE 0 END), 0) AS soon "
        "FROM room_question q " + join + "WHERE q.status = 'open' " + where
    ).rows(
        now,
        now,
        now + timedelta(hours=policy.warning_hours),
        *args,
    )
    counts = rows[0]
    return SlaSummary(
        open=int(counts["open_count"]),
        soon=int(counts["soon"]),
        overdue=int(counts["overdue"]),
        warning_hours=policy.warning_hours,
    )


def summary_of_cards(
    questions: list[TrackerQuestion], filters: TrackerFilters, warning_hours: int
) -> SlaSummary | None:
    """:func:`sla_summary` counted from the cards, when they are every open question the
    staff member sees: no filter, and fewer open ones than the list holds. None otherwise.

    The cards' urgency has the summary's boundaries, so the counts are the same; the page
    saves a read in the usual case (HR's unfiltered tracker)."""
    if filters.room_id or filters.cohort_id or filters.category_id or filters.mine:
        return None
    open_cards = [question for question in questions if question.status == "open"]
    if len(open_cards) >= TRACKER_LIMIT:
        return None
    return SlaSummary(
        open=len(open_cards),
        soon=sum(1 for question in open_cards if question.urgency == "soon"),
        overdue=sum(1 for question in open_cards if question.urgency == "overdue"),
        warning_hours=warning_hours,
    )
