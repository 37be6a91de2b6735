"""Course services for HR: courses with their audience, lessons and quiz questions.

A course can be published only with at least one lesson and 3–5 questions, and a
published course keeps 3–5 questions. Points already earned are ledger rows and are
never touched by editing a course.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from portal.db import write_transaction
from portal.domain.errors import NotFound, ValidationFailed
from portal.domain.learning_tables import (
    COURSE_AUDIENCES,
    COURSE_STATUSES,
    QUESTION_KINDS,
    Choice,
    Course,
    Lesson,
    Question,
)
from portal.domain.tables import Cohort, Department, Position
from portal.i18n import gettext as _

MIN_QUESTIONS, MAX_QUESTIONS = 3, 5
MAX_CHOICES = 6
_WHOLE_NUMBER = re.compile(r"^\d{1,6}$", re.ASCII)
_AUDIENCE_TABLES = {"department": Department, "position": Position, "cohort": Cohort}


@dataclass(frozen=True)
class CourseInput:
    """A course as typed into the form: numbers are still text."""

    title: str
    summary: str = ""
    audience: str = "everyone"
    target_id: int | None = None
    minutes: str | int = 10
    weight: str | int = 1
    pass_percent: str | int = 80
    status: str = "draft"


def _whole(raw: str | int, errors: dict[str, str], field: str, low: int, high: int) -> int:
    text = str(raw).strip()
    if not _WHOLE_NUMBER.match(text) or not low <= int(text) <= high:
        errors[field] = _("Enter a whole number from %(low)s to %(high)s.", low=low, high=high)
        return low
    return int(text)


async def _check_course(data: CourseInput) -> dict[str, object]:
    errors: dict[str, str] = {}
    title = " ".join(data.title.split())
    if not title:
        errors["title"] = _("Please enter a title.")
    elif len(title) > 200:
        errors["title"] = _("A title can be at most 200 characters long.")
    values: dict[str, object] = {
        "title": title,
        "summary": data.summary.strip(),
        "minutes": _whole(data.minutes, errors, "minutes", 1, 240),
        "weight": _whole(data.weight, errors, "weight", 1, 10),
        "pass_percent": _whole(data.pass_percent, errors, "pass_percent", 1, 100),
        "audience": data.audience,
        "status": data.status,
        "department": None,
        "position": None,
        "cohort": None,
    }
    if data.status not in COURSE_STATUSES:
        errors["status"] = _("Choose draft or published.")
    if data.audience not in COURSE_AUDIENCES:
        errors["audience"] = _("Choose who the course is for.")
    elif data.audience != "everyone":
        table = _AUDIENCE_TABLES[data.audience]
        if not data.target_id or not await table.exists().where(table.id == data.target_id):
            errors["target"] = _("Choose the department, position or cohort.")
        else:
            values[data.audience] = data.target_id
    if errors:
        raise ValidationFailed(errors)
    return values


async def _check_publishable(course_id: int | None) -> None:
    lessons = await Lesson.count().where(Lesson.course == course_id) if course_id else 0
    questions = await Question.count().where(Question.course == course_id) if course_id else 0
    if not lessons or not MIN_QUESTIONS <= questions <= MAX_QUESTIONS:
        raise ValidationFailed(
            {"status": _("Publish a course once it has a lesson and 3 to 5 questions.")}
        )


async def course_create(*, data: CourseInput) -> Course:
    values = await _check_course(data)
    if values["status"] == "published":
        await _check_publishable(None)
    course = Course(**values)
    async with write_transaction():
        await course.save()
    return course


async def course_update(*, course_id: int, data: CourseInput) -> Course:
    course = await course_get(course_id=course_id)
    values = await _check_course(data)
    async with write_transaction():
        if values["status"] == "published":
            await _check_publishable(course_id)
        await Course.update({**values, "updated_at": datetime.now(UTC)}).where(
            Course.id == course_id
        )
    return await course_get(course_id=course.id)


async def course_get(*, course_id: int) -> Course:
    course = await Course.objects().get(Course.id == course_id)
    if course is None:
        raise NotFound(_("This course does not exist."))
    return course


async def lesson_create(*, course_id: int, title: str, body: str) -> Lesson:
    await course_get(course_id=course_id)
    errors: dict[str, str] = {}
    title = " ".join(title.split())
    if not title or len(title) > 200:
        errors["lesson_title"] = _("Please enter a title of at most 200 characters.")
    if not body.strip():
        errors["lesson_body"] = _("Please write the lesson.")
    if errors:
        raise ValidationFailed(errors)
    async with write_transaction():
        count = await Lesson.count().where(Lesson.course == course_id)
        lesson = Lesson(course=course_id, title=title, body=body.strip(), sort_order=count + 1)
        await lesson.save()
    return lesson


async def lesson_delete(*, course_id: int, lesson_id: int) -> None:
    course = await course_get(course_id=course_id)
    async with write_transaction():
        if course.status == "published" and (
            await Lesson.count().where(Lesson.course == course_id) <= 1
        ):
            raise ValidationFailed({"lessons": _("A published course needs at least one lesson.")})
        await Lesson.delete().where((Lesson.id == lesson_id) & (Lesson.course == course_id))


def _parse_choices(text: str) -> list[tuple[str, bool]]:
    """One choice per line; a line starting with ``*`` is a right answer."""
    choices = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        correct = line.startswith("*")
        choices.append((line.lstrip("*").strip()[:300], correct))
    return choices


async def question_create(
    *, course_id: int, prompt: str, kind: str, explanation: str, choices_text: str
) -> Question:
    course = await course_get(course_id=course_id)
    errors: dict[str, str] = {}
    prompt = prompt.strip()
    if not prompt:
        errors["prompt"] = _("Please write the question.")
    if kind not in QUESTION_KINDS:
        errors["kind"] = _("Choose single or multiple choice.")
    choices = _parse_choices(choices_text)
    right = sum(1 for _text, correct in choices if correct)
    if not 2 <= len(choices) <= MAX_CHOICES or any(not text for text, _c in choices):
        errors["choices"] = _("Write 2 to 6 choices, one per line.")
    elif kind == "single" and right != 1:
        errors["choices"] = _("Mark exactly one right answer with *.")
    elif right < 1:
        errors["choices"] = _("Mark at least one right answer with *.")
    if errors:
        raise ValidationFailed(errors)
    async with write_transaction():
        count = await Question.count().where(Question.course == course_id)
        if count >= MAX_QUESTIONS:
            raise ValidationFailed({"prompt": _("A quiz has at most 5 questions.")})
        question = Question(
            course=course.id,
            prompt=prompt,
            kind=kind,
            explanation=explanation.strip(),
            sort_order=count + 1,
        )
        await question.save()
        for order, (text, correct) in enumerate(choices, start=1):
            await Choice(
                question=question.id, text=text, is_correct=correct, sort_order=order
            ).save()
    return question


async def question_delete(*, course_id: int, question_id: int) -> None:
    course = await course_get(course_id=course_id)
    async with write_transaction():
        if course.status == "published" and (
            await Question.count().where(Question.course == course_id) <= MIN_QUESTIONS
        ):
            raise ValidationFailed({"questions": _("A published quiz keeps at least 3 questions.")})
        exists = await Question.exists().where(
            (Question.id == question_id) & (Question.course == course_id)
        )
        if exists:
            await Choice.delete().where(Choice.question == question_id)
            await Question.delete().where(Question.id == question_id)
