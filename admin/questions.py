"""The SLA tracker: every open question by time left, answered from here.

HR and admins see all questions; managers those routed to managers from their own
department (``portal.domain.access.question_scope``). The page refreshes itself: a
small script polls ``/admin/questions/live`` (an HTML fragment of the cards) every few
seconds and re-ticks the time-left labels; without the script the page works by reload.
"""

from __future__ import annotations

import functools
import secrets
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from jinja2.utils import htmlsafe_json_dumps
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from admin.forms import form_text, query_int
from admin.rendering import admin_page
from portal.config import get_settings
from portal.domain.errors import Conflict, ValidationFailed
from portal.domain.faq.figures import instant_answer_weeks
from portal.domain.sla.figures import figures_csv, parse_period, sla_figures
from portal.domain.sla.policy import Policy, sla_policy_get
from portal.domain.sla.question_actions import (
    assignee_choices,
    tracker_answer,
    tracker_assign,
    tracker_close,
)
from portal.domain.sla.time_left import time_left_phrases
from portal.domain.sla.tracker import (
    TrackerFilters,
    sla_summary,
    summary_of_cards,
    tracker_questions,
)
from portal.domain.sla.tracker_side import tracker_side
from portal.domain.staff.tables import StaffUser
from portal.i18n import get_locale, ngettext
from portal.web.light_reads import light_reads_in_loop

NO_STORE = {"Cache-Control": "no-store"}
FILTER_NAMES = ("room", "cohort", "category", "mine", "answered")


def _filters(
    room: str | None,
    cohort: str | None,
    category: str | None,
    mine: str | None,
    answered: str | None,
) -> TrackerFilters:
    return TrackerFilters(
        room_id=query_int(room),
        cohort_id=query_int(cohort),
        category_id=query_int(category),
        mine=mine == "1",
        include_answered=answered == "1",
    )


@functools.lru_cache(maxsize=8)
def _phrases_json(language: str) -> str:
    """The time-left phrases for the page's script, as ``|tojson`` writes them: the same
    for every page in a language (``language`` is the request's, which they are read in)."""
    return str(htmlsafe_json_dumps(time_left_phrases(), sort_keys=True))


def filters_query(filters: TrackerFilters) -> str:
    values = {
        "room": filters.room_id or "",
        "cohort": filters.cohort_id or "",
        "category": filters.category_id or "",
        "mine": "1" if filters.mine else "",
        "answered": "1" if filters.include_answered else "",
    }
    return urlencode({name: value for name, value in values.items() if value})


def summary_text(summary: Any) -> str:
    overdue = ngettext("%(num)s overdue", "%(num)s overdue", summary.overdue)
    soon = ngettext("%(num)s due soon", "%(num)s due soon", summary.soon)
    return f"{overdue}, {soon}"


def _client_ids(questions: list[Any]) -> dict[int, str]:
    """A new id per card and page: a double submit of one answer form is stored once.

    One draw of 16 random bytes per card, made at once (a system call each cost more than
    the rest of the card's values)."""
    drawn = secrets.token_hex(16 * len(questions))
    return {question.id: drawn[32 * n : 32 * (n + 1)] for n, question in enumerate(questions)}


