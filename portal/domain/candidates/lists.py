"""Candidate selectors for the admin app: the searchable list, one candidate's page, form choices.

``department_scope`` is None for staff who see everything, or the one department a
manager may see; every query here applies it.
"""

from __future__ import annotations

import functools
import math
import operator
import re
from dataclasses import dataclass, field
from datetime import datetime

from piccolo.columns.combination import WhereRaw

from portal.config import get_settings
from portal.domain.candidates.records import candidate_get
from portal.domain.candidates.tables import CANDIDATE_STATUSES, Candidate, StageChange
from portal.domain.checklist.overdue import overdue_candidate_ids
from portal.domain.organisation.tables import Department, Position
from portal.domain.tags.names import TagView, tags_of, tags_text
from portal.i18n import localized_name

PAGE_SIZE = 50
NO_COHORT = "none"


@dataclass(frozen=True)
class CandidateFilters:
    search: str = ""
    cohort: int | str | None = None  # a cohort id, NO_COHORT, or None for any
    stage_id: int | None = None
    status: str | None = None
    page: int = 1
    tag_id: int | None = None
    overdue: bool = False  # has a checklist item past its deadline, not handed in


@dataclass(frozen=True)
class CandidateListRow:
    id: int
    name: str
    phone: str
    department: str
    cohort: str | None
    stage: str
    status: str
    ordinal: int
    tags: str = ""


@dataclass(frozen=True)
class CandidatePage:
    rows: list[CandidateListRow]
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class StageHistoryEntry:
    changed_at: datetime
    from_stage: str | None
    to_stage: str
    changed_by: str | None
    source: str
    note: str


@dataclass(frozen=True)
class CandidateDetail:
    id: int
    name: str
    phone: str
    email: str | None
    external_id: str | None
    department_id: int
    department: str
    position: str | None
    cohort_id: int | None
    cohort: str | None
    cohort_starts_at: datetime | None
    stage_id: int
    stage: str
    status: str
    withdraw_reason: str
    ordinal: int
    created_at: datetime
    updated_at: datetime
    timezone: str  # the cohort's, else the default: dates on the page are shown in it
    history: list[StageHistoryEntry] = field(default_factory=list)
    tags: list[TagView] = field(default_factory=list)


@dataclass(frozen=True)
class DepartmentChoice:
    id: int
    name: str


@dataclass(frozen=True)
class PositionChoice:
    id: int
    name: str
    department_id: int
    department: str


def _search_condition(text: str):
    """Name, e-mail and external id contain ``text``; or the phone contains its digits.

    LIKE wildcards typed by the user (% and _) only widen the search; the value is
    always passed as a parameter.
    """
    pattern = f"%{text}%"
    conditions = [
        Candidate.name.ilike(pattern),
        Candidate.email.ilike(pattern),
        Candidate.external_id.ilike(pattern),
    ]
    digits = re.sub(r"[\s\-()+]", "", text)
    if digits.isascii() and digits.isdigit():
        conditions.append(Candidate.phone.like(f"%{digits}%"))
    return functools.reduce(operator.or_, conditions)


def _filtered(
    query, filters: CandidateFilters, department_scope: int | None, overdue: set[int] | None = None
):
    if department_scope is not None:
        query = query.where(Candidate.department == department_scope)
    search = " ".join(filters.search.split())[:100]
    if search:
        query = query.where(_search_condition(search))
    if filters.cohort == NO_COHORT:
        query = query.where(Candidate.cohort.is_null())
    elif isinstance(filters.cohort, int):
        query = query.where(Candidate.cohort == filters.cohort)
    if filters.stage_id is not None:
        query = query.where(Candidate.stage == filters.stage_id)
    if filters.status in CANDIDATE_STATUSES:
        query = query.where(Candidate.status == filters.status)
    if filters.tag_id is not None:
        query = query.where(
            WhereRaw(
                "candidate.id IN (SELECT candidate FROM candidate_tag WHERE tag = {})",
                filters.tag_id,
            )
        )
    if overdue is not None:
        query = query.where(Candidate.id.is_in(sorted(overdue) or [0]))
    return query


async def _overdue(filters: CandidateFilters) -> set[int] | None:
    return await overdue_candidate_ids() if filters.overdue else None


async def candidate_ids_matching(
    *, filters: CandidateFilters, department_scope: int | None, limit: int = 10_000
) -> list[int]:
    """Every candidate the filters match (HR's "all matching the filter"), oldest first."""
    query = _filtered(
        Candidate.select(Candidate.id), filters, department_scope, await _overdue(filters)
    )
    return [row["id"] for row in await query.order_by(Candidate.id).limit(limit)]


