from datetime import UTC, datetime, timedelta

from portal.domain.learning.points import point_entry_append
from portal.domain.learning.tables import PointEntry
from tests.factories import make_candidate, make_cohort, make_department, sign_in_candidate


async def test_cohort_leaderboard_ranks_course_points_and_hides_names(client):
    department = await make_department()
    cohort = await make_cohort(department)
    me = await make_candidate(department, cohort=cohort, name="王五")
    rival = await make_candidate(department, cohort=cohort, name="赵六")
    outsider = await make_candidate(department, name="局外人")
    for candidate, points in ((me, 7), (rival, 10), (outsider, 50)):
        await point_entry_append(
            candidate_id=candidate.id, amount=points, reason="课", source_key="course:1"
        )
    # Old points count for "all time" only.
    await PointEntry.update({PointEntry.created_at: datetime.now(UTC) - timedelta(days=30)}).where(
        PointEntry.candidate == rival.id
    )
    await sign_in_candidate(client, me)
    week = await client.get("/learning/leaderboard?period=week")
    assert "王五" in week.text and "赵六" not in week.text and "局外人" not in week.text
    all_time = await client.get("/learning/leaderboard?period=all")
    assert all_time.text.index("赵六") < all_time.text.index("王五")

    await client.post(
        "/learning/leaderboard/privacy",
        data={"hide": "1", "_csrf_token": client.cookies.get("onramp_csrf")},
    )
    await sign_in_candidate(client, rival)
    page = await client.get("/learning/leaderboard?period=all")
    assert "王五" not in page.text
    assert "匿名伙伴" in page.text


async def test_privacy_form_needs_the_csrf_token(client):
    me = await make_candidate()
    await sign_in_candidate(client, me)
    response = await client.post("/learning/leaderboard/privacy", data={"hide": "1"})
    assert response.status_code == 403


async def test_a_double_tap_on_the_first_privacy_choice_saves_it_once():
    """Both taps found no preference row and both inserted: the second was a 500."""
    import asyncio

    from portal.domain.learning.leaderboard import hides_name, leaderboard_set_hidden
    from portal.domain.learning.tables import LearnerPreference

    me = await make_candidate()
    await asyncio.gather(
        *(leaderboard_set_hidden(candidate_id=me.id, hide_name=True) for _ in range(3))
    )
    assert await LearnerPreference.count().where(LearnerPreference.candidate == me.id) == 1
    assert await hides_name(candidate_id=me.id)
    await leaderboard_set_hidden(candidate_id=me.id, hide_name=False)
    assert not await hides_name(candidate_id=me.id)
