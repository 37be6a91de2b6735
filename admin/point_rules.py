"""Ways of earning points besides quizzes: HR sets each amount or switches it off.

Only admin and HR reach this page, like the reward catalogue; managers are refused (403).
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from admin.forms import form_text
from admin.guards import HR_ONLY
from admin.rendering import admin_page
from portal.domain.errors import ValidationFailed
from portal.domain.learning.earning import EARNING_KINDS, earning_rules, earning_rules_save
from portal.domain.staff.tables import StaffUser

FIELDS = tuple(f"{kind}_{part}" for kind in EARNING_KINDS for part in ("amount", "enabled"))


class PointRulesController(Controller):
    path = "/learning/points"
    guards = [HR_ONLY]

    @get("/", name="admin-point-rules")
    async def rules(self, staff: NamedDependency[StaffUser]) -> Template:
        values: dict[str, str] = {}
        for kind, rule in (await earning_rules()).items():
            values[f"{kind}_amount"] = str(rule.amount)
            values[f"{kind}_enabled"] = "1" if rule.enabled else ""
        return admin_page(
            "admin/learning/point_rules.html", staff, values=values, errors={}, kinds=EARNING_KINDS
        )

    @post("/", name="admin-point-rules-save")
    async def save(
        self, staff: NamedDependency[StaffUser], request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        values = await form_text(request, *FIELDS)
        try:
            await earning_rules_save(values=values)
        except ValidationFailed as failed:
            return admin_page(
                "admin/learning/point_rules.html",
                staff,
                status_code=400,
                values=values,
                errors=failed.errors,
                kinds=EARNING_KINDS,
            )
        return Redirect("/admin/learning/points?saved=1", status_code=HTTP_303_SEE_OTHER)
