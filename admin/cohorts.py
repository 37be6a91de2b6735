"""Cohort pages: the overview with head-counts per stage, create and edit."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from admin.forms import form_id, form_text, is_plausible_id
from admin.guards import HR_ONLY
from admin.rendering import admin_page
from portal.config import get_settings
from portal.domain.access import department_scope
from portal.domain.candidates.lists import department_choices
from portal.domain.errors import NotFound, ValidationFailed
from portal.domain.organisation.cohort_lists import cohort_form_input, cohort_overview
from portal.domain.organisation.cohorts import (
    COMMON_TIMEZONES,
    CohortInput,
    cohort_create,
    cohort_update,
    is_known_timezone,
)
from portal.domain.staff.tables import StaffUser
from portal.i18n import gettext as _

COHORT_FIELDS = ("name", "department", "start_date", "start_time", "timezone", "place", "capacity")


def _cohort_input(values: dict[str, str]) -> CohortInput:
    return CohortInput(
        name=values["name"],
        department_id=form_id(values["department"]),
        start_date=values["start_date"],
        start_time=values["start_time"],
        timezone=values["timezone"],
        place=values["place"],
        capacity=values["capacity"],
    )


def _timezones(current: str) -> list[str]:
    """The common zones, plus the default and the cohort's own if they are not among them."""
    zones = list(COMMON_TIMEZONES)
    for zone in (get_settings().default_timezone, current):
        if is_known_timezone(zone) and zone not in zones:
            zones.insert(0, zone)
    return zones


async def _form_page(
    staff: StaffUser,
    *,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    cohort_id: int | None = None,
    status_code: int = 200,
) -> Template:
    return admin_page(
        "admin/cohorts/form.html",
        staff,
        status_code=status_code,
        values=values,
        errors=errors or {},
        cohort_id=cohort_id,
        departments=await department_choices(),
        timezones=_timezones(values.get("timezone", "")),
    )


class CohortController(Controller):
    path = "/cohorts"

    @get("/", name="admin-cohorts")
    async def list_cohorts(self, staff: NamedDependency[StaffUser]) -> Template:
        overview = await cohort_overview(department_scope=department_scope(staff))
        return admin_page("admin/cohorts/list.html", staff, overview=overview)

    @get("/new", name="admin-cohort-new", guards=[HR_ONLY])
    async def new_cohort(self, staff: NamedDependency[StaffUser]) -> Template:
        values = dict.fromkeys(COHORT_FIELDS, "")
        values["timezone"] = get_settings().default_timezone
        values["start_time"] = "09:00"
        return await _form_page(staff, values=values)

    @post("/new", name="admin-cohort-create", guards=[HR_ONLY])
    async def create_cohort(
        self, request: Request[Any, Any, Any], staff: NamedDependency[StaffUser]
    ) -> Template | Redirect:
        values = await form_text(request, *COHORT_FIELDS)
        try:
            await cohort_create(data=_cohort_input(values))
        except ValidationFailed as failed:
            return await _form_page(staff, values=values, errors=failed.errors, status_code=400)
        return Redirect("/admin/cohorts", status_code=HTTP_303_SEE_OTHER)

    @get("/{cohort_id:int}/edit", name="admin-cohort-edit", guards=[HR_ONLY])
    async def edit_cohort(
        self, staff: NamedDependency[StaffUser], cohort_id: FromPath[int]
    ) -> Template:
        if not is_plausible_id(cohort_id):
            raise NotFound(_("This cohort does not exist."))
        cohort, data = await cohort_form_input(cohort_id)
        values = {
            "name": data.name,
            "department": str(data.department_id or ""),
            "start_date": data.start_date,
            "start_time": data.start_time,
            "timezone": data.timezone,
            "place": data.place,
            "capacity": str(data.capacity),
        }
        return await _form_page(staff, values=values, cohort_id=cohort.id)

    @post("/{cohort_id:int}/edit", name="admin-cohort-update", guards=[HR_ONLY])
    async def update_cohort(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        cohort_id: FromPath[int],
    ) -> Template | Redirect:
        if not is_plausible_id(cohort_id):
            raise NotFound(_("This cohort does not exist."))
        values = await form_text(request, *COHORT_FIELDS)
        try:
            await cohort_update(cohort_id=cohort_id, data=_cohort_input(values))
        except ValidationFailed as failed:
            return await _form_page(
                staff, values=values, errors=failed.errors, cohort_id=cohort_id, status_code=400
            )
        return Redirect("/admin/cohorts", status_code=HTTP_303_SEE_OTHER)
