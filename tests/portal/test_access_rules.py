"""The rules of portal/domain/access.py, one by one, over real staff rows.

Each rule is pure (it reads a staff member's role and department and the facts it is
given), so these tests call them directly; the pages and services asking them are tested
in their own areas, and tests/admin/test_route_guards.py walks every admin route.
"""

from __future__ import annotations

from dataclasses import fields

import pytest

from portal.domain import access
from portal.domain.access import (
    StaffRef,
    candidate_may_join_room,
    candidate_may_watch_video,
    department_scope,
    ensure_department_visible,
    is_admin,
    is_hr,
    may_answer_question,
    may_moderate_room,
    may_reveal_profile,
    may_see_candidate,
    may_watch_video,
    permissions_for,
    public_role,
    question_scope,
    role_is_department_scoped,
    sees_cohort,
    sees_department,
    sees_questions_routed_to,
)
from portal.domain.candidates.access import candidate_for_staff
from portal.domain.errors import NotFound
from portal.domain.staff.tables import STAFF_ROLES
from tests.factories import make_candidate, make_department, make_staff


@pytest.fixture
async def people():
    """An admin, an HR officer and a manager of ``own``; ``other`` is another department."""
    own = await make_department("生产部")
    other = await make_department("门店运营")
    return {
        "own": own.id,
        "other": other.id,
        "departments": {"own": own, "other": other},
        "admin": await make_staff("admin"),
        "hr": await make_staff("hr"),
        "manager": await make_staff("manager", department=own),
    }


# --- Roles and department scope ------------------------------------------------------------


async def test_only_admin_and_hr_are_hr_and_only_admin_is_admin(people):
    assert [is_hr(people[role]) for role in STAFF_ROLES] == [True, True, False]
    assert [is_admin(people[role]) for role in STAFF_ROLES] == [True, False, False]


async def test_a_manager_is_scoped_to_their_department_hr_and_admins_to_none(people):
    assert department_scope(people["admin"]) is None
    assert department_scope(people["hr"]) is None
    assert department_scope(people["manager"]) == people["own"]


async def test_a_manager_without_a_department_sees_no_department_rather_than_all():
    # Such an account cannot be created through the services; a row edited by hand can.
    lost = StaffRef(role="manager", department=None)
    assert department_scope(lost) == 0
    assert not sees_department(lost, None)
    assert not may_see_candidate(lost, department_id=None)


async def test_a_role_nobody_knows_sees_only_its_department_never_everything(people):
    stranger = StaffRef(role="intern", department=people["own"])
    assert department_scope(stranger) == people["own"]
    assert not sees_department(stranger, people["other"])
    assert not is_hr(stranger)
    assert question_scope(stranger) is not None


async def test_department_visibility_is_404_outside_the_scope(people):
    manager = people["manager"]
    assert sees_department(manager, people["own"])
    assert not sees_department(manager, people["other"])
    assert not sees_department(manager, None)
    ensure_department_visible(manager, people["own"])
    with pytest.raises(NotFound):
        ensure_department_visible(manager, people["other"])
    for role in ("admin", "hr"):
        assert sees_department(people[role], people["other"])
        ensure_department_visible(people[role], people["other"])


async def test_a_manager_sees_their_own_and_shared_cohorts(people):
    manager = people["manager"]
    assert sees_cohort(manager, people["own"])
    assert sees_cohort(manager, None)
    assert not sees_cohort(manager, people["other"])
    assert sees_cohort(people["hr"], people["other"])


def test_only_managers_need_a_department_and_candidates_see_admins_as_hr():
    assert [role_is_department_scoped(role) for role in STAFF_ROLES] == [False, False, True]
    assert [public_role(role) for role in STAFF_ROLES] == ["hr", "hr", "manager"]


# --- Candidates ----------------------------------------------------------------------------


