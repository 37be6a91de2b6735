"""HR edits lessons and questions in place, reorders them, adds media and previews courses."""

from __future__ import annotations

import re

from portal.domain.learning.courses import lesson_create
from portal.domain.learning.points import points_balance
from portal.domain.learning.tables import (
    Choice,
    Course,
    Lesson,
    PointEntry,
    Question,
    QuizAttempt,
    Reward,
)
from tests.admin.forms import field_error, submit
from tests.factories import (
    make_candidate,
    make_department,
    make_staff,
    sign_in_candidate,
    sign_in_staff,
)
from tests.learning.helpers import answer_key, make_course, make_reward, open_quiz, post_quiz

LESSON = {"lesson_title": "安全帽", "lesson_body": "一定要戴。", "lesson_media_url": ""}
REWARD = {
    "name": "水杯",
    "price": "20",
    "stock": "3",
    "per_candidate_limit": "1",
    "description": "",
    "is_active": "1",
}


async def _hr(client):
    await sign_in_staff(client, await make_staff("hr"))


async def _question_ids(course: Course) -> list[int]:
    rows = (
        await Question.select(Question.id)
        .where(Question.course == course.id)
        .order_by(Question.sort_order)
    )
    return [row["id"] for row in rows]


async def test_a_lesson_media_link_must_be_an_http_link(client):
    await _hr(client)
    course = await make_course(published=False)
    base = f"/admin/learning/courses/{course.id}/lessons"
    for bad in ("javascript:alert(1)", "data:image/png;base64,AAAA", "/static/x.png", "https://"):
        response = await submit(client, base, {**LESSON, "lesson_media_url": bad})
        assert response.status_code == 400
        assert field_error(response.text, "lesson_media_url")
    long_url = "https://example.com/" + "a" * 500
    response = await submit(client, base, {**LESSON, "lesson_media_url": long_url})
    assert field_error(response.text, "lesson_media_url")
    assert await Lesson.count() == 1  # only the helper's lesson
    response = await submit(
        client, base, {**LESSON, "lesson_media_url": "https://cdn.example.com/hat.png"}
    )
    assert response.status_code == 303
    lesson = await Lesson.objects().get(Lesson.title == "安全帽")
    assert lesson.media_url == "https://cdn.example.com/hat.png"


async def test_editing_a_lesson_refuses_a_javascript_link_and_keeps_the_old_text(client):
    await _hr(client)
    course = await make_course(published=False)
    lesson = await Lesson.objects().get(Lesson.course == course.id)
    url = f"/admin/learning/courses/{course.id}/lessons/{lesson.id}/edit"
    assert (await client.get(url)).status_code == 200
    bad = await submit(client, url, {**LESSON, "lesson_media_url": "JavaScript:alert(1)"})
    assert bad.status_code == 400
    assert field_error(bad.text, "lesson_media_url")
    assert (await Lesson.objects().get(Lesson.id == lesson.id)).title == lesson.title
    good = await submit(
        client, url, {**LESSON, "lesson_media_url": "https://cdn.example.com/a.mp4"}
    )
    assert good.status_code == 303
    saved = await Lesson.objects().get(Lesson.id == lesson.id)
    assert (saved.title, saved.media_url) == ("安全帽", "https://cdn.example.com/a.mp4")


async def test_the_lesson_page_shows_a_video_or_an_image(client):
    candidate = await make_candidate()
    await sign_in_candidate(client, candidate)
    course = await make_course()
    await lesson_create(
        course_id=course.id,
        title="视频",
        body="看",
        media_url="https://v.example.com/a.mp4?x=1&y=2",
    )
    await lesson_create(
        course_id=course.id, title="图片", body="看", media_url="https://i.example.com/a.jpg"
    )
    video = await client.get(f"/learning/courses/{course.id}/lessons/2")
    assert (
        '<video controls preload="none" playsinline src="https://v.example.com/a.mp4?x=1&amp;y=2"'
        in video.text
    )
    assert "<img" not in video.text
    image = await client.get(f"/learning/courses/{course.id}/lessons/3")
    assert '<img loading="lazy" alt="" src="https://i.example.com/a.jpg"' in image.text
    assert "<video" not in image.text
    plain = await client.get(f"/learning/courses/{course.id}/lessons/1")
    assert 'data-testid="lesson-media"' not in plain.text


