"""A candidate's 1:1 thread with HR, without JavaScript: access, bad input, SLA, inbox."""

from __future__ import annotations

from datetime import timedelta

from portal.domain.messaging.inbox import inbox_unread_count
from portal.domain.messaging.tables import OutboxMessage
from portal.domain.rooms.tables import Room
from tests.contact.helpers import (
    candidate_post,
    category_for,
    messages_of,
    open_thread,
    questions_of,
    staff_post,
)
from tests.factories import make_candidate, make_cohort, make_department, sign_in_candidate


async def test_a_candidate_without_a_cohort_opens_one_thread_with_hr(client):
    me = await make_candidate()  # no cohort
    await sign_in_candidate(client, me)
    room_id = await open_thread(client)
    assert await open_thread(client) == room_id
    page = await client.get(f"/rooms/{room_id}")
    assert page.status_code == 200
    assert "Conversation with HR" in page.text or "与HR的对话" in page.text
    rooms = await Room.select().where(Room.direct_candidate == me.id)
    assert [(r["id"], r["kind"]) for r in rooms] == [(room_id, "direct")]


async def test_each_candidate_message_waits_on_the_sla_tracker_until_hr_replies(
    client, staff_client
):
    me = await make_candidate(cohort=await make_cohort())
    await sign_in_candidate(client, me)
    room_id = await open_thread(client)
    assert (await candidate_post(client, room_id, "工资什么时候发？")).status_code == 303
    assert (await candidate_post(client, room_id, "还有住宿呢？")).status_code == 303
    questions = await questions_of(room_id)
    assert [q["status"] for q in questions] == ["open", "open"]
    for question in questions:
        assert question["is_private"] is True
        assert question["deadline_at"] - question["asked_at"] == timedelta(hours=24)
    hr = await staff_client("hr")
    assert (await staff_post(hr, room_id, "本月15日发放。")).status_code == 303
    questions = await questions_of(room_id)
    assert [q["status"] for q in questions] == ["answered", "answered"]
    reply = (await messages_of(room_id))[-1]
    assert {q["answer_message_id"] for q in questions} == {reply["id"]}
    assert reply["private_to"] == me.id
    # HR's reply lands in the candidate's inbox too, linking to the thread.
    assert await inbox_unread_count(candidate_id=me.id) == 1
    item = await OutboxMessage.select().where(OutboxMessage.candidate == me.id).first()
    assert (item["channel"], item["link"]) == ("inbox", f"/rooms/{room_id}")
    assert f'href="/inbox/{item["id"]}"' in (await client.get("/inbox")).text
    assert "本月15日发放。" in (await client.get(f"/inbox/{item['id']}")).text
    page = await client.get(f"/rooms/{room_id}")
    assert "本月15日发放。" in page.text
    # Reading the thread read the reply: the inbox no longer counts it.
    assert await inbox_unread_count(candidate_id=me.id) == 0


async def test_a_double_submit_stores_one_message(client):
    me = await make_candidate()
    await sign_in_candidate(client, me)
    room_id = await open_thread(client)
    first = await candidate_post(client, room_id, "同一条", client_id="same-client-id")
    second = await candidate_post(client, room_id, "同一条", client_id="same-client-id")
    assert first.status_code == second.status_code == 303
    assert len(await messages_of(room_id)) == 1
    assert len(await questions_of(room_id)) == 1


async def test_empty_oversized_and_script_bodies(client):
    me = await make_candidate()
    await sign_in_candidate(client, me)
    room_id = await open_thread(client)
    assert (await candidate_post(client, room_id, "   ")).status_code == 422
    assert (await candidate_post(client, room_id, "长" * 5000)).status_code == 422
    assert await messages_of(room_id) == []
    assert await questions_of(room_id) == []
    assert (await candidate_post(client, room_id, "<script>alert(1)</script>")).status_code == 303
    page = await client.get(f"/rooms/{room_id}")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script>alert(1)</script>" not in page.text


async def test_another_candidates_thread_is_not_found_and_takes_no_message(client, app):
    other = await make_candidate(name="李四")
    import httpx

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver.local"
    ) as other_client:
        await sign_in_candidate(other_client, other)
        theirs = await open_thread(other_client)
        await candidate_post(other_client, theirs, "我的私事")
    me = await make_candidate()
    await sign_in_candidate(client, me)
    assert (await client.get(f"/rooms/{theirs}")).status_code == 404
    assert (await candidate_post(client, theirs, "插一句")).status_code == 404
    assert [m["body"] for m in await messages_of(theirs)] == ["我的私事"]
    # Their thread is not among my rooms either.
    mine = await open_thread(client)
    assert mine != theirs