async def test_candidate_for_staff_fetches_only_candidates_the_staff_member_may_see(people):
    ours = await make_candidate(people["departments"]["own"], name="自己部门的人")
    theirs = await make_candidate(people["departments"]["other"], name="别的部门的人")
    assert (await candidate_for_staff(people["manager"], ours.id)).name == "自己部门的人"
    assert (await candidate_for_staff(people["hr"], theirs.id)).name == "别的部门的人"
    with pytest.raises(NotFound) as outside:
        await candidate_for_staff(people["manager"], theirs.id)
    with pytest.raises(NotFound) as missing:
        await candidate_for_staff(people["manager"], theirs.id + 1000)
    # The same words for both, so the message does not confirm that the candidate exists.
    assert str(outside.value) == str(missing.value)
    for implausible in (0, -1, 2**31, 10**30):
        with pytest.raises(NotFound):
            await candidate_for_staff(people["admin"], implausible)


# --- What the pages offer ------------------------------------------------------------------


EXPECTED_PERMISSIONS = {
    # (admin, hr, manager)
    "edit_candidates": (True, True, False),
    "change_status": (True, True, False),
    "move_stage": (True, True, True),
    # Sent to the candidate; the link itself is shown to nobody (may_read_login_link).
    "send_login_link": (True, True, True),
    "manage_cohorts": (True, True, False),
    "manage_content": (True, True, False),
    "manage_messages": (True, True, False),
    "manage_organisation": (True, True, False),
    "manage_rooms": (True, True, False),
    "review_documents": (True, True, False),
    "review_videos": (True, True, False),
    "reveal_profile": (True, False, False),
    "see_profile_changes": (True, True, False),
    "manage_staff": (True, False, False),
    # Talent pool: reasons, cadence, growth paths, stop, rejoin (entries: everyone in scope).
    "manage_talent": (True, True, False),
    "choose_any_department": (True, True, False),
}


async def test_permissions_follow_the_role_table(people):
    assert {field.name for field in fields(access.StaffPermissions)} == set(EXPECTED_PERMISSIONS)
    for name, expected in EXPECTED_PERMISSIONS.items():
        got = tuple(getattr(permissions_for(people[role]), name) for role in STAFF_ROLES)
        assert got == expected, name


async def test_no_staff_member_reads_a_sign_in_link(people):
    # Whoever reads one can act as the candidate (change their bank card) until it is used.
    assert [access.may_read_login_link(people[role]) for role in STAFF_ROLES] == [False] * 3


async def test_only_admins_reveal_profile_numbers(people):
    assert [may_reveal_profile(people[role]) for role in STAFF_ROLES] == [True, False, False]


# --- Questions -----------------------------------------------------------------------------


async def test_hr_and_admins_see_every_question(people):
    for role in ("admin", "hr"):
        assert question_scope(people[role]) is None
        assert sees_questions_routed_to(people[role], "hr")
        assert may_answer_question(
            people[role], responder_role="hr", asker_department_id=people["other"]
        )


async def test_a_manager_answers_questions_routed_to_managers_from_their_own_people(people):
    manager = people["manager"]
    scope = question_scope(manager)
    assert (scope.responder_role, scope.asker_department) == ("manager", people["own"])
    assert sees_questions_routed_to(manager, "manager")
    assert not sees_questions_routed_to(manager, "hr")
    assert may_answer_question(manager, responder_role="manager", asker_department_id=people["own"])
    assert not may_answer_question(
        manager, responder_role="manager", asker_department_id=people["other"]
    )
    assert not may_answer_question(manager, responder_role="hr", asker_department_id=people["own"])
    assert not may_answer_question(manager, responder_role="manager", asker_department_id=None)


# --- Welcome videos ------------------------------------------------------------------------


