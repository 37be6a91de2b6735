"""The risk list: active candidates the staff member may see, highest risk first (3 queries)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from portal.domain.access import Staff, department_scope
from portal.domain.insights.tables import RiskAssessment, RiskIntervention
from portal.domain.messaging.tables import OutboxMessage

LIST_LIMIT = 200


@dataclass
class RiskRow:
    candidate_id: int
    name: str
    cohort: str
    department: str
    score: int
    band: str
    reasons: list[dict[str, Any]]
    computed_at: datetime
    model_version: str
    last_contact_at: datetime | None = None
    interventions: list[dict[str, Any]] = field(default_factory=list)


async def risk_list(
    staff: Staff,
    *,
    cohort_id: int | None = None,
    department_id: int | None = None,
    band: str | None = None,
    limit: int = LIST_LIMIT,
) -> list[RiskRow]:
    query = RiskAssessment.select(
        RiskAssessment.candidate,
        RiskAssessment.candidate.name.as_alias("name"),
        RiskAssessment.candidate.cohort.name.as_alias("cohort"),
        RiskAssessment.candidate.department.name.as_alias("department"),
        RiskAssessment.score,
        RiskAssessment.band,
        RiskAssessment.reasons,
        RiskAssessment.computed_at,
        RiskAssessment.model_version,
    ).where(
        (RiskAssessment.is_current == True)  # noqa: E712
        & (RiskAssessment.candidate.status == "active")
    )
    scope = department_scope(staff)
    if scope is not None:
        query = query.where(RiskAssessment.candidate.department == scope)
    if department_id is not None:
        query = query.where(RiskAssessment.candidate.department == department_id)
    if cohort_id is not None:
        query = query.where(RiskAssessment.candidate.cohort == cohort_id)
    if band:
        query = query.where(RiskAssessment.band == band)
    rows = await query.order_by(RiskAssessment.score, ascending=False).limit(limit)
    result = [
        RiskRow(
            candidate_id=row["candidate"],
            name=row["name"],
            cohort=row["cohort"] or "",
            department=row["department"] or "",
            score=row["score"],
            band=row["band"],
            reasons=json.loads(row["reasons"])[:3],
            computed_at=row["computed_at"],
            model_version=row["model_version"],
        )
        for row in rows
    ]
    if not result:
        return result
    by_id = {row.candidate_id: row for row in result}
    ids = sorted(by_id)
    # Last contact: the newest message that went to the candidate (any channel).
    for row in await OutboxMessage.raw(
        "SELECT candidate, MAX(created_at) AS last_at FROM outbox_message "
        "WHERE candidate IN (" + ",".join(str(i) for i in ids) + ") GROUP BY candidate"
    ):
        last = row["last_at"]
        if isinstance(last, str):  # SQLite returns an aggregate's timestamp as text
            last = datetime.fromisoformat(last)
        by_id[row["candidate"]].last_contact_at = last
    for row in (
        await RiskIntervention.select(
            RiskIntervention.id,
            RiskIntervention.candidate,
            RiskIntervention.kind,
            RiskIntervention.created_at,
            RiskIntervention.followed_at,
            RiskIntervention.due_on,
            RiskIntervention.done_at,
        )
        .where(RiskIntervention.candidate.is_in(ids))
        .order_by(RiskIntervention.id, ascending=False)
    ):
        by_id[row["candidate"]].interventions.append(row)
    return result
