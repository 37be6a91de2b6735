"""Helpers for the room_admin tests (fixtures are in conftest.py)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from portal.domain.candidates.tables import Candidate
from portal.domain.rooms.membership import Member
from portal.domain.rooms.messages import message_send


def candidate_member(candidate: Candidate) -> Member:
    return Member(
        kind="candidate",
        id=candidate.id,
        name=candidate.name,
        role="candidate",
        department_id=candidate.department,
        cohort_id=candidate.cohort,
    )


async def say(room_id: int, candidate: Candidate, body: str) -> int:
    result = await message_send(
        room_id=room_id,
        author=candidate_member(candidate),
        client_id=uuid.uuid4().hex,
        kind="chat",
        body=body,
    )
    return result.id


async def post_form(
    client: httpx.AsyncClient, url: str, data: dict[str, Any] | None = None, **kwargs: Any
) -> httpx.Response:
    """A form post as the browser sends it: the CSRF token from the cookie in the form."""
    return await client.post(
        url,
        data={**(data or {}), "_csrf_token": client.cookies.get("onramp_csrf")},
        follow_redirects=False,
        **kwargs,
    )


async def post_fetch(
    client: httpx.AsyncClient, url: str, data: dict[str, Any] | None = None
) -> httpx.Response:
    """A post as room.js sends it: token in the x-csrftoken header, JSON wanted back."""
    return await client.post(
        url,
        data=data or {},
        headers={"x-csrftoken": client.cookies.get("onramp_csrf"), "Accept": "application/json"},
        follow_redirects=False,
    )
