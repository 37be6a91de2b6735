"""Course services for HR: courses with their audience, lessons and quiz questions.

A course can be published only with at least one lesson and 3–5 questions, and a
published course keeps 3–5 questions. Points already earned are ledger rows and are
never touched by editing a course.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from portal.db import write_transaction
from portal.domain.errors import NotFound, ValidationFailed
from portal.domain.form_numbers import whole_number
from portal.domain.learning.media_urls import media_url_check
from portal.domain.learning.tables import (
    COURSE_AUDIENCES,
    COURSE_STATUSES,
    QUESTION_KINDS,
    Choice,
    Course,
    Lesson,
    Question,
)
from portal.domain.organisation.tables import Cohort, Department, Position
from portal.i18n import gettext as _

MIN_QUESTIONS, MAX_QUESTIONS = 3, 5
MAX_CHOICES = 6
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
        "minutes": whole_number(data.minutes, errors, "minutes", low=1, high=240),
        "weight": whole_number(data.weight, errors, "weight", low=1, high=10),
        "pass_percent": whole_number(data.pass_percent, errors, "pass_percent", low=1, high=100),
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


def _check_lesson(*, title: str, body: str, media_url: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    title = " ".join(title.split())
    if not title or len(title) > 200:
        errors["lesson_title"] = _("Please enter a title of at most 200 characters.")
    if not body.strip():
        errors["lesson_body"] = _("Please write the lesson.")
    media_url = media_url_check(media_url, errors, "lesson_media_url")
    if errors:
        raise ValidationFailed(errors)
    return {"title": title, "body": body.strip(), "media_url": media_url}


async def lesson_create(*, course_id: int, title: str, body: str, media_url: str = "") -> Lesson:
    await course_get(course_id=course_id)
    values = _check_lesson(title=title, body=body, media_url=media_url)
    async with write_transaction():
        count = await Lesson.count().where(Lesson.course == course_id)
        lesson = Lesson(course=course_id, sort_order=count + 1, **values)
        await lesson.save()
    return lesson


async def lesson_get(*, course_id: int, lesson_id: int) -> Lesson:
    lesson = await Lesson.objects().get((Lesson.id == lesson_id) & (Lesson.course == course_id))
    if lesson is None:
        raise NotFound(_("This lesson does not exist."))
    return lesson


async def lesson_update(
    *, course_id: int, lesson_id: int, title: str, body: str, media_url: str
) -> None:
    values = _check_lesson(title=title, body=body, media_url=media_url)
    async with write_transaction():
        await lesson_get(course_id=course_id, lesson_id=lesson_id)
        await Lesson.update(values).where(Lesson.id == lesson_id)


async def _swap_order(
    table: type[Lesson] | type[Question],
    *,
    course_id: int,
    row_id: int,
    direction: int,
    missing: str,
) -> None:
    """Swap a lesson or question with its neighbour above (-1) or below (+1), then renumber."""
    async with write_transaction():
        rows = (
            await table.select(table.id)
            .where(table.course == course_id)
            .order_by(table.sort_order)
            .order_by(table.id)
        )
        ids = [row["id"] for row in rows]
        if row_id not in ids:
            raise NotFound(missing)
        index = ids.index(row_id)
        other = index + (1 if direction > 0 else -1)
        if not 0 <= other < len(ids):
            return
        ids[index], ids[other] = ids[other], ids[index]
        for position, rid in enumerate(ids, start=1):
            await table.update({table.sort_order: position}).where(table.id == rid)


async def lesson_move(*, course_id: int, lesson_id: int, direction: int) -> None:
    await _swap_order(
        Lesson,
        course_id=course_id,
        row_id=lesson_id,
        direction=direction,
        missing=_("This lesson does not exist."),
    )


async def question_move(*, course_id: int, question_id: int, direction: int) -> None:
    await _swap_order(
        Question,
        course_id=course_id,
        row_id=question_id,
        direction=direction,
        missing=_("This question does not exist."),
    )


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


def _check_question(
    *, prompt: str, kind: str, explanation: str, choices_text: str
) -> tuple[dict[str, str], list[tuple[str, bool]]]:
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
    return {"prompt": prompt, "kind": kind, "explanation": explanation.strip()}, choices


async def question_create(
    *, course_id: int, prompt: str, kind: str, explanation: str, choices_text: str
) -> Question:
    course = await course_get(course_id=course_id)
    values, choices = _check_question(
        prompt=prompt, kind=kind, explanation=explanation, choices_text=choices_text
    )
    async with write_transaction():
        count = await Question.count().where(Question.course == course_id)
        if count >= MAX_QUESTIONS:
            raise ValidationFailed({"prompt": _("A quiz has at most 5 questions.")})
        question = Question(course=course.id, sort_order=count + 1, **values)
        await question.save()
        for order, (text, correct) in enumerate(choices, start=1):
            await Choice(
                question=question.id, text=text, is_correct=correct, sort_order=order
            ).save()
    return question


async def question_get(*, course_id: int, question_id: int) -> Question:
    question = await Question.objects().get(
        (Question.id == question_id) & (Question.course == course_id)
    )
    if question is None:
        raise NotFound(_("This question does not exist."))
    return question


def choices_as_text(choices: list[Choice]) -> str:
    """The choices the way HR types them: one per line, right answers starting with ``*``."""
    return "\n".join(("*" if c.is_correct else "") + c.text for c in choices)


async def question_update(
    *, course_id: int, question_id: int, prompt: str, kind: str, explanation: str, choices_text: str
) -> None:
    """Rewrite a question and its choices in place.

    Points already earned are ledger rows and stay as they are. Choices keep their
    rows (and ids) by position: the n-th line updates the n-th choice, extra lines add
    choices, missing lines delete them. A quiz form handed out before the edit is
    graded at submit time against the questions and right answers as they are then;
    an answer naming a deleted choice counts as wrong.
    """
    values, choices = _check_question(
        prompt=prompt, kind=kind, explanation=explanation, choices_text=choices_text
    )
    async with write_transaction():
        await question_get(course_id=course_id, question_id=question_id)
        await Question.update(values).where(Question.id == question_id)
        existing = (
            await Choice.select(Choice.id)
            .where(Choice.question == question_id)
            .order_by(Choice.sort_order)
            .order_by(Choice.id)
        )
        ids = [row["id"] for row in existing]
        for order, (text, correct) in enumerate(choices, start=1):
            fields = {"text": text, "is_correct": correct, "sort_order": order}
            if order <= len(ids):
                await Choice.update(fields).where(Choice.id == ids[order - 1])
            else:
                await Choice(question=question_id, **fields).save()
        if len(ids) > len(choices):
            await Choice.delete().where(Choice.id.is_in(ids[len(choices) :]))


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
