"""The admin side of the Q&A rooms: list, add, archive, and the moderation page."""

from __future__ import annotations

import re
import uuid

import pytest

from portal.domain.rooms.errors import SendRefused
from portal.domain.rooms.membership import cohort_room_ensure, room_create
from portal.domain.rooms.messages import message_send
from portal.domain.rooms.moderation import message_report
from portal.domain.rooms.tables import MessageReport, Room, RoomMessage, RoomMute
from tests.factories import make_candidate, make_cohort, make_department, make_staff, sign_in_staff
from tests.room_admin.helpers import candidate_member, post_fetch, post_form, say

EN = {"Accept-Language": "en"}


async def _two_departments():
    """Department A with a cohort, a room and two candidates; department B likewise."""
    a, b = await make_department("生产部"), await make_department("质量部")
    cohort_a, cohort_b = await make_cohort(a, name="A期"), await make_cohort(b, name="B期")
    alice = await make_candidate(a, cohort=cohort_a, name="王小明")
    amy = await make_candidate(a, cohort=cohort_a, name="李华")
    bob = await make_candidate(b, cohort=cohort_b, name="赵六")
    room_a = await cohort_room_ensure(cohort_a.id)
    room_b = await cohort_room_ensure(cohort_b.id)
    return a, b, cohort_a, cohort_b, alice, amy, bob, room_a, room_b


def _section(html: str, section_id: str) -> str:
    """One side panel of the room page."""
    return html.split(f'<section class="panel" id="{section_id}"')[1].split("</section>")[0]


async def _pinned(room_id: int) -> int | None:
    row = await Room.select(Room.pinned_message_id).where(Room.id == room_id).first()
    return row["pinned_message_id"]


async def _row(message_id: int) -> dict:
    return await RoomMessage.select().where(RoomMessage.id == message_id).first()


async def test_managers_see_only_their_departments_rooms(client):
    a, b, _ca, _cb, alice, amy, bob, room_a, room_b = await _two_departments()
    await say(room_a, alice, "大家好")
    hello_b = await say(room_b, bob, "质量部的同学好")
    await message_report(
        member=candidate_member(amy), room_id=room_a, message_id=await say(room_a, alice, "x"),
        reason="spam",
    )  # fmt: skip
    across_a = await room_create(name="生产部交流", cohort_id=None, department_id=a.id)
    across_b = await room_create(name="质量部交流", cohort_id=None, department_id=b.id)
    manager = await make_staff("manager", department=a)
    await sign_in_staff(client, manager)

    page = await client.get("/admin/rooms")
    assert page.status_code == 200
    assert f'id="room-{across_a}"' in page.text and "生产部交流" in page.text
    assert f'id="room-{across_b}"' not in page.text and "质量部交流" not in page.text
    assert 'href="/admin/rooms"' in page.text  # the nav link
    assert f'id="room-{room_a}"' in page.text
    assert f'id="room-{room_b}"' not in page.text
    row = page.text[page.text.index(f'id="room-{room_a}"') :].split("</tr>")[0]
    assert "A期" in row and ">2<" in row  # two messages
    assert 'data-testid="open-reports">1<' in row
    assert "/admin/rooms/new" not in page.text  # managers do not add rooms
    assert "/archive" not in page.text

    assert (await client.get(f"/admin/rooms/{room_a}")).status_code == 200
    assert (await client.get(f"/admin/rooms/{room_b}")).status_code == 404
    hide = f"/admin/rooms/{room_b}/messages/{hello_b}/hide"
    assert (await post_form(client, hide, {"reason": "x"})).status_code == 404
    assert (await post_fetch(client, hide)).status_code == 404
    pin = f"/admin/rooms/{room_b}/messages/{hello_b}/pin"
    assert (await post_fetch(client, pin)).status_code == 404
    mute = f"/admin/rooms/{room_b}/members/{bob.id}/mute"
    assert (await post_fetch(client, mute, {"minutes": "10"})).status_code == 404
    assert (await post_form(client, f"/admin/rooms/{room_b}/archive")).status_code == 403
    assert (await _row(hello_b))["hidden_at"] is None
    assert await RoomMute.count() == 0


