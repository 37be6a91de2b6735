import asyncio

from portal.domain.learning.points import points_balance
from portal.domain.learning.tables import PointEntry, QuizAttempt
from tests.factories import make_candidate, make_department, sign_in_candidate
from tests.learning.helpers import answer_key, make_course, open_quiz, post_quiz


async def _signed_in(client):
    candidate = await make_candidate()
    await sign_in_candidate(client, candidate)
    return candidate


async def test_passing_first_attempt_earns_ten_points_times_weight(client):
    candidate = await _signed_in(client)
    course = await make_course(weight=2)
    course_page = await client.get(f"/learning/courses/{course.id}")
    assert "20" in course_page.text  # "next attempt is worth 20 points"
    token = await open_quiz(client, course)
    response = await post_quiz(client, course, token, await answer_key(course))
    assert response.status_code == 303
    result = await client.get(response.headers["location"])
    assert "100%" in result.text
    assert "解释 1" in result.text
    assert await points_balance(candidate_id=candidate.id) == 20


async def test_wrong_answers_fail_and_the_next_attempt_is_worth_less(client):
    candidate = await _signed_in(client)
    course = await make_course()
    token = await open_quiz(client, course)
    response = await post_quiz(client, course, token, await answer_key(course, right=False))
    result = await client.get(response.headers["location"])
    assert 'data-testid="outcome"' in result.text
    assert "0%" in result.text
    assert await points_balance(candidate_id=candidate.id) == 0
    course_page = await client.get(f"/learning/courses/{course.id}")
    assert "7" in course_page.text.split('data-testid="next-points"')[1].split("</p>")[0]
    token = await open_quiz(client, course)
    await post_quiz(client, course, token, await answer_key(course))
    assert await points_balance(candidate_id=candidate.id) == 7


async def test_course_points_are_earned_once(client):
    candidate = await _signed_in(client)
    course = await make_course()
    for _attempt in range(2):
        token = await open_quiz(client, course)
        await post_quiz(client, course, token, await answer_key(course))
    assert await points_balance(candidate_id=candidate.id) == 10
    assert await PointEntry.count() == 1


async def test_replaying_a_submitted_form_grades_once(client):
    candidate = await _signed_in(client)
    course = await make_course()
    token = await open_quiz(client, course)
    wrong = await post_quiz(client, course, token, await answer_key(course, right=False))
    replay = await post_quiz(client, course, token, await answer_key(course))
    assert replay.headers["location"] == wrong.headers["location"]
    assert await points_balance(candidate_id=candidate.id) == 0
    attempt = await QuizAttempt.objects().get(QuizAttempt.token == token)
    assert attempt.score_percent == 0


async def test_concurrent_submissions_of_one_attempt_award_once(client):
    candidate = await _signed_in(client)
    course = await make_course()
    token = await open_quiz(client, course)
    answers = await answer_key(course)
    responses = await asyncio.gather(*(post_quiz(client, course, token, answers) for _ in range(5)))
    assert {r.status_code for r in responses} == {303}
    assert await points_balance(candidate_id=candidate.id) == 10
    assert await PointEntry.count() == 1


async def test_concurrent_different_attempts_award_the_course_once(client):
    candidate = await _signed_in(client)
    course = await make_course()
    tokens = [await open_quiz(client, course) for _ in range(4)]
    answers = await answer_key(course)
    await asyncio.gather(*(post_quiz(client, course, t, answers) for t in tokens))
    assert await points_balance(candidate_id=candidate.id) == 10
    assert await PointEntry.count() == 1


async def test_tampered_question_and_choice_ids_are_not_credited(client):
    candidate = await _signed_in(client)
    course = await make_course()
    other = await make_course(title="另一门课")
    answers = await answer_key(course)
    first = next(iter(answers))
    answers[first] = (await answer_key(other))[next(iter(await answer_key(other)))]
    answers["q999999"] = "1"
    token = await open_quiz(client, course)
    response = await post_quiz(client, course, token, answers)
    assert response.status_code == 303
    attempt = await QuizAttempt.objects().get(QuizAttempt.token == token)
    assert attempt.score_percent == 67
    assert not attempt.passed
    assert await points_balance(candidate_id=candidate.id) == 0


async def test_unanswered_question_re_renders_the_form_with_the_same_attempt(client):
    await _signed_in(client)
    course = await make_course()
    token = await open_quiz(client, course)
    answers = await answer_key(course)
    missing = answers.popitem()[0]
    response = await post_quiz(client, course, token, answers)
    assert response.status_code == 400
    assert f'data-testid="error-{missing}"' in response.text
    assert f'value="{token}"' in response.text


async def test_a_course_not_assigned_to_me_is_not_found(client):
    await _signed_in(client)
    elsewhere = await make_department("仓储部")
    course = await make_course(audience="department", target_id=elsewhere.id)
    draft = await make_course(title="草稿", published=False)
    assert course.title not in (await client.get("/learning")).text
    assert (await client.get(f"/learning/courses/{course.id}")).status_code == 404
    assert (await client.get(f"/learning/courses/{course.id}/quiz")).status_code == 404
    assert (await client.get(f"/learning/courses/{draft.id}/quiz")).status_code == 404
    response = await post_quiz(client, course, "forged", await answer_key(course))
    assert response.status_code == 404
    assert await QuizAttempt.count() == 0


