"""Instant answers in the room: similar questions first, "this answered it" counted once."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from portal.domain.faq.figures import instant_answer_weeks
from portal.domain.faq.tables import FaqInstantAnswer
from portal.domain.rooms.membership import cohort_room_ensure
from portal.domain.rooms.tables import RoomMessage, RoomQuestion
from tests.factories import make_department, make_staff, sign_in_as, sign_in_candidate
from tests.faq.helpers import answered_question, csrf, post_question, two_cohorts
from tests.resources.helpers import make_resource


async def _room_with_faq(client):
    me, peer, other, hr = await two_cohorts()
    await make_resource(title="工资每个月几号发?", body="每月 10 日发到你的工资卡。")
    room_id = await cohort_room_ensure(me.cohort)
    await sign_in_candidate(client, me)
    return me, room_id


async def test_a_question_with_matches_shows_them_before_posting(client):
    me, room_id = await _room_with_faq(client)
    page = await post_question(client, room_id, "请问工资是几号发?")
    assert page.status_code == 200
    assert 'data-testid="similar-match"' in page.text
    assert "每月 10 日发到你的工资卡" in page.text
    assert await RoomQuestion.count() == 0


async def test_this_answered_it_posts_nothing_and_counts_once(client):
    me, room_id = await _room_with_faq(client)
    page = await post_question(client, room_id, "工资几号发", client_id="c-1")
    match = re.search(r'name="match" value="([^"]+)"', page.text).group(1)
    form = {"_csrf_token": csrf(client), "match": match, "context": "room", "room": str(room_id),
            "client_id": "c-1"}  # fmt: skip
    first = await client.post("/faq/answered", data=form)
    again = await client.post("/faq/answered", data=form)
    assert first.status_code == again.status_code == 200
    assert 'data-testid="instant-answered"' in first.text
    assert f'href="/rooms/{room_id}"' in first.text
    assert await FaqInstantAnswer.count() == 1
    row = await FaqInstantAnswer.select().first()
    assert (row["candidate"], row["cohort"], row["source"]) == (me.id, me.cohort, "faq")
    assert await RoomMessage.count() == 0


async def test_post_anyway_posts_the_question_as_typed(client):
    me, room_id = await _room_with_faq(client)
    page = await post_question(client, room_id, "工资几号发?<script>alert(1)</script>")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    fields = dict(
        re.findall(
            r'<input type="hidden" name="([^"]+)" value="([^"]*)"',
            page.text.split('data-testid="post-anyway"')[1],
        )
    )
    fields["body"] = "工资几号发?<script>alert(1)</script>"  # the form's value, unescaped
    posted = await client.post(f"/rooms/{room_id}/messages", data=fields, follow_redirects=False)
    assert posted.status_code == 303
    assert await RoomQuestion.count() == 1
    assert (await RoomMessage.select(RoomMessage.body).first())["body"] == fields["body"]


async def test_a_question_without_matches_is_posted_at_once(client):
    me, room_id = await _room_with_faq(client)
    posted = await post_question(client, room_id, "培训中心附近有没有超市?")
    assert posted.status_code == 303
    assert await RoomQuestion.count() == 1


async def test_empty_and_oversized_questions_get_the_rooms_own_error(client):
    me, room_id = await _room_with_faq(client)
    empty = await post_question(client, room_id, "   ")
    huge = await post_question(client, room_id, "工资几号发" * 400)
    assert empty.status_code == huge.status_code == 422
    assert await RoomMessage.count() == 0


async def test_an_answer_the_candidate_may_not_see_is_refused(client):
    me, peer, other, hr = await two_cohorts()
    stores = await make_department("仓库")
    hidden = await make_resource(title="仓库的工服怎么领?", body="找仓管。", department=stores)
    draft = await make_resource(title="草稿问题", body="草稿。", status="draft")
    await sign_in_candidate(client, me)
    for match in (
        f"faq:{hidden.id}",
        f"faq:{draft.id}",
        "faq:999",
        "faq:x",
        "room:1",
        "",
        "faq:-1",
    ):
        response = await client.post(
            "/faq/answered", data={"_csrf_token": csrf(client), "match": match, "context": "room"}
        )
        assert response.status_code == 404, match
    bad_context = await client.post(
        "/faq/answered",
        data={"_csrf_token": csrf(client), "match": f"faq:{hidden.id}", "context": "elsewhere"},
    )
    assert bad_context.status_code in (400, 404)
    assert await FaqInstantAnswer.count() == 0


async def test_suggest_endpoint_is_for_signed_in_candidates_and_returns_text(client):
    signed_out = await client.get("/faq/suggest", params={"q": "工资"}, follow_redirects=False)
    assert signed_out.status_code in (302, 303, 401)
    me, peer, other, hr = await two_cohorts()
    await make_resource(title="<b>工资</b>几号发?", body="<script>x()</script>10 日。")
    await sign_in_candidate(client, me)
    found = (await client.get("/faq/suggest", params={"q": "工资几号发"})).json()
    assert found["matches"][0]["title"] == "<b>工资</b>几号发?"  # text; the script sets it as text
    assert (await client.get("/faq/suggest", params={"q": ""})).json()["matches"] == []
    long = await client.get("/faq/suggest", params={"q": "工资" * 700})
    assert long.status_code == 200


async def test_staff_cannot_use_the_candidate_endpoints(client):
    await sign_in_as(client, "hr")
    response = await client.get("/faq/suggest", params={"q": "工资"}, follow_redirects=False)
    assert response.status_code != 200


async def test_resources_search_ranks_paraphrases_and_shows_answered_questions(client):
    me, peer, other, hr = await two_cohorts()
    await make_resource(title="宿舍有空调吗?", body="有。")
    await make_resource(title="工资每个月几号发?", body="每月 10 日。")
    await answered_question(peer, hr, "工资卡要去哪个银行办?", "工商银行。")
    await sign_in_candidate(client, me)
    page = await client.get("/resources", params={"q": "什么时候发工资"})
    assert "工资每个月几号发" in page.text and "宿舍有空调吗" not in page.text
    assert 'data-testid="answered-before"' in page.text and "工商银行" in page.text


async def test_figures_show_the_weekly_share_answered_instantly(client):
    me, room_id = await _room_with_faq(client)
    page = await post_question(client, room_id, "工资几号发")
    match = re.search(r'name="match" value="([^"]+)"', page.text).group(1)
    await client.post("/faq/answered", data={"_csrf_token": csrf(client), "match": match,
                                            "context": "room", "client_id": "k"})  # fmt: skip
    await post_question(client, room_id, "培训中心附近有没有超市?")
    hr = await make_staff("hr")
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()  # the SLA policy's zone
    weeks = await instant_answer_weeks(hr, start=today, end=today)
    assert [(w.posted, w.instant) for w in weeks] == [(1, 1)]
    assert weeks[0].share == 0.5
    other_department = await make_department("物流")
    manager = await make_staff("manager", department=other_department)
    assert [
        (w.posted, w.instant) for w in await instant_answer_weeks(manager, start=today, end=today)
    ] == [(0, 0)]
    await sign_in_as(client, "hr")
    figures = await client.get("/admin/questions/figures")
    assert 'data-testid="figures-instant"' in figures.text and "50%" in figures.text


async def test_hr_promotes_an_answered_question_to_a_faq_entry_once(client):
    from portal.domain.resources.tables import Resource

    me, peer, other, hr = await two_cohorts()
    question_id = await answered_question(peer, hr, "工资卡要去哪个银行办?", "工商银行。")
    await sign_in_as(client, "hr")
    tracker = await client.get("/admin/questions", params={"answered": "1"})
    assert 'data-testid="promote-faq"' in tracker.text
    form = {"_csrf_token": csrf(client)}
    first = await client.post(f"/admin/questions/{question_id}/promote-faq", data=form,
                              follow_redirects=False)  # fmt: skip
    again = await client.post(f"/admin/questions/{question_id}/promote-faq", data=form,
                              follow_redirects=False)  # fmt: skip
    assert first.status_code == again.status_code == 303
    rows = await Resource.select().where(Resource.kind == "faq")
    assert len(rows) == 1
    entry = rows[0]
    assert (entry["title"], entry["body"], entry["status"]) == (
        "工资卡要去哪个银行办?",
        "工商银行。",
        "published",
    )
    assert (entry["audience"], entry["department"]) == ("department", peer.department)
    from portal.domain.faq.tables import FaqDoc

    assert await FaqDoc.count().where(FaqDoc.source == "faq") == 1


async def test_promoting_one_question_twice_at_once_makes_one_entry():
    import asyncio

    from portal.domain.faq.promote import faq_promote_question
    from portal.domain.resources.tables import Resource
    from tests.factories import make_staff

    me, peer, other, hr = await two_cohorts()
    question_id = await answered_question(peer, hr, "宿舍几个人一间?", "四人一间。")
    staff = await make_staff("hr")
    entries = await asyncio.gather(
        *(faq_promote_question(question_id=question_id, staff=staff) for _ in range(3))
    )
    assert len({entry.id for entry in entries}) == 1
    assert await Resource.count().where(Resource.kind == "faq") == 1


async def test_private_unanswered_or_unknown_questions_are_not_promoted(client):
    from portal.domain.resources.tables import Resource
    from tests.faq.helpers import ask

    me, peer, other, hr = await two_cohorts()
    private_id = await answered_question(peer, hr, "我能晚一周报到吗?", "可以。", private=True)
    await ask(peer, "还没回答的问题?")
    open_id = (
        await RoomQuestion.select(RoomQuestion.id).where(RoomQuestion.status == "open").first()
    )["id"]
    await sign_in_as(client, "hr")
    form = {"_csrf_token": csrf(client)}
    for question_id, status in ((private_id, 409), (open_id, 409), (9999, 404)):
        response = await client.post(f"/admin/questions/{question_id}/promote-faq", data=form)
        assert response.status_code == status, question_id
    assert await Resource.count() == 0


async def test_managers_cannot_promote(client):
    me, peer, other, hr = await two_cohorts()
    question_id = await answered_question(peer, hr, "工资卡要去哪个银行办?", "工商银行。")
    await sign_in_as(client, "manager")
    response = await client.post(f"/admin/questions/{question_id}/promote-faq",
                                 data={"_csrf_token": csrf(client)})  # fmt: skip
    assert response.status_code == 403


async def test_a_question_to_hr_in_the_1_1_thread_is_answered_instantly_too(client):
    """The 1:1 thread is a room of kind 'direct': the same step, counted as the thread's."""
    from tests.contact.helpers import open_thread

    me, _cohort_room = await _room_with_faq(client)
    thread_id = await open_thread(client)
    page = await post_question(client, thread_id, "工资几号发", client_id="t-1")
    assert 'data-testid="similar-match"' in page.text
    assert 'name="context" value="thread"' in page.text
    match = re.search(r'name="match" value="([^"]+)"', page.text).group(1)
    form = {"_csrf_token": csrf(client), "match": match, "context": "thread",
            "room": str(thread_id), "client_id": "t-1"}  # fmt: skip
    assert (await client.post("/faq/answered", data=form)).status_code == 200
    row = await FaqInstantAnswer.select().first()
    assert (row["candidate"], row["context"]) == (me.id, "thread")
    assert await RoomQuestion.count() == 0
    thread_page = await client.get(f"/rooms/{thread_id}")
    assert 'data-faq-context="thread"' in thread_page.text


async def test_suggestions_are_limited_per_candidate(client, monkeypatch):
    """A script cannot crawl every answer through the suggestions: 429 past the limit,
    for that candidate only."""
    import portal.web.faq as faq_pages

    monkeypatch.setattr(faq_pages, "SUGGEST_LIMIT", 5)
    me, peer, _other, _hr = await two_cohorts()
    await sign_in_candidate(client, me)
    for _ in range(5):
        assert (await client.get("/faq/suggest", params={"q": "工资"})).status_code == 200
    refused = await client.get("/faq/suggest", params={"q": "工资"})
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert refused.json()["matches"] == []
    client.cookies.clear()
    await sign_in_candidate(client, peer)
    assert (await client.get("/faq/suggest", params={"q": "工资"})).status_code == 200
