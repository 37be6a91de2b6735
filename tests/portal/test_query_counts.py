"""How many database queries each candidate page (and the SLA tracker) makes.

Like Zulip's ``queries_captured``: every page is built with ten of everything it lists
(courses, checklist items, resources, rewards, inbox items, room messages, questions), so
a query per row would multiply the count and fail here. When a change adds a query on
purpose, update the number and say why in the commit.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

import portal.db as portal_db
from portal.db import current_engine
from portal.domain.checklist.templates import TemplateInput, template_create
from portal.domain.learning.rewards import RewardInput, reward_create
from portal.domain.messaging.enqueue import message_enqueue
from portal.domain.resources.library import ResourceInput, resource_create
from portal.domain.rooms.membership import cohort_room_ensure
from portal.domain.rooms.tables import RoomMessage, RoomQuestion
from tests.factories import (
    make_candidate,
    make_cohort,
    make_department,
    make_staff,
    sign_in_candidate,
    sign_in_staff,
)
from tests.learning.helpers import make_course
from tests.messaging.helpers import inbox_to

ROWS = 10


@contextlib.contextmanager
def queries_captured() -> Iterator[list[str]]:
    """The SQL of every statement the current engine runs inside the block."""
    engine = current_engine()
    # Engines have __slots__: the method is wrapped on the class, for this engine only.
    engine_class = type(engine)
    original = engine_class.run_querystring
    captured: list[str] = []

    async def counting(self, querystring, in_pool: bool = False):  # type: ignore[no-untyped-def]
        if self is engine:
            captured.append(str(querystring))
        return await original(self, querystring, in_pool=in_pool)

    original_prepared = portal_db.run_prepared

    async def counting_prepared(statement, args):  # type: ignore[no-untyped-def]
        captured.append(statement.text)
        return await original_prepared(statement, args)

    engine_class.run_querystring = counting  # type: ignore[method-assign]
    portal_db.run_prepared = counting_prepared
    try:
        yield captured
    finally:
        engine_class.run_querystring = original  # type: ignore[method-assign]
        portal_db.run_prepared = original_prepared


async def _world() -> dict:
    """A candidate with ten of everything a candidate page lists, and a room full of questions."""
    department = await make_department("生产部")
    cohort = await make_cohort(department, starts_at=datetime.now(UTC) + timedelta(days=12))
    me = await make_candidate(department, cohort=cohort, name="张三")
    others = [await make_candidate(department, cohort=cohort) for _ in range(ROWS)]
    courses = [await make_course(title=f"课程 {n}", questions=3) for n in range(ROWS)]
    for number in range(ROWS):
        await template_create(
            data=TemplateInput(
                title=f"材料 {number}",
                explanation="正反两面",
                accepted_kinds=("photo", "pdf"),
                min_files=1,
                max_files=2,
                days_before_start=7,
                required=True,
                department_id=None,
                position_id=None,
            )
        )
        await resource_create(
            data=ResourceInput(
                kind="faq",
                title=f"问题 {number}?",
                body="**有**。",
                url="",
                audience="everyone",
                department_id=None,
                cohort_id=None,
                status="published",
            ),
            stored=None,
            staff_id=None,
        )
        await reward_create(data=RewardInput(name=f"礼品 {number}", price=10, stock=5))
        await message_enqueue(message=inbox_to(me, subject=f"消息 {number}"))
    room_id = await cohort_room_ensure(cohort.id)
    now = datetime.now(UTC)
    for number, author in enumerate(others):
        message = RoomMessage(
            room=room_id,
            author_candidate=author.id,
            author_key=f"c{author.id}",
            client_id=str(uuid.uuid4()),
            kind="question",
            body=f"培训期间有住宿吗?{number}",
            created_at=now - timedelta(minutes=ROWS - number),
        )
        await message.save()
        await RoomQuestion(
            message=message.id,
            room=room_id,
            asker=author.id,
            responder_role="hr",
            asked_at=message.created_at,
            deadline_at=message.created_at + timedelta(hours=24),
            status="open",
        ).save()
    return {"me": me, "course": courses[0], "room_id": room_id}


CANDIDATE_PAGES = {
    # page: (path, queries); every page with a tab bar has one more query for its badges
    # (portal/domain/shell/badges.py), whatever the number of unread items.
    # Home's fifth: announcements pinned to the home page (messaging/announcements.py).
    # Home's sixth: the daily check-in card (learning/earning.py).
    "home": (lambda world: "/", 4),
    "learning": (lambda world: "/learning", 2),
    "lesson": (lambda world: f"/learning/courses/{world['course'].id}/lessons/1", 2),
    "checklist": (lambda world: "/checklist", 2),
    # The room: the member and the room together (rooms/membership.py), the messages, the
    # question categories with "was this helpful?" on the answered questions
    # (rooms/page_lists.py) and the badges; the cohort's time zone comes with the room.
    "room": (lambda world: f"/rooms/{world['room_id']}", 4),
    "resources": (lambda world: "/resources", 2),
    "rewards": (lambda world: "/rewards", 3),
    "inbox": (lambda world: "/inbox", 2),
    "me": (lambda world: "/me", 1),
}


@pytest.mark.parametrize("page", list(CANDIDATE_PAGES))
async def test_candidate_page_makes_a_fixed_number_of_queries(client, page):
    world = await _world()
    path, expected = CANDIDATE_PAGES[page][0](world), CANDIDATE_PAGES[page][1]
    await sign_in_candidate(client, world["me"])
    assert (await client.get(path)).status_code == 200  # caches warm, as in a running server
    with queries_captured() as queries:
        response = await client.get(path)
    assert response.status_code == 200
    assert len(queries) == expected, "\n".join(queries)


async def test_sla_tracker_makes_a_fixed_number_of_queries(client):
    await _world()
    staff = await make_staff("hr")
    await sign_in_staff(client, staff)
    assert (await client.get("/admin/questions")).status_code == 200
    with queries_captured() as queries:
        response = await client.get("/admin/questions")
    assert response.status_code == 200
    assert response.text.count("培训期间有住宿吗?") >= ROWS
    # 4: the staff member; beside the cards, in one read, the filter selects, the assignees,
    # the policy, the suggestion box's line and the recent alerts; the cards; their askers'
    # checklists. The summary is counted from the cards, which are all of the open
    # questions here.
    assert len(queries) == 4, "\n".join(queries)