async def test_staff_watch_complete_videos_of_departments_they_see(people):
    for status in ("pending", "approved", "rejected", "retired"):
        assert may_watch_video(people["hr"], department_id=people["other"], status=status)
        assert may_watch_video(people["manager"], department_id=people["own"], status=status)
        assert not may_watch_video(people["manager"], department_id=people["other"], status=status)
    # An upload still in progress is served to no one.
    for role in STAFF_ROLES:
        assert not may_watch_video(people[role], department_id=people["own"], status="uploading")


def test_a_candidate_watches_only_their_departments_approved_video():
    assert candidate_may_watch_video(candidate_department_id=1, department_id=1, status="approved")
    assert not candidate_may_watch_video(
        candidate_department_id=1, department_id=2, status="approved"
    )
    for status in ("uploading", "pending", "rejected", "retired"):
        assert not candidate_may_watch_video(
            candidate_department_id=1, department_id=1, status=status
        )


# --- Rooms ---------------------------------------------------------------------------------


class CohortFacts:
    """``cohort_has_department`` for the rule, remembering what it was asked."""

    def __init__(self, holds: set[tuple[int, int]]) -> None:
        self.holds = holds
        self.asked: list[tuple[int, int]] = []

    async def __call__(self, cohort_id: int, department_id: int) -> bool:
        self.asked.append((cohort_id, department_id))
        return (cohort_id, department_id) in self.holds


async def test_hr_and_admins_moderate_every_room_without_asking_about_cohorts(people):
    facts = CohortFacts(set())
    for role in ("admin", "hr"):
        for department, cohort in ((people["other"], None), (None, 7), (people["own"], 7)):
            assert await may_moderate_room(
                people[role],
                room_department_id=department,
                room_cohort_id=cohort,
                cohort_has_department=facts,
            )
    assert facts.asked == []


async def test_a_manager_moderates_their_departments_rooms_and_cohorts_holding_their_people(
    people,
):
    manager, own, other = people["manager"], people["own"], people["other"]
    facts = CohortFacts({(7, own)})

    async def may(department: int | None, cohort: int | None) -> bool:
        return await may_moderate_room(
            manager,
            room_department_id=department,
            room_cohort_id=cohort,
            cohort_has_department=facts,
        )

    assert await may(own, None)
    assert await may(own, 8)
    assert not await may(other, None)
    assert not await may(other, 7)  # the cohort holds their people, but the room is another's
    assert facts.asked == []  # a room with a department is decided by it alone
    assert await may(None, 7)
    assert not await may(None, 8)
    assert facts.asked == [(7, own), (8, own)]


async def test_a_manager_without_a_department_moderates_no_room():
    facts = CohortFacts({(7, 0)})
    lost = StaffRef(role="manager", department=None)
    for department, cohort in ((None, 7), (1, None), (None, None)):
        assert not await may_moderate_room(
            lost, room_department_id=department, room_cohort_id=cohort, cohort_has_department=facts
        )
    assert facts.asked == []


def test_a_candidate_joins_their_cohorts_rooms_and_their_departments_rooms():
    def may(room_department: int | None, room_cohort: int | None) -> bool:
        return candidate_may_join_room(
            candidate_department_id=1,
            candidate_cohort_id=10,
            room_department_id=room_department,
            room_cohort_id=room_cohort,
        )

    assert may(None, 10)  # the cohort's room for everybody
    assert may(1, 10)  # the cohort's room for their department
    assert not may(2, 10)  # the cohort's room for another department
    assert may(1, None)  # their department's room across cohorts
    assert not may(2, None)
    assert not may(None, 11)  # another cohort's rooms
    assert not may(1, 11)
    assert not may(None, None)


def test_a_candidate_without_a_cohort_joins_only_their_departments_rooms():
    def may(room_department: int | None, room_cohort: int | None) -> bool:
        return candidate_may_join_room(
            candidate_department_id=1,
            candidate_cohort_id=None,
            room_department_id=room_department,
            room_cohort_id=room_cohort,
        )

    assert may(1, None)
    assert not may(None, 10)
    assert not may(1, 10)
