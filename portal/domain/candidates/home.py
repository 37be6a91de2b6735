"""What a candidate's home page shows: welcome, progress through the stages, countdown."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from piccolo.engine.sqlite import SQLiteEngine

from portal.config import get_settings
from portal.db import PreparedSQL, current_engine
from portal.domain.candidates.countdown import Countdown, countdown_to
from portal.domain.errors import NotFound
from portal.domain.learning.earning import CHECKIN_COLUMNS_SQL, CheckinState, checkin_state_from
from portal.domain.videos.watch import WelcomeVideoView
from portal.i18n import gettext as _
from portal.i18n import localized_name


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
    return (await candidate_home_page(candidate_id=candidate_id, now=now)).home


@dataclass(frozen=True)
class HomePage:
    """What the home page reads besides the checklist, from one row and one list."""

    home: CandidateHome
    welcome_video: WelcomeVideoView | None
    checkin: CheckinState


# The home page's reads, written as SQL built once (as the room handshake's are): building
# them with Piccolo's query builder, and turning rows into Table objects, cost more CPU
# than running them. One row: the candidate with department, position, cohort, their
# department's approved welcome video (at most one: a unique partial index) and the whole
# stage list as JSON (the unread inbox count comes with the tab bar's badges). The stage
# list rides along instead of being cached with an invalidation: its text is the cache key
# (see _stages_from), so an edit made by any process is seen by the next page, with no
# version to keep.
_STAGE_FIELDS = "id, code, name, name_en, next_step, next_step_en, typical_days, sort_order"
_STAGES_JSON = {
    "sqlite": f"(SELECT json_group_array(json_array({_STAGE_FIELDS})) FROM stage)",
    "postgres": (
        f"(SELECT json_agg(json_build_array({_STAGE_FIELDS}) ORDER BY id) FROM stage)::text"
    ),
}
# The candidate's own stage history rides along the same way (as JSON: [stage, time]...).
_CHANGES_JSON = {
    "sqlite": (
        "(SELECT json_group_array(json_array(to_stage, changed_at)) "
        "FROM stage_change WHERE candidate = c.id)"
    ),
    "postgres": (
        "(SELECT json_agg(json_build_array(to_stage, changed_at)) "
        "FROM stage_change WHERE candidate = c.id)::text"
    ),
}
_HOME_SQL_TEMPLATE = (
    "SELECT c.id AS id, c.name AS name, c.stage AS stage, c.status AS status, "
    "c.ordinal AS ordinal, c.created_at AS created_at, "
    "d.name AS department_name, p.name AS position_name, "
    "co.id AS cohort_id, co.name AS cohort_name, co.place AS cohort_place, "
    "co.timezone AS cohort_timezone, co.starts_at AS cohort_starts_at, "
    "v.id AS video_id, v.title AS video_title, v.poster_key AS video_poster_key, "
    "v.media_type AS video_media_type, "
    "{stages} AS stages, {changes} AS changes, "
    f"{CHECKIN_COLUMNS_SQL} "
    "FROM candidate c "
    "LEFT JOIN department d ON d.id = c.department "
    'LEFT JOIN "position" p ON p.id = c.position '
    "LEFT JOIN cohort co ON co.id = c.cohort "
    "LEFT JOIN welcome_video v ON v.department = c.department AND v.status = 'approved' "
    "WHERE c.id = {{}}"
)
_HOME_SQL = {
    dialect: PreparedSQL(_HOME_SQL_TEMPLATE.format(stages=stages, changes=_CHANGES_JSON[dialect]))
    for dialect, stages in _STAGES_JSON.items()
}


@dataclass(frozen=True, slots=True)
class _Stage:
    id: int
    code: str
    name: str
    name_en: str
    next_step: str
    next_step_en: str
    typical_days: int
    sort_order: int


# The stage list last parsed in this process, keyed by its JSON text (exact: any edit,
# anywhere, changes the text; the tuple is rebuilt the first time a page sees it).
_stages_cache: tuple[str, tuple[_Stage, ...]] | None = None


def _stages_from(text: str | None) -> tuple[_Stage, ...]:
    global _stages_cache
    cached = _stages_cache
    if cached is not None and cached[0] == text:
        return cached[1]
    stages = tuple(
        sorted(
            (_Stage(*row) for row in json.loads(text or "[]")),
            key=lambda stage: (stage.sort_order, stage.id),
        )
    )
    _stages_cache = (text or "", stages)
    return stages


def _dialect() -> str:
    return "sqlite" if isinstance(current_engine(), SQLiteEngine) else "postgres"


async def candidate_home_page(*, candidate_id: int, now: datetime | None = None) -> HomePage:
    """The home page's candidate, stages, stage history, welcome video and check-in card,
    in one query."""
    now = now or datetime.now(UTC)
    rows = await _HOME_SQL[_dialect()].rows(candidate_id)
    if not rows:
        raise NotFound(_("This candidate does not exist."))
    row = rows[0]
    stages = _stages_from(row["stages"])
    # The latest time each stage was entered (a candidate can be moved back and forth).
    reached: dict[int, datetime] = {}
    for stage_id, changed_at in json.loads(row["changes"] or "[]"):
        moment = _moment(changed_at)
        if stage_id not in reached or moment > reached[stage_id]:
            reached[stage_id] = moment

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
                name=localized_name(stage.name, stage.name_en),
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
    if next_step_by is not None and has_cohort and next_step_by > row["cohort_starts_at"]:
        # A stage's usual length is a typical figure: the promise never reaches past the
        # first day of training, which is the date that matters to the candidate.
        next_step_by = row["cohort_starts_at"].astimezone(ZoneInfo(timezone))
    cohort_info = None
    if has_cohort:
        cohort_info = CohortInfo(
            name=row["cohort_name"],
            place=row["cohort_place"],
            timezone=row["cohort_timezone"],
            countdown=countdown_to(row["cohort_starts_at"], row["cohort_timezone"], now),
        )
    home = CandidateHome(
        candidate_id=row["id"],
        name=row["name"],
        department=row["department_name"] or "",
        position=row["position_name"],
        ordinal=row["ordinal"],
        status=row["status"],
        timezone=timezone,
        steps=steps,
        current_stage=localized_name(current.name, current.name_en),
        next_step=localized_name(current.next_step, current.next_step_en),
        next_step_by=next_step_by,
        cohort=cohort_info,
    )
    video = None
    if row["video_id"] is not None:
        video = WelcomeVideoView(
            id=row["video_id"],
            title=row["video_title"],
            has_poster=bool(row["video_poster_key"]),
            media_type=row["video_media_type"],
        )
    checkin = checkin_state_from(
        amount=row["checkin_amount"],
        enabled=row["checkin_enabled"],
        days=row["checkin_days"],
        latest=row["checkin_latest"],
        timezone=row["cohort_timezone"],
        now=now,
    )
    return HomePage(home=home, welcome_video=video, checkin=checkin)


def _moment(text: str) -> datetime:
    """A time stamp as JSON carries it (ISO 8601 from either database), always aware."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