async def test_hr_sees_every_room_and_unknown_rooms_are_404(client):
    *_, room_a, room_b = await _two_departments()
    await sign_in_staff(client, await make_staff("hr"))
    page = await client.get("/admin/rooms")
    assert f'id="room-{room_a}"' in page.text and f'id="room-{room_b}"' in page.text
    assert "/admin/rooms/new" in page.text
    for path in ("/admin/rooms/999999", "/admin/rooms/99999999999999999999"):
        assert (await client.get(path)).status_code == 404
    huge = "/admin/rooms/99999999999/messages/1/hide"
    assert (await post_form(client, huge)).status_code == 404


async def test_adding_a_room_shows_field_errors(client):
    department = await make_department("研发部")
    cohort = await make_cohort(department, name="十二月批")
    await sign_in_staff(client, await make_staff("hr"))

    empty = await post_form(
        client, "/admin/rooms/new", {"name": "  ", "cohort": "", "department": ""}, headers=EN
    )
    assert empty.status_code == 400
    assert 'data-testid="error-name"' in empty.text
    assert "Choose a cohort, a department, or both." in empty.text
    unknown = await post_form(
        client,
        "/admin/rooms/new",
        {"name": "x" * 101, "cohort": "987654", "department": "abc"},
        headers=EN,
    )
    assert unknown.status_code == 400
    assert "At most 100 characters." in unknown.text
    assert "Choose a cohort from the list." in unknown.text
    assert "Choose a department from the list." in unknown.text
    assert 'value="xxxxxxxx' in unknown.text  # what was typed comes back
    assert await Room.count() == 0

    made = await post_form(
        client,
        "/admin/rooms/new",
        {"name": "研发部 · 十二月批", "cohort": str(cohort.id), "department": str(department.id)},
    )
    assert made.status_code == 303
    room_id = int(re.search(r"/admin/rooms/(\d+)", made.headers["location"]).group(1))
    room = await Room.select().where(Room.id == room_id).first()
    assert (room["name"], room["cohort"], room["department"]) == (
        "研发部 · 十二月批", cohort.id, department.id
    )  # fmt: skip
    across = await post_form(
        client, "/admin/rooms/new", {"name": "研发部交流", "department": str(department.id)}
    )
    assert across.status_code == 303
    # A cohort alone is the cohort's everybody room, which exists once.
    first = await post_form(client, "/admin/rooms/new", {"name": "全员", "cohort": str(cohort.id)})
    again = await post_form(client, "/admin/rooms/new", {"name": "全员", "cohort": str(cohort.id)})
    assert first.headers["location"] == again.headers["location"]
    assert await Room.count() == 3
    listing = await client.get("/admin/rooms")
    assert listing.text.count('data-testid="room-row"') == 3

    client.cookies.clear()
    await sign_in_staff(client, await make_staff("manager", department=department))
    refused = await post_form(client, "/admin/rooms/new", {"name": "m", "department": "1"})
    assert refused.status_code == 403
    assert await Room.count() == 3


async def test_archiving_a_room_removes_it(client):
    *_, room_a, room_b = await _two_departments()
    await sign_in_staff(client, await make_staff("admin"))
    page = await client.get("/admin/rooms")
    assert f'action="/admin/rooms/{room_a}/archive"' in page.text
    done = await post_form(client, f"/admin/rooms/{room_a}/archive")
    assert done.status_code == 303
    page = await client.get(done.headers["location"])
    assert f'id="room-{room_a}"' not in page.text and f'id="room-{room_b}"' in page.text
    assert (await client.get(f"/admin/rooms/{room_a}")).status_code == 404
    assert (await post_form(client, f"/admin/rooms/{room_a}/archive")).status_code == 404


