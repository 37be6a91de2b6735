"""Cohort selectors for the admin app: the overview with head-counts, choices, form values.

``department_scope`` is None for staff who see everything, or the one department a
manager may see. A manager sees their department's cohorts and the shared ones (no
department: centralised training batches), but head-counts only ever count candidates
of their own department.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from piccolo.query.functions.aggregate import Count

from portal.domain.candidates.tables import Candidate
from portal.domain.organisation.cohorts import CohortInput, cohort_get
from portal.domain.organisation.stage_choices import StageChoice, stage_choices
from portal.domain.organisation.tables import Cohort


@dataclass(frozen=True)
class CohortRow:
    id: int
    name: str
    department: str | None
    starts_at_local: datetime
    timezone: str
    place: str
    capacity: int
    counts: list[int]  # one per stage, in pipeline order
    total: int

    @property
    def over_capacity(self) -> bool:
        # Capacity 0 means "not set".
        return 0 < self.capacity < self.total


@dataclass(frozen=True)
class CohortOverview:
    stages: list[StageChoice]
    rows: list[CohortRow]


@dataclass(frozen=True)
class CohortChoice:
    id: int
    name: str
    department_id: int | None
    department: str | None


def _visible(query, department_scope: int | None):
    if department_scope is None:
        return query
    return query.where((Cohort.department == department_scope) | Cohort.department.is_null())


async def cohort_overview(
    *, department_scope: int | None, now: datetime | None = None
) -> CohortOverview:
    """Every visible cohort, upcoming ones first (soonest on top), then past ones.

    Head-counts leave out withdrawn candidates: they are not coming.
    """
    now = now or datetime.now(UTC)
    stages = await stage_choices()
    cohorts = await _visible(
        Cohort.select(
            Cohort.id,
            Cohort.name,
            Cohort.department.name.as_alias("department_name"),
            Cohort.starts_at,
            Cohort.timezone,
            Cohort.place,
            Cohort.capacity,
        ),
        department_scope,
    )
    # One grouped query for all cohorts and stages.
    counting = Candidate.select(Candidate.cohort, Candidate.stage, Count(alias="head_count")).where(
        Candidate.cohort.is_not_null() & (Candidate.status != "withdrawn")
    )
    if department_scope is not None:
        counting = counting.where(Candidate.department == department_scope)
    counts: dict[tuple[int, int], int] = {
        (row["cohort"], row["stage"]): row["head_count"]
        for row in await counting.group_by(Candidate.cohort, Candidate.stage)
    }

    rows = []
    for cohort in cohorts:
        per_stage = [counts.get((cohort["id"], stage.id), 0) for stage in stages]
        rows.append(
            CohortRow(
                id=cohort["id"],
                name=cohort["name"],
                department=cohort["department_name"],
                starts_at_local=cohort["starts_at"].astimezone(ZoneInfo(cohort["timezone"])),
                timezone=cohort["timezone"],
                place=cohort["place"],
                capacity=cohort["capacity"],
                counts=per_stage,
                total=sum(per_stage),
            )
        )
    # A batch stays "upcoming" through its first day.
    cutoff = now - timedelta(days=1)
    upcoming = sorted((r for r in rows if r.starts_at_local >= cutoff), key=_start)
    past = sorted((r for r in rows if r.starts_at_local < cutoff), key=_start, reverse=True)
    return CohortOverview(stages=stages, rows=upcoming + past)


def _start(row: CohortRow) -> tuple[datetime, str]:
    return row.starts_at_local, row.name


async def cohort_choices(*, department_scope: int | None) -> list[CohortChoice]:
    rows = await _visible(
        Cohort.select(
            Cohort.id,
            Cohort.name,
            Cohort.department,
            Cohort.department.name.as_alias("department_name"),
        ).order_by(Cohort.starts_at, ascending=False),
        department_scope,
    )
    return [
        CohortChoice(
            id=row["id"],
            name=row["name"],
            department_id=row["department"],
            department=row["department_name"],
        )
        for row in rows
    ]


async def cohort_form_input(cohort_id: int) -> tuple[Cohort, CohortInput]:
    """The cohort and its values as the edit form shows them (local date and time)."""
    cohort = await cohort_get(cohort_id)
    local = cohort.starts_at.astimezone(ZoneInfo(cohort.timezone))
    return cohort, CohortInput(
        name=cohort.name,
        department_id=cohort.department,
        start_date=local.date().isoformat(),
        start_time=local.strftime("%H:%M"),
        timezone=cohort.timezone,
        place=cohort.place,
        capacity=str(cohort.capacity),
    )
