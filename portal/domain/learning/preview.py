"""HR's preview of a course as a candidate sees it, for draft and published courses.

A preview only reads: it hands out no quiz attempt and writes no points.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.domain.learning.catalog import (
    CourseCard,
    QuestionView,
    course_lessons,
    course_questions,
)
from portal.domain.learning.courses import course_get
from portal.domain.learning.points import points_for_attempt
from portal.domain.learning.tables import Lesson


@dataclass(frozen=True)
class CoursePreview:
    card: CourseCard  # as a candidate who has not started sees it
    lessons: list[Lesson]
    questions: list[QuestionView]


async def course_preview(*, course_id: int) -> CoursePreview:
    course = await course_get(course_id=course_id)
    lessons = await course_lessons(course_id=course.id)
    card = CourseCard(
        course=course,
        lessons=len(lessons),
        state="new",
        earned=0,
        next_points=points_for_attempt(attempt_number=1, weight=course.weight),
    )
    return CoursePreview(
        card=card, lessons=lessons, questions=await course_questions(course_id=course.id)
    )
