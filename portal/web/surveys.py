"""Pulse surveys for candidates: answer one (once, optionally anonymously)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from portal.domain.errors import Conflict, ValidationFailed
from portal.domain.surveys.responding import (
    MAX_TEXT,
    survey_for_candidate,
    survey_respond,
    surveys_waiting,
)

FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _page(form: Any, *, status_code: int = 200, **context: Any) -> Template:
    return Template(
        "portal/surveys/survey.html",
        context={"survey": form, "errors": {}, "values": {}, "max_text": MAX_TEXT, **context},
        status_code=status_code,
        headers={"Cache-Control": "no-store"},
    )


@get("/surveys", name="surveys")
async def surveys_page(candidate_id: NamedDependency[int]) -> Template:
    return Template(
        "portal/surveys/list.html",
        context={"surveys": await surveys_waiting(candidate_id)},
        headers={"Cache-Control": "no-store"},
    )


@get("/surveys/{survey_id:int}", name="survey")
async def survey_page(candidate_id: NamedDependency[int], survey_id: FromPath[int]) -> Template:
    return _page(await survey_for_candidate(candidate_id=candidate_id, survey_id=survey_id))


@post("/surveys/{survey_id:int}", name="survey-respond")
async def survey_answer(
    candidate_id: NamedDependency[int], survey_id: FromPath[int], data: FormData
) -> Template | Redirect:
    try:
        await survey_respond(
            candidate_id=candidate_id,
            survey_id=survey_id,
            answers=data,
            anonymous=data.get("anonymous") == "1",
        )
    except ValidationFailed as failed:
        form = await survey_for_candidate(candidate_id=candidate_id, survey_id=survey_id)
        values = {key: str(value)[: MAX_TEXT * 2] for key, value in data.items()}
        return _page(form, status_code=400, errors=failed.errors, values=values)
    except Conflict as refused:
        form = await survey_for_candidate(candidate_id=candidate_id, survey_id=survey_id)
        return _page(form, status_code=409, refused=str(refused))
    return Redirect(f"/surveys/{survey_id}", status_code=HTTP_303_SEE_OTHER)


SURVEY_PAGES = [surveys_page, survey_page, survey_answer]
