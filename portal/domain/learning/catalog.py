"""Selectors: which courses a candidate sees, with their progress, and HR's course lists."""

from __future__ import annotations

from dataclasses import dataclass

from piccolo.columns.combination import Or
from piccolo.query.functions.aggregate import Count

from portal.db import PreparedSQL
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
    return (await courses_progress(candidate_id=candidate_id, courses=[course]))[0]


async def courses_progress(*, candidate_id: int, courses: list[Course]) -> list[CourseCard]:
    """Each course's card, in four queries however many courses there are (no query per course)."""
    if not courses:
        return []
    ids = [course.id for course in courses]
    earned_rows = await PointEntry.select(PointEntry.source_key, PointEntry.amount).where(
        (PointEntry.candidate == candidate_id)
        & PointEntry.source_key.is_in([course_source_key(course_id) for course_id in ids])
    )
    earned_by_key = {row["source_key"]: row["amount"] for row in earned_rows}
    attempt_rows = (
        await QuizAttempt.select(QuizAttempt.course, Count(alias="attempts"))
        .where(
            (QuizAttempt.candidate == candidate_id)
            & QuizAttempt.course.is_in(ids)
            & QuizAttempt.submitted_at.is_not_null()
        )
        .group_by(QuizAttempt.course)
    )
    attempts_by_course = {row["course"]: row["attempts"] for row in attempt_rows}
    passed_rows = (
        await QuizAttempt.select(QuizAttempt.course)
        .where(
            (QuizAttempt.candidate == candidate_id)
            & QuizAttempt.course.is_in(ids)
            & (QuizAttempt.passed == True)  # noqa: E712 - a Piccolo expression
        )
        .distinct()
    )
    passed_courses = {row["course"] for row in passed_rows}
    lesson_rows = (
        await Lesson.select(Lesson.course, Count(alias="lessons"))
        .where(Lesson.course.is_in(ids))
        .group_by(Lesson.course)
    )
    lessons_by_course = {row["course"]: row["lessons"] for row in lesson_rows}
    cards = []
    for course in courses:
        key = course_source_key(course.id)
        attempts = attempts_by_course.get(course.id, 0)
        state = "passed" if course.id in passed_courses else ("tried" if attempts else "new")
        cards.append(
            CourseCard(
                course=course,
                lessons=lessons_by_course.get(course.id, 0),
                state=state,
                earned=earned_by_key.get(key, 0),
                next_points=0
                if key in earned_by_key
                else points_for_attempt(attempt_number=attempts + 1, weight=course.weight),
            )
        )
    return cards


async def candidate_course_cards(*, candidate_id: int) -> list[CourseCard]:
    courses = await candidate_courses(candidate_id=candidate_id)
    return await courses_progress(candidate_id=candidate_id, courses=courses)


@dataclass(frozen=True, slots=True)
class CourseView:
    """A course's fields as the candidate's course list reads them (SQL, not a Table object)."""

    id: int
    title: str
    summary: str
    audience: str
    department: int | None
    position: int | None
    cohort: int | None
    status: str
    minutes: int
    weight: int
    pass_percent: int


@dataclass(frozen=True)
class LearningHome:
    cards: list[CourseCard]
    balance: int


# The learning page in one query, written as SQL built once (building its seven queries
# with Piccolo's query builder and turning rows into Table objects cost more CPU than
# running them): the candidate, each published course meant for them (the rule of
# _audience_filter as the join condition) with its lesson count and the candidate's
# attempts, pass and points for it, and the candidate's balance.
_LEARNING_HOME_SQL = (
    "SELECT co.id AS id, co.title AS title, co.summary AS summary, co.audience AS audience, "
    "co.department AS department, co.position AS position, co.cohort AS cohort, "
    "co.status AS status, co.minutes AS minutes, co.weight AS weight, "
    "co.pass_percent AS pass_percent, "
    "(SELECT count(*) FROM lesson l WHERE l.course = co.id) AS lessons, "
    "(SELECT count(*) FROM quiz_attempt a WHERE a.candidate = c.id AND a.course = co.id "
    "AND a.submitted_at IS NOT NULL) AS attempts, "
    "EXISTS (SELECT 1 FROM quiz_attempt a WHERE a.candidate = c.id AND a.course = co.id "
    "AND a.passed) AS passed, "
    "(SELECT pe.amount FROM point_entry pe WHERE pe.candidate = c.id "
    "AND pe.source_key = 'course:' || co.id) AS earned, "
    "(SELECT sum(pe.amount) FROM point_entry pe WHERE pe.candidate = c.id) AS balance "
    "FROM candidate c "
    "LEFT JOIN course co ON co.status = 'published' AND (co.audience = 'everyone' "
    "OR (co.audience = 'department' AND co.department = c.department) "
    "OR (co.audience = 'position' AND co.position = c.position) "
    "OR (co.audience = 'cohort' AND co.cohort = c.cohort)) "
    "WHERE c.id = {} "
    "ORDER BY co.id"
)
_LEARNING_HOME_READ = PreparedSQL(_LEARNING_HOME_SQL)


