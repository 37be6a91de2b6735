"""A candidate answers a survey: once (unique participation), optionally anonymously.

Every answer is checked before anything is written: a score is a whole number from 0 to
10, a choice one of the options, a text at most 500 characters; score and choice questions
must be answered. The participation row (survey, candidate) and the response are written in
one transaction; a second response hits the unique index and changes nothing.
"""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from portal.db import is_unique_violation, write_transaction
from portal.domain.candidates.tables import Candidate
from portal.domain.errors import Conflict, NotFound, ValidationFailed
from portal.domain.insights.activity import activity_record
from portal.domain.surveys.building import survey_questions
from portal.domain.surveys.tables import (
    Survey,
    SurveyAnswer,
    SurveyInvite,
    SurveyParticipation,
    SurveyResponse,
)
from portal.domain.validation import whole_number
from portal.i18n import gettext as _

MAX_TEXT = 500


@dataclass(frozen=True)
class SurveyForm:
    id: int
    title: str
    questions: list[dict[str, Any]]
    answered: bool


async def survey_for_candidate(*, candidate_id: int, survey_id: int) -> SurveyForm:
    """An active survey this candidate was sent (NotFound otherwise, the same answer as for a
    closed or unknown one), and whether they answered it.

    Only invited candidates answer: a survey's results are read per cohort and department,
    so a candidate who guessed another survey's id must not add to them.
    """
    row = (
        await Survey.select(Survey.id, Survey.title)
        .where(
            (Survey.id == survey_id)
            & (Survey.status == "active")
            & Survey.id.is_in(
                SurveyInvite.select(SurveyInvite.survey).where(
                    (SurveyInvite.survey == survey_id) & (SurveyInvite.candidate == candidate_id)
                )
            )
        )
        .first()
        if 0 < survey_id < 2**31
        else None
    )
    if row is None:
        raise NotFound(_("This survey is not open."))
    answered = await SurveyParticipation.exists().where(
        (SurveyParticipation.survey == survey_id) & (SurveyParticipation.candidate == candidate_id)
    )
    return SurveyForm(
        id=row["id"],
        title=row["title"],
        questions=await survey_questions(survey_id),
        answered=answered,
    )


def _text(raw: object) -> str:
    text = raw if isinstance(raw, str) else ""
    return "".join(
        char for char in text if char in "\n\t" or unicodedata.category(char) not in ("Cc", "Cs")
    ).strip()


def _checked(questions: list[dict[str, Any]], answers: dict[str, Any]) -> list[dict[str, Any]]:
    errors: dict[str, str] = {}
    values = []
    for question in questions:
        key = f"q{question['id']}"
        raw = answers.get(key)
        value: dict[str, Any] = {"question": question["id"]}
        if question["kind"] == "score":
            score = whole_number(raw, minimum=0, maximum=10)
            if score is None:
                errors[key] = _("Choose a number from 0 to 10.")
            value["score"] = score
        elif question["kind"] == "choice":
            if raw not in question["choices"]:
                errors[key] = _("Choose one of the options.")
            value["choice"] = raw
        else:
            text = _text(raw)
            if len(text) > MAX_TEXT:
                errors[key] = _("At most %(max)s characters, please.", max=MAX_TEXT)
            value["text"] = text
        values.append(value)
    if errors:
        raise ValidationFailed(errors)
    return values


async def survey_respond(
    *, candidate_id: int, survey_id: int, answers: dict[str, Any], anonymous: bool
) -> None:
    form = await survey_for_candidate(candidate_id=candidate_id, survey_id=survey_id)
    if form.answered:
        raise Conflict(_("You have already answered this survey. Thank you!"))
    values = _checked(form.questions, answers)
    author = (
        await Candidate.select(Candidate.cohort, Candidate.department)
        .where(Candidate.id == candidate_id)
        .first()
    )
    response_id = uuid.uuid4()
    try:
        async with write_transaction():
            await SurveyParticipation(
                id=uuid.uuid4(), survey=survey_id, candidate=candidate_id
            ).save()
            await SurveyResponse(
                id=response_id,
                survey=survey_id,
                candidate=None if anonymous else candidate_id,
                is_anonymous=anonymous,
                cohort=author["cohort"] if author else None,
                department=author["department"] if author else None,
                day=datetime.now(UTC).date(),
            ).save()
            await SurveyAnswer.insert(
                *[SurveyAnswer(response=response_id, **value) for value in values]
            )
    except Exception as error:
        if is_unique_violation(error):
            raise Conflict(_("You have already answered this survey. Thank you!")) from None
        raise
    # The same fact as the participation row (who answered which survey), nothing about
    # the answers: an anonymous response stays unlinked (it carries only its day).
    activity_record(candidate_id, "survey_answered", area="inbox", subject_id=None)


async def surveys_waiting(candidate_id: int) -> list[dict[str, Any]]:
    """Active surveys the candidate was sent and has not answered, newest first."""
    invited = await Survey.raw(
        "SELECT s.id AS id, s.title AS title FROM survey_invite i "
        "JOIN survey s ON s.id = i.survey "
        "WHERE i.candidate = {} AND s.status = 'active' AND NOT EXISTS ("
        "SELECT 1 FROM survey_participation p WHERE p.survey = s.id AND p.candidate = {}) "
        "ORDER BY i.invited_at DESC",
        candidate_id,
        candidate_id,
    ).run()
    return list(invited)
