"""Who may see and do what: staff roles, department scope, candidates, rooms, videos, questions.

Every rule about access lives here. The admin app's guards (``admin/guards.py``), its pages'
``can`` (:func:`permissions_for`), the candidate selector (``candidates/access.py``), the SLA
tracker, rooms, videos and profiles ask these functions instead of comparing roles
themselves. The rules are pure: they read a staff member's ``role`` and ``department`` (a
``StaffUser`` row or a :class:`StaffRef`) and the facts they are given, never the
database, so each is tested on its own (``tests/portal/test_access_rules.py``).

Staff:

| action                                           | admin | hr  | manager                         |
|--------------------------------------------------|-------|-----|---------------------------------|
| see candidates, their history and profile        | all   | all | own department                  |
| (ID and bank card numbers masked)                |       |     |                                 |
| move a candidate to another stage                | all   | all | own department                  |
| send a candidate a new sign-in link (delivered   | all   | all | own department                  |
| to them through the outbox, shown to nobody)     |       |     |                                 |
| create or edit a candidate, withdraw, import     | yes   | yes | no                              |
| see cohorts and their head-counts                | all   | all | own and shared cohorts          |
| create or edit cohorts                           | yes   | yes | no                              |
| courses, rewards, resources, checklist items     | yes   | yes | no                              |
| departments, positions, pipeline, SLA rules      | yes   | yes | no                              |
| the outbox: failed messages, retries, group bots | yes   | yes | no                              |
| see the document queue and the files handed in   | all   | all | own department                  |
| approve or reject a document                     | yes   | yes | no                              |
| upload, watch or delete a welcome video          | all   | all | own department                  |
| approve or reject a welcome video                | yes   | yes | no                              |
| see, answer, assign questions routed to HR       | yes   | yes | no                              |
| see, answer, assign questions routed to managers | yes   | yes | askers of own department        |
| join and moderate a room                         | all   | all | own department's rooms, and     |
|                                                  |       |     | cohort rooms holding its people |
| create or archive a room, a group chat           | yes   | yes | no                              |
| answer a candidate's 1:1 thread with HR          | all   | all | own department's people (the    |
|                                                  |       |     | messages routed to managers)    |
| join a group chat                                | all   | all | when a member                   |
| post an announcement                             | all   | all | no                              |
| see insights, drop-out risk and its reasons,     | all   | all | own department                  |
| intervene (message, follow-up task)              |       |     |                                 |
| see who changed a candidate's personal           | yes   | yes | no                              |
| information (which fields, never the values)     |       |     |                                 |
| reveal an ID or bank card number (audited),      | yes   | no  | no                              |
| see the log of reveals                           |       |     |                                 |
| staff accounts                                   | yes   | no  | no                              |
| talent pool: see entries, notes, needs, outcomes,| all   | all | own department                  |
| to-dos, bulk-tag                                 |       |     |                                 |
| talent pool: reasons, cadence, templates, growth | yes   | yes | no                              |
| paths, rejoin, "stop contacting me"              |       |     |                                 |
| download a resource's file or a checklist        | yes   | yes | yes                             |
| item's example file                              |       |     |                                 |

Candidates see only their own records; besides, a candidate may

| action                | which                                                   |
|-----------------------|---------------------------------------------------------|
| join a room           | their cohort's room for everybody, its room for their   |
|                       | department, and their department's rooms across cohorts |
| watch a welcome video | their department's approved one                         |
| a 1:1 thread with HR  | their own (with or without a cohort)                    |
| a group chat          | those HR made them a member of                          |

A sign-in link made by a staff member is never shown to any staff member, whatever their
role (:func:`may_read_login_link`): whoever holds a link is the candidate until it is used,
and could change their bank card. It goes to the candidate's phone or e-mail through the
outbox. Only callers acting for the system receive a link (``onramp login-link`` on the
server, an integration's API token). Every change of personal information records who made
it (``profiles/changes.py``).

Managers follow their own people through the pipeline; the records themselves (identity,
contact details, department, training batch, withdrawal) are HR's. Which rows a manager
sees is :func:`department_scope`; a record outside it is "not found", never "forbidden",
so its existence is not confirmed. Admins appear to candidates as HR (:func:`public_role`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import Protocol

from portal.domain.errors import NotFound
from portal.domain.staff.tables import STAFF_ROLES as STAFF_ROLES
from portal.i18n import gettext as _

ADMIN_ROLES = ("admin",)
HR_ROLES = ("admin", "hr")
# Roles that see one department's people only (and so need a department).
DEPARTMENT_SCOPED_ROLES = ("manager",)
# Only admins may see a full ID or bank card number (each reveal is audited).
REVEAL_ROLES = ADMIN_ROLES


class Staff(Protocol):
    """What the rules read of a staff member: a ``StaffUser`` row or a :class:`StaffRef`."""

    @property
    def role(self) -> str: ...

    @property
    def department(self) -> int | None: ...


@dataclass(frozen=True, slots=True)
class StaffRef:
    """A staff member's role and department, for code that holds no row (room members)."""

    role: str
    department: int | None


