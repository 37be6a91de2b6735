"""Course editor for HR: courses, their audience, lessons and quiz questions.

Only admin and HR reach these pages; managers are refused (403) — courses are HR's content.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from admin.forms import form_id, form_text
from admin.guards import HR_ONLY
from admin.rendering import admin_page
from portal.domain.errors import ValidationFailed
from portal.domain.learning.catalog import (
    course_admin_list,
    course_audience_choices,
    course_lessons,
    course_questions,
)
from portal.domain.learning.courses import (
    CourseInput,
    choices_as_text,
    course_create,
    course_get,
    course_update,
    lesson_create,
    lesson_delete,
    lesson_get,
    lesson_move,
    lesson_update,
    question_create,
    question_delete,
    question_get,
    question_move,
    question_update,
)
from portal.domain.staff.tables import StaffUser

COURSE_FIELDS = (
    "title",
    "summary",
    "audience",
    "target_department",
    "target_position",
    "target_cohort",
    "minutes",
    "weight",
    "pass_percent",
    "status",
)
LESSON_FIELDS = ("lesson_title", "lesson_body", "lesson_media_url")
QUESTION_FIELDS = ("prompt", "kind", "explanation", "choices")


def _course_input(values: dict[str, str]) -> CourseInput:
    return CourseInput(
        title=values["title"],
        summary=values["summary"],
        audience=values["audience"],
        target_id=form_id(values.get(f"target_{values['audience']}")),
        minutes=values["minutes"],
        weight=values["weight"],
        pass_percent=values["pass_percent"],
        status=values["status"],
    )


def _course_values(course: Any) -> dict[str, str]:
    return {
        "title": course.title,
        "summary": course.summary,
        "audience": course.audience,
        "target_department": str(course.department or ""),
        "target_position": str(course.position or ""),
        "target_cohort": str(course.cohort or ""),
        "minutes": str(course.minutes),
        "weight": str(course.weight),
        "pass_percent": str(course.pass_percent),
        "status": course.status,
    }


async def _course_page(
    staff: StaffUser,
    *,
    course_id: int | None,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    return admin_page(
        "admin/learning/course.html",
        staff,
        status_code=status_code,
        course_id=course_id,
        values=values,
        errors=errors or {},
        choices=await course_audience_choices(),
        lessons=await course_lessons(course_id=course_id) if course_id else [],
        questions=await course_questions(course_id=course_id) if course_id else [],
    )


def _item_page(
    staff: StaffUser,
    kind: str,
    *,
    course_id: int,
    item_id: int,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
) -> Template:
    """The edit form of one lesson or question (``kind``)."""
    return admin_page(
        f"admin/learning/{kind}_form.html",
        staff,
        status_code=400 if errors else 200,
        course_id=course_id,
        item_id=item_id,
        values=values,
        errors=errors or {},
    )


class CourseController(Controller):
    path = "/learning/courses"
    guards = [HR_ONLY]

    @get("/", name="admin-courses")
    async def list_courses(self, staff: NamedDependency[StaffUser]) -> Template:
        return admin_page("admin/learning/courses.html", staff, courses=await course_admin_list())

    @get("/new", name="admin-course-new")
    async def new_course(self, staff: NamedDependency[StaffUser]) -> Template:
        values = dict.fromkeys(COURSE_FIELDS, "")
        values.update(audience="everyone", minutes="10", weight="1", pass_percent="80")
        values["status"] = "draft"
        return await _course_page(staff, course_id=None, values=values)

    @post("/new", name="admin-course-create")
    async def create_course(
        self, request: Request[Any, Any, Any], staff: NamedDependency[StaffUser]
    ) -> Template | Redirect:
        values = await form_text(request, *COURSE_FIELDS)
        try:
            course = await course_create(data=_course_input(values))
        except ValidationFailed as failed:
            return await _course_page(
                staff, course_id=None, values=values, errors=failed.errors, status_code=400
            )
        return Redirect(f"/admin/learning/courses/{course.id}", status_code=HTTP_303_SEE_OTHER)

    @get("/{course_id:int}", name="admin-course")
    async def course(self, staff: NamedDependency[StaffUser], course_id: FromPath[int]) -> Template:
        course = await course_get(course_id=course_id)
        return await _course_page(staff, course_id=course.id, values=_course_values(course))

    async def _after(
        self, staff: StaffUser, course_id: int, values: dict[str, str], action: Any
    ) -> Template | Redirect:
        try:
            await action()
        except ValidationFailed as failed:
            course = await course_get(course_id=course_id)
            return await _course_page(
                staff,
                course_id=course_id,
                values={**_course_values(course), **values},
                errors=failed.errors,
                status_code=400,
            )
        return Redirect(f"/admin/learning/courses/{course_id}", status_code=HTTP_303_SEE_OTHER)

    @post("/{course_id:int}", name="admin-course-update")
    async def update_course(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        course_id: FromPath[int],
    ) -> Template | Redirect:
        await course_get(course_id=course_id)
        values = await form_text(request, *COURSE_FIELDS)
        return await self._after(
            staff,
            course_id,
            values,
            lambda: course_update(course_id=course_id, data=_course_input(values)),
        )

    @post("/{course_id:int}/lessons", name="admin-lesson-create")
    async def add_lesson(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        course_id: FromPath[int],
    ) -> Template | Redirect:
        values = await form_text(request, *LESSON_FIELDS)
        return await self._after(
            staff,
            course_id,
            values,
            lambda: lesson_create(
                course_id=course_id,
                title=values["lesson_title"],
                body=values["lesson_body"],
                media_url=values["lesson_media_url"],
            ),
        )

    @post("/{course_id:int}/lessons/{lesson_id:int}/delete", name="admin-lesson-delete")
    async def delete_lesson(
        self, staff: NamedDependency[StaffUser], course_id: FromPath[int], lesson_id: FromPath[int]
    ) -> Template | Redirect:
        return await self._after(
            staff, course_id, {}, lambda: lesson_delete(course_id=course_id, lesson_id=lesson_id)
        )

    @post("/{course_id:int}/questions", name="admin-question-create")
    async def add_question(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        course_id: FromPath[int],
    ) -> Template | Redirect:
        values = await form_text(request, *QUESTION_FIELDS)
        return await self._after(
            staff,
            course_id,
            values,
            lambda: question_create(
                course_id=course_id,
                prompt=values["prompt"],
                kind=values["kind"],
                explanation=values["explanation"],
                choices_text=values["choices"],
            ),
        )

    @post("/{course_id:int}/questions/{question_id:int}/delete", name="admin-question-delete")
    async def delete_question(
        self,
        staff: NamedDependency[StaffUser],
        course_id: FromPath[int],
        question_id: FromPath[int],
    ) -> Template | Redirect:
        return await self._after(
            staff,
            course_id,
            {},
            lambda: question_delete(course_id=course_id, question_id=question_id),
        )

    @post("/{course_id:int}/lessons/{lesson_id:int}/move", name="admin-lesson-move")
    async def move_lesson(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        course_id: FromPath[int],
        lesson_id: FromPath[int],
    ) -> Redirect:
        direction = (await form_text(request, "direction"))["direction"]
        await lesson_move(
            course_id=course_id, lesson_id=lesson_id, direction=-1 if direction == "up" else 1
        )
        return Redirect(f"/admin/learning/courses/{course_id}", status_code=HTTP_303_SEE_OTHER)

    @post("/{course_id:int}/questions/{question_id:int}/move", name="admin-question-move")
    async def move_question(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        course_id: FromPath[int],
        question_id: FromPath[int],
    ) -> Redirect:
        direction = (await form_text(request, "direction"))["direction"]
        await question_move(
            course_id=course_id, question_id=question_id, direction=-1 if direction == "up" else 1
        )
        return Redirect(f"/admin/learning/courses/{course_id}", status_code=HTTP_303_SEE_OTHER)

    @get("/{course_id:int}/lessons/{lesson_id:int}/edit", name="admin-lesson-edit")
    async def edit_lesson(
        self, staff: NamedDependency[StaffUser], course_id: FromPath[int], lesson_id: FromPath[int]
    ) -> Template:
        lesson = await lesson_get(course_id=course_id, lesson_id=lesson_id)
        values = {
            "lesson_title": lesson.title,
            "lesson_body": lesson.body,
            "lesson_media_url": lesson.media_url,
        }
        return _item_page(staff, "lesson", course_id=course_id, item_id=lesson.id, values=values)

    @post("/{course_id:int}/lessons/{lesson_id:int}/edit", name="admin-lesson-update")
    async def update_lesson(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        course_id: FromPath[int],
        lesson_id: FromPath[int],
    ) -> Template | Redirect:
        await lesson_get(course_id=course_id, lesson_id=lesson_id)
        values = await form_text(request, *LESSON_FIELDS)
        try:
            await lesson_update(
                course_id=course_id,
                lesson_id=lesson_id,
                title=values["lesson_title"],
                body=values["lesson_body"],
                media_url=values["lesson_media_url"],
            )
        except ValidationFailed as failed:
            return _item_page(
                staff,
                "lesson",
                course_id=course_id,
                item_id=lesson_id,
                values=values,
                errors=failed.errors,
            )
        return Redirect(f"/admin/learning/courses/{course_id}", status_code=HTTP_303_SEE_OTHER)

    @get("/{course_id:int}/questions/{question_id:int}/edit", name="admin-question-edit")
    async def edit_question(
        self,
        staff: NamedDependency[StaffUser],
        course_id: FromPath[int],
        question_id: FromPath[int],
    ) -> Template:
        question = await question_get(course_id=course_id, question_id=question_id)
        views = await course_questions(course_id=course_id)
        choices = next(v.choices for v in views if v.question.id == question.id)
        values = {
            "prompt": question.prompt,
            "kind": question.kind,
            "explanation": question.explanation,
            "choices": choices_as_text(choices),
        }
        return _item_page(
            staff, "question", course_id=course_id, item_id=question.id, values=values
        )

    @post("/{course_id:int}/questions/{question_id:int}/edit", name="admin-question-update")
    async def update_question(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        course_id: FromPath[int],
        question_id: FromPath[int],
    ) -> Template | Redirect:
        await question_get(course_id=course_id, question_id=question_id)
        values = await form_text(request, *QUESTION_FIELDS)
        try:
            await question_update(
                course_id=course_id,
                question_id=question_id,
                prompt=values["prompt"],
                kind=values["kind"],
                explanation=values["explanation"],
                choices_text=values["choices"],
            )
        except ValidationFailed as failed:
            return _item_page(
                staff,
                "question",
                course_id=course_id,
                item_id=question_id,
                values=values,
                errors=failed.errors,
            )
        return Redirect(f"/admin/learning/courses/{course_id}", status_code=HTTP_303_SEE_OTHER)