async def test_hiding_keeps_the_message_for_the_audit(client):
    a, *_, alice, _amy, _bob, room_a, _room_b = await _two_departments()
    message = await say(room_a, alice, "这条消息不太合适")
    staff = await make_staff("manager", department=a, email="lin@example.com")
    await sign_in_staff(client, staff)
    page = await client.get(f"/admin/rooms/{room_a}")
    assert f'data-id="{message}"' in page.text

    hidden = await post_form(
        client, f"/admin/rooms/{room_a}/messages/{message}/hide", {"reason": "广告"}
    )
    assert hidden.status_code == 303
    assert hidden.headers["location"] == f"/admin/rooms/{room_a}?done=hidden"
    row = await _row(message)
    assert row["body"] == "这条消息不太合适"
    assert row["hidden_at"] is not None and row["hidden_by"] == staff.id
    assert row["hidden_reason"] == "广告"

    page = await client.get(hidden.headers["location"], headers=EN)
    assert 'data-testid="notice"' in page.text
    live = page.text.split('data-testid="messages"')[1].split("</ol>")[0]
    assert f'data-id="{message}"' not in live
    audit = _section(page.text, "hidden-audit")
    assert "这条消息不太合适" in audit and "王小明" in audit
    assert "Hidden by lin" in audit and "Reason: 广告" in audit

    twice = await post_form(client, f"/admin/rooms/{room_a}/messages/{message}/hide", headers=EN)
    assert twice.status_code == 409
    assert "This message is already hidden." in twice.text
    assert 'data-testid="error"' in twice.text
    fetched = await post_fetch(client, f"/admin/rooms/{room_a}/messages/{message}/hide")
    assert fetched.status_code == 409
    assert fetched.json()["detail"]
    assert (await _row(message))["hidden_reason"] == "广告"  # the first hide stands


async def test_hide_from_room_js_and_a_message_of_another_room(client):
    *_, alice, _amy, bob, room_a, room_b = await _two_departments()
    message = await say(room_a, alice, "hi")
    other = await say(room_b, bob, "hi")
    await sign_in_staff(client, await make_staff("hr"))
    done = await post_fetch(
        client, f"/admin/rooms/{room_a}/messages/{message}/hide", {"reason": "test"}
    )
    assert done.status_code == 204
    assert (await _row(message))["hidden_reason"] == "test"
    # Room A's URL cannot reach room B's message.
    wrong = await post_form(client, f"/admin/rooms/{room_a}/messages/{other}/hide")
    assert wrong.status_code == 404
    assert (await _row(other))["hidden_at"] is None
    # Without script: a message picked from the list.
    third = await say(room_a, alice, "third")
    picked = await post_form(
        client, f"/admin/rooms/{room_a}/moderate", {"message": str(third), "do": "hide"}
    )
    assert picked.status_code == 303
    assert (await _row(third))["hidden_at"] is not None


async def test_pin_and_unpin(client):
    *_, alice, _amy, _bob, room_a, _room_b = await _two_departments()
    first = await say(room_a, alice, "培训地址在哪里？")
    second = await say(room_a, alice, "第二条")
    await sign_in_staff(client, await make_staff("hr"))

    pinned = await post_fetch(client, f"/admin/rooms/{room_a}/messages/{first}/pin")
    assert pinned.status_code == 204
    assert await _pinned(room_a) == first
    page = await client.get(f"/admin/rooms/{room_a}")
    pinned = _section(page.text, "pinned-panel")
    assert "培训地址在哪里？" in pinned and f"/admin/rooms/{room_a}/unpin" in pinned

    moved = await post_form(client, f"/admin/rooms/{room_a}/messages/{second}/pin")
    assert moved.status_code == 303 and moved.headers["location"].endswith("done=pinned")
    assert await _pinned(room_a) == second
    unpinned = await post_form(client, f"/admin/rooms/{room_a}/unpin")
    assert unpinned.status_code == 303
    assert await _pinned(room_a) is None

    await post_form(client, f"/admin/rooms/{room_a}/messages/{first}/hide")
    refused = await post_form(client, f"/admin/rooms/{room_a}/messages/{first}/pin", headers=EN)
    assert refused.status_code == 409
    assert "Only a visible message of the whole room can be pinned." in refused.text