# --- Roles ---------------------------------------------------------------------------------


def has_role(staff: Staff, roles: Collection[str]) -> bool:
    return staff.role in roles


def is_admin(staff: Staff) -> bool:
    return has_role(staff, ADMIN_ROLES)


def is_hr(staff: Staff) -> bool:
    """HR and admins: everything about every candidate."""
    return has_role(staff, HR_ROLES)


def role_is_department_scoped(role: str) -> bool:
    """A manager sees one department's people, so a manager's account needs a department."""
    return role in DEPARTMENT_SCOPED_ROLES


def public_role(role: str) -> str:
    """The role candidates see next to a staff member's name: admins appear as HR."""
    return "manager" if role_is_department_scoped(role) else "hr"


# --- Department scope ----------------------------------------------------------------------


def department_scope(staff: Staff) -> int | None:
    """The only department a manager may see; None means every department (admin, HR)."""
    # Fails closed: only the HR roles see every department, whatever else a role is called.
    if is_hr(staff):
        return None
    # A manager without a department (e.g. created by single sign-on) sees no one's
    # candidates rather than everyone's: 0 is no department's id.
    return staff.department or 0


def sees_department(staff: Staff, department_id: int | None) -> bool:
    scope = department_scope(staff)
    return scope is None or department_id == scope


def ensure_department_visible(staff: Staff, department_id: int | None) -> None:
    """Managers reach only their own department's candidates, cohorts, rooms and files."""
    if not sees_department(staff, department_id):
        # 404, not 403: don't confirm that another department's record exists.
        raise NotFound(_("Not found."))


def sees_cohort(staff: Staff, cohort_department_id: int | None) -> bool:
    """A manager sees their department's cohorts and the shared ones (no department)."""
    return cohort_department_id is None or sees_department(staff, cohort_department_id)


# --- Candidates ----------------------------------------------------------------------------


def may_see_candidate(staff: Staff, *, department_id: int | None) -> bool:
    """Seeing a candidate opens their record, history, profile (masked) and documents."""
    return sees_department(staff, department_id)


def may_see_risk(staff: Staff, *, department_id: int | None) -> bool:
    """A candidate's drop-out risk, its reasons and interventions: HR, and the manager of
    the candidate's department. Never the candidate (no candidate route reads it)."""
    return sees_department(staff, department_id)


def may_edit_candidates(staff: Staff) -> bool:
    """Create and edit candidates, withdraw them, import them: HR's records."""
    return is_hr(staff)


def may_work_talent_pool(staff: Staff) -> bool:
    """Every staff member works the pool entries they see (managers their department's)."""
    return True


def may_manage_talent(staff: Staff) -> bool:
    """Reasons, cadence and templates, growth paths, rejoin, stop: HR's."""
    return is_hr(staff)


def may_move_stage(staff: Staff) -> bool:
    """Every staff member moves the candidates they see (managers their own people)."""
    return True


def may_send_login_link(staff: Staff) -> bool:
    """Every staff member may have a candidate they see sent a new sign-in link."""
    return True


def may_read_login_link(staff: Staff) -> bool:
    """No staff member reads a sign-in link: it would let them act as the candidate.

    HR may edit a candidate's phone number, but that change is audited and the candidate
    would notice; a link read off a page leaves no trace of who used it.
    """
    return False


# --- Cohorts, content, settings ------------------------------------------------------------


def may_manage_cohorts(staff: Staff) -> bool:
    return is_hr(staff)


def may_manage_content(staff: Staff) -> bool:
    """Courses, rewards, resources and checklist items."""
    return is_hr(staff)


def may_manage_messages(staff: Staff) -> bool:
    """The outbox: failed and held messages, retries, group bots and announcements."""
    return is_hr(staff)


def may_manage_organisation(staff: Staff) -> bool:
    """Departments, positions, the pipeline's stages and the SLA rules."""
    return is_hr(staff)


def may_manage_staff(staff: Staff) -> bool:
    """Staff accounts: who signs in to the admin app, with which role."""
    return is_admin(staff)


# --- Documents, profiles -------------------------------------------------------------------


def may_review_documents(staff: Staff) -> bool:
    """Approve or reject what candidates hand in; managers only read the queue."""
    return is_hr(staff)


def may_see_profile_changes(staff: Staff) -> bool:
    """Who changed a candidate's personal information, and which fields: HR's audit."""
    return is_hr(staff)


def may_reveal_profile(staff: Staff) -> bool:
    """See a full ID or bank card number (each reveal is audited), and the log of reveals."""
    return has_role(staff, REVEAL_ROLES)


# --- Welcome videos ------------------------------------------------------------------------


def may_review_videos(staff: Staff) -> bool:
    """Approve or reject a welcome video (managers upload their department's)."""
    return is_hr(staff)


def may_watch_video(staff: Staff, *, department_id: int | None, status: str) -> bool:
    """Staff watch any complete video of a department they see, to review it."""
    return status != "uploading" and sees_department(staff, department_id)


