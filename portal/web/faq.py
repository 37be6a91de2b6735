"""Instant answers for candidates: suggestions while typing, the "similar questions" step.

- ``GET /faq/suggest?q=…`` (JSON, for ``static/js/faq_suggest.js``): the best published
  FAQ entries and answered questions of the candidate's cohort or department; at most
  ``SUGGEST_LIMIT`` per candidate in ``SUGGEST_WINDOW_SECONDS`` (429 past it: a script
  cannot turn it into a search engine over everything answered).
- The room's question form, without JavaScript, first shows the similar questions
  (:func:`similar_questions_step`, called by ``portal/web/rooms.py``): "this answered it"
  posts to ``/faq/answered``; "post my question anyway" posts the same form again with
  ``similar_seen=1``.
- ``POST /faq/answered``: count the answer ("answered instantly"); the question is not
  posted.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Response, Template

from portal.auth.login_throttle import LoginThrottled, ThrottleLimits
from portal.auth.rate_limits import rate_limit_key, rate_limit_take
from portal.domain.errors import ValidationFailed
from portal.domain.faq.instant import instant_answer_record
from portal.domain.faq.search import MAX_QUERY, Match, faq_suggestions
from portal.domain.rooms.errors import SendRefused
from portal.domain.rooms.messages import clean_body
from portal.domain.validation import row_id_from
from portal.i18n import gettext as _

FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
MAX_SHOWN_ANSWER = 600
# The script asks at most once per pause in typing (debounced); a person writing several
# questions stays far below this, a script crawling the answers does not.
SUGGEST_LIMIT = 120
SUGGEST_WINDOW_SECONDS = 600


def _shown(match: Match) -> dict[str, str]:
    answer = match.answer
    if len(answer) > MAX_SHOWN_ANSWER:
        answer = answer[:MAX_SHOWN_ANSWER] + "…"
    return {
        "key": match.key,
        "source": match.source,
        "title": match.title,
        "answer": answer,
        "source_label": _("FAQ") if match.source == "faq" else _("Answered before"),
    }


@get("/faq/suggest", name="faq-suggest")
async def faq_suggest(
    candidate_id: NamedDependency[int], request: Request[Any, Any, Any]
) -> Response[dict[str, Any]]:
    try:
        await rate_limit_take(
            request.app.state.rate_limit_store,
            {
                rate_limit_key("faq-suggest", str(candidate_id)): ThrottleLimits(
                    SUGGEST_LIMIT, SUGGEST_WINDOW_SECONDS
                )
            },
        )
    except LoginThrottled as throttled:
        return Response(
            {"matches": [], "detail": _("Too many requests. Try again later.")},
            status_code=429,
            headers={
                "Retry-After": str(throttled.retry_after_seconds),
                "Cache-Control": "no-store",
            },
        )
    query = (request.query_params.get("q") or "")[:MAX_QUERY]
    matches = await faq_suggestions(candidate_id=candidate_id, query=query)
    return Response(
        {
            "matches": [_shown(m) for m in matches],
            "labels": {
                "heading": _("Maybe already answered:"),
                "answered": _("This answered my question"),
                "thanks": _("Glad it helped! Your question was not posted."),
            },
        },
        headers={"Cache-Control": "no-store"},
    )


async def similar_questions_step(
    *, candidate_id: int, room_id: int, data: dict[str, Any], context: str = "room"
) -> Template | None:
    """The similar questions for a question about to be posted; None when there are none."""
    try:
        body = clean_body(data.get("body", ""))
    except SendRefused:
        return None
    if not body or len(body) > MAX_QUERY:
        return None  # the send refuses it with its own message, or it is too long to match
    matches = await faq_suggestions(candidate_id=candidate_id, query=body)
    if not matches:
        return None
    return Template(
        "portal/faq/similar.html",
        context={
            "room_id": room_id,
            # Where the question was about to go (the cohort room or the 1:1 thread with
            # HR), for the "answered instantly" figures.
            "context": context,
            "matches": [_shown(m) for m in matches],
            "body": body,
            "client_id": str(data.get("client_id", ""))[:64],
            "category": str(data.get("category", ""))[:12],
            "private": data.get("private") == "1",
            "reply_to": str(data.get("reply_to", ""))[:12],
        },
        headers={"Cache-Control": "no-store"},
    )


@post("/faq/answered", name="faq-answered")
async def faq_answered(
    candidate_id: NamedDependency[int], request: Request[Any, Any, Any], data: FormData
) -> Response[dict[str, Any]] | Template:
    try:
        match = await instant_answer_record(
            candidate_id=candidate_id,
            match_key=data.get("match"),
            context=data.get("context"),
            client_key=data.get("client_id", ""),
        )
    except ValidationFailed as failed:
        return Response({"errors": failed.errors}, status_code=400)
    if "application/json" in request.headers.get("accept", ""):
        return Response({"answered": match.key}, headers={"Cache-Control": "no-store"})
    # A page rather than a redirect: the room shows no notice of its own, and sending
    # the form again records nothing new (its client id).
    room_id = row_id_from(data.get("room")) if data.get("context") == "room" else None
    return Template(
        "portal/faq/answered.html",
        context={"match": _shown(match), "back": f"/rooms/{room_id}" if room_id else "/resources"},
        headers={"Cache-Control": "no-store"},
    )


FAQ_PAGES = [faq_suggest, faq_answered]
