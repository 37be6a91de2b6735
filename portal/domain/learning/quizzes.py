"""Quiz attempts: hand out a one-time form, grade it once, award a course's points once.

The form carries a fresh random token; opening the quiz page writes nothing (300 page
views used to leave 300 attempt rows). The attempt row is written when the form is
submitted with every question answered: inserted under the token's unique key (``ON
CONFLICT DO NOTHING``) and claimed with a conditional UPDATE (``submitted_at IS NULL``)
in the same transaction, so a double submit or a replay grades nothing new; the ledger's
unique (candidate, source_key) makes the course's points a single entry even when two
different attempts are submitted at the same moment. Unsubmitted rows left by older
versions (which wrote one per page view) are deleted when a quiz is graded.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from portal.db import write_transaction
from portal.domain.errors import NotFound, ValidationFailed
from portal.domain.insights.activity import activity_record
from portal.domain.learning.catalog import QuestionView, candidate_course, course_questions
from portal.domain.learning.points import (
    candidate_points_lock,
    course_source_key,
    point_entry_append,
    points_for_attempt,
)
from portal.domain.learning.tables import Course, QuizAttempt
from portal.i18n import gettext as _


@dataclass(frozen=True)
class QuizForm:
    course: Course
    token: str
    questions: list[QuestionView]


@dataclass(frozen=True)
class AnsweredQuestion:
    view: QuestionView
    chosen: set[int]
    correct: bool


@dataclass(frozen=True)
class QuizResult:
    course: Course
    attempt: QuizAttempt
    questions: list[AnsweredQuestion]


async def quiz_start(*, candidate_id: int, course_id: int) -> QuizForm:
    """The quiz form: a new token, nothing written (the attempt is stored when submitted)."""
    course = await candidate_course(candidate_id=candidate_id, course_id=course_id)
    questions = await course_questions(course_id=course.id)
    return QuizForm(course=course, token=secrets.token_urlsafe(24), questions=questions)


def _token_plausible(token: str) -> bool:
    return 20 <= len(token) <= 64 and all(c.isascii() and (c.isalnum() or c in "-_") for c in token)


def _is_right(view: QuestionView, chosen: set[int]) -> bool:
    return chosen == {c.id for c in view.choices if c.is_correct}


async def quiz_submit(
    *, candidate_id: int, course_id: int, token: str, answers: dict[int, set[int]]
) -> str:
    """Grade the attempt ``token`` once; returns the token of the result to show.

    Unknown question ids are ignored; a choice that is not one of its question's
    choices makes that answer wrong. Every question must be answered.
    Grading uses the questions as they are at submit time: when HR edited the quiz
    after this form was handed out, the edited questions and right answers count (a
    question added since then asks to be answered on the re-shown form). Points
    already in the ledger are never changed by an edit.
    """
    course = await candidate_course(candidate_id=candidate_id, course_id=course_id)
    questions = await course_questions(course_id=course.id)
    expired = NotFound(_("This quiz form has expired. Please start the quiz again."))
    if not _token_plausible(token):
        raise expired
    existing = (
        await QuizAttempt.select(
            QuizAttempt.candidate, QuizAttempt.course, QuizAttempt.submitted_at
        )
        .where(QuizAttempt.token == token)
        .first()
    )
    if existing is not None:
        if existing["candidate"] != candidate_id or existing["course"] != course.id:
            raise expired
        if existing["submitted_at"] is not None:
            return token  # a replay: show the result it already has
    missing = {f"q{v.question.id}": _("Please answer this question.") for v in questions}
    for view in questions:
        if answers.get(view.question.id):
            missing.pop(f"q{view.question.id}")
    if missing:
        raise ValidationFailed(missing)
    right = sum(1 for v in questions if _is_right(v, answers.get(v.question.id, set())))
    score = round(100 * right / len(questions)) if questions else 0
    passed = score >= course.pass_percent
    now = datetime.now(UTC)
    async with write_transaction():
        await candidate_points_lock(candidate_id=candidate_id)
        await QuizAttempt.insert(
            QuizAttempt(token=token, candidate=candidate_id, course=course.id)
        ).on_conflict(target=QuizAttempt.token, action="DO NOTHING")
        claimed = (
            await QuizAttempt.update({QuizAttempt.submitted_at: now})
            .where(
                (QuizAttempt.token == token)
                & (QuizAttempt.candidate == candidate_id)
                & (QuizAttempt.course == course.id)
                & QuizAttempt.submitted_at.is_null()
            )
            .returning(QuizAttempt.id)
        )
        if not claimed:
            return token  # graded by a concurrent submission of the same form
        attempt_id = claimed[0]["id"]
        # Forms handed out by older versions wrote a row per page view; none is needed now.
        await QuizAttempt.delete().where(
            (QuizAttempt.candidate == candidate_id)
            & QuizAttempt.submitted_at.is_null()
            & (QuizAttempt.id != attempt_id)
        )
        number = await QuizAttempt.count().where(
            (QuizAttempt.candidate == candidate_id)
            & (QuizAttempt.course == course.id)
            & QuizAttempt.submitted_at.is_not_null()
        )
        points = 0
        if passed:
            points = points_for_attempt(attempt_number=number, weight=course.weight)
            written = await point_entry_append(
                candidate_id=candidate_id,
                amount=points,
                reason=course.title,
                source_key=course_source_key(course.id),
            )
            points = points if written else 0
        await QuizAttempt.update(
            {
                QuizAttempt.attempt_number: number,
                QuizAttempt.score_percent: score,
                QuizAttempt.passed: passed,
                QuizAttempt.points_awarded: points,
                QuizAttempt.answers: json.dumps({str(k): sorted(v) for k, v in answers.items()}),
            }
        ).where(QuizAttempt.id == attempt_id)
    activity_record(
        candidate_id, "lesson_finished" if passed else "quiz_attempt", subject_id=course.id
    )
    return token


async def quiz_result(*, candidate_id: int, token: str) -> QuizResult:
    attempt = await QuizAttempt.objects().get(
        (QuizAttempt.token == token)
        & (QuizAttempt.candidate == candidate_id)
        & QuizAttempt.submitted_at.is_not_null()
    )
    if attempt is None:
        raise NotFound(_("This result does not exist."))
    course = await Course.objects().get(Course.id == attempt.course)
    stored = json.loads(attempt.answers or "{}")
    answered = []
    for view in await course_questions(course_id=attempt.course):
        chosen = set(stored.get(str(view.question.id), []))
        answered.append(AnsweredQuestion(view=view, chosen=chosen, correct=_is_right(view, chosen)))
    return QuizResult(course=course, attempt=attempt, questions=answered)