def candidate_may_watch_video(
    *, candidate_department_id: int | None, department_id: int | None, status: str
) -> bool:
    """A candidate watches their own department's approved video only."""
    return status == "approved" and candidate_department_id == department_id


# --- Questions (the SLA tracker) -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuestionScope:
    """The questions a staff member who does not see them all may see and answer."""

    responder_role: str
    asker_department: int


def question_scope(staff: Staff) -> QuestionScope | None:
    """None for HR and admins (every question); a manager: routed to managers, own people."""
    department = department_scope(staff)
    if department is None:
        return None
    return QuestionScope(responder_role="manager", asker_department=department)


def sees_questions_routed_to(staff: Staff, responder_role: str) -> bool:
    """Questions routed to HR (and private ones) reach HR and admins only."""
    scope = question_scope(staff)
    return scope is None or responder_role == scope.responder_role


def may_answer_question(
    staff: Staff, *, responder_role: str, asker_department_id: int | None
) -> bool:
    """See, answer, close or be assigned a question (the same people may do all four)."""
    scope = question_scope(staff)
    return scope is None or (
        responder_role == scope.responder_role and asker_department_id == scope.asker_department
    )


# --- Rooms ---------------------------------------------------------------------------------


def may_manage_rooms(staff: Staff) -> bool:
    """Create and archive rooms."""
    return is_hr(staff)


def sees_every_room(staff: Staff) -> bool:
    return is_hr(staff)


async def may_moderate_room(
    staff: Staff,
    *,
    room_department_id: int | None,
    room_cohort_id: int | None,
    cohort_has_department: Callable[[int, int], Awaitable[bool]],
) -> bool:
    """Staff join the rooms they moderate: HR and admins every room; a manager their
    department's rooms, and a cohort's room for everybody when people of their department
    are in that cohort. ``cohort_has_department(cohort_id, department_id)`` tells the
    latter (the cohort is the department's, or holds some of its people); it is asked only
    for a manager and a room without a department.
    """
    if sees_every_room(staff):
        return True
    if room_department_id is not None:
        return sees_department(staff, room_department_id)
    own = department_scope(staff)
    if room_cohort_id is None or not own:
        return False
    return await cohort_has_department(room_cohort_id, own)


def candidate_may_join_room(
    *,
    candidate_department_id: int | None,
    candidate_cohort_id: int | None,
    room_department_id: int | None,
    room_cohort_id: int | None,
) -> bool:
    """A candidate's rooms: their cohort's (for everybody or for their department), and
    their department's rooms across cohorts. ``rooms_for_member`` asks the same in SQL.
    """
    if room_cohort_id is not None:
        return candidate_cohort_id == room_cohort_id and room_department_id in (
            None,
            candidate_department_id,
        )
    return room_department_id is not None and room_department_id == candidate_department_id


def may_join_direct_thread(staff: Staff, *, candidate_department_id: int | None) -> bool:
    """A candidate's 1:1 thread with HR: HR and admins every one; a manager their own
    department's people's, where they see only the messages routed to managers."""
    return sees_department(staff, candidate_department_id)


def candidate_may_join_direct_thread(*, candidate_id: int, thread_candidate_id: int) -> bool:
    return candidate_id == thread_candidate_id


def may_join_group_chat(staff: Staff, *, is_member: bool) -> bool:
    """A group chat's members are listed; HR and admins moderate every one."""
    return is_member or sees_every_room(staff)


# --- What the admin pages offer ------------------------------------------------------------


@dataclass(frozen=True)
class StaffPermissions:
    """What the admin pages offer a staff member (links, buttons, forms) as ``can``.

    The guards and the services enforce the same rules; this only keeps the pages from
    offering what would be refused.
    """

    edit_candidates: bool
    change_status: bool
    move_stage: bool
    send_login_link: bool
    manage_cohorts: bool
    manage_content: bool
    manage_messages: bool
    manage_organisation: bool
    manage_rooms: bool
    review_documents: bool
    review_videos: bool
    reveal_profile: bool
    see_profile_changes: bool
    manage_staff: bool
    manage_talent: bool
    # Forms offer every department (a manager's are fixed to their own).
    choose_any_department: bool


def permissions_for(staff: Staff) -> StaffPermissions:
    return StaffPermissions(
        edit_candidates=may_edit_candidates(staff),
        manage_talent=may_manage_talent(staff),
        change_status=may_edit_candidates(staff),
        move_stage=may_move_stage(staff),
        send_login_link=may_send_login_link(staff),
        manage_cohorts=may_manage_cohorts(staff),
        manage_content=may_manage_content(staff),
        manage_messages=may_manage_messages(staff),
        manage_organisation=may_manage_organisation(staff),
        manage_rooms=may_manage_rooms(staff),
        review_documents=may_review_documents(staff),
        review_videos=may_review_videos(staff),
        reveal_profile=may_reveal_profile(staff),
        see_profile_changes=may_see_profile_changes(staff),
        manage_staff=may_manage_staff(staff),
        choose_any_department=department_scope(staff) is None,
    )