async def test_a_reward_picture_is_validated_and_shown_to_candidates(client):
    await _hr(client)
    bad = await submit(
        client, "/admin/learning/rewards/new", {**REWARD, "picture_url": "javascript:x"}
    )
    assert bad.status_code == 400
    assert field_error(bad.text, "picture_url")
    assert await Reward.count() == 0
    picture = "https://img.example.com/cup.jpg"
    ok = await submit(client, "/admin/learning/rewards/new", {**REWARD, "picture_url": picture})
    assert ok.status_code == 303
    await sign_in_candidate(client, await make_candidate())
    page = await client.get("/rewards")
    assert re.search(rf'<img class="reward-picture" loading="lazy" [^>]*src="{picture}"', page.text)


async def test_editing_a_question_keeps_points_already_earned(client):
    candidate = await make_candidate()
    await sign_in_candidate(client, candidate)
    course = await make_course()
    token = await open_quiz(client, course)
    await post_quiz(client, course, token, await answer_key(course))
    assert await points_balance(candidate_id=candidate.id) == 10
    await _hr(client)
    first = (await _question_ids(course))[0]
    url = f"/admin/learning/courses/{course.id}/questions/{first}/edit"
    page = await client.get(url)
    assert page.status_code == 200 and "*对" in page.text
    response = await submit(
        client,
        url,
        {"prompt": "改过的问题", "kind": "single", "explanation": "", "choices": "对\n*错\n不知道"},
    )
    assert response.status_code == 303
    question = await Question.objects().get(Question.id == first)
    assert question.prompt == "改过的问题"
    choices = await Choice.objects().where(Choice.question == first).order_by(Choice.sort_order)
    assert [(c.text, c.is_correct) for c in choices] == [
        ("对", False),
        ("错", True),
        ("不知道", False),
    ]
    assert await points_balance(candidate_id=candidate.id) == 10
    assert await PointEntry.count() == 1


async def test_editing_a_question_uses_the_same_checks_as_creating_one(client):
    await _hr(client)
    course = await make_course()
    first = (await _question_ids(course))[0]
    url = f"/admin/learning/courses/{course.id}/questions/{first}/edit"
    response = await submit(
        client, url, {"prompt": "", "kind": "single", "explanation": "", "choices": "*甲\n*乙"}
    )
    assert response.status_code == 400
    assert field_error(response.text, "prompt") and field_error(response.text, "choices")
    assert (await Question.objects().get(Question.id == first)).prompt == "问题 1"


async def test_a_quiz_started_before_an_edit_is_graded_against_the_edited_questions(client):
    candidate = await make_candidate()
    await sign_in_candidate(client, candidate)
    course = await make_course()
    token = await open_quiz(client, course)
    old_answers = await answer_key(course)  # right before the edit
    first = (await _question_ids(course))[0]
    from portal.domain.learning.courses import question_update

    await question_update(
        course_id=course.id,
        question_id=first,
        prompt="问题 1",
        kind="single",
        explanation="",
        choices_text="对\n*错",  # the right answer is now the other choice
    )
    response = await post_quiz(client, course, token, old_answers)
    assert response.status_code == 303
    attempt = await QuizAttempt.objects().get(QuizAttempt.token == token)
    assert (attempt.score_percent, attempt.passed) == (67, False)
    assert await points_balance(candidate_id=candidate.id) == 0


async def test_moving_a_lesson_changes_the_order_candidates_see(client):
    await _hr(client)
    course = await make_course()
    await lesson_create(course_id=course.id, title="第二课", body="二")
    second = await Lesson.objects().get(Lesson.title == "第二课")
    base = f"/admin/learning/courses/{course.id}/lessons/{second.id}/move"
    assert (await submit(client, base, {"direction": "up"})).status_code == 303
    await sign_in_candidate(client, await make_candidate())
    page = await client.get(f"/learning/courses/{course.id}")
    assert page.text.index("第二课") < page.text.index("为什么要戴安全帽")
    first_lesson = await client.get(f"/learning/courses/{course.id}/lessons/1")
    assert "<h1>第二课</h1>" in first_lesson.text


async def test_moving_a_question_changes_the_quiz_order(client):
    await _hr(client)
    course = await make_course()
    ids = await _question_ids(course)
    url = f"/admin/learning/courses/{course.id}/questions/{ids[0]}/move"
    assert (await submit(client, url, {"direction": "down"})).status_code == 303
    assert await _question_ids(course) == [ids[1], ids[0], ids[2]]
    # Moving the last one further down changes nothing.
    url = f"/admin/learning/courses/{course.id}/questions/{ids[2]}/move"
    assert (await submit(client, url, {"direction": "down"})).status_code == 303
    assert await _question_ids(course) == [ids[1], ids[0], ids[2]]


