"""Candidate pages: list and search, create, view, edit, move stage, status, sign-in link."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from admin.forms import form_id, form_text, query_int
from admin.guards import CANDIDATE_IN_SCOPE, HR_ONLY
from admin.rendering import admin_page
from portal.config import get_settings
from portal.domain.access import department_scope
from portal.domain.candidates.lists import (
    NO_COHORT,
    CandidateDetail,
    CandidateFilters,
    candidate_detail,
    candidate_page,
    department_choices,
    position_choices,
)
from portal.domain.candidates.login_links import login_link_send
from portal.domain.candidates.records import (
    CandidateInput,
    candidate_create,
    candidate_move_stage,
    candidate_set_status,
    candidate_update,
)
from portal.domain.candidates.tables import CANDIDATE_STATUSES, Candidate
from portal.domain.errors import DomainError, NotFound, ValidationFailed
from portal.domain.insights.interventions import candidate_interventions
from portal.domain.organisation.cohort_lists import cohort_choices
from portal.domain.organisation.stage_choices import stage_choices
from portal.domain.staff.tables import StaffUser
from portal.domain.tags.names import candidate_tags_set, tag_choices
from portal.domain.talent.needs import SUGGESTED_NEEDS
from portal.domain.talent.withdrawal import WithdrawalInput, reason_choices

CANDIDATE_FIELDS = (
    "name",
    "phone",
    "email",
    "department",
    "position",
    "cohort",
    "external_id",
    "stage",
)


def candidate_filters_read(**raw: str | None) -> CandidateFilters:
    """The list's filters from query or form values (also HR's "all matching" send)."""
    cohort = raw.get("cohort")
    status = raw.get("status")
    return CandidateFilters(
        search=(raw.get("q") or "")[:200],
        cohort=NO_COHORT if cohort == NO_COHORT else query_int(cohort),
        stage_id=query_int(raw.get("stage")),
        status=status if status in CANDIDATE_STATUSES else None,
        page=query_int(raw.get("page")) or 1,
        tag_id=query_int(raw.get("tag")),
        overdue=raw.get("overdue") == "1",
    )


def candidate_filters_kept(filters: CandidateFilters) -> dict[str, object]:
    kept = {
        "q": filters.search,
        "cohort": filters.cohort or "",
        "stage": filters.stage_id or "",
        "status": filters.status or "",
        "tag": filters.tag_id or "",
        "overdue": "1" if filters.overdue else "",
    }
    return {key: value for key, value in kept.items() if value}


def _candidate_input(values: dict[str, str]) -> CandidateInput:
    return CandidateInput(
        name=values["name"],
        phone=values["phone"],
        email=values["email"] or None,
        department_id=form_id(values["department"]),
        position_id=form_id(values["position"]),
        cohort_id=form_id(values["cohort"]),
        external_id=values["external_id"] or None,
    )


async def _form_page(
    staff: StaffUser,
    *,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    candidate_id: int | None = None,
    status_code: int = 200,
) -> Template:
    return admin_page(
        "admin/candidates/form.html",
        staff,
        status_code=status_code,
        values=values,
        errors=errors or {},
        candidate_id=candidate_id,
        departments=await department_choices(),
        positions=await position_choices(),
        cohorts=await cohort_choices(department_scope=None),
        stages=await stage_choices(),
    )


async def _detail_page(
    staff: StaffUser,
    detail: CandidateDetail,
    *,
    status_code: int = 200,
    **context: Any,
) -> Template:
    context.setdefault("errors", {})
    context.setdefault("values", {})
    return admin_page(
        "admin/candidates/detail.html",
        staff,
        status_code=status_code,
        candidate=detail,
        interventions=await candidate_interventions(detail.id),
        stages=await stage_choices(),
        statuses=CANDIDATE_STATUSES,
        withdrawal_reasons=await reason_choices(),
        suggested_needs=SUGGESTED_NEEDS,
        consent_months=get_settings().talent_consent_months,
        **context,
    )


def _detail_url(candidate_id: int) -> str:
    return f"/admin/candidates/{candidate_id}"


class CandidateController(Controller):
    """Every staff member sees the candidates of their scope; HR's records are HR's to edit.

    A ``candidate`` parameter is the path's candidate, 404 outside the staff member's
    scope (``admin/guards.py``); ``CANDIDATE_IN_SCOPE`` before ``HR_ONLY`` keeps that 404
    ahead of a manager's 403.
    """

    path = "/candidates"

    @get("/", name="admin-candidates")
    async def list_candidates(
        self,
        staff: NamedDependency[StaffUser],
        q: FromQuery[str | None] = None,
        cohort: FromQuery[str | None] = None,
        stage: FromQuery[str | None] = None,
        status: FromQuery[str | None] = None,
        page: FromQuery[str | None] = None,
        tag: FromQuery[str | None] = None,
        overdue: FromQuery[str | None] = None,
    ) -> Template:
        scope = department_scope(staff)
        filters = candidate_filters_read(
            q=q, cohort=cohort, stage=stage, status=status, page=page, tag=tag, overdue=overdue
        )
        result = await candidate_page(filters=filters, department_scope=scope)
        kept = candidate_filters_kept(filters)
        return admin_page(
            "admin/candidates/list.html",
            staff,
            result=result,
            filters=filters,
            cohorts=await cohort_choices(department_scope=scope),
            stages=await stage_choices(),
            statuses=CANDIDATE_STATUSES,
            no_cohort=NO_COHORT,
            page_url=lambda number: "?" + urlencode({**kept, "page": number}),
            tags=await tag_choices(),
            kept=kept,
        )

    @get("/new", name="admin-candidate-new", guards=[HR_ONLY])
    async def new_candidate(self, staff: NamedDependency[StaffUser]) -> Template:
        return await _form_page(staff, values=dict.fromkeys(CANDIDATE_FIELDS, ""))

    @post("/new", name="admin-candidate-create", guards=[HR_ONLY])
    async def create_candidate(
        self, request: Request[Any, Any, Any], staff: NamedDependency[StaffUser]
    ) -> Template | Redirect:
        values = await form_text(request, *CANDIDATE_FIELDS)
        stage_id = form_id(values["stage"])
        try:
            candidate = await candidate_create(
                data=_candidate_input(values),
                stage_id=stage_id,
                actor_id=staff.id,
                source="admin",
            )
        except ValidationFailed as failed:
            return await _form_page(staff, values=values, errors=failed.errors, status_code=400)
        return Redirect(_detail_url(candidate.id), status_code=HTTP_303_SEE_OTHER)

    @get("/{candidate_id:int}", name="admin-candidate")
    async def show_candidate(
        self, staff: NamedDependency[StaffUser], candidate: NamedDependency[Candidate]
    ) -> Template:
        return await _detail_page(staff, await candidate_detail(candidate.id))

    @get(
        "/{candidate_id:int}/edit",
        name="admin-candidate-edit",
        guards=[CANDIDATE_IN_SCOPE, HR_ONLY],
    )
    async def edit_candidate(
        self, staff: NamedDependency[StaffUser], candidate: NamedDependency[Candidate]
    ) -> Template:
        values = {
            "name": candidate.name,
            "phone": candidate.phone,
            "email": candidate.email or "",
            "department": str(candidate.department),
            "position": str(candidate.position or ""),
            "cohort": str(candidate.cohort or ""),
            "external_id": candidate.external_id or "",
            "stage": "",
        }
        return await _form_page(staff, values=values, candidate_id=candidate.id)

    @post(
        "/{candidate_id:int}/edit",
        name="admin-candidate-update",
        guards=[CANDIDATE_IN_SCOPE, HR_ONLY],
    )
    async def update_candidate(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        candidate: NamedDependency[Candidate],
    ) -> Template | Redirect:
        candidate_id = candidate.id
        values = await form_text(request, *CANDIDATE_FIELDS)
        try:
            await candidate_update(
                candidate_id=candidate_id, data=_candidate_input(values), actor_id=staff.id
            )
        except ValidationFailed as failed:
            return await _form_page(
                staff,
                values=values,
                errors=failed.errors,
                candidate_id=candidate_id,
                status_code=400,
            )
        return Redirect(_detail_url(candidate_id), status_code=HTTP_303_SEE_OTHER)

    @post("/{candidate_id:int}/stage", name="admin-candidate-move-stage")
    async def move_stage(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        candidate: NamedDependency[Candidate],
    ) -> Template | Redirect:
        candidate_id = candidate.id
        values = await form_text(request, "stage", "note")
        try:
            await candidate_move_stage(
                candidate_id=candidate_id,
                # Never let an empty choice fall back to the first stage.
                stage_id=form_id(values["stage"]) or 0,
                actor_id=staff.id,
                source="admin",
                note=values["note"].strip(),
            )
        except ValidationFailed as failed:
            return await _detail_page(
                staff,
                await candidate_detail(candidate_id),
                status_code=400,
                errors=failed.errors,
                values=values,
            )
        return Redirect(_detail_url(candidate_id), status_code=HTTP_303_SEE_OTHER)

    @post(
        "/{candidate_id:int}/status",
        name="admin-candidate-status",
        guards=[CANDIDATE_IN_SCOPE, HR_ONLY],
    )
    async def change_status(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        candidate: NamedDependency[Candidate],
    ) -> Template | Redirect:
        candidate_id = candidate.id
        values = await form_text(request, "status", "reason", "reason_code", "needs", "consent")
        try:
            await candidate_set_status(
                candidate_id=candidate_id,
                status=values["status"],
                reason=values["reason"],
                actor_id=staff.id,
                withdrawal=WithdrawalInput(
                    reason_code=values["reason_code"] or None,
                    text=values["reason"],
                    needs=values["needs"],
                    consent=values["consent"] == "1",
                    source="admin",
                ),
            )
        except ValidationFailed as failed:
            return await _detail_page(
                staff,
                await candidate_detail(candidate_id),
                status_code=400,
                errors=failed.errors,
                values=values,
            )
        return Redirect(_detail_url(candidate_id), status_code=HTTP_303_SEE_OTHER)

    @post(
        "/{candidate_id:int}/tags",
        name="admin-candidate-tags",
        guards=[CANDIDATE_IN_SCOPE, HR_ONLY],
    )
    async def set_tags(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        candidate: NamedDependency[Candidate],
    ) -> Template | Redirect:
        candidate_id = candidate.id
        values = await form_text(request, "tags")
        try:
            await candidate_tags_set(candidate_id=candidate_id, tags=values["tags"][:2000])
        except ValidationFailed as failed:
            return await _detail_page(
                staff,
                await candidate_detail(candidate_id),
                status_code=400,
                errors=failed.errors,
                values=values,
            )
        return Redirect(_detail_url(candidate_id), status_code=HTTP_303_SEE_OTHER)

    @post("/{candidate_id:int}/login-link", name="admin-candidate-login-link")
    async def send_login_link(
        self, staff: NamedDependency[StaffUser], candidate: NamedDependency[Candidate]
    ) -> Template:
        candidate_id = candidate.id
        try:
            sent = await login_link_send(candidate_id=candidate_id, sent_by=staff.id)
        except NotFound:
            raise
        except DomainError as refused:
            return await _detail_page(
                staff,
                await candidate_detail(candidate_id),
                status_code=409,
                errors={"login_link": str(refused)},
            )
        # Never the link itself: whoever reads it can act as the candidate (access.py).
        return await _detail_page(staff, await candidate_detail(candidate_id), link_sent=sent)
