from portal.domain.learning.points import point_entry_append, points_balance
from portal.domain.learning.rewards import reward_redeem
from portal.domain.learning.tables import Course, Lesson, Question, Redemption, Reward
from tests.admin.forms import field_error, submit
from tests.factories import make_candidate, make_department, make_staff, sign_in_staff
from tests.learning.helpers import make_reward

REWARD = {
    "name": "超市购物券",
    "price": "50",
    "stock": "10",
    "per_candidate_limit": "1",
    "description": "",
    "is_active": "1",
}


async def _hr(client):
    staff = await make_staff("hr")
    await sign_in_staff(client, staff)
    return staff


async def test_hr_builds_and_publishes_a_course(client):
    await _hr(client)
    response = await submit(
        client,
        "/admin/learning/courses/new",
        {
            "title": "食品安全",
            "audience": "everyone",
            "minutes": "8",
            "weight": "1",
            "pass_percent": "80",
            "status": "draft",
        },
    )
    assert response.status_code == 303
    course = await Course.objects().get(Course.title == "食品安全")
    base = f"/admin/learning/courses/{course.id}"
    await submit(client, f"{base}/lessons", {"lesson_title": "洗手", "lesson_body": "*六步*洗手法"})
    early = await submit(
        client,
        base,
        {
            "title": "食品安全",
            "audience": "everyone",
            "minutes": "8",
            "weight": "1",
            "pass_percent": "80",
            "status": "published",
        },
    )
    assert early.status_code == 400
    assert field_error(early.text, "status")
    for n in range(3):
        await submit(
            client,
            f"{base}/questions",
            {
                "prompt": f"题{n}",
                "kind": "multiple",
                "choices": "*甲\n*乙\n丙",
                "explanation": "",
            },
        )
    published = await submit(
        client,
        base,
        {
            "title": "食品安全",
            "audience": "everyone",
            "minutes": "8",
            "weight": "1",
            "pass_percent": "80",
            "status": "published",
        },
    )
    assert published.status_code == 303
    assert (await Course.objects().get(Course.id == course.id)).status == "published"
    assert await Lesson.count() == 1 and await Question.count() == 3


async def test_a_single_choice_question_needs_exactly_one_right_answer(client):
    await _hr(client)
    await submit(
        client,
        "/admin/learning/courses/new",
        {
            "title": "课",
            "audience": "everyone",
            "minutes": "5",
            "weight": "1",
            "pass_percent": "80",
            "status": "draft",
        },
    )
    course = await Course.objects().first()
    response = await submit(
        client,
        f"/admin/learning/courses/{course.id}/questions",
        {
            "prompt": "题",
            "kind": "single",
            "choices": "*甲\n*乙",
            "explanation": "",
        },
    )
    assert response.status_code == 400
    assert field_error(response.text, "choices")
    assert await Question.count() == 0


async def test_reward_price_must_be_a_positive_whole_number(client):
    await _hr(client)
    for price in ("-5", "abc", "0", "1.5"):
        response = await submit(client, "/admin/learning/rewards/new", {**REWARD, "price": price})
        assert response.status_code == 400
        assert field_error(response.text, "price")
    assert await Reward.count() == 0
    response = await submit(client, "/admin/learning/rewards/new", REWARD)
    assert response.status_code == 303
    assert (await Reward.objects().first()).price == 50


async def test_hr_fulfils_and_cancels_redemptions(client):
    await _hr(client)
    candidate = await make_candidate()
    await point_entry_append(candidate_id=candidate.id, amount=30, reason="t", source_key="x")
    reward = await make_reward(price=10, stock=3)
    first = await reward_redeem(candidate_id=candidate.id, reward_id=reward.id)
    second = await reward_redeem(candidate_id=candidate.id, reward_id=reward.id)
    page = await client.get("/admin/learning/rewards")
    assert candidate.name in page.text
    base = "/admin/learning/rewards/redemptions"
    assert (await submit(client, f"{base}/{first.id}/fulfil", {})).status_code == 303
    assert (await submit(client, f"{base}/{second.id}/cancel", {})).status_code == 303
    assert (await submit(client, f"{base}/{first.id}/cancel", {})).status_code == 409
    statuses = {r.id: r.status for r in await Redemption.objects()}
    assert statuses == {first.id: "fulfilled", second.id: "cancelled"}
    assert await points_balance(candidate_id=candidate.id) == 20


async def test_managers_cannot_edit_learning_content(client):
    manager = await make_staff("manager", department=await make_department())
    await sign_in_staff(client, manager)
    assert (await client.get("/admin/learning/courses")).status_code == 403
    assert (await submit(client, "/admin/learning/rewards/new", REWARD)).status_code == 403
    assert await Reward.count() == 0
