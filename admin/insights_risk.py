"""Drop-out risk: the list (highest first), one candidate's reasons and history, intervening.

HR and admins see every candidate, managers their department's (``may_see_risk``); a
candidate of another department is "not found" (the ``CANDIDATE_IN_SCOPE`` guard).
Candidates never reach any of it: these routes live under ``/admin`` only.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from admin.forms import form_id, form_text, query_int
from admin.guards import CANDIDATE_IN_SCOPE
from admin.rendering import admin_page
from portal.domain.access import department_scope, may_see_risk
from portal.domain.candidates.tables import Candidate
from portal.domain.errors import ValidationFailed
from portal.domain.insights.filters import cohort_choices
from portal.domain.insights.interventions import (
    candidate_interventions,
    intervention_message_send,
    intervention_task_create,
    intervention_task_done,
    message_template,
    open_tasks_for,
)
from portal.domain.insights.risk import active_model
from portal.domain.insights.risk_list import risk_list
from portal.domain.insights.scorecard import (
    HIGH_FROM,
    REASON_CODES,
    WATCH_FROM,
    reason_text,
    scorecard_rules,
)
from portal.domain.insights.tables import BANDS, RiskAssessment
from portal.domain.staff.tables import StaffUser


async def _assignees(candidate: Candidate) -> list[dict[str, Any]]:
    rows = await StaffUser.select(
        StaffUser.id, StaffUser.name, StaffUser.email, StaffUser.role, StaffUser.department
    ).where(StaffUser.is_active == True)  # noqa: E712
    return [row for row in rows if may_see_risk(_Ref(row), department_id=candidate.department)]


class _Ref:
    def __init__(self, row: dict[str, Any]) -> None:
        self.role = row["role"]
        self.department = row["department"]


async def _candidate_page(
    staff: StaffUser,
    candidate: Candidate,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    history = await (
        RiskAssessment.select()
        .where(RiskAssessment.candidate == candidate.id)
        .order_by(RiskAssessment.id, ascending=False)
        .limit(20)
    )
    for row in history:
        row["reasons"] = json.loads(row["reasons"])
        row["inputs"] = json.loads(row["inputs"])
    current = history[0] if history and history[0]["is_current"] else None
    top_reason = current["reasons"][0]["code"] if current and current["reasons"] else ""
    today = datetime.now(UTC).date()
    values = values or {
        "reason": top_reason,
        "body": message_template(top_reason, name=candidate.name),
        "due_on": (today + timedelta(days=2)).isoformat(),
        "assignee": str(staff.id),
        "note": "",
    }
    return admin_page(
        "admin/insights/risk_candidate.html",
        staff,
        status_code=status_code,
        candidate=candidate,
        current=current,
        history=history,
        interventions=await candidate_interventions(candidate.id),
        assignees=await _assignees(candidate),
        reason_text=reason_text,
        reason_codes=REASON_CODES,
        templates={code: message_template(code, name=candidate.name) for code in REASON_CODES},
        values=values,
        errors=errors or {},
        form_key=uuid.uuid4().hex,
        today=today,
    )


class RiskController(Controller):
    path = "/insights/risk"

    @get("/", name="admin-insights-risk")
    async def risk_page(
        self,
        staff: NamedDependency[StaffUser],
        cohort: FromQuery[str | None] = None,
        band: FromQuery[str | None] = None,
    ) -> Template:
        cohort_id = query_int(cohort)
        chosen_band = band if band in BANDS else None
        rows = await risk_list(staff, cohort_id=cohort_id, band=chosen_band)
        now = datetime.now(UTC)
        return admin_page(
            "admin/insights/risk.html",
            staff,
            rows=rows,
            cohorts=await cohort_choices(staff),
            cohort_id=cohort_id,
            band=chosen_band or "",
            bands=BANDS,
            reason_text=reason_text,
            now=now,
            hours72=timedelta(hours=72),
            model=await active_model(),
            my_tasks=await open_tasks_for(staff),
            today=now.date(),
        )

    @get("/model", name="admin-insights-risk-model")
    async def model_page(self, staff: NamedDependency[StaffUser]) -> Template:
        return admin_page(
            "admin/insights/risk_model.html",
            staff,
            rules=scorecard_rules(),
            high_from=HIGH_FROM,
            watch_from=WATCH_FROM,
            model=await active_model(),
            scoped=department_scope(staff) is not None,
        )

    @get(
        "/candidates/{candidate_id:int}",
        name="admin-insights-risk-candidate",
        guards=[CANDIDATE_IN_SCOPE],
    )
    async def candidate_page(
        self, staff: NamedDependency[StaffUser], candidate: NamedDependency[Candidate]
    ) -> Template:
        return await _candidate_page(staff, candidate)

    @post(
        "/candidates/{candidate_id:int}/message",
        name="admin-insights-risk-message",
        guards=[CANDIDATE_IN_SCOPE],
    )
    async def send_message(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        candidate: NamedDependency[Candidate],
    ) -> Template | Redirect:
        values = await form_text(request, "reason", "body", "form_key")
        try:
            await intervention_message_send(
                staff=staff,
                candidate_id=candidate.id,
                body=values["body"],
                reason=values["reason"],
                form_key=values["form_key"],
            )
        except ValidationFailed as failed:
            return await _candidate_page(
                staff, candidate, errors=failed.errors, values=_all(values), status_code=400
            )
        return Redirect(
            f"/admin/insights/risk/candidates/{candidate.id}?done=message",
            status_code=HTTP_303_SEE_OTHER,
        )

    @post(
        "/candidates/{candidate_id:int}/task",
        name="admin-insights-risk-task",
        guards=[CANDIDATE_IN_SCOPE],
    )
    async def create_task(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        candidate: NamedDependency[Candidate],
    ) -> Template | Redirect:
        values = await form_text(request, "reason", "assignee", "due_on", "note", "form_key")
        try:
            await intervention_task_create(
                staff=staff,
                candidate_id=candidate.id,
                assignee_id=form_id(values["assignee"]),
                due_on=values["due_on"],
                note=values["note"],
                reason=values["reason"],
                form_key=values["form_key"],
            )
        except ValidationFailed as failed:
            return await _candidate_page(
                staff, candidate, errors=failed.errors, values=_all(values), status_code=400
            )
        return Redirect(
            f"/admin/insights/risk/candidates/{candidate.id}?done=task",
            status_code=HTTP_303_SEE_OTHER,
        )

    @post("/tasks/{intervention_id:int}/done", name="admin-insights-risk-task-done")
    async def task_done(
        self, staff: NamedDependency[StaffUser], intervention_id: FromPath[int]
    ) -> Redirect:
        await intervention_task_done(staff=staff, intervention_id=intervention_id)
        return Redirect("/admin/insights/risk", status_code=HTTP_303_SEE_OTHER)


def _all(values: dict[str, str]) -> dict[str, str]:
    return {"reason": "", "body": "", "due_on": "", "assignee": "", "note": "", **values}
