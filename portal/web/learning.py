"""Candidate learning pages: my courses, lessons, the quiz, results and the leaderboard."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from portal.domain.errors import ValidationFailed
from portal.domain.learning.catalog import (
    candidate_course,
    candidate_learning_home,
    candidate_lesson,
    course_lessons,
    course_progress,
    course_questions,
)
from portal.domain.learning.leaderboard import cohort_leaderboard, leaderboard_set_hidden
from portal.domain.learning.markdown import render_lesson_markdown
from portal.domain.learning.media_urls import media_kind
from portal.domain.learning.quizzes import QuizForm, quiz_result, quiz_start, quiz_submit
from portal.domain.validation import row_id_from


def _page(template: str, *, status_code: int = 200, **context: Any) -> Template:
    return Template(
        template, context=context, status_code=status_code, headers={"Cache-Control": "no-store"}
    )


def _id(text: str) -> int:
    """A posted id; -1 (no row's id) when it is not a plausible one, so the answer is wrong."""
    found = row_id_from(text)
    return -1 if found is None else found


async def _posted_answers(request: Request[Any, Any, Any]) -> tuple[str, dict[int, set[int]]]:
    form = await request.form()
    answers: dict[int, set[int]] = {}
    for key in form:
        if key.startswith("q") and _id(key[1:]) > 0:
            answers[_id(key[1:])] = {_id(v) for v in form.getall(key) if isinstance(v, str)}
    token = form.get("attempt")
    return (token if isinstance(token, str) else ""), answers


@get("/learning", name="learning")
async def learning_home(candidate_id: NamedDependency[int]) -> Template:
    page = await candidate_learning_home(candidate_id=candidate_id)
    return _page("portal/learning/index.html", cards=page.cards, balance=page.balance)


@get("/learning/courses/{course_id:int}", name="learning-course")
async def course_page(candidate_id: NamedDependency[int], course_id: FromPath[int]) -> Template:
    course = await candidate_course(candidate_id=candidate_id, course_id=course_id)
    return _page(
        "portal/learning/course.html",
        card=await course_progress(candidate_id=candidate_id, course=course),
        lessons=await course_lessons(course_id=course.id),
    )


@get(
    "/learning/courses/{course_id:int}/lessons/{number:int}",
    name="learning-lesson",
)
async def lesson_page(
    candidate_id: NamedDependency[int], course_id: FromPath[int], number: FromPath[int]
) -> Template:
    lesson = await candidate_lesson(candidate_id=candidate_id, course_id=course_id, number=number)
    return _page(
        "portal/learning/lesson.html",
        course={"id": lesson.course_id, "title": lesson.course_title},
        lesson=lesson,
        body=render_lesson_markdown(lesson.body),
        media=media_kind(lesson.media_url),
        number=number,
        count=lesson.count,
    )


async def _quiz_page(
    candidate_id: int, form: QuizForm, *, errors: dict[str, str] | None = None, chosen=None
) -> Template:
    card = await course_progress(candidate_id=candidate_id, course=form.course)
    return _page(
        "portal/learning/quiz.html",
        status_code=400 if errors else 200,
        form=form,
        card=card,
        errors=errors or {},
        chosen=chosen or {},
    )


@get("/learning/courses/{course_id:int}/quiz", name="learning-quiz")
async def quiz_page(candidate_id: NamedDependency[int], course_id: FromPath[int]) -> Template:
    form = await quiz_start(candidate_id=candidate_id, course_id=course_id)
    return await _quiz_page(candidate_id, form)


@post("/learning/courses/{course_id:int}/quiz", name="learning-quiz-submit")
async def quiz_submit_page(
    request: Request[Any, Any, Any], candidate_id: NamedDependency[int], course_id: FromPath[int]
) -> Template | Redirect:
    token, answers = await _posted_answers(request)
    try:
        token = await quiz_submit(
            candidate_id=candidate_id, course_id=course_id, token=token, answers=answers
        )
    except ValidationFailed as failed:
        # Same attempt token: the form is still unused and can be sent again.
        course = await candidate_course(candidate_id=candidate_id, course_id=course_id)
        form = QuizForm(
            course=course, token=token, questions=await course_questions(course_id=course.id)
        )
        return await _quiz_page(candidate_id, form, errors=failed.errors, chosen=answers)
    return Redirect(f"/learning/results/{token}", status_code=HTTP_303_SEE_OTHER)


@get("/learning/results/{token:str}", name="learning-result")
async def result_page(candidate_id: NamedDependency[int], token: FromPath[str]) -> Template:
    result = await quiz_result(candidate_id=candidate_id, token=token)
    balance = next_course = None
    if result.attempt.passed:
        # The success moment: the points balance and what to do next.
        home = await candidate_learning_home(candidate_id=candidate_id)
        balance = home.balance
        next_course = next(
            (
                c.course
                for c in home.cards
                if c.state != "passed" and c.course.id != result.course.id
            ),
            None,
        )
    return _page(
        "portal/learning/result.html", result=result, balance=balance, next_course=next_course
    )


@get("/learning/leaderboard", name="learning-leaderboard")
async def leaderboard_page(
    candidate_id: NamedDependency[int], period: FromQuery[str] = "week"
) -> Template:
    board = await cohort_leaderboard(candidate_id=candidate_id, period=period)
    return _page("portal/learning/leaderboard.html", board=board)


@post("/learning/leaderboard/privacy", name="learning-privacy")
async def leaderboard_privacy(
    request: Request[Any, Any, Any], candidate_id: NamedDependency[int]
) -> Redirect:
    form = await request.form()
    await leaderboard_set_hidden(candidate_id=candidate_id, hide_name=form.get("hide") == "1")
    return Redirect("/learning/leaderboard", status_code=HTTP_303_SEE_OTHER)


LEARNING_PAGES = [
    learning_home,
    course_page,
    lesson_page,
    quiz_page,
    quiz_submit_page,
    result_page,
    leaderboard_page,
    leaderboard_privacy,
]
