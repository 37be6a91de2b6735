"""Group chats: HR creates one, membership is explicit, the room machinery serves it."""

from __future__ import annotations

import httpx

from portal.domain.rooms.tables import Room, RoomMember
from tests.contact.helpers import csrf, messages_of
from tests.factories import (
    make_candidate,
    make_cohort,
    make_department,
    make_staff,
    sign_in_candidate,
)


async def _create(hr: httpx.AsyncClient, name: str) -> httpx.Response:
    await hr.get("/admin/groups")
    return await hr.post(
        "/admin/groups", data={"_csrf_token": csrf(hr), "name": name}, follow_redirects=False
    )


async def _add(hr: httpx.AsyncClient, room_id: int, kind: str, contact: str) -> httpx.Response:
    return await hr.post(
        f"/admin/groups/{room_id}/members",
        data={"_csrf_token": csrf(hr), "kind": kind, "contact": contact},
        follow_redirects=False,
    )


async def test_members_only_see_and_post_in_a_group_chat(client, staff_client, app):
    production = await make_department()
    member = await make_candidate(production, cohort=await make_cohort(), name="赵六")
    outsider = await make_candidate(production)
    colleague = await make_staff("manager", department=production)
    hr = await staff_client("hr")
    response = await _create(hr, "生产岗新人群")
    assert response.status_code == 303
    room_id = int(response.headers["location"].rsplit("/", 1)[1])
    assert (await Room.select(Room.kind).where(Room.id == room_id).first())["kind"] == "group"
    assert (await _add(hr, room_id, "candidate", member.phone)).status_code == 303
    assert (await _add(hr, room_id, "candidate", member.phone)).status_code == 303  # once
    assert (await _add(hr, room_id, "staff", colleague.email)).status_code == 303
    assert await RoomMember.count().where(RoomMember.room == room_id) == 3  # with its creator
    page = await hr.get(f"/admin/groups/{room_id}")
    assert "赵六" in page.text and colleague.email in page.text

    await sign_in_candidate(client, member)
    rooms = await client.get("/rooms")
    assert "生产岗新人群" in rooms.text
    assert (await client.get(f"/rooms/{room_id}")).status_code == 200
    sent = await client.post(
        f"/rooms/{room_id}/messages",
        data={"_csrf_token": csrf(client), "client_id": "g1", "kind": "chat", "body": "大家好"},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    assert [m["body"] for m in await messages_of(room_id)] == ["大家好"]

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver.local"
    ) as other:
        await sign_in_candidate(other, outsider)
        assert (await other.get(f"/rooms/{room_id}")).status_code == 404
        assert "生产岗新人群" not in (await other.get("/rooms")).text
    # A manager of the same department who is not a member does not see it.
    manager = await staff_client("manager", department=production)
    assert (await manager.get(f"/admin/rooms/{room_id}")).status_code == 404
    assert (await manager.get("/admin/groups")).status_code == 403


async def test_a_removed_member_loses_the_chat(client, staff_client):
    member = await make_candidate()
    hr = await staff_client("hr")
    room_id = int((await _create(hr, "夜班群")).headers["location"].rsplit("/", 1)[1])
    await _add(hr, room_id, "candidate", member.phone)
    await sign_in_candidate(client, member)
    assert (await client.get(f"/rooms/{room_id}")).status_code == 200
    row = await RoomMember.select(RoomMember.id).where(RoomMember.candidate == member.id).first()
    removed = await hr.post(
        f"/admin/groups/{room_id}/members/{row['id']}/remove",
        data={"_csrf_token": csrf(hr)},
        follow_redirects=False,
    )
    assert removed.status_code == 303
    assert (await client.get(f"/rooms/{room_id}")).status_code == 404


async def test_bad_group_input(staff_client):
    hr = await staff_client("hr")
    assert (await _create(hr, "   ")).status_code == 400
    assert (await _create(hr, "群" * 101)).status_code == 400
    assert await Room.count().where(Room.kind == "group") == 0
    room_id = int((await _create(hr, "<b>群</b>")).headers["location"].rsplit("/", 1)[1])
    page = await hr.get("/admin/groups")
    assert "&lt;b&gt;群&lt;/b&gt;" in page.text
    assert (await _add(hr, room_id, "candidate", "13900000000")).status_code == 400
    assert (await _add(hr, room_id, "robot", "x@example.com")).status_code == 400
    assert (await _add(hr, room_id, "staff", "")).status_code == 400
    assert (await _add(hr, 99999999, "staff", "x@example.com")).status_code == 404
    assert await RoomMember.count().where(RoomMember.room == room_id) == 1