async def test_mute_stops_sending_and_unmute_lets_them_back(client):
    *_, alice, amy, bob, room_a, _room_b = await _two_departments()
    await say(room_a, alice, "hello")
    await sign_in_staff(client, await make_staff("hr"))
    page = await client.get(f"/admin/rooms/{room_a}")
    form = _section(page.text, "mutes").split('id="mute-form"')[1]
    assert f'value="{alice.id}"' in form and f'value="{amy.id}"' in form
    assert f'value="{bob.id}"' not in form  # not in this room
    assert "10 分钟" in form and "1 小时" in form and "1 天" in form and "7 天" in form

    muted = await post_form(
        client,
        f"/admin/rooms/{room_a}/mute",
        {"candidate": str(alice.id), "minutes": "60", "reason": "刷屏"},
    )
    assert muted.status_code == 303
    with pytest.raises(SendRefused) as refused:
        await say(room_a, alice, "还能发吗")
    assert refused.value.code == "muted"
    await say(room_a, amy, "I can still write")  # only alice is muted
    page = await client.get(f"/admin/rooms/{room_a}")
    mutes = _section(page.text, "mutes").split('id="mute-form"')[0]
    assert "王小明" in mutes and "刷屏" in mutes
    assert f"/admin/rooms/{room_a}/members/{alice.id}/unmute" in mutes

    unmuted = await post_form(client, f"/admin/rooms/{room_a}/members/{alice.id}/unmute")
    assert unmuted.status_code == 303
    await say(room_a, alice, "谢谢，我会注意")
    page = await client.get(f"/admin/rooms/{room_a}")
    assert 'data-testid="mute"' not in page.text

    # room.js: the member in the URL; the answer is JSON with the end of the mute.
    fetched = await post_fetch(
        client, f"/admin/rooms/{room_a}/members/{amy.id}/mute", {"minutes": "10"}
    )
    assert fetched.status_code == 200 and fetched.json()["until"]
    with pytest.raises(SendRefused):
        await say(room_a, amy, "hm")


async def test_mute_refuses_bad_input(client):
    *_, alice, _amy, bob, room_a, _room_b = await _two_departments()
    await sign_in_staff(client, await make_staff("hr"))
    bad = await post_form(
        client,
        f"/admin/rooms/{room_a}/mute",
        {"candidate": "", "minutes": "5", "reason": "x"},
        headers=EN,
    )
    assert bad.status_code == 400
    assert 'data-testid="error-candidate"' in bad.text
    assert "Choose a duration from the list." in bad.text
    for minutes in ("abc", "-10", "９", "1" * 30):
        fetched = await post_fetch(
            client, f"/admin/rooms/{room_a}/members/{alice.id}/mute", {"minutes": minutes}
        )
        assert fetched.status_code == 400
        assert "minutes" in fetched.json()["errors"]
    outsider = await post_fetch(
        client, f"/admin/rooms/{room_a}/members/{bob.id}/mute", {"minutes": "10"}
    )
    assert outsider.status_code == 400 and "candidate" in outsider.json()["errors"]
    assert await RoomMute.count() == 0


async def test_reports_are_listed_and_dismissed(client):
    *_, alice, amy, bob, room_a, room_b = await _two_departments()
    rude = await say(room_a, alice, "不礼貌的话")
    spam = await say(room_a, alice, "加我微信")
    reporter = candidate_member(amy)
    await message_report(member=reporter, room_id=room_a, message_id=rude, reason="骂人")
    await message_report(member=reporter, room_id=room_a, message_id=spam, reason="广告")
    other = await say(room_b, bob, "b")
    await message_report(member=candidate_member(bob), room_id=room_b, message_id=other, reason="")
    await sign_in_staff(client, await make_staff("hr"))

    page = await client.get(f"/admin/rooms/{room_a}", headers=EN)
    reports = _section(page.text, "reports")
    assert reports.count('data-testid="report"') == 2
    assert "不礼貌的话" in reports and "Reported by 李华" in reports and "Reason: 骂人" in reports
    ids = {row["message"]: row["id"] for row in await MessageReport.select()}

    dismissed = await post_form(client, f"/admin/rooms/{room_a}/reports/{ids[rude]}/dismiss")
    assert dismissed.status_code == 303
    report = await MessageReport.select().where(MessageReport.id == ids[rude]).first()
    assert report["resolved_at"] is not None
    assert (await _row(rude))["hidden_at"] is None  # dismissing leaves the message alone
    # Hiding a reported message resolves its report.
    await post_form(client, f"/admin/rooms/{room_a}/messages/{spam}/hide", {"reason": "广告"})
    page = await client.get(f"/admin/rooms/{room_a}")
    assert 'data-testid="report"' not in page.text
    # Another room's report cannot be dismissed through this room.
    wrong = await post_form(client, f"/admin/rooms/{room_a}/reports/{ids[other]}/dismiss")
    assert wrong.status_code == 404
    assert (await MessageReport.select().where(MessageReport.id == ids[other]).first())[
        "resolved_at"
    ] is None


