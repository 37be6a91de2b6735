"""A candidate's room page reads the member and the room together: the same answers as
reading them one after the other (member_for_principal, then room_for_member)."""

from __future__ import annotations

import pytest

from portal.auth.sessions import Principal
from portal.domain.candidates.tables import Candidate
from portal.domain.errors import NotFound
from portal.domain.rooms.membership import (
    candidate_and_room,
    cohort_room_ensure,
    member_for_principal,
    room_for_member,
)
from portal.domain.rooms.tables import Room
from tests.factories import make_candidate, make_cohort, make_department, sign_in_candidate


async def _one_after_the_other(candidate_id: int, room_id: int):
    member = await member_for_principal(Principal(kind="candidate", id=candidate_id))
    if member is None:
        raise NotFound()
    return member, await room_for_member(room_id, member)


async def _same_answer(candidate_id: int, room_id: int) -> bool:
    """True when both ways find the member and room (and they agree); False when both refuse."""
    try:
        expected = await _one_after_the_other(candidate_id, room_id)
    except NotFound:
        with pytest.raises(NotFound):
            await candidate_and_room(candidate_id, room_id)
        return False
    assert await candidate_and_room(candidate_id, room_id) == expected
    return True


async def _alice_and_two_rooms():
    """Alice, her cohort's room and another cohort's room of her department."""
    department = await make_department()
    cohort, other_cohort = await make_cohort(department), await make_cohort(department, name="二期")
    alice = await make_candidate(department, cohort=cohort, name="Alice")
    return alice, await cohort_room_ensure(cohort.id), await cohort_room_ensure(other_cohort.id)


async def test_member_and_room_read_together_answer_as_read_apart(client):
    alice, room_id, other_room_id = await _alice_and_two_rooms()

    assert await _same_answer(alice.id, room_id)
    assert not await _same_answer(alice.id, other_room_id)  # another cohort's room
    assert not await _same_answer(alice.id, 999_999)  # no such room
    assert not await _same_answer(999_999, room_id)  # no such candidate

    await Room.update({Room.is_archived: True}).where(Room.id == room_id)
    assert not await _same_answer(alice.id, room_id)  # archived
    await Room.update({Room.is_archived: False}).where(Room.id == room_id)

    await Candidate.update({Candidate.status: "withdrawn"}).where(Candidate.id == alice.id)
    assert not await _same_answer(alice.id, room_id)  # withdrawn


async def test_the_room_page_refuses_another_cohorts_room(client):
    alice, room_id, other_room_id = await _alice_and_two_rooms()
    await sign_in_candidate(client, alice)
    assert (await client.get(f"/rooms/{room_id}")).status_code == 200
    refused = await client.get(f"/rooms/{other_room_id}")
    assert refused.status_code == 404
    assert "二期" not in refused.text
