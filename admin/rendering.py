"""Admin page responses: every page knows who is signed in and what they may do."""

from __future__ import annotations

from typing import Any

from litestar.response import Template

from portal.domain.access import permissions_for
from portal.domain.staff.tables import StaffUser


def admin_page(
    template: str, staff: StaffUser, *, status_code: int = 200, **context: Any
) -> Template:
    return Template(
        template,
        context={"staff": staff, "can": permissions_for(staff), **context},
        status_code=status_code,
        # Pages hold personal data: keep them out of shared and back-button caches.
        headers={"Cache-Control": "no-store"},
    )
