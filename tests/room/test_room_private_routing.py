"""Private questions reach the people their routing names, live and in every catch-up.

Routed to HR: the asker, HR and admins, never a manager. Routed to managers: also the
managers of the asker's department (as the SLA tracker shows them), no other manager.
"""

from __future__ import annotations

import asyncio

from portal.domain.rooms.membership import cohort_room_ensure
from portal.domain.rooms.tables import QuestionCategory
from tests.factories import (
    STAFF_PASSWORD,
    make_candidate,
    make_cohort,
    make_department,
    make_staff,
)
from tests.room.helpers import (
    candidate_cookie,
    connect,
    quiet,
    receive,
    receive_until,
    send,
    staff_cookie,
)


async def _category(responder_role: str) -> int:
    row = (
        await QuestionCategory.select(QuestionCategory.id)
        .where(QuestionCategory.responder_role == responder_role)
        .first()
        .run()
    )
    return row["id"]


async def _mixed_cohort_room(base_url: str):
    """A cohort of two departments, each with a candidate and a manager."""
    production, sales = await make_department(), await make_department()
    cohort = await make_cohort()  # no department: both train here
    alice = await make_candidate(production, cohort=cohort, name="Alice")
    carol = await make_candidate(sales, cohort=cohort, name="Carol")
    hr = await make_staff("hr")
    admin = await make_staff("admin")
    production_manager = await make_staff("manager", department=production)
    sales_manager = await make_staff("manager", department=sales)
    return {
        "room": await cohort_room_ensure(cohort.id),
        "alice": await candidate_cookie(base_url, alice.id),
        "carol": await candidate_cookie(base_url, carol.id),
        "hr": await staff_cookie(base_url, hr.email, STAFF_PASSWORD),
        "admin": await staff_cookie(base_url, admin.email, STAFF_PASSWORD),
        "production_manager": await staff_cookie(
            base_url, production_manager.email, STAFF_PASSWORD
        ),
        "sales_manager": await staff_cookie(base_url, sales_manager.email, STAFF_PASSWORD),
    }


def _bodies(frames: list[dict]) -> list[str]:
    return [f["body"] for f in frames if f.get("type") == "message"]


async def test_a_private_question_for_hr_never_reaches_a_manager(room_server):
    r = await _mixed_cohort_room(room_server)
    hr_only = await _category("hr")
    async with (
        await connect(room_server, r["room"], r["alice"]) as alice,
        await connect(room_server, r["room"], r["hr"]) as hr,
        await connect(room_server, r["room"], r["admin"]) as admin,
        await connect(room_server, r["room"], r["production_manager"]) as manager,
    ):
        await send(alice, "my salary?", kind="question", private=True, category=hr_only)
        question, _ = await receive_until(alice, "ack")
        assert (await receive(hr))["body"] == "my salary?"
        assert (await receive(admin))["body"] == "my salary?"
        # HR answers in the thread: still private to the asker, HR and admins.
        await send(hr, "we will call you", reply_to=question["id"])
        await receive_until(hr, "ack")
        # Both sockets listened to over the same second.
        to_alice, to_manager = await asyncio.gather(quiet(alice, 1.0), quiet(manager, 1.0))
        assert "we will call you" in _bodies(to_alice)
        assert to_manager == []
    # Nor in a catch-up, from the start or from just before it (three catch-ups at once).
    async with (
        await connect(room_server, r["room"], r["production_manager"], after=0) as m,
        await connect(
            room_server, r["room"], r["production_manager"], after=question["id"] - 1
        ) as m_later,
        await connect(room_server, r["room"], r["hr"], after=0) as hr,
    ):
        caught_up = await asyncio.gather(quiet(m, 1.0), quiet(m_later, 1.0), quiet(hr, 1.0))
        assert _bodies(caught_up[0]) == [] and _bodies(caught_up[1]) == []
        assert _bodies(caught_up[2]) == ["my salary?", "we will call you"]


async def test_a_private_question_for_managers_reaches_only_the_askers_manager(room_server):
    r = await _mixed_cohort_room(room_server)
    managers = await _category("manager")
    async with (
        await connect(room_server, r["room"], r["carol"]) as carol,
        await connect(room_server, r["room"], r["sales_manager"]) as sales_manager,
        await connect(room_server, r["room"], r["production_manager"]) as production_manager,
        await connect(room_server, r["room"], r["hr"]) as hr,
    ):
        await send(carol, "what will I do?", kind="question", private=True, category=managers)
        question, _ = await receive_until(carol, "ack")
        assert (await receive(sales_manager))["body"] == "what will I do?"
        assert (await receive(hr))["body"] == "what will I do?"
        # Her manager answers; the answer stays within the same people.
        await send(sales_manager, "packing, mostly", reply_to=question["id"])
        await receive_until(sales_manager, "ack")
        # Both sockets listened to over the same second.
        to_carol, to_other = await asyncio.gather(quiet(carol, 1.0), quiet(production_manager, 1.0))
        assert "packing, mostly" in _bodies(to_carol)
        assert to_other == []
    async with (
        await connect(room_server, r["room"], r["sales_manager"], after=0) as m,
        await connect(room_server, r["room"], r["production_manager"], after=0) as other,
    ):
        caught_up, other_caught_up = await asyncio.gather(quiet(m, 1.0), quiet(other, 1.0))
        assert _bodies(caught_up) == ["what will I do?", "packing, mostly"]
        assert _bodies(other_caught_up) == []


async def test_a_manager_cannot_reply_into_a_thread_routed_to_hr(room_server):
    r = await _mixed_cohort_room(room_server)
    async with await connect(room_server, r["room"], r["alice"]) as alice:
        await send(alice, "private to HR", kind="question", private=True)
        question, _ = await receive_until(alice, "ack")
    async with await connect(room_server, r["room"], r["production_manager"]) as manager:
        await send(manager, "peeking", reply_to=question["id"])
        error, _ = await receive_until(manager, "error")
    assert error["code"] == "bad_reply_to"
