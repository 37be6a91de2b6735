"""Checklist status per cohort: counts at a glance, a grid per candidate, a CSV export."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime

from portal.domain.candidates.tables import Candidate
from portal.domain.checklist.items import (
    ChecklistItem,
    active_templates,
    checklist_item_build,
    deadline_for,
    files_by_submission,
    matches,
)
from portal.domain.checklist.tables import ChecklistSubmission, ChecklistTemplate
from portal.domain.errors import NotFound
from portal.domain.organisation.tables import Cohort, Department, Position
from portal.domain.spreadsheets import spreadsheet_cell
from portal.i18n import gettext as _


@dataclass(frozen=True)
class CandidateRow:
    candidate: Candidate
    department: str
    position: str
    items: dict[int, ChecklistItem]  # template id -> item (only the templates that apply)

    @property
    def approved(self) -> int:
        return sum(1 for item in self.items.values() if item.status == "approved")

    @property
    def overdue(self) -> int:
        return sum(1 for item in self.items.values() if item.overdue)


@dataclass(frozen=True)
class CohortChecklist:
    cohort: Cohort
    templates: list[ChecklistTemplate]
    rows: list[CandidateRow]

    def _count(self, status: str) -> int:
        return sum(1 for row in self.rows for item in row.items.values() if item.status == status)

    @property
    def items(self) -> int:
        return sum(len(row.items) for row in self.rows)

    @property
    def approved(self) -> int:
        return self._count("approved")

    @property
    def waiting(self) -> int:
        return self._count("submitted")

    @property
    def rejected(self) -> int:
        return self._count("rejected")

    @property
    def overdue(self) -> int:
        return sum(row.overdue for row in self.rows)

    @property
    def candidates_overdue(self) -> int:
        return sum(1 for row in self.rows if row.overdue)


async def _cohort_checklist(
    cohort: Cohort, templates: list[ChecklistTemplate], department_scope: int | None, now: datetime
) -> CohortChecklist:
    query = Candidate.objects().where(
        (Candidate.cohort == cohort.id) & (Candidate.status != "withdrawn")
    )
    if department_scope is not None:
        query = query.where(Candidate.department == department_scope)
    candidates = await query.order_by(Candidate.name).order_by(Candidate.id)
    ids = [c.id for c in candidates]
    submissions: dict[tuple[int, int], ChecklistSubmission] = {}
    if ids:
        for s in await ChecklistSubmission.objects().where(
            ChecklistSubmission.candidate.is_in(ids)
        ):
            submissions[(s.candidate, s.template)] = s
    files = await files_by_submission([s.id for s in submissions.values()])
    departments = {
        d["id"]: d["name"] for d in await Department.select(Department.id, Department.name)
    }
    positions = {p["id"]: p["name"] for p in await Position.select(Position.id, Position.name)}
    rows = []
    for candidate in candidates:
        items = {}
        for template in templates:
            if not matches(template, candidate):
                continue
            submission = submissions.get((candidate.id, template.id))
            items[template.id] = checklist_item_build(
                template,
                submission,
                files.get(submission.id, []) if submission else [],
                deadline_for(template, cohort, now=now),
            )
        rows.append(
            CandidateRow(
                candidate=candidate,
                department=departments.get(candidate.department, ""),
                position=positions.get(candidate.position, "") if candidate.position else "",
                items=items,
            )
        )
    return CohortChecklist(cohort=cohort, templates=templates, rows=rows)


async def cohorts_checklist_summary(
    *, department_scope: int | None = None, now: datetime | None = None
) -> list[CohortChecklist]:
    """Every cohort (a manager: those with their people), newest start first."""
    now = now or datetime.now(UTC)
    templates = await active_templates()
    cohorts = await Cohort.objects().order_by(Cohort.starts_at, ascending=False)
    summaries = []
    for cohort in cohorts:
        summary = await _cohort_checklist(cohort, templates, department_scope, now)
        if department_scope is None or summary.rows:
            summaries.append(summary)
    return summaries


async def cohort_checklist(
    *, cohort_id: int, department_scope: int | None = None, now: datetime | None = None
) -> CohortChecklist:
    cohort = await Cohort.objects().get(Cohort.id == cohort_id)
    if cohort is None:
        raise NotFound(_("Not found."))
    if department_scope is not None and cohort.department not in (None, department_scope):
        raise NotFound(_("Not found."))
    summary = await _cohort_checklist(
        cohort, await active_templates(), department_scope, now or datetime.now(UTC)
    )
    # Only templates that apply to someone in the cohort get a column.
    used = {tid for row in summary.rows for tid in row.items}
    return CohortChecklist(
        cohort=cohort, templates=[t for t in summary.templates if t.id in used], rows=summary.rows
    )


def cohort_checklist_csv(summary: CohortChecklist) -> bytes:
    """One row per candidate, one column per item; UTF-8 with a BOM so Excel reads Chinese."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [_("Name"), _("Phone"), _("Department"), _("Position")]
        + [spreadsheet_cell(t.title) for t in summary.templates]
        + [_("Approved"), _("Overdue items")]
    )
    for row in summary.rows:
        cells = []
        for template in summary.templates:
            item = row.items.get(template.id)
            if item is None:
                cells.append(_("not required"))
            elif item.overdue:
                cells.append(_("%(status)s (overdue)", status=item.status_label))
            else:
                cells.append(item.status_label)
        writer.writerow(
            [
                spreadsheet_cell(row.candidate.name),
                spreadsheet_cell(row.candidate.phone),
                spreadsheet_cell(row.department),
                spreadsheet_cell(row.position),
                *cells,
                f"{row.approved}/{len(row.items)}",
                str(row.overdue),
            ]
        )
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")
