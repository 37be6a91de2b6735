"""Helpers for the instant-answer tests: questions asked and answered through the room."""

from __future__ import annotations

import uuid

from portal.auth.sessions import Principal
from portal.domain.candidates.tables import Candidate
from portal.domain.rooms.membership import (
    cohort_room_ensure,
    member_for_principal,
    member_for_staff,
)
from portal.domain.rooms.messages import message_send
from portal.domain.rooms.tables import RoomQuestion
from portal.domain.staff.tables import StaffUser
from tests.factories import make_candidate, make_cohort, make_department, make_staff


async def candidate_member(candidate: Candidate):
    return await member_for_principal(Principal(kind="candidate", id=candidate.id))


async def ask(candidate: Candidate, body: str, *, private: bool = False) -> tuple[int, int]:
    """A question in the candidate's cohort room: (room id, question message id)."""
    room_id = await cohort_room_ensure(candidate.cohort)
    sent = await message_send(
        room_id=room_id,
        author=await candidate_member(candidate),
        client_id=uuid.uuid4().hex,
        kind="question",
        body=body,
        private=private,
    )
    return room_id, sent.id


async def answer(staff: StaffUser, room_id: int, message_id: int, body: str) -> int:
    """A staff reply answering the question; the question's id."""
    await message_send(
        room_id=room_id,
        author=member_for_staff(staff),
        client_id=uuid.uuid4().hex,
        kind="answer",
        body=body,
        reply_to=message_id,
    )
    row = (
        await RoomQuestion.select(RoomQuestion.id).where(RoomQuestion.message == message_id).first()
    )
    return row["id"]


async def answered_question(
    asker: Candidate, staff: StaffUser, question: str, reply: str, *, private: bool = False
) -> int:
    room_id, message_id = await ask(asker, question, private=private)
    return await answer(staff, room_id, message_id, reply)


async def two_cohorts():
    """Production (cohort 1, two candidates) and stores (cohort 2, one); an HR member."""
    production = await make_department("生产部")
    stores = await make_department("门店")
    mine = await make_cohort(production, name="第1期")
    theirs = await make_cohort(stores, name="第2期")
    me = await make_candidate(production, cohort=mine, name="张三")
    peer = await make_candidate(production, cohort=mine, name="李四")
    other = await make_candidate(stores, cohort=theirs, name="王五")
    hr = await make_staff("hr")
    return me, peer, other, hr


def csrf(client) -> str:
    return client.cookies.get("onramp_csrf") or ""


async def post_question(client, room_id: int, body: str, **extra: str):
    """The room's question form, as a browser without JavaScript sends it."""
    data = {
        "_csrf_token": csrf(client),
        "kind": "question",
        "body": body,
        "client_id": extra.pop("client_id", uuid.uuid4().hex),
        "reply_to": "",
        **extra,
    }
    return await client.post(f"/rooms/{room_id}/messages", data=data, follow_redirects=False)
