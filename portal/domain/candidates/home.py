"""What a candidate's home page shows: welcome, progress through the stages, countdown."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from portal.config import get_settings
from portal.domain.candidates.countdown import Countdown, countdown_to
from portal.domain.candidates.records import candidate_get
from portal.domain.candidates.tables import StageChange
from portal.domain.organisation.stage_choices import stage_label
from portal.domain.organisation.tables import Cohort, Department, Position, Stage


@dataclass(frozen=True)
class StageStep:
    code: str
    name: str
    reached_at: datetime | None
    state: str  # "done" | "current" | "todo"


@dataclass(frozen=True)
class CohortInfo:
    name: str
    place: str
    timezone: str
    countdown: Countdown


@dataclass(frozen=True)
class CandidateHome:
    candidate_id: int
    name: str
    department: str
    position: str | None
    ordinal: int
    status: str
    timezone: str
    steps: list[StageStep] = field(default_factory=list)
    current_stage: str = ""
    next_step: str = ""
    next_step_by: datetime | None = None
    cohort: CohortInfo | None = None


async def candidate_home(*, candidate_id: int, now: datetime | None = None) -> CandidateHome:
    now = now or datetime.now(UTC)
    candidate = await candidate_get(candidate_id)
    department = await Department.objects().get(Department.id == candidate.department)
    position = (
        await Position.objects().get(Position.id == candidate.position)
        if candidate.position
        else None
    )
    cohort = await Cohort.objects().get(Cohort.id == candidate.cohort) if candidate.cohort else None
    stages = await Stage.objects().order_by(Stage.sort_order)
    changes = (
        await StageChange.select(StageChange.to_stage, StageChange.changed_at)
        .where(StageChange.candidate == candidate.id)
        .order_by(StageChange.changed_at)
    )
    # The latest time each stage was entered (a candidate can be moved back and forth).
    reached: dict[int, datetime] = {}
    for change in changes:
        reached[change["to_stage"]] = change["changed_at"]

    current = next(stage for stage in stages if stage.id == candidate.stage)
    steps = []
    for stage in stages:
        if stage.sort_order < current.sort_order:
            state = "done"
        elif stage.id == current.id:
            state = "current"
        else:
            state = "todo"
        steps.append(
            StageStep(
                code=stage.code,
                name=stage_label(stage.name, stage.name_en),
                reached_at=reached.get(stage.id) if state != "todo" else None,
                state=state,
            )
        )

    timezone = cohort.timezone if cohort else get_settings().default_timezone
    entered_current = reached.get(current.id, candidate.created_at)
    next_step_by = None
    if current.typical_days:
        next_step_by = (entered_current + timedelta(days=current.typical_days)).astimezone(
            ZoneInfo(timezone)
        )
    cohort_info = None
    if cohort is not None:
        cohort_info = CohortInfo(
            name=cohort.name,
            place=cohort.place,
            timezone=cohort.timezone,
            countdown=countdown_to(cohort.starts_at, cohort.timezone, now),
        )
    return CandidateHome(
        candidate_id=candidate.id,
        name=candidate.name,
        department=department.name if department else "",
        position=position.name if position else None,
        ordinal=candidate.ordinal,
        status=candidate.status,
        timezone=timezone,
        steps=steps,
        current_stage=stage_label(current.name, current.name_en),
        next_step=stage_label(current.next_step, current.next_step_en),
        next_step_by=next_step_by,
        cohort=cohort_info,
    )