async def test_a_lesson_is_found_only_by_its_number_in_a_course_meant_for_me(client):
    from portal.domain.learning.courses import lesson_create

    await _signed_in(client)
    course = await make_course()
    await lesson_create(course_id=course.id, title="第二课：工装", body="穿好工装。")
    second = await client.get(f"/learning/courses/{course.id}/lessons/2")
    assert second.status_code == 200 and "第二课：工装" in second.text
    assert "穿好工装。" in second.text and "/lessons/1" in second.text
    assert "/lessons/3" not in second.text  # the last one: no "next"
    for number in (0, 3, 2**31 - 1):
        page = await client.get(f"/learning/courses/{course.id}/lessons/{number}")
        assert page.status_code == 404, number
    elsewhere = await make_course(
        title="别的部门", audience="department", target_id=(await make_department("仓储部")).id
    )
    draft = await make_course(title="草稿", published=False)
    for other in (elsewhere, draft):
        assert (await client.get(f"/learning/courses/{other.id}/lessons/1")).status_code == 404


async def test_courses_for_my_department_are_listed(client):
    candidate = await _signed_in(client)
    course = await make_course(
        title="本部门课程", audience="department", target_id=candidate.department
    )
    page = await client.get("/learning")
    assert page.status_code == 200
    assert course.title in page.text


async def test_someone_elses_result_is_not_found(client):
    await _signed_in(client)
    course = await make_course()
    token = await open_quiz(client, course)
    await post_quiz(client, course, token, await answer_key(course))
    other = await make_candidate(name="李四")
    await sign_in_candidate(client, other)
    assert (await client.get(f"/learning/results/{token}")).status_code == 404


async def test_lesson_markdown_is_rendered_without_raw_html(client):
    from portal.domain.learning.courses import lesson_create

    await _signed_in(client)
    course = await make_course()
    await lesson_create(
        course_id=course.id,
        title="第二课",
        body="<script>alert(1)</script>\n\n[x](javascript:alert(1)) **粗体**",
    )
    page = await client.get(f"/learning/courses/{course.id}/lessons/2")
    assert page.status_code == 200
    assert "<script>" not in page.text
    assert "&lt;script&gt;" in page.text
    assert 'href="javascript' not in page.text
    assert "<strong>粗体</strong>" in page.text


async def test_signed_out_visitors_are_sent_to_welcome(client):
    response = await client.get("/learning", follow_redirects=False)
    assert response.status_code in (302, 303, 307)
    assert response.headers["location"] == "/welcome"


async def test_opening_the_quiz_page_writes_no_row(client):
    """300 page views used to leave 300 attempt rows; now only a submitted form is stored."""
    await _signed_in(client)
    course = await make_course()
    tokens = {await open_quiz(client, course) for _ in range(30)}
    assert len(tokens) == 30
    assert await QuizAttempt.count() == 0
    answers = await answer_key(course)
    answers.popitem()
    assert (await post_quiz(client, course, tokens.pop(), answers)).status_code == 400
    assert await QuizAttempt.count() == 0  # an incomplete form is not stored either
    response = await post_quiz(client, course, tokens.pop(), await answer_key(course))
    assert response.status_code == 303
    rows = await QuizAttempt.select(QuizAttempt.submitted_at, QuizAttempt.attempt_number)
    assert len(rows) == 1 and rows[0]["submitted_at"] is not None
    assert rows[0]["attempt_number"] == 1


async def test_unsubmitted_attempts_of_older_versions_are_cleaned_up(client):
    candidate = await _signed_in(client)
    course = await make_course()
    for number in range(5):
        await QuizAttempt(
            token=f"legacy-form-token-{number:04d}", candidate=candidate, course=course
        ).save()
    # A form handed out before the upgrade can still be submitted...
    response = await post_quiz(client, course, "legacy-form-token-0001", await answer_key(course))
    assert response.status_code == 303
    # ...and the other unsubmitted rows are gone.
    assert await QuizAttempt.count().where(QuizAttempt.submitted_at.is_null()) == 0
    assert await QuizAttempt.count() == 1


async def test_forged_and_foreign_form_tokens_are_refused(client):
    candidate = await _signed_in(client)
    course = await make_course()
    answers = await answer_key(course)
    for bad in ("", "short", "x" * 65, "坏" * 30, "../../etc/passwd-xxxxxxxxxxxx"):
        response = await post_quiz(client, course, bad, answers)
        assert response.status_code == 404, bad
    other = await make_candidate()
    await QuizAttempt(token="someone-elses-token-0000", candidate=other, course=course).save()
    response = await post_quiz(client, course, "someone-elses-token-0000", answers)
    assert response.status_code == 404
    assert await QuizAttempt.count().where(QuizAttempt.candidate == candidate.id) == 0
    assert await points_balance(candidate_id=candidate.id) == 0
