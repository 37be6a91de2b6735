"""Selectors: which courses a candidate sees, with their progress, and HR's course lists."""

from __future__ import annotations

from dataclasses import dataclass

from piccolo.columns.combination import Or

from portal.domain.candidates.records import candidate_get
from portal.domain.errors import NotFound
from portal.domain.learning.points import course_source_key, points_for_attempt
from portal.domain.learning.tables import Choice, Course, Lesson, PointEntry, Question, QuizAttempt
from portal.i18n import gettext as _


@dataclass(frozen=True)
class CourseCard:
    course: Course
    lessons: int
    state: str  # "new" | "tried" | "passed"
    earned: int
    next_points: int


@dataclass(frozen=True)
class QuestionView:
    question: Question
    choices: list[Choice]


def _audience_filter(candidate) -> Or:  # type: ignore[no-untyped-def]
    condition = Course.audience == "everyone"
    condition |= (Course.audience == "department") & (Course.department == candidate.department)
    if candidate.position:
        condition |= (Course.audience == "position") & (Course.position == candidate.position)
    if candidate.cohort:
        condition |= (Course.audience == "cohort") & (Course.cohort == candidate.cohort)
    return condition


async def candidate_courses(*, candidate_id: int) -> list[Course]:
    candidate = await candidate_get(candidate_id)
    return (
        await Course.objects()
        .where((Course.status == "published") & _audience_filter(candidate))
        .order_by(Course.id)
    )


async def candidate_course(*, candidate_id: int, course_id: int) -> Course:
    """A published course meant for this candidate; NotFound for any other."""
    candidate = await candidate_get(candidate_id)
    course = (
        await Course.objects()
        .where(
            (Course.id == course_id) & (Course.status == "published") & _audience_filter(candidate)
        )
        .first()
    )
    if course is None:
        raise NotFound(_("This course does not exist."))
    return course


async def course_progress(*, candidate_id: int, course: Course) -> CourseCard:
    earned_row = (
        await PointEntry.select(PointEntry.amount)
        .where(
            (PointEntry.candidate == candidate_id)
            & (PointEntry.source_key == course_source_key(course.id))
        )
        .first()
    )
    attempts = await QuizAttempt.count().where(
        (QuizAttempt.candidate == candidate_id)
        & (QuizAttempt.course == course.id)
        & QuizAttempt.submitted_at.is_not_null()
    )
    passed = await QuizAttempt.exists().where(
        (QuizAttempt.candidate == candidate_id)
        & (QuizAttempt.course == course.id)
        & (QuizAttempt.passed == True)  # noqa: E712 - a Piccolo expression
    )
    earned = earned_row["amount"] if earned_row else 0
    state = "passed" if passed else ("tried" if attempts else "new")
    return CourseCard(
        course=course,
        lessons=await Lesson.count().where(Lesson.course == course.id),
        state=state,
        earned=earned,
        next_points=0
        if earned_row
        else points_for_attempt(attempt_number=attempts + 1, weight=course.weight),
    )


async def candidate_course_cards(*, candidate_id: int) -> list[CourseCard]:
    return [
        await course_progress(candidate_id=candidate_id, course=course)
        for course in await candidate_courses(candidate_id=candidate_id)
    ]


async def course_lessons(*, course_id: int) -> list[Lesson]:
    return await Lesson.objects().where(Lesson.course == course_id).order_by(Lesson.sort_order)


async def course_questions(*, course_id: int) -> list[QuestionView]:
    questions = (
        await Question.objects().where(Question.course == course_id).order_by(Question.sort_order)
    )
    if not questions:
        return []
    choices = (
        await Choice.objects()
        .where(Choice.question.is_in([q.id for q in questions]))
        .order_by(Choice.sort_order)
    )
    return [
        QuestionView(question=q, choices=[c for c in choices if c.question == q.id])
        for q in questions
    ]


async def course_admin_list() -> list[Course]:
    return await Course.objects().order_by(Course.id, ascending=False)


async def course_audience_choices() -> dict[str, list[dict[str, object]]]:
    """Departments, positions and cohorts a course can be aimed at, for HR's form."""
    from portal.domain.organisation.tables import Cohort, Department, Position

    return {
        "department": await Department.select(Department.id, Department.name).order_by(
            Department.name
        ),
        "position": await Position.select(
            Position.id, Position.name, Position.department.name.as_alias("department_name")
        ).order_by(Position.name),
        "cohort": await Cohort.select(Cohort.id, Cohort.name).order_by(Cohort.starts_at),
    }
