"""HR posts announcements (``/admin/announcements``): to everybody, a department, a cohort
or a tag; inbox always, e-mail/SMS optionally; pinned to the home page until a date.

HR and admins only (``may_manage_messages``: managers do not post; they reach their people
in the rooms and the 1:1 threads). The rules are ``portal.domain.messaging.announcements``.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from admin.guards import HR_ONLY
from admin.rendering import admin_page
from portal.config import get_settings
from portal.domain.candidates.lists import department_choices
from portal.domain.errors import ValidationFailed
from portal.domain.messaging.announcements import (
    AnnouncementInput,
    announcement_post,
    announcements_list,
)
from portal.domain.organisation.cohort_lists import cohort_choices
from portal.domain.staff.tables import StaffUser
from portal.domain.tags.names import tag_choices

PAGE = "/admin/announcements"
FIELDS = ("title", "body", "audience", "pinned_until", "reason", "client_id")


def _audience(value: str) -> tuple[str, str]:
    """The select's "all", "department:3", "cohort:5" or "tag:2"."""
    kind, _sep, audience_id = value.partition(":")
    return kind, audience_id


async def _page(
    staff: StaffUser,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    notice: str = "",
) -> Template:
    values = values or {"audience": "all"}
    return admin_page(
        "admin/announcements/page.html",
        staff,
        status_code=status_code,
        announcements=await announcements_list(),
        departments=await department_choices(),
        cohorts=await cohort_choices(department_scope=None),
        tags=await tag_choices(),
        values=values,
        errors=errors or {},
        notice=notice,
        timezone=get_settings().default_timezone,
        # One per render: a double submit of the same form posts once.
        client_id=values.get("client_id") or uuid.uuid4().hex,
    )


class AnnouncementController(Controller):
    path = "/announcements"
    guards = [HR_ONLY]

    @get("/", name="admin-announcements")
    async def page(
        self, staff: NamedDependency[StaffUser], request: Request[Any, Any, Any]
    ) -> Template:
        notice = "posted" if request.query_params.get("posted") else ""
        return await _page(staff, notice=notice)

    @post("/", name="admin-announcement-post")
    async def post_announcement(
        self, staff: NamedDependency[StaffUser], request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        form = await request.form()
        values = {
            name: (value if isinstance(value := form.get(name), str) else "") for name in FIELDS
        }
        channels = (
            tuple(c for c in form.getall("channels") if isinstance(c, str))
            if "channels" in form
            else ()
        )
        important = form.get("important") == "1"
        kind, audience_id = _audience(values["audience"])
        try:
            await announcement_post(
                staff_id=staff.id,
                data=AnnouncementInput(
                    title=values["title"][:1000],
                    body=values["body"][:20_000],
                    audience_kind=kind,
                    audience_id=audience_id[:20],
                    pinned_until=values["pinned_until"][:20],
                    channels=channels[:4],
                    important=important,
                    reason=values["reason"][:2000],
                    client_id=values["client_id"][:64],
                ),
            )
        except ValidationFailed as failed:
            errors = dict(failed.errors)
            if "candidates" in errors:
                errors["audience"] = errors.pop("candidates")
            if "audience_kind" in errors or "audience_id" in errors:
                errors["audience"] = errors.pop("audience_kind", "") or errors.pop("audience_id")
            return await _page(
                staff,
                values={**values, "channels": channels, "important": important},
                errors=errors,
                status_code=400,
            )
        return Redirect(f"{PAGE}?posted=1", status_code=HTTP_303_SEE_OTHER)
