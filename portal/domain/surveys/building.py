"""HR builds a survey: a title and at most five questions (0–10 score, single choice, text).

A survey is a draft until HR activates it; only active surveys take responses and can be
linked from a journey step. Its questions cannot change once it is active (responses would
no longer match them): HR closes it and builds another.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from portal.db import write_transaction
from portal.domain.errors import Conflict, NotFound, ValidationFailed
from portal.domain.staff.tables import StaffUser
from portal.domain.surveys.tables import QUESTION_KINDS, SURVEY_STATUSES, Survey, SurveyQuestion
from portal.i18n import gettext as _

MAX_QUESTIONS = 5
MAX_OPTIONS = 10
MAX_PROMPT = 300
MAX_OPTION = 100


@dataclass(frozen=True)
class QuestionInput:
    kind: str
    prompt: str
    options: str = ""


def kind_label(kind: str) -> str:
    return {
        "score": _("Recommend score (0–10)"),
        "choice": _("Single choice"),
        "text": _("Short text"),
    }.get(kind, kind)


def options_of(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _check(title: str, questions: list[QuestionInput]) -> tuple[str, list[dict[str, Any]]]:
    errors: dict[str, str] = {}
    title = " ".join((title or "").split())
    if not title:
        errors["title"] = _("Please enter a title.")
    elif len(title) > 200:
        errors["title"] = _("At most %(max)s characters, please.", max=200)
    filled = [q for q in questions if (q.prompt or "").strip() or (q.options or "").strip()]
    if not filled:
        errors["questions"] = _("Add at least one question.")
    elif len(filled) > MAX_QUESTIONS:
        errors["questions"] = _("At most %(count)s questions.", count=MAX_QUESTIONS)
    rows = []
    for number, question in enumerate(filled[:MAX_QUESTIONS], start=1):
        key = f"q{number}"
        prompt = " ".join((question.prompt or "").split())
        options = options_of(question.options)
        if question.kind not in QUESTION_KINDS:
            errors[key] = _("Choose the kind of question.")
        elif not prompt:
            errors[key] = _("Please enter the question.")
        elif len(prompt) > MAX_PROMPT:
            errors[key] = _("At most %(max)s characters, please.", max=MAX_PROMPT)
        elif question.kind == "choice" and not 2 <= len(options) <= MAX_OPTIONS:
            errors[key] = _(
                "A single choice needs 2 to %(max)s options, one a line.", max=MAX_OPTIONS
            )
        elif any(len(option) > MAX_OPTION for option in options):
            errors[key] = _("An option has at most %(max)s characters.", max=MAX_OPTION)
        rows.append(
            {
                "position": number,
                "kind": question.kind,
                "prompt": prompt,
                "options": "\n".join(options) if question.kind == "choice" else "",
            }
        )
    if errors:
        raise ValidationFailed(errors)
    return title, rows


async def survey_create(*, staff: StaffUser, title: str, questions: list[QuestionInput]) -> Survey:
    title, rows = _check(title, questions)
    async with write_transaction():
        survey = Survey(title=title, status="draft", created_by=staff.id)
        await survey.save()
        await SurveyQuestion.insert(*[SurveyQuestion(survey=survey.id, **row) for row in rows])
    return survey


async def survey_get(survey_id: int) -> Survey:
    survey = await Survey.objects().get(Survey.id == survey_id) if 0 < survey_id < 2**31 else None
    if survey is None:
        raise NotFound(_("This survey does not exist."))
    return survey


async def survey_questions(survey_id: int) -> list[dict[str, Any]]:
    rows = (
        await SurveyQuestion.select()
        .where(SurveyQuestion.survey == survey_id)
        .order_by(SurveyQuestion.position)
    )
    return [{**row, "choices": options_of(row["options"])} for row in rows]


async def survey_set_status(*, survey_id: int, status: str) -> None:
    if status not in SURVEY_STATUSES or status == "draft":
        raise ValidationFailed({"status": _("Choose active or closed.")})
    survey = await survey_get(survey_id)
    allowed = {"draft": ("active",), "active": ("closed",), "closed": ()}[survey.status]
    if status not in allowed:
        raise Conflict(_("This survey cannot change to that status."))
    # From the status read above only: a change made meanwhile (another HR tab closing it)
    # is not undone by a stale page.
    changed = (
        await Survey.update({Survey.status: status})
        .where((Survey.id == survey_id) & (Survey.status == survey.status))
        .returning(Survey.id)
    )
    if not changed:
        raise Conflict(_("This survey cannot change to that status."))


async def surveys_list() -> list[dict[str, Any]]:
    return await Survey.select().order_by(Survey.id, ascending=False)