async def test_hr_opens_the_thread_from_the_candidates_page(client, staff_client):
    me = await make_candidate()
    hr = await staff_client("hr")
    page = await hr.get(f"/admin/candidates/{me.id}")
    assert f'action="/admin/threads/candidates/{me.id}"' in page.text
    response = await hr.post(
        f"/admin/threads/candidates/{me.id}",
        data={"_csrf_token": hr.cookies.get("onramp_csrf")},
        follow_redirects=False,
    )
    assert response.status_code == 303
    room_id = int(response.headers["location"].rsplit("/", 1)[1])
    assert (await staff_post(hr, room_id, "你好，有问题随时问我。")).status_code == 303
    await sign_in_candidate(client, me)
    assert await open_thread(client) == room_id
    assert "你好，有问题随时问我。" in (await client.get(f"/rooms/{room_id}")).text
    # Staff's own message asks nothing: nothing waits on the tracker.
    assert await questions_of(room_id) == []


async def test_a_manager_sees_only_their_departments_threads_and_messages_routed_to_them(
    client, staff_client
):
    production, sales = await make_department(), await make_department()
    me = await make_candidate(production)
    await sign_in_candidate(client, me)
    room_id = await open_thread(client)
    duties = await category_for("manager")
    await candidate_post(client, room_id, "岗位具体做什么？", category=duties)
    await candidate_post(client, room_id, "工资多少？", category=await category_for("hr"))
    own = await staff_client("manager", department=production)
    other = await staff_client("manager", department=sales)
    assert (await other.get(f"/admin/rooms/{room_id}")).status_code == 404
    response = await other.post(
        f"/admin/threads/candidates/{me.id}",
        data={"_csrf_token": other.cookies.get("onramp_csrf")},
        follow_redirects=False,
    )
    assert response.status_code == 404
    page = await own.get(f"/admin/rooms/{room_id}")
    assert page.status_code == 200
    assert "岗位具体做什么？" in page.text
    assert "工资多少？" not in page.text
    # The manager's reply answers the question routed to managers, not HR's.
    assert (await staff_post(own, room_id, "负责产线质检。")).status_code == 303
    statuses = {q["responder_role"]: q["status"] for q in await questions_of(room_id)}
    assert statuses == {"manager": "answered", "hr": "open"}
    # Direct threads are not listed with the rooms.
    assert f"/admin/rooms/{room_id}" not in (await own.get("/admin/rooms")).text


async def test_a_reply_to_a_message_of_someone_elses_thread_is_refused(client, app):
    import httpx

    other = await make_candidate()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver.local"
    ) as other_client:
        await sign_in_candidate(other_client, other)
        theirs = await open_thread(other_client)
        await candidate_post(other_client, theirs, "别人的问题")
    their_message = (await messages_of(theirs))[0]["id"]
    me = await make_candidate()
    await sign_in_candidate(client, me)
    mine = await open_thread(client)
    response = await client.post(
        f"/rooms/{mine}/messages",
        data={
            "_csrf_token": client.cookies.get("onramp_csrf"),
            "client_id": "reply-elsewhere",
            "kind": "question",
            "body": "回复别人",
            "reply_to": str(their_message),
        },
        follow_redirects=False,
    )
    assert response.status_code == 422
    assert await messages_of(mine) == []
    assert len(await messages_of(theirs)) == 1


async def test_the_conversations_list_shows_waiting_threads_in_scope(client, staff_client):
    production, sales = await make_department(), await make_department()
    me = await make_candidate(production, name="周八")
    await sign_in_candidate(client, me)
    room_id = await open_thread(client)
    await candidate_post(client, room_id, "在吗？")
    hr = await staff_client("hr")
    page = await hr.get("/admin/threads")
    assert page.status_code == 200
    assert f'href="/admin/rooms/{room_id}"' in page.text and "周八" in page.text
    own = await staff_client("manager", department=production)
    assert "周八" in (await own.get("/admin/threads")).text
    other = await staff_client("manager", department=sales)
    assert "周八" not in (await other.get("/admin/threads")).text