async def candidate_learning_home(*, candidate_id: int) -> LearningHome:
    """The candidate's course cards and points balance, in one query."""
    rows = await _LEARNING_HOME_READ.rows(candidate_id)
    if not rows:
        raise NotFound(_("This candidate does not exist."))
    cards = []
    for row in rows:
        if row["id"] is None:
            continue
        course = CourseView(
            id=row["id"],
            title=row["title"],
            summary=row["summary"],
            audience=row["audience"],
            department=row["department"],
            position=row["position"],
            cohort=row["cohort"],
            status=row["status"],
            minutes=row["minutes"],
            weight=row["weight"],
            pass_percent=row["pass_percent"],
        )
        attempts = row["attempts"]
        earned = row["earned"]
        cards.append(
            CourseCard(
                course=course,  # type: ignore[arg-type]
                lessons=row["lessons"],
                state="passed" if row["passed"] else ("tried" if attempts else "new"),
                earned=earned or 0,
                next_points=0
                if earned is not None
                else points_for_attempt(attempt_number=attempts + 1, weight=course.weight),
            )
        )
    return LearningHome(cards=cards, balance=int(rows[0]["balance"] or 0))


@dataclass(frozen=True, slots=True)
class LessonView:
    """One lesson as the candidate's lesson page shows it, with its course and position."""

    course_id: int
    course_title: str
    number: int
    count: int
    title: str
    body: str
    media_url: str


# A lesson page in one query, SQL built once: the course only when it is published and meant
# for the candidate (the rule of _audience_filter, as on the learning page), its lesson count,
# and its lesson at ``number`` (1-based, in the course's order).
_LESSON_SQL = (
    "SELECT co.id AS course_id, co.title AS course_title, "
    "(SELECT count(*) FROM lesson n WHERE n.course = co.id) AS count, "
    "l.title AS title, l.body AS body, l.media_url AS media_url "
    "FROM candidate c "
    "JOIN course co ON co.id = {} AND co.status = 'published' AND (co.audience = 'everyone' "
    "OR (co.audience = 'department' AND co.department = c.department) "
    "OR (co.audience = 'position' AND co.position = c.position) "
    "OR (co.audience = 'cohort' AND co.cohort = c.cohort)) "
    "LEFT JOIN lesson l ON l.id = (SELECT o.id FROM lesson o WHERE o.course = co.id "
    "ORDER BY o.sort_order, o.id LIMIT 1 OFFSET {}) "
    "WHERE c.id = {}"
)
_LESSON_READ = PreparedSQL(_LESSON_SQL)


async def candidate_lesson(*, candidate_id: int, course_id: int, number: int) -> LessonView:
    """Lesson ``number`` of a published course meant for this candidate; NotFound otherwise
    (the course's message for another course, the lesson's for a number it does not have)."""
    rows = await _LESSON_READ.rows(course_id, max(number - 1, 0), candidate_id)
    if not rows:
        raise NotFound(_("This course does not exist."))
    row = rows[0]
    if number < 1 or row["title"] is None:
        raise NotFound(_("This lesson does not exist."))
    return LessonView(
        course_id=row["course_id"],
        course_title=row["course_title"],
        number=number,
        count=row["count"],
        title=row["title"],
        body=row["body"],
        media_url=row["media_url"],
    )


async def course_lessons(*, course_id: int) -> list[Lesson]:
    return (
        await Lesson.objects()
        .where(Lesson.course == course_id)
        .order_by(Lesson.sort_order, Lesson.id)
    )


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
