"""Who may see and do what: staff roles, department scope, candidates, rooms, files.

Every rule about access lives here; admin guards, the SLA tracker, rooms, videos and
profiles ask these functions instead of comparing roles themselves.

| action                                        | admin | hr  | manager (own department only) |
|-----------------------------------------------|-------|-----|-------------------------------|
| see candidates, their history and documents   | yes   | yes | yes                           |
| move a candidate to another stage             | yes   | yes | yes                           |
| create or edit a candidate, withdraw, import  | yes   | yes | no                            |
| create a sign-in link for a candidate         | yes   | yes | no                            |
| see cohorts and their head-counts             | yes   | yes | yes (own and shared cohorts)  |
| create or edit cohorts, content, settings     | yes   | yes | no                            |
| review documents                              | yes   | yes | no (read-only queue)          |
| upload a welcome video                        | yes   | yes | yes (own department)          |
| approve a welcome video                       | yes   | yes | no                            |
| see and answer questions routed to HR         | yes   | yes | no                            |
| see and answer questions routed to managers   | yes   | yes | yes (askers of own department)|
| moderate a room                               | yes   | yes | yes (own department's rooms)  |
| reveal an ID or bank card number (audited)    | yes   | no  | no                            |
| staff accounts, organisation settings         | yes   | no  | no                            |

Managers follow their own people through the pipeline; the records themselves (identity,
contact details, department, training batch, withdrawal) are HR's. Which rows a manager
sees is :func:`department_scope`; a record outside it is "not found", never "forbidden",
so its existence is not confirmed.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.domain.errors import NotFound
from portal.domain.staff.tables import StaffUser
from portal.i18n import gettext as _

ADMIN_ROLES = ("admin",)
HR_ROLES = ("admin", "hr")
STAFF_ROLES = ("admin", "hr", "manager")
# Only admins may see a full ID or bank card number (each reveal is audited).
REVEAL_ROLES = ADMIN_ROLES


def is_hr(staff: StaffUser) -> bool:
    """HR and admins: everything about every candidate."""
    return staff.role in HR_ROLES


def department_scope(staff: StaffUser) -> int | None:
    """The only department a manager may see; None means every department (admin, HR)."""
    if staff.role != "manager":
        return None
    # A manager without a department (e.g. created by single sign-on) sees no one's
    # candidates rather than everyone's: 0 is no department's id.
    return staff.department or 0


def sees_department(staff: StaffUser, department_id: int | None) -> bool:
    scope = department_scope(staff)
    return scope is None or department_id == scope


def ensure_department_visible(staff: StaffUser, department_id: int | None) -> None:
    """Managers reach only their own department's candidates, cohorts, rooms and files."""
    if not sees_department(staff, department_id):
        # 404, not 403: don't confirm that another department's record exists.
        raise NotFound(_("Not found."))


def sees_questions_routed_to(staff: StaffUser, responder_role: str) -> bool:
    """Questions routed to HR (and private ones) reach HR and admins only."""
    return is_hr(staff) or (staff.role == "manager" and responder_role == "manager")


def may_reveal_profile(staff: StaffUser) -> bool:
    return staff.role in REVEAL_ROLES


@dataclass(frozen=True)
class StaffPermissions:
    """What the admin pages offer a staff member (buttons, forms); guards enforce it."""

    edit_candidates: bool
    change_status: bool
    move_stage: bool
    create_login_link: bool
    manage_cohorts: bool
    manage_content: bool
    review_documents: bool
    reveal_profile: bool
    manage_settings: bool


def permissions_for(staff: StaffUser) -> StaffPermissions:
    hr = is_hr(staff)
    return StaffPermissions(
        edit_candidates=hr,
        change_status=hr,
        move_stage=True,
        create_login_link=True,
        manage_cohorts=hr,
        manage_content=hr,
        review_documents=hr,
        reveal_profile=may_reveal_profile(staff),
        manage_settings=staff.role in ADMIN_ROLES,
    )
