"""HR previews a course as a candidate would see it: the course, its lessons and the quiz.

The candidate templates render with ``preview`` set: a banner says so, links stay
inside the preview, and the quiz cannot be submitted. Nothing is written — no quiz
attempt is handed out and no points are earned. Draft courses can be previewed too.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from admin.guards import HR_ONLY
from admin.rendering import admin_page
from portal.domain.errors import NotFound
from portal.domain.learning.markdown import render_lesson_markdown
from portal.domain.learning.media_urls import media_kind
from portal.domain.learning.preview import course_preview
from portal.domain.learning.quizzes import QuizForm
from portal.domain.staff.tables import StaffUser
from portal.i18n import gettext as _


def _preview_page(template: str, staff: StaffUser, course_id: int, **context: Any) -> Template:
    return admin_page(
        f"portal/learning/{template}",
        staff,
        preview=True,
        preview_course_id=course_id,
        preview_url=f"/admin/learning/courses/{course_id}/preview",
        **context,
    )


class CoursePreviewController(Controller):
    path = "/learning/courses/{course_id:int}/preview"
    guards = [HR_ONLY]

    @get("/", name="admin-course-preview")
    async def course(self, staff: NamedDependency[StaffUser], course_id: FromPath[int]) -> Template:
        preview = await course_preview(course_id=course_id)
        return _preview_page(
            "course.html", staff, course_id, card=preview.card, lessons=preview.lessons
        )

    @get("/lessons/{number:int}", name="admin-lesson-preview")
    async def lesson(
        self, staff: NamedDependency[StaffUser], course_id: FromPath[int], number: FromPath[int]
    ) -> Template:
        preview = await course_preview(course_id=course_id)
        if not 1 <= number <= len(preview.lessons):
            raise NotFound(_("This lesson does not exist."))
        lesson = preview.lessons[number - 1]
        return _preview_page(
            "lesson.html",
            staff,
            course_id,
            course=preview.card.course,
            lesson=lesson,
            body=render_lesson_markdown(lesson.body),
            media=media_kind(lesson.media_url),
            number=number,
            count=len(preview.lessons),
        )

    @get("/quiz", name="admin-quiz-preview")
    async def quiz(self, staff: NamedDependency[StaffUser], course_id: FromPath[int]) -> Template:
        preview = await course_preview(course_id=course_id)
        form = QuizForm(course=preview.card.course, token="", questions=preview.questions)
        return _preview_page(
            "quiz.html", staff, course_id, form=form, card=preview.card, errors={}, chosen={}
        )
