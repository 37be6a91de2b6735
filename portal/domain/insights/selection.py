"""Which candidates a dashboard is about: a cohort, a department, a period, within the scope.

:func:`selection_read` turns the query string into a :class:`Selection` or raises
ValidationFailed naming the field: a date that is no date, a period the wrong way round, a
cohort or department that does not exist or that the staff member may not see (the same
message for both, so another department's ids are not confirmed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from portal.domain.access import Staff, department_scope
from portal.domain.errors import ValidationFailed
from portal.domain.insights.filters import cohort_choices, department_choices
from portal.domain.sla.figures import parse_period
from portal.domain.validation import row_id_from
from portal.i18n import gettext as _


@dataclass(frozen=True)
class Selection:
    start: date
    end: date
    cohort_id: int | None
    department_id: int | None
    # The staff member's own department for a manager, else None.
    scope: int | None

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time(), tzinfo=UTC)

    @property
    def end_at(self) -> datetime:
        """The end of the period's last day (exclusive)."""
        return datetime.combine(self.end + timedelta(days=1), time(), tzinfo=UTC)

    def candidate_sql(self, alias: str = "c") -> tuple[str, list[Any]]:
        """A WHERE fragment choosing the candidates, and its arguments ({} placeholders)."""
        parts, args = ["1 = 1"], []
        for column, value in (
            ("cohort", self.cohort_id),
            ("department", self.department_id),
            ("department", self.scope),
        ):
            if value is not None:
                parts.append(f"{alias}.{column} = {{}}")
                args.append(value)
        return " AND ".join(parts), args

    def query(self) -> dict[str, str]:
        values = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        if self.cohort_id:
            values["cohort"] = str(self.cohort_id)
        if self.department_id:
            values["department"] = str(self.department_id)
        return values


async def selection_read(
    staff: Staff,
    *,
    cohort: str | None,
    department: str | None,
    start: str | None,
    end: str | None,
    today: date | None = None,
    cohorts: list[dict[str, Any]] | None = None,
    departments: list[dict[str, Any]] | None = None,
) -> Selection:
    """``cohorts``/``departments``: the staff member's choices, when the caller has them."""
    today = today or datetime.now(UTC).date()
    errors: dict[str, str] = {}
    first = last = today
    try:
        first, last = parse_period(start, end, today=today)
    except ValidationFailed as failed:
        errors.update(failed.errors)
    cohort_id = department_id = None
    if (cohort or "").strip():
        cohort_id = row_id_from(cohort)
        cohorts = cohorts if cohorts is not None else await cohort_choices(staff)
        allowed = {row["id"] for row in cohorts}
        if cohort_id not in allowed:
            errors["cohort"] = _("Choose one of the listed cohorts.")
    if (department or "").strip():
        department_id = row_id_from(department)
        departments = departments if departments is not None else await department_choices(staff)
        allowed = {row["id"] for row in departments}
        if department_id not in allowed:
            errors["department"] = _("Choose one of the listed departments.")
    if errors:
        raise ValidationFailed(errors)
    return Selection(
        start=first,
        end=last,
        cohort_id=cohort_id,
        department_id=department_id,
        scope=department_scope(staff),
    )
