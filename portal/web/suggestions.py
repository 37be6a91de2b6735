"""The suggestion box for candidates: write one (optionally anonymous), see my named ones.

Nothing here logs anything about a submission; an anonymous one is stored without the
candidate (see :mod:`portal.domain.suggestions.box`).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from portal.domain.errors import ValidationFailed
from portal.domain.messaging.inbox import candidate_timezone
from portal.domain.suggestions.box import (
    MAX_BODY,
    category_choices,
    suggestion_of_candidate,
    suggestion_submit,
    suggestions_of_candidate,
)

FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


async def _page(candidate_id: int, *, status_code: int = 200, **context: Any) -> Template:
    return Template(
        "portal/suggestions/box.html",
        context={
            "mine": await suggestions_of_candidate(candidate_id),
            "categories": category_choices(),
            "max_body": MAX_BODY,
            "client_id": uuid.uuid4().hex,
            "timezone": await candidate_timezone(candidate_id),
            "errors": {},
            "values": {"kind": "suggestion", "category": "", "body": "", "anonymous": False},
            **context,
        },
        status_code=status_code,
        headers={"Cache-Control": "no-store"},
    )


@get("/suggestions", name="suggestions")
async def suggestions_page(
    candidate_id: NamedDependency[int], request: Request[Any, Any, Any]
) -> Template:
    return await _page(candidate_id, sent=request.query_params.get("sent"))


@post("/suggestions", name="suggestion-submit")
async def suggestion_send(
    candidate_id: NamedDependency[int], data: FormData
) -> Template | Redirect:
    anonymous = data.get("anonymous") == "1"
    try:
        await suggestion_submit(
            candidate_id=candidate_id,
            kind=data.get("kind"),
            category=data.get("category"),
            body=data.get("body"),
            anonymous=anonymous,
            client_key=data.get("client_id", ""),
        )
    except ValidationFailed as failed:
        values = {
            "kind": str(data.get("kind", "")),
            "category": str(data.get("category", "")),
            "body": str(data.get("body", ""))[: MAX_BODY * 2],
            "anonymous": anonymous,
        }
        return await _page(candidate_id, status_code=400, errors=failed.errors, values=values)
    sent = "anonymous" if anonymous else "named"
    return Redirect(f"/suggestions?sent={sent}", status_code=HTTP_303_SEE_OTHER)


@get("/suggestions/{suggestion_id:int}", name="suggestion")
async def suggestion_page(
    candidate_id: NamedDependency[int], suggestion_id: FromPath[int]
) -> Template:
    return Template(
        "portal/suggestions/one.html",
        context={
            "s": await suggestion_of_candidate(candidate_id, suggestion_id),
            "timezone": await candidate_timezone(candidate_id),
        },
        headers={"Cache-Control": "no-store"},
    )


SUGGESTION_PAGES = [suggestions_page, suggestion_send, suggestion_page]
