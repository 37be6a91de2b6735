"""The cohort leaderboard: points earned from courses, this week or all time, from the ledger.

Only course awards count (spending points on a reward does not drop anyone down).
A candidate may hide their name; the row then reads 匿名伙伴 ("anonymous partner").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from piccolo.query.functions.aggregate import Sum

from portal.domain.candidates.records import candidate_get
from portal.domain.candidates.tables import Candidate
from portal.domain.learning.tables import LearnerPreference, PointEntry
from portal.domain.organisation.tables import Cohort
from portal.i18n import gettext as _

LEADERBOARD_SIZE = 20


@dataclass(frozen=True)
class LeaderboardRow:
    rank: int
    name: str
    points: int
    is_me: bool


@dataclass(frozen=True)
class Leaderboard:
    cohort_name: str | None
    period: str  # "week" | "all"
    rows: list[LeaderboardRow]
    hide_name: bool


def week_start(now: datetime, timezone: str) -> datetime:
    """Monday 00:00 of ``now``'s week in the cohort's time zone, as UTC."""
    local = now.astimezone(ZoneInfo(timezone))
    monday = (local - timedelta(days=local.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return monday.astimezone(UTC)


async def hides_name(*, candidate_id: int) -> bool:
    row = await LearnerPreference.select(LearnerPreference.hide_name).where(
        LearnerPreference.candidate == candidate_id
    )
    return bool(row and row[0]["hide_name"])


async def leaderboard_set_hidden(*, candidate_id: int, hide_name: bool) -> None:
    # One upsert: an update, then an insert when nothing was updated, let a double tap on
    # a first choice insert twice (the second failed on the unique candidate: a 500).
    await LearnerPreference.insert(
        LearnerPreference(candidate=candidate_id, hide_name=hide_name)
    ).on_conflict(
        target=LearnerPreference.candidate,
        action="DO UPDATE",
        values=[LearnerPreference.hide_name],
    )


async def cohort_leaderboard(
    *, candidate_id: int, period: str, now: datetime | None = None
) -> Leaderboard:
    candidate = await candidate_get(candidate_id)
    hide = await hides_name(candidate_id=candidate_id)
    period = period if period in ("week", "all") else "week"
    if not candidate.cohort:
        return Leaderboard(cohort_name=None, period=period, rows=[], hide_name=hide)
    cohort = await Cohort.objects().get(Cohort.id == candidate.cohort)
    members = {
        row["id"]: row["name"]
        for row in await Candidate.select(Candidate.id, Candidate.name).where(
            Candidate.cohort == cohort.id
        )
    }
    condition = PointEntry.candidate.is_in(list(members)) & PointEntry.source_key.like("course:%")
    if period == "week":
        start = week_start(now or datetime.now(UTC), cohort.timezone)
        condition &= PointEntry.created_at >= start
    totals = await (
        PointEntry.select(PointEntry.candidate, Sum(PointEntry.amount).as_alias("points"))
        .where(condition)
        .group_by(PointEntry.candidate)
    )
    hidden = {
        row["candidate"]
        for row in await LearnerPreference.select(LearnerPreference.candidate).where(
            LearnerPreference.candidate.is_in(list(members)) & (LearnerPreference.hide_name == True)  # noqa: E712 - a Piccolo expression
        )
    }
    ranked = sorted(
        (row for row in totals if row["points"]), key=lambda r: (-r["points"], r["candidate"])
    )[:LEADERBOARD_SIZE]
    rows = [
        LeaderboardRow(
            rank=rank,
            name=_("Anonymous partner")
            if row["candidate"] in hidden
            else members[row["candidate"]],
            points=int(row["points"]),
            is_me=row["candidate"] == candidate_id,
        )
        for rank, row in enumerate(ranked, start=1)
    ]
    return Leaderboard(cohort_name=cohort.name, period=period, rows=rows, hide_name=hide)
