"""Helpers for the contact tests (inbox, announcements, 1:1 threads, group chats)."""

from __future__ import annotations

import uuid

import httpx

from portal.domain.rooms.tables import QuestionCategory, RoomMessage, RoomQuestion


def csrf(client: httpx.AsyncClient) -> str:
    return client.cookies.get("onramp_csrf") or ""


async def open_thread(client: httpx.AsyncClient) -> int:
    """The signed-in candidate opens /contact; the thread's room id."""
    response = await client.get("/contact", follow_redirects=False)
    assert response.status_code in (302, 303, 307), response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


async def candidate_post(
    client: httpx.AsyncClient,
    room_id: int,
    body: str,
    *,
    client_id: str | None = None,
    category: int | None = None,
) -> httpx.Response:
    """The composer's form post, as without JavaScript."""
    return await client.post(
        f"/rooms/{room_id}/messages",
        data={
            "_csrf_token": csrf(client),
            "client_id": client_id or uuid.uuid4().hex,
            "kind": "question",
            "body": body,
            "reply_to": "",
            "category": str(category or ""),
        },
        follow_redirects=False,
    )


async def staff_post(
    client: httpx.AsyncClient, room_id: int, body: str, *, client_id: str | None = None
) -> httpx.Response:
    await client.get(f"/admin/rooms/{room_id}")  # the CSRF cookie, as a page view sets it
    return await client.post(
        f"/admin/rooms/{room_id}/send",
        data={
            "_csrf_token": csrf(client),
            "client_id": client_id or uuid.uuid4().hex,
            "body": body,
            "reply_to": "",
        },
        follow_redirects=False,
    )


async def messages_of(room_id: int) -> list[dict]:
    return await RoomMessage.select().where(RoomMessage.room == room_id).order_by(RoomMessage.id)


async def questions_of(room_id: int) -> list[dict]:
    return await RoomQuestion.select().where(RoomQuestion.room == room_id).order_by(RoomQuestion.id)


async def category_for(responder_role: str) -> int:
    row = (
        await QuestionCategory.select(QuestionCategory.id)
        .where(QuestionCategory.responder_role == responder_role)
        .first()
    )
    return row["id"]
