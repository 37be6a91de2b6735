"""What each staff role may do in the admin app.

| action                                   | admin | hr  | manager (own department only) |
|------------------------------------------|-------|-----|-------------------------------|
| see candidates and their history         | yes   | yes | yes                           |
| move a candidate to another stage        | yes   | yes | yes                           |
| create a sign-in link for a candidate    | yes   | yes | yes                           |
| create or edit a candidate               | yes   | yes | no                            |
| withdraw, reactivate, mark joined        | yes   | yes | no                            |
| see cohorts and their head-counts        | yes   | yes | yes (own and shared cohorts)  |
| create or edit a cohort                  | yes   | yes | no                            |

Managers follow their own people through the pipeline; the records themselves
(identity, contact details, department, training batch, withdrawal) are HR's.
Which rows a manager sees is decided by ``admin.guards.department_scope``; this module
decides which actions they may take on them.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.domain.staff.tables import StaffUser

HR_ROLES = ("admin", "hr")


@dataclass(frozen=True)
class StaffPermissions:
    edit_candidates: bool
    change_status: bool
    move_stage: bool
    create_login_link: bool
    manage_cohorts: bool


def permissions_for(staff: StaffUser) -> StaffPermissions:
    is_hr = staff.role in HR_ROLES
    return StaffPermissions(
        edit_candidates=is_hr,
        change_status=is_hr,
        move_stage=True,
        create_login_link=True,
        manage_cohorts=is_hr,
    )
