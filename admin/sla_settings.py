"""SLA settings for HR: deadline and warning hours, business hours, holidays and make-up
working days, the webhook, and the question categories that route questions.

Only admin and HR reach these pages; managers are refused (403).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from admin.forms import form_text
from admin.guards import HR_ONLY
from admin.rendering import admin_page
from portal.domain.errors import ValidationFailed
from portal.domain.sla.calendar import (
    sla_calendar_day_add,
    sla_calendar_day_delete,
    sla_calendar_days,
)
from portal.domain.sla.categories import (
    CategoryInput,
    sla_categories,
    sla_category_create,
    sla_category_move,
    sla_category_set_active,
    sla_category_update,
)
from portal.domain.sla.policy import (
    WEEKDAYS,
    Policy,
    PolicyInput,
    format_clock,
    known_timezones,
    sla_policy_get,
    sla_policy_save,
)
from portal.domain.staff.tables import StaffUser

PAGE = "/admin/settings/sla"
POLICY_FIELDS = (
    "deadline_hours",
    "warning_hours",
    "business_hours_only",
    "timezone",
    "webhook_url",
    *(f"day{day}_{part}" for day in WEEKDAYS for part in ("open", "opens", "closes")),
)
DAY_FIELDS = ("day", "kind", "name", "opens", "closes")
CATEGORY_FIELDS = ("name", "name_en", "responder_role")


def _policy_values(policy: Policy) -> dict[str, str]:
    values = {
        "deadline_hours": str(policy.deadline_hours),
        "warning_hours": str(policy.warning_hours),
        "business_hours_only": "1" if policy.business_hours_only else "",
        "timezone": policy.timezone,
        "webhook_url": policy.webhook_url,
    }
    for day in WEEKDAYS:
        hours = policy.schedule.get(day)
        values[f"day{day}_open"] = "1" if hours else ""
        values[f"day{day}_opens"] = format_clock(hours[0]) if hours else "09:00"
        values[f"day{day}_closes"] = format_clock(hours[1]) if hours else "18:00"
    return values


def _policy_input(values: dict[str, str]) -> PolicyInput:
    return PolicyInput(
        deadline_hours=values["deadline_hours"],
        warning_hours=values["warning_hours"],
        business_hours_only=values["business_hours_only"] == "1",
        timezone=values["timezone"],
        schedule={
            day: (
                values[f"day{day}_open"] == "1",
                values[f"day{day}_opens"],
                values[f"day{day}_closes"],
            )
            for day in WEEKDAYS
        },
        webhook_url=values["webhook_url"],
    )


async def _page(
    staff: StaffUser,
    *,
    policy_values: dict[str, str] | None = None,
    day_values: dict[str, str] | None = None,
    category_values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    failed_form: str = "",
    saved: bool = False,
    status_code: int = 200,
) -> Template:
    since = (datetime.now(UTC) - timedelta(days=31)).date()
    return admin_page(
        "admin/settings/sla.html",
        staff,
        status_code=status_code,
        policy=policy_values or _policy_values(await sla_policy_get()),
        weekdays=list(WEEKDAYS),
        timezones=sorted(known_timezones()),
        calendar_days=await sla_calendar_days(since=since),
        categories=await sla_categories(),
        day_values=day_values or {"kind": "holiday", "opens": "09:00", "closes": "18:00"},
        category_values=category_values or {"responder_role": "hr"},
        errors=errors or {},
        failed_form=failed_form,
        saved=saved,
    )


def _back(anchor: str = "") -> Redirect:
    return Redirect(PAGE + (f"#{anchor}" if anchor else ""), status_code=HTTP_303_SEE_OTHER)


class SlaSettingsController(Controller):
    path = "/settings/sla"
    guards = [HR_ONLY]

    @get("/", name="admin-sla-settings")
    async def settings_page(
        self, staff: NamedDependency[StaffUser], saved: FromQuery[str | None] = None
    ) -> Template:
        return await _page(staff, saved=saved == "1")

    @post("/", name="admin-sla-settings-save")
    async def save_policy(
        self, request: Request[Any, Any, Any], staff: NamedDependency[StaffUser]
    ) -> Template | Redirect:
        values = await form_text(request, *POLICY_FIELDS)
        try:
            await sla_policy_save(data=_policy_input(values), staff=staff)
        except ValidationFailed as failed:
            return await _page(
                staff,
                policy_values=values,
                errors=failed.errors,
                failed_form="policy",
                status_code=400,
            )
        return Redirect(f"{PAGE}?saved=1", status_code=HTTP_303_SEE_OTHER)

    @post("/calendar", name="admin-sla-calendar-add")
    async def add_day(
        self, request: Request[Any, Any, Any], staff: NamedDependency[StaffUser]
    ) -> Template | Redirect:
        values = await form_text(request, *DAY_FIELDS)
        try:
            await sla_calendar_day_add(**values)
        except ValidationFailed as failed:
            return await _page(
                staff, day_values=values, errors=failed.errors, failed_form="day", status_code=400
            )
        return _back("calendar")

    @post("/calendar/{day_id:int}/delete", name="admin-sla-calendar-delete")
    async def delete_day(
        self, staff: NamedDependency[StaffUser], day_id: FromPath[int]
    ) -> Redirect:
        await sla_calendar_day_delete(day_id=day_id)
        return _back("calendar")

    @post("/categories", name="admin-sla-category-create")
    async def create_category(
        self, request: Request[Any, Any, Any], staff: NamedDependency[StaffUser]
    ) -> Template | Redirect:
        values = await form_text(request, *CATEGORY_FIELDS)
        try:
            await sla_category_create(data=CategoryInput(**values))
        except ValidationFailed as failed:
            return await _page(
                staff,
                category_values=values,
                errors=failed.errors,
                failed_form="category-new",
                status_code=400,
            )
        return _back("categories")

    @post("/categories/{category_id:int}", name="admin-sla-category-update")
    async def update_category(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        category_id: FromPath[int],
    ) -> Template | Redirect:
        values = await form_text(request, *CATEGORY_FIELDS)
        try:
            await sla_category_update(category_id=category_id, data=CategoryInput(**values))
        except ValidationFailed as failed:
            return await _page(
                staff,
                category_values=values,
                errors=failed.errors,
                failed_form=f"category-{category_id}",
                status_code=400,
            )
        return _back("categories")

    @post("/categories/{category_id:int}/active", name="admin-sla-category-active")
    async def set_active(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        category_id: FromPath[int],
    ) -> Template | Redirect:
        values = await form_text(request, "active")
        try:
            await sla_category_set_active(category_id=category_id, active=values["active"] == "1")
        except ValidationFailed as failed:
            return await _page(
                staff,
                errors=failed.errors,
                failed_form=f"category-{category_id}",
                status_code=400,
            )
        return _back("categories")

    @post("/categories/{category_id:int}/move", name="admin-sla-category-move")
    async def move(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        category_id: FromPath[int],
    ) -> Redirect:
        values = await form_text(request, "direction")
        await sla_category_move(category_id=category_id, direction=values["direction"])
        return _back("categories")
