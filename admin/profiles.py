"""A candidate's personal information for staff: masked for everyone, revealable by admins.

| action                               | admin | hr  | manager (own department only) |
|--------------------------------------|-------|-----|-------------------------------|
| see the profile, numbers masked      | yes   | yes | yes                           |
| reveal an ID or bank card number     | yes   | no  | no                            |
| see the log of reveals               | yes   | no  | no                            |

Every reveal is a POST (CSRF-checked, never prefetched or cached) and writes one row
of the audit log before the number is shown.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException
from litestar.response import Template

from admin.forms import form_text, query_int
from admin.guards import ADMIN_ONLY, requires_role
from admin.rendering import admin_page
from portal.config import get_settings
from portal.domain.access import REVEAL_ROLES, may_reveal_profile, may_see_profile_changes
from portal.domain.candidates.tables import Candidate
from portal.domain.profiles.changes import personal_info_changes
from portal.domain.profiles.personal_info import (
    RevealRefused,
    profile_get,
    profile_reveal,
    profile_reveals_list,
)
from portal.domain.staff.tables import StaffUser
from portal.i18n import gettext as _

REVEAL_LOG_PAGE = 100
# Before the candidate is looked up: 403 for a role that may not reveal, whoever is asked.
REVEALERS_ONLY = requires_role(*REVEAL_ROLES, name="REVEALERS_ONLY")


async def _profile_page(
    staff: StaffUser, candidate: Candidate, *, revealed: dict[str, str] | None = None
) -> Template:
    return admin_page(
        "admin/profiles/detail.html",
        staff,
        candidate=candidate,
        profile=await profile_get(candidate_id=candidate.id),
        timezone=get_settings().default_timezone,
        revealed=revealed or {},
        reveals=(
            await profile_reveals_list(candidate_id=candidate.id, limit=20)
            if may_reveal_profile(staff)
            else []
        ),
        changes=(
            await personal_info_changes(candidate_id=candidate.id, limit=20)
            if may_see_profile_changes(staff)
            else []
        ),
    )


class ProfileController(Controller):
    path = "/candidates/{candidate_id:int}/profile"

    @get("/", name="admin-candidate-profile")
    async def show_profile(
        self, staff: NamedDependency[StaffUser], candidate: NamedDependency[Candidate]
    ) -> Template:
        return await _profile_page(staff, candidate)

    @post("/reveal", name="admin-candidate-profile-reveal", guards=[REVEALERS_ONLY])
    async def reveal(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        candidate: NamedDependency[Candidate],
    ) -> Template:
        field = (await form_text(request, "field"))["field"]
        try:
            clear = await profile_reveal(
                staff=staff,
                candidate_id=candidate.id,
                field=field,
                ip_address=request.client.host if request.client else "",
            )
        except RevealRefused:
            raise PermissionDeniedException(_("Your role does not allow this.")) from None
        return await _profile_page(staff, candidate, revealed={field: clear})


@get("/profile-reveals", name="admin-profile-reveals", guards=[ADMIN_ONLY])
async def reveal_log(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffUser]
) -> Template:
    page = min(query_int(request.query_params.get("page")) or 1, 100_000)
    rows = await profile_reveals_list(
        limit=REVEAL_LOG_PAGE + 1, offset=(page - 1) * REVEAL_LOG_PAGE
    )
    return admin_page(
        "admin/profiles/reveals.html",
        staff,
        rows=rows[:REVEAL_LOG_PAGE],
        page=page,
        has_next=len(rows) > REVEAL_LOG_PAGE,
        timezone=get_settings().default_timezone,
    )