async def test_moving_a_lesson_of_another_course_is_not_found(client):
    await _hr(client)
    course = await make_course(title="甲")
    other = await make_course(title="乙")
    lesson = await Lesson.objects().get(Lesson.course == other.id)
    url = f"/admin/learning/courses/{course.id}/lessons/{lesson.id}/move"
    assert (await submit(client, url, {"direction": "up"})).status_code == 404
    edit = f"/admin/learning/courses/{course.id}/lessons/{lesson.id}/edit"
    assert (await client.get(edit)).status_code == 404


async def test_hr_previews_a_draft_course_without_creating_attempts_or_points(client):
    await _hr(client)
    course = await make_course(published=False)
    await lesson_create(
        course_id=course.id, title="视频课", body="看", media_url="https://v.example.com/a.webm"
    )
    base = f"/admin/learning/courses/{course.id}/preview"
    editor = await client.get(f"/admin/learning/courses/{course.id}")
    assert f'href="{base}"' in editor.text
    overview = await client.get(base)
    assert overview.status_code == 200
    assert 'data-testid="preview-banner"' in overview.text
    assert f'href="{base}/lessons/1"' in overview.text
    lesson = await client.get(f"{base}/lessons/2")
    assert lesson.status_code == 200
    assert 'data-testid="preview-banner"' in lesson.text
    assert (
        '<video controls preload="none" playsinline src="https://v.example.com/a.webm"'
        in lesson.text
    )
    assert (await client.get(f"{base}/lessons/3")).status_code == 404
    quiz = await client.get(f"{base}/quiz")
    assert quiz.status_code == 200
    assert "问题 1" in quiz.text
    assert 'name="attempt"' not in quiz.text
    assert re.search(r'<button type="submit" disabled>', quiz.text)
    assert await QuizAttempt.count() == 0
    assert await PointEntry.count() == 0


async def test_candidates_cannot_use_the_preview(client):
    course = await make_course()
    await sign_in_candidate(client, await make_candidate())
    response = await client.get(
        f"/admin/learning/courses/{course.id}/preview", follow_redirects=False
    )
    assert response.status_code in (302, 303, 307)


async def test_managers_are_refused_every_new_course_page(client):
    course = await make_course()
    lesson = await Lesson.objects().get(Lesson.course == course.id)
    question = (await _question_ids(course))[0]
    await sign_in_staff(client, await make_staff("manager", department=await make_department()))
    base = f"/admin/learning/courses/{course.id}"
    for path in (
        f"{base}/preview",
        f"{base}/preview/lessons/1",
        f"{base}/preview/quiz",
        f"{base}/lessons/{lesson.id}/edit",
        f"{base}/questions/{question}/edit",
    ):
        assert (await client.get(path)).status_code == 403, path
    posts = {
        f"{base}/lessons/{lesson.id}/edit": {**LESSON},
        f"{base}/questions/{question}/edit": {
            "prompt": "改",
            "kind": "single",
            "explanation": "",
            "choices": "*a\nb",
        },
        f"{base}/lessons/{lesson.id}/move": {"direction": "down"},
        f"{base}/questions/{question}/move": {"direction": "down"},
    }
    for path, data in posts.items():
        assert (await submit(client, path, data)).status_code == 403, path
    assert (await Lesson.objects().get(Lesson.id == lesson.id)).title == lesson.title
    assert (await Question.objects().get(Question.id == question)).prompt == "问题 1"
    assert (await _question_ids(course))[0] == question


async def test_new_course_forms_need_the_csrf_token(client):
    await _hr(client)
    course = await make_course()
    lesson = await Lesson.objects().get(Lesson.course == course.id)
    ids = await _question_ids(course)
    base = f"/admin/learning/courses/{course.id}"
    posts = {
        f"{base}/lessons/{lesson.id}/edit": {**LESSON},
        f"{base}/questions/{ids[0]}/edit": {
            "prompt": "改",
            "kind": "single",
            "explanation": "",
            "choices": "*a\nb",
        },
        f"{base}/questions/{ids[0]}/move": {"direction": "down"},
        f"{base}/lessons/{lesson.id}/move": {"direction": "down"},
    }
    for path, data in posts.items():
        response = await client.post(path, data=data, follow_redirects=False)
        assert response.status_code == 403, path
    assert (await Lesson.objects().get(Lesson.id == lesson.id)).title == lesson.title
    assert await _question_ids(course) == ids
    assert (await Question.objects().get(Question.id == ids[0])).prompt == "问题 1"


async def test_reward_picture_survives_editing(client):
    await _hr(client)
    reward = await make_reward()
    url = f"/admin/learning/rewards/{reward.id}/edit"
    picture = "https://img.example.com/p.png"
    ok = await submit(client, url, {**REWARD, "picture_url": picture})
    assert ok.status_code == 303
    page = await client.get(url)
    assert f'value="{picture}"' in page.text