async def test_script_bodies_are_shown_as_text(client):
    *_, alice, amy, _bob, room_a, _room_b = await _two_departments()
    attack = "<script>alert('x')</script><img src=x onerror=alert(1)>"
    shown = await say(room_a, alice, attack)
    reported = await say(room_a, alice, attack + " 2")
    hidden = await say(room_a, alice, attack + " 3")
    await message_report(
        member=candidate_member(amy), room_id=room_a, message_id=reported, reason=attack
    )
    await sign_in_staff(client, await make_staff("hr"))
    await post_form(client, f"/admin/rooms/{room_a}/messages/{shown}/pin")
    await post_form(client, f"/admin/rooms/{room_a}/messages/{hidden}/hide", {"reason": attack})
    page = await client.get(f"/admin/rooms/{room_a}")
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "<img src=x" not in page.text
    escaped = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"
    # The live list, the pinned message, the report (body and reason), and the audit.
    assert page.text.count(escaped) >= 5


async def test_staff_send_works_without_script(client):
    *_, alice, _amy, _bob, room_a, _room_b = await _two_departments()
    staff = await make_staff("hr")
    await sign_in_staff(client, staff)
    page = await client.get(f"/admin/rooms/{room_a}")
    client_id = re.search(r'name="client_id" value="([0-9a-f]+)"', page.text).group(1)
    form = {"body": "欢迎大家！", "client_id": client_id}
    sent = await post_form(client, f"/admin/rooms/{room_a}/send", form)
    assert sent.status_code == 303 and sent.headers["location"].endswith("done=sent")
    again = await post_form(client, f"/admin/rooms/{room_a}/send", form)  # a double submit
    assert again.status_code == 303
    rows = await RoomMessage.select().where(RoomMessage.author_staff == staff.id)
    assert [row["body"] for row in rows] == ["欢迎大家！"]
    page = await client.get(f"/admin/rooms/{room_a}")
    assert "欢迎大家！" in page.text

    empty = await post_form(
        client, f"/admin/rooms/{room_a}/send", {"body": "   ", "client_id": uuid.uuid4().hex},
        headers=EN,
    )  # fmt: skip
    assert empty.status_code == 400
    assert 'data-testid="send-error"' in empty.text and "Write something first." in empty.text


async def test_every_room_form_needs_the_csrf_token(client):
    *_, alice, _amy, _bob, room_a, _room_b = await _two_departments()
    message = await say(room_a, alice, "hi")
    await sign_in_staff(client, await make_staff("hr"))
    posts = {
        "/admin/rooms/new": {"name": "x", "cohort": "", "department": ""},
        f"/admin/rooms/{room_a}/messages/{message}/hide": {"reason": ""},
        f"/admin/rooms/{room_a}/messages/{message}/pin": {},
        f"/admin/rooms/{room_a}/unpin": {},
        f"/admin/rooms/{room_a}/mute": {"candidate": str(alice.id), "minutes": "10"},
        f"/admin/rooms/{room_a}/members/{alice.id}/mute": {"minutes": "10"},
        f"/admin/rooms/{room_a}/members/{alice.id}/unmute": {},
        f"/admin/rooms/{room_a}/send": {"body": "x", "client_id": "abc"},
        f"/admin/rooms/{room_a}/archive": {},
    }
    for url, data in posts.items():
        response = await client.post(url, data=data, follow_redirects=False)
        assert response.status_code == 403, url
        wrong = await client.post(
            url, data=data, headers={"x-csrftoken": "forged", "Accept": "application/json"}
        )
        assert wrong.status_code == 403, url
    assert (await _row(message))["hidden_at"] is None
    assert await RoomMute.count() == 0
    assert await RoomMessage.count() == 1
    assert await Room.count().where(Room.is_archived == False) == 2  # noqa: E712
    await message_send(
        room_id=room_a,
        author=candidate_member(alice),
        client_id=uuid.uuid4().hex,
        kind="chat",
        body="still here",
    )