async def _cards_context(
    staff: StaffUser,
    filters: TrackerFilters,
    *,
    policy: Policy | None = None,
    active_staff: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    policy = policy or await sla_policy_get()  # once for the page (it was read three times)
    questions = await tracker_questions(staff, filters, policy=policy)
    summary = summary_of_cards(questions, filters, policy.warning_hours)
    if summary is None:
        summary = await sla_summary(staff, policy=policy)
    return {
        "timezone": policy.timezone,
        "answer_max_chars": get_settings().room_message_max_chars,
        "questions": questions,
        "assignees": await assignee_choices(questions, active_staff),
        "summary": summary,
        "summary_text": summary_text(summary),
        "filters": filters,
        "filters_query": filters_query(filters),
        "client_ids": _client_ids(questions),
    }


async def _page(
    staff: StaffUser,
    filters: TrackerFilters,
    *,
    card_errors: dict[int, str] | None = None,
    typed: dict[int, str] | None = None,
    status_code: int = 200,
) -> Template:
    side = await tracker_side(staff)
    return admin_page(
        "admin/questions/tracker.html",
        staff,
        status_code=status_code,
        choices=side.choices,
        events=side.events,
        suggestion_summary=side.suggestions,
        phrases_json=_phrases_json(get_locale()),
        card_errors=card_errors or {},
        typed=typed or {},
        **await _cards_context(staff, filters, policy=side.policy, active_staff=side.active_staff),
    )


async def _back_filters(request: Request[Any, Any, Any]) -> TrackerFilters:
    form = await form_text(request, *FILTER_NAMES)
    return _filters(*(form[name] for name in FILTER_NAMES))


def _back(filters: TrackerFilters, question_id: int | None = None) -> Redirect:
    query = filters_query(filters)
    target = "/admin/questions" + (f"?{query}" if query else "")
    if question_id is not None:
        target += f"#question-{question_id}"
    return Redirect(target, status_code=HTTP_303_SEE_OTHER)


class QuestionTrackerController(Controller):
    path = "/questions"
    # Every read of the tracker is bounded (TRACKER_LIMIT cards; the summary is counted by
    # the database), so its pages read like a candidate page: in the loop's thread on
    # SQLite, on one pooled connection on PostgreSQL (portal/web/light_reads.py).
    middleware = [light_reads_in_loop]

    @get("/", name="admin-questions", opt={"light_reads": True})
    async def tracker(
        self,
        staff: NamedDependency[StaffUser],
        room: FromQuery[str | None] = None,
        cohort: FromQuery[str | None] = None,
        category: FromQuery[str | None] = None,
        mine: FromQuery[str | None] = None,
        answered: FromQuery[str | None] = None,
    ) -> Template:
        return await _page(staff, _filters(room, cohort, category, mine, answered))

    @get("/live", name="admin-questions-live", opt={"light_reads": True})
    async def live(
        self,
        staff: NamedDependency[StaffUser],
        room: FromQuery[str | None] = None,
        cohort: FromQuery[str | None] = None,
        category: FromQuery[str | None] = None,
        mine: FromQuery[str | None] = None,
        answered: FromQuery[str | None] = None,
    ) -> Template:
        """The cards and the summary, for the page's script to merge in."""
        context = await _cards_context(staff, _filters(room, cohort, category, mine, answered))
        return Template(
            "admin/questions/_live.html",
            context={"staff": staff, "card_errors": {}, "typed": {}, **context},
            headers=NO_STORE,
        )

    @get("/summary.json", name="admin-questions-summary")
    async def summary(self, staff: NamedDependency[StaffUser]) -> Response[dict[str, Any]]:
        """Counts for the badge next to "Questions" in the admin navigation."""
        summary = await sla_summary(staff)
        return Response(
            {
                "open": summary.open,
                "soon": summary.soon,
                "overdue": summary.overdue,
                "text": summary_text(summary),
            },
            headers=NO_STORE,
        )

    @post("/{question_id:int}/answer", name="admin-question-answer")
    async def answer(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        question_id: FromPath[int],
    ) -> Template | Redirect:
        filters = await _back_filters(request)
        form = await form_text(request, "body", "client_id")
        try:
            await tracker_answer(
                question_id=question_id,
                staff=staff,
                body=form["body"],
                client_id=form["client_id"] or secrets.token_hex(16),
            )
        except ValidationFailed as failed:
            message = failed.errors.get("body") or str(failed)
            return await _page(
                staff,
                filters,
                card_errors={question_id: message},
                typed={question_id: form["body"]},
                status_code=400,
            )
        except Conflict as refused:
            return await _page(
                staff, filters, card_errors={question_id: str(refused)}, status_code=409
            )
        return _back(filters)

    @post("/{question_id:int}/close", name="admin-question-close")
    async def close(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        question_id: FromPath[int],
    ) -> Template | Redirect:
        filters = await _back_filters(request)
        try:
            await tracker_close(question_id=question_id, staff=staff)
        except Conflict as refused:
            return await _page(
                staff, filters, card_errors={question_id: str(refused)}, status_code=409
            )
        return _back(filters)

    @post("/{question_id:int}/assign", name="admin-question-assign")
    async def assign(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        question_id: FromPath[int],
    ) -> Template | Redirect:
        filters = await _back_filters(request)
        form = await form_text(request, "assignee")
        choice = form["assignee"].strip()
        assignee_id = staff.id if choice == "me" else query_int(choice)
        if choice and choice != "me" and assignee_id is None:
            assignee_id = 0  # not a plausible id: refused like an unknown colleague
        try:
            await tracker_assign(question_id=question_id, staff=staff, assignee_id=assignee_id)
        except ValidationFailed as failed:
            return await _page(
                staff,
                filters,
                card_errors={question_id: failed.errors.get("assignee", str(failed))},
                status_code=400,
            )
        except Conflict as refused:
            return await _page(
                staff, filters, card_errors={question_id: str(refused)}, status_code=409
            )
        return _back(filters, question_id)


async def _period(start: str | None, end: str | None) -> tuple[Any, Any, dict[str, str]]:
    policy = await sla_policy_get()
    today = datetime.now(policy.zone).date()
    try:
        first, last = parse_period(start, end, today=today)
    except ValidationFailed as failed:
        return None, None, failed.errors
    return first, last, {}


class QuestionFiguresController(Controller):
    path = "/questions/figures"

    @get("/", name="admin-question-figures")
    async def figures(
        self,
        staff: NamedDependency[StaffUser],
        start: FromQuery[str | None] = None,
        end: FromQuery[str | None] = None,
    ) -> Template:
        first, last, errors = await _period(start, end)
        figures = await sla_figures(staff, start=first, end=last) if not errors else None
        return admin_page(
            "admin/questions/figures.html",
            staff,
            status_code=400 if errors else 200,
            figures=figures,
            instant_weeks=await instant_answer_weeks(staff, start=first, end=last)
            if figures
            else [],
            errors=errors,
            values={
                "start": start or (first.isoformat() if first else ""),
                "end": end or (last.isoformat() if last else ""),
            },
            csv_query=urlencode({"start": first.isoformat(), "end": last.isoformat()})
            if figures
            else "",
        )

    @get("/csv", name="admin-question-figures-csv")
    async def figures_as_csv(
        self,
        staff: NamedDependency[StaffUser],
        start: FromQuery[str | None] = None,
        end: FromQuery[str | None] = None,
    ) -> Response[bytes] | Template:
        first, last, errors = await _period(start, end)
        if errors:
            return admin_page(
                "admin/questions/figures.html",
                staff,
                status_code=400,
                figures=None,
                errors=errors,
                values={"start": start or "", "end": end or ""},
                csv_query="",
            )
        figures = await sla_figures(staff, start=first, end=last)
        filename = f"sla-figures-{first.isoformat()}-{last.isoformat()}.csv"
        return Response(
            figures_csv(figures),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                "Cache-Control": "no-store",
            },
        )
