"""What a candidate's home page shows: welcome, progress through the stages, countdown."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from portal.config import get_settings
from portal.domain.candidates.countdown import Countdown, countdown_to
from portal.domain.candidates.tables import Candidate, StageChange
from portal.domain.errors import NotFound
from portal.domain.organisation.stage_choices import stage_label
from portal.domain.organisation.tables import Stage
from portal.i18n import gettext as _


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
    # The candidate with their department, position and cohort in one query (not four).
    row = (
        await Candidate.select(
            Candidate.id,
            Candidate.name,
            Candidate.stage,
            Candidate.status,
            Candidate.ordinal,
            Candidate.created_at,
            Candidate.department.name.as_alias("department_name"),
            Candidate.position.name.as_alias("position_name"),
            Candidate.cohort.id.as_alias("cohort_id"),
            Candidate.cohort.name.as_alias("cohort_name"),
            Candidate.cohort.place.as_alias("cohort_place"),
            Candidate.cohort.timezone.as_alias("cohort_timezone"),
            Candidate.cohort.starts_at.as_alias("cohort_starts_at"),
        )
        .where(Candidate.id == candidate_id)
        .first()
    )
    if row is None:
        raise NotFound(_("This candidate does not exist."))
    stages = await Stage.objects().order_by(Stage.sort_order)
    changes = (
        await StageChange.select(StageChange.to_stage, StageChange.changed_at)
        .where(StageChange.candidate == candidate_id)
        .order_by(StageChange.changed_at)
    )
    # The latest time each stage was entered (a candidate can be moved back and forth).
    reached: dict[int, datetime] = {}
    for change in changes:
        reached[change["to_stage"]] = change["changed_at"]

    current = next(stage for stage in stages if stage.id == row["stage"])
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

    has_cohort = row["cohort_id"] is not None
    timezone = row["cohort_timezone"] if has_cohort else get_settings().default_timezone
    entered_current = reached.get(current.id, row["created_at"])
    next_step_by = None
    if current.typical_days:
        next_step_by = (entered_current + timedelta(days=current.typical_days)).astimezone(
            ZoneInfo(timezone)
        )
    cohort_info = None
    if has_cohort:
        cohort_info = CohortInfo(
            name=row["cohort_name"],
            place=row["cohort_place"],
            timezone=row["cohort_timezone"],
            countdown=countdown_to(row["cohort_starts_at"], row["cohort_timezone"], now),
        )
    return CandidateHome(
        candidate_id=row["id"],
        name=row["name"],
        department=row["department_name"] or "",
        position=row["position_name"],
        ordinal=row["ordinal"],
        status=row["status"],
        timezone=timezone,
        steps=steps,
        current_stage=stage_label(current.name, current.name_en),
        next_step=stage_label(current.next_step, current.next_step_en),
        next_step_by=next_step_by,
        cohort=cohort_info,
    )