async def candidate_page(
    *, filters: CandidateFilters, department_scope: int | None, page_size: int = PAGE_SIZE
) -> CandidatePage:
    """One page of candidates, newest first."""
    overdue = await _overdue(filters)
    total = await _filtered(Candidate.count(), filters, department_scope, overdue)
    pages = max(1, math.ceil(total / page_size))
    page = min(max(1, filters.page), pages)
    rows = (
        await _filtered(
            Candidate.select(
                Candidate.id,
                Candidate.name,
                Candidate.phone,
                Candidate.department.name.as_alias("department_name"),
                Candidate.cohort.name.as_alias("cohort_name"),
                Candidate.stage.name.as_alias("stage_name"),
                Candidate.stage.name_en.as_alias("stage_name_en"),
                Candidate.status,
                Candidate.ordinal,
            ),
            filters,
            department_scope,
            overdue,
        )
        .order_by(Candidate.id, ascending=False)
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    tags = await tags_of([row["id"] for row in rows])
    return CandidatePage(
        rows=[
            CandidateListRow(
                id=row["id"],
                name=row["name"],
                phone=row["phone"],
                department=row["department_name"],
                cohort=row["cohort_name"],
                stage=localized_name(row["stage_name"], row["stage_name_en"]),
                status=row["status"],
                ordinal=row["ordinal"],
                tags=tags_text(tags.get(row["id"], [])),
            )
            for row in rows
        ],
        total=total,
        page=page,
        pages=pages,
    )


async def candidate_detail(candidate_id: int) -> CandidateDetail:
    """Everything about one candidate, with their stage history (newest first).

    The caller checks that the staff member may see ``department_id``.
    """
    candidate = await candidate_get(candidate_id)
    row = (
        await Candidate.select(
            Candidate.department.name.as_alias("department_name"),
            Candidate.position.name.as_alias("position_name"),
            Candidate.cohort.name.as_alias("cohort_name"),
            Candidate.cohort.starts_at.as_alias("cohort_starts_at"),
            Candidate.cohort.timezone.as_alias("cohort_timezone"),
            Candidate.stage.name.as_alias("stage_name"),
            Candidate.stage.name_en.as_alias("stage_name_en"),
        )
        .where(Candidate.id == candidate_id)
        .first()
    )
    history = await (
        StageChange.select(
            StageChange.changed_at,
            StageChange.from_stage.name.as_alias("from_name"),
            StageChange.from_stage.name_en.as_alias("from_name_en"),
            StageChange.to_stage.name.as_alias("to_name"),
            StageChange.to_stage.name_en.as_alias("to_name_en"),
            StageChange.changed_by.name.as_alias("staff_name"),
            StageChange.changed_by.email.as_alias("staff_email"),
            StageChange.source,
            StageChange.note,
        )
        .where(StageChange.candidate == candidate_id)
        .order_by(StageChange.changed_at, ascending=False)
        .order_by(StageChange.id, ascending=False)
    )
    return CandidateDetail(
        id=candidate.id,
        name=candidate.name,
        phone=candidate.phone,
        email=candidate.email,
        external_id=candidate.external_id,
        department_id=candidate.department,
        department=row["department_name"],
        position=row["position_name"],
        cohort_id=candidate.cohort,
        cohort=row["cohort_name"],
        cohort_starts_at=row["cohort_starts_at"],
        stage_id=candidate.stage,
        stage=localized_name(row["stage_name"], row["stage_name_en"]),
        status=candidate.status,
        withdraw_reason=candidate.withdraw_reason,
        ordinal=candidate.ordinal,
        created_at=candidate.created_at,
        updated_at=candidate.updated_at,
        timezone=row["cohort_timezone"] or get_settings().default_timezone,
        tags=(await tags_of([candidate_id])).get(candidate_id, []),
        history=[
            StageHistoryEntry(
                changed_at=entry["changed_at"],
                from_stage=(
                    localized_name(entry["from_name"], entry["from_name_en"] or "")
                    if entry["from_name"]
                    else None
                ),
                to_stage=localized_name(entry["to_name"], entry["to_name_en"]),
                changed_by=entry["staff_name"] or entry["staff_email"],
                source=entry["source"],
                note=entry["note"],
            )
            for entry in history
        ],
    )


async def department_choices(*, department_scope: int | None = None) -> list[DepartmentChoice]:
    query = Department.select(Department.id, Department.name).order_by(Department.name)
    if department_scope is not None:
        query = query.where(Department.id == department_scope)
    return [DepartmentChoice(id=row["id"], name=row["name"]) for row in await query]


async def position_choices() -> list[PositionChoice]:
    rows = await Position.select(
        Position.id,
        Position.name,
        Position.department,
        Position.department.name.as_alias("department_name"),
    ).order_by(Position.department.name, Position.name)
    return [
        PositionChoice(
            id=row["id"],
            name=row["name"],
            department_id=row["department"],
            department=row["department_name"],
        )
        for row in rows
    ]
