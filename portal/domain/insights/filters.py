"""What a staff member may filter insights by: cohorts and departments within their scope."""

from __future__ import annotations

from typing import Any

from portal.domain.access import Staff, department_scope
from portal.domain.organisation.tables import Cohort, Department


async def cohort_choices(staff: Staff) -> list[dict[str, Any]]:
    """Cohorts, newest start first; a manager's own department's and the shared ones."""
    query = Cohort.select(Cohort.id, Cohort.name, Cohort.department, Cohort.starts_at)
    scope = department_scope(staff)
    if scope is not None:
        query = query.where((Cohort.department == scope) | Cohort.department.is_null())
    return await query.order_by(Cohort.starts_at, ascending=False)


async def department_choices(staff: Staff) -> list[dict[str, Any]]:
    query = Department.select(Department.id, Department.name)
    scope = department_scope(staff)
    if scope is not None:
        query = query.where(Department.id == scope)
    return await query.order_by(Department.name)
