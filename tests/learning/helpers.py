"""Building published courses and rewards through the real services."""

from __future__ import annotations

import re

import httpx

from portal.domain.learning.courses import (
    CourseInput,
    course_create,
    course_update,
    lesson_create,
    question_create,
)
from portal.domain.learning.rewards import RewardInput, reward_create
from portal.domain.learning.tables import Choice, Course, Question


async def make_course(
    *,
    title: str = "安全生产第一课",
    audience: str = "everyone",
    target_id: int | None = None,
    weight: int = 1,
    questions: int = 3,
    published: bool = True,
) -> Course:
    course = await course_create(
        data=CourseInput(title=title, audience=audience, target_id=target_id, weight=weight)
    )
    await lesson_create(course_id=course.id, title="为什么要戴安全帽", body="**一定**要戴。")
    for number in range(1, questions + 1):
        await question_create(
            course_id=course.id,
            prompt=f"问题 {number}",
            kind="single",
            explanation=f"解释 {number}",
            choices_text="*对\n错",
        )
    if published:
        await course_update(
            course_id=course.id,
            data=CourseInput(
                title=title,
                audience=audience,
                target_id=target_id,
                weight=weight,
                status="published",
            ),
        )
    return await Course.objects().get(Course.id == course.id)


async def answer_key(course: Course, *, right: bool = True) -> dict[str, str]:
    """Form fields answering every question (all right, or all wrong)."""
    fields = {}
    for question in await Question.objects().where(Question.course == course.id):
        choice = await Choice.objects().get(
            (Choice.question == question.id) & (Choice.is_correct == right)
        )
        fields[f"q{question.id}"] = str(choice.id)
    return fields


async def open_quiz(client: httpx.AsyncClient, course: Course) -> str:
    """Render the quiz page; returns its one-time attempt token."""
    page = await client.get(f"/learning/courses/{course.id}/quiz")
    assert page.status_code == 200, page.text
    match = re.search(r'name="attempt" value="([^"]+)"', page.text)
    assert match
    return match.group(1)


async def post_quiz(
    client: httpx.AsyncClient, course: Course, token: str, answers: dict[str, str]
) -> httpx.Response:
    return await client.post(
        f"/learning/courses/{course.id}/quiz",
        data={**answers, "attempt": token, "_csrf_token": client.cookies.get("onramp_csrf")},
        follow_redirects=False,
    )


async def make_reward(*, price: int = 10, stock: int = 5, limit: int = 0, name: str = "欢迎礼包"):
    return await reward_create(
        data=RewardInput(name=name, price=price, stock=stock, per_candidate_limit=limit)
    )
