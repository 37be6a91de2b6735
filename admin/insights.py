"""Insights dashboards: funnel, engagement and content, per cohort and department, as CSV too.

HR and admins see every department; a manager sees their own department's candidates only
(also in shared cohorts). A bad date, or a cohort or department that does not exist or is
out of scope, re-renders the filters with the error and status 400.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Template

from admin.rendering import admin_page
from portal.domain.errors import ValidationFailed
from portal.domain.insights.charts import bar_chart, week_chart
from portal.domain.insights.content import content_figures
from portal.domain.insights.dashboard import dashboard_figures
from portal.domain.insights.export import dashboard_csv
from portal.domain.insights.filters import cohort_choices, department_choices
from portal.domain.insights.selection import Selection, selection_read
from portal.domain.staff.tables import StaffUser
from portal.i18n import gettext as _


async def _filters_context(staff: StaffUser, raw: dict[str, str | None]) -> dict[str, Any]:
    return {
        "cohorts": await cohort_choices(staff),
        "departments": await department_choices(staff),
        "values": {name: value or "" for name, value in raw.items()},
    }


async def _read(
    staff: StaffUser, raw: dict[str, str | None], context: dict[str, Any] | None = None
) -> tuple[Selection | None, dict[str, str]]:
    choices = {}
    if context is not None:
        choices = {"cohorts": context["cohorts"], "departments": context["departments"]}
    try:
        return await selection_read(staff, **raw, **choices), {}
    except ValidationFailed as failed:
        return None, failed.errors


class InsightsController(Controller):
    path = "/insights"

    @get("/", name="admin-insights")
    async def dashboard(
        self,
        staff: NamedDependency[StaffUser],
        cohort: FromQuery[str | None] = None,
        department: FromQuery[str | None] = None,
        start: FromQuery[str | None] = None,
        end: FromQuery[str | None] = None,
    ) -> Template:
        raw = {"cohort": cohort, "department": department, "start": start, "end": end}
        context = await _filters_context(staff, raw)
        selection, errors = await _read(staff, raw, context)
        if selection is None:
            return admin_page(
                "admin/insights/dashboard.html",
                staff,
                status_code=400,
                errors=errors,
                figures=None,
                **context,
            )
        figures = await dashboard_figures(selection)
        funnel, engagement = figures.funnel, figures.engagement
        context["values"] = {**context["values"], **selection.query()}
        return admin_page(
            "admin/insights/dashboard.html",
            staff,
            errors={},
            figures=figures,
            query=urlencode(selection.query()),
            stage_chart=bar_chart(_("Candidates per stage now"), funnel.stages),
            funnel_chart=week_chart(
                _("Candidates added and withdrawn per week"),
                [week for week, _a, _w in funnel.weeks],
                [
                    (_("Added"), [added for _w, added, _x in funnel.weeks]),
                    (_("Withdrawn"), [gone for _w, _x, gone in funnel.weeks]),
                ],
            ),
            active_chart=week_chart(
                _("Active candidates per week"),
                [week for week, _n in engagement.weeks],
                [(_("Active in the week"), [count for _w, count in engagement.weeks])],
            ),
            **context,
        )

    @get("/content", name="admin-insights-content")
    async def content(
        self,
        staff: NamedDependency[StaffUser],
        cohort: FromQuery[str | None] = None,
        department: FromQuery[str | None] = None,
        start: FromQuery[str | None] = None,
        end: FromQuery[str | None] = None,
    ) -> Template:
        raw = {"cohort": cohort, "department": department, "start": start, "end": end}
        context = await _filters_context(staff, raw)
        selection, errors = await _read(staff, raw, context)
        if selection is None:
            return admin_page(
                "admin/insights/content.html",
                staff,
                status_code=400,
                errors=errors,
                content=None,
                **context,
            )
        found = await content_figures(selection)
        context["values"] = {**context["values"], **selection.query()}
        return admin_page(
            "admin/insights/content.html",
            staff,
            errors={},
            content=found,
            lesson_chart=bar_chart(
                _("Lessons by candidates who opened them"),
                [(item.name, item.candidates) for item in found.lessons],
            ),
            **context,
        )

    @get("/csv", name="admin-insights-csv")
    async def as_csv(
        self,
        staff: NamedDependency[StaffUser],
        cohort: FromQuery[str | None] = None,
        department: FromQuery[str | None] = None,
        start: FromQuery[str | None] = None,
        end: FromQuery[str | None] = None,
    ) -> Response[bytes] | Template:
        raw = {"cohort": cohort, "department": department, "start": start, "end": end}
        selection, errors = await _read(staff, raw)
        if selection is None:
            return admin_page(
                "admin/insights/dashboard.html",
                staff,
                status_code=400,
                errors=errors,
                figures=None,
                **await _filters_context(staff, raw),
            )
        figures = await dashboard_figures(selection)
        found = await content_figures(selection, with_journeys=False)
        filename = f"insights-{selection.start.isoformat()}-{selection.end.isoformat()}.csv"
        return Response(
            dashboard_csv(figures, found),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                "Cache-Control": "no-store",
            },
        )
