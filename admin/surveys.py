"""Pulse surveys for HR: build (at most five questions), activate, close, see results."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_409_CONFLICT

from admin.guards import HR_ONLY
from admin.rendering import admin_page
from portal.domain.errors import Conflict, ValidationFailed
from portal.domain.staff.tables import StaffUser
from portal.domain.surveys.building import (
    MAX_QUESTIONS,
    QuestionInput,
    kind_label,
    survey_create,
    survey_get,
    survey_set_status,
    surveys_list,
)
from portal.domain.surveys.invites import survey_link_path
from portal.domain.surveys.results import survey_results
from portal.domain.surveys.tables import QUESTION_KINDS

# The form offers five question slots; more posted fields are counted (and refused).
_MAX_SLOTS = 20


def _questions(form: Any) -> list[QuestionInput]:
    questions = []
    for number in range(1, _MAX_SLOTS + 1):
        kind = str(form.get(f"q{number}_kind", "") or "")
        prompt = str(form.get(f"q{number}_prompt", "") or "")[:2000]
        options = str(form.get(f"q{number}_options", "") or "")[:5000]
        if kind or prompt or options:
            questions.append(QuestionInput(kind=kind, prompt=prompt, options=options))
    return questions


def _form_page(staff: StaffUser, *, values: dict[str, str], errors: dict[str, str],
               status_code: int = 200) -> Template:  # fmt: skip
    return admin_page(
        "admin/surveys/new.html",
        staff,
        status_code=status_code,
        values=values,
        errors=errors,
        slots=range(1, MAX_QUESTIONS + 1),
        kinds=[(kind, kind_label(kind)) for kind in QUESTION_KINDS],
    )


class SurveyController(Controller):
    path = "/surveys"
    guards = [HR_ONLY]

    @get("/", name="admin-surveys")
    async def list_surveys(self, staff: NamedDependency[StaffUser]) -> Template:
        return admin_page("admin/surveys/list.html", staff, surveys=await surveys_list())

    @get("/new", name="admin-survey-new")
    async def new(self, staff: NamedDependency[StaffUser]) -> Template:
        return _form_page(staff, values={}, errors={})

    @post("/new", name="admin-survey-create")
    async def create(
        self, request: Request[Any, Any, Any], staff: NamedDependency[StaffUser]
    ) -> Template | Redirect:
        form = await request.form()
        try:
            survey = await survey_create(
                staff=staff, title=str(form.get("title", ""))[:2000], questions=_questions(form)
            )
        except ValidationFailed as failed:
            values = {key: str(value)[:5000] for key, value in form.items()}
            return _form_page(staff, values=values, errors=failed.errors, status_code=400)
        return Redirect(f"/admin/surveys/{survey.id}", status_code=HTTP_303_SEE_OTHER)

    @get("/{survey_id:int}", name="admin-survey")
    async def show(self, staff: NamedDependency[StaffUser], survey_id: FromPath[int]) -> Template:
        survey = await survey_get(survey_id)
        return admin_page(
            "admin/surveys/one.html",
            staff,
            survey=survey,
            link_path=survey_link_path(survey.id),
            results=await survey_results(survey.id),
            kind_label=kind_label,
        )

    @post("/{survey_id:int}/status", name="admin-survey-status")
    async def status(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        survey_id: FromPath[int],
    ) -> Redirect:
        form = await request.form()
        try:
            await survey_set_status(survey_id=survey_id, status=str(form.get("status", "")))
        except (Conflict, ValidationFailed) as refused:
            raise HTTPException(status_code=HTTP_409_CONFLICT, detail=str(refused)) from None
        return Redirect(f"/admin/surveys/{survey_id}", status_code=HTTP_303_SEE_OTHER)
