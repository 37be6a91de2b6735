"""Who a step reaches: candidates matching an audience, with what their messages need.

One query per audience (plus one for tags and one for languages), whatever the number of
candidates: the evaluator reads every active candidate of every step's audience each
round, so nothing here may cost a query per candidate.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from piccolo.columns.combination import WhereRaw

from portal.config import get_settings
from portal.domain.candidates.tables import Candidate
from portal.domain.journeys.tables import CandidateLanguage
from portal.domain.tags.tables import CandidateTag

_CHUNK = 500


@dataclass(frozen=True)
class Audience:
    """Every field narrows; an empty audience is every active candidate."""

    department_id: int | None = None
    position_id: int | None = None
    cohort_id: int | None = None
    stage_id: int | None = None
    tag_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Recipient:
    id: int
    name: str
    email: str | None
    phone: str
    status: str
    department_id: int
    department: str
    position_id: int | None
    cohort_id: int | None
    cohort: str | None
    cohort_starts_at: datetime | None
    cohort_place: str
    stage_id: int
    created_at: datetime
    timezone: str
    locale: str = "zh_CN"
    tag_ids: frozenset[int] = field(default_factory=frozenset)


_COLUMNS = (
    Candidate.id,
    Candidate.name,
    Candidate.email,
    Candidate.phone,
    Candidate.status,
    Candidate.department,
    Candidate.department.name.as_alias("department_name"),
    Candidate.position,
    Candidate.cohort,
    Candidate.cohort.name.as_alias("cohort_name"),
    Candidate.cohort.starts_at.as_alias("cohort_starts_at"),
    Candidate.cohort.place.as_alias("cohort_place"),
    Candidate.cohort.timezone.as_alias("cohort_timezone"),
    Candidate.stage,
    Candidate.created_at,
)


def _tag_condition(tag_ids: Sequence[int]) -> WhereRaw:
    """The candidate carries every one of ``tag_ids``."""
    marks = ", ".join("{}" for _ in tag_ids)
    return WhereRaw(
        "candidate.id IN (SELECT candidate FROM candidate_tag "
        f"WHERE tag IN ({marks}) GROUP BY candidate HAVING COUNT(DISTINCT tag) = {{}})",
        *tag_ids,
        len(set(tag_ids)),
    )


async def _extras(rows: list[dict]) -> tuple[dict[int, set[int]], dict[int, str]]:
    ids = [row["id"] for row in rows]
    tags: dict[int, set[int]] = defaultdict(set)
    languages: dict[int, str] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        for row in await CandidateTag.select(CandidateTag.candidate, CandidateTag.tag).where(
            CandidateTag.candidate.is_in(chunk)
        ):
            tags[row["candidate"]].add(row["tag"])
        for row in await CandidateLanguage.select(
            CandidateLanguage.candidate, CandidateLanguage.locale
        ).where(CandidateLanguage.candidate.is_in(chunk)):
            languages[row["candidate"]] = row["locale"]
    return tags, languages


def _recipients(rows: list[dict], tags: dict[int, set[int]], languages: dict[int, str]):
    default_zone = get_settings().default_timezone
    return [
        Recipient(
            id=row["id"],
            name=row["name"],
            email=row["email"],
            phone=row["phone"],
            status=row["status"],
            department_id=row["department"],
            department=row["department_name"],
            position_id=row["position"],
            cohort_id=row["cohort"],
            cohort=row["cohort_name"],
            cohort_starts_at=row["cohort_starts_at"],
            cohort_place=row["cohort_place"] or "",
            stage_id=row["stage"],
            created_at=row["created_at"],
            timezone=row["cohort_timezone"] or default_zone,
            locale=languages.get(row["id"], "zh_CN"),
            tag_ids=frozenset(tags.get(row["id"], ())),
        )
        for row in rows
    ]


async def audience_recipients(
    audience: Audience, *, statuses: tuple[str, ...] = ("active",), needs_cohort: bool = False
) -> list[Recipient]:
    """The candidates an audience names (active ones by default), oldest first."""
    query = Candidate.select(*_COLUMNS).where(Candidate.status.is_in(list(statuses)))
    if audience.department_id is not None:
        query = query.where(Candidate.department == audience.department_id)
    if audience.position_id is not None:
        query = query.where(Candidate.position == audience.position_id)
    if audience.cohort_id is not None:
        query = query.where(Candidate.cohort == audience.cohort_id)
    if audience.stage_id is not None:
        query = query.where(Candidate.stage == audience.stage_id)
    if needs_cohort:
        query = query.where(Candidate.cohort.is_not_null())
    if audience.tag_ids:
        query = query.where(_tag_condition(audience.tag_ids))
    rows = await query.order_by(Candidate.id)
    tags, languages = await _extras(rows)
    return _recipients(rows, tags, languages)


async def recipients_by_id(candidate_ids: Sequence[int]) -> dict[int, Recipient]:
    """The named candidates whatever their status (the caller decides who may get what)."""
    found: list[dict] = []
    wanted = sorted({i for i in candidate_ids if isinstance(i, int) and 0 < i < 2**31})
    for start in range(0, len(wanted), _CHUNK):
        found.extend(
            await Candidate.select(*_COLUMNS).where(
                Candidate.id.is_in(wanted[start : start + _CHUNK])
            )
        )
    tags, languages = await _extras(found)
    return {recipient.id: recipient for recipient in _recipients(found, tags, languages)}


def in_audience(recipient: Recipient, audience: Audience) -> bool:
    """The same rule as :func:`audience_recipients`, for one candidate already loaded."""
    return (
        (audience.department_id is None or recipient.department_id == audience.department_id)
        and (audience.position_id is None or recipient.position_id == audience.position_id)
        and (audience.cohort_id is None or recipient.cohort_id == audience.cohort_id)
        and (audience.stage_id is None or recipient.stage_id == audience.stage_id)
        and set(audience.tag_ids) <= recipient.tag_ids
    )


async def candidate_language_set(*, candidate_id: int, locale: str) -> None:
    """Remember the language a candidate chose: their messages are written in it."""
    if locale not in ("zh_CN", "en"):
        return
    await CandidateLanguage.insert(
        CandidateLanguage(candidate=candidate_id, locale=locale)
    ).on_conflict(
        target=CandidateLanguage.candidate,
        action="DO UPDATE",
        values=[CandidateLanguage.locale, CandidateLanguage.updated_at],
    )
