"""The room page as the server renders it (no JavaScript): local times and dates, day
separators, quotes of replied messages, reply and report controls."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from portal.domain.rooms.membership import cohort_room_ensure
from portal.domain.rooms.tables import RoomMessage
from tests.factories import make_candidate, make_cohort, make_department, sign_in_candidate


async def _say(room_id, author, body, *, at=None, reply_to=None, private_to=None, hidden=False):
    message = RoomMessage(
        room=room_id,
        author_candidate=author.id,
        author_key=f"c{author.id}",
        client_id=uuid.uuid4().hex,
        kind="question" if private_to else "chat",
        body=body,
        reply_to=reply_to,
        private_to=private_to,
        private_role="hr" if private_to else None,
        created_at=at or datetime.now(UTC),
        hidden_at=datetime.now(UTC) if hidden else None,
    )
    await message.save()
    return message.id


async def _room(timezone="Asia/Shanghai"):
    department = await make_department()
    cohort = await make_cohort(department, timezone=timezone)
    me = await make_candidate(department, cohort=cohort, name="李雷")
    other = await make_candidate(department, cohort=cohort, name="韩梅梅")
    return await cohort_room_ensure(cohort.id), me, other


async def test_times_are_the_cohorts_with_the_date_when_not_today(client):
    room_id, me, other = await _room("America/New_York")
    zone = ZoneInfo("America/New_York")
    now_local = datetime.now(UTC).astimezone(zone)
    two_days_ago = (now_local - timedelta(days=2)).replace(hour=9, minute=5)
    await _say(room_id, other, "前天的消息", at=two_days_ago.astimezone(UTC))
    await _say(room_id, other, "今天的消息")
    await sign_in_candidate(client, me)

    page = (await client.get(f"/rooms/{room_id}")).text

    old = f"{two_days_ago.month}月{two_days_ago.day}日 09:05"
    assert old in page
    separators = re.findall(r'<li class="day-sep"[^>]*><span>([^<]+)</span>', page)
    assert len(separators) == 2 and separators[-1] == "今天"
    today_time = re.findall(r"<time [^>]*>([^<]+)</time>", page)[-1]
    assert re.fullmatch(r"\d\d:\d\d", today_time)


async def test_a_reply_quotes_its_message_not_its_number(client):
    room_id, me, other = await _room()
    first = await _say(room_id, other, "有人知道宿舍在哪里吗？" + "很长" * 40)
    await _say(room_id, me, "我也想知道", reply_to=first)
    hidden = await _say(room_id, other, "不该看到的内容", hidden=True)
    await _say(room_id, me, "回复被隐藏的", reply_to=hidden)
    await sign_in_candidate(client, me)

    page = (await client.get(f"/rooms/{room_id}")).text

    assert f"回复 #{first}" not in page
    quotes = re.findall(r'<a class="quote" href="#m\d+">(.*?)</a>', page)
    assert quotes[0].startswith("<b>韩梅梅</b> 有人知道宿舍在哪里吗？") and quotes[0].endswith("…")
    assert "不该看到的内容" not in page and "该消息已被管理员隐藏" in quotes[1]


async def test_reply_and_report_work_without_javascript(client):
    room_id, me, other = await _room()
    theirs = await _say(room_id, other, "大家好")
    mine = await _say(room_id, me, "你好")
    await sign_in_candidate(client, me)

    page = (await client.get(f"/rooms/{room_id}")).text
    assert f'href="/rooms/{room_id}?reply={theirs}#composer"' in page
    assert f'action="/rooms/{room_id}/messages/{theirs}/report"' in page
    assert f'action="/rooms/{room_id}/messages/{mine}/report"' not in page  # not one's own

    replying = (await client.get(f"/rooms/{room_id}", params={"reply": theirs})).text
    assert f'name="reply_to" value="{theirs}"' in replying
    sent = await client.post(
        f"/rooms/{room_id}/messages",
        data={
            "body": "欢迎",
            "kind": "chat",
            "reply_to": str(theirs),
            "client_id": uuid.uuid4().hex,
            "_csrf_token": client.cookies.get("onramp_csrf"),
        },
        follow_redirects=False,
    )
    assert sent.status_code == 303
    assert (await RoomMessage.objects().get(RoomMessage.body == "欢迎")).reply_to == theirs

    reported = await client.post(
        f"/rooms/{room_id}/messages/{theirs}/report",
        data={"_csrf_token": client.cookies.get("onramp_csrf")},
        follow_redirects=False,
    )
    assert reported.status_code == 303
    assert "管理员会尽快处理" in (await client.get(reported.headers["location"])).text


async def test_a_reply_link_to_a_message_one_cannot_see_fills_nothing(client):
    room_id, me, other = await _room()
    private = await _say(room_id, other, "私下的问题", private_to=other.id)
    elsewhere_room, _a, stranger = await _room()
    foreign = await _say(elsewhere_room, stranger, "别的房间")
    await sign_in_candidate(client, me)
    for target in (private, foreign, "abc", "99999999999999999999"):
        page = (await client.get(f"/rooms/{room_id}", params={"reply": target})).text
        assert page.count('name="reply_to" value=""') == 1, target
        assert "私下的问题" not in page and "别的房间" not in page


async def test_the_room_list_opens_at_the_newest_message(client):
    room_id, me, _other = await _room()
    await sign_in_candidate(client, me)
    response = await client.get("/rooms", follow_redirects=False)
    assert response.headers["location"] == f"/rooms/{room_id}#composer"
