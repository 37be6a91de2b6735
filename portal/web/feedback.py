"""The asker's "Was this helpful? 👍/👎" on an answered question (a plain form post)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect
from litestar.status_codes import HTTP_303_SEE_OTHER

from portal.domain.sla.feedback import answer_feedback_give

FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


@post("/questions/{question_id:int}/feedback", name="answer-feedback")
async def answer_feedback(
    candidate_id: NamedDependency[int], question_id: FromPath[int], data: FormData
) -> Redirect:
    room_id = await answer_feedback_give(
        candidate_id=candidate_id, question_id=question_id, helpful=data.get("helpful") == "1"
    )
    return Redirect(f"/rooms/{room_id}?rated=1#composer", status_code=HTTP_303_SEE_OTHER)


FEEDBACK_PAGES = [answer_feedback]
