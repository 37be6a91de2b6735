"""A candidate's document checklist: items computed from templates, deadlines, progress.

Items are not stored per candidate: :func:`templates_for` picks the active templates that
match a candidate (everyone, their department, their position) every time the list is
read, and each is paired with the candidate's submission for it, if any. Deadlines are
days before the cohort's first day, counted in the cohort's time zone.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from portal.config import get_settings
from portal.db import PreparedSQL
from portal.domain.candidates.tables import Candidate
from portal.domain.checklist.tables import ChecklistFile, ChecklistSubmission, ChecklistTemplate
from portal.domain.checklist.templates import template_families
from portal.domain.errors import NotFound
from portal.domain.organisation.tables import Cohort
from portal.i18n import gettext as _
from portal.i18n import ngettext

REJECT_REASONS = ("blurry", "wrong_document", "expired", "incomplete")
OPEN_STATUSES = ("todo", "draft", "rejected")


def reject_reason_label(reason: str) -> str:
    """HR's reason in the reader's language: a preset code is translated, free text kept."""
    return {
        "blurry": _("The photo is blurry or hard to read."),
        "wrong_document": _("This is not the document we asked for."),
        "expired": _("The document has expired."),
        "incomplete": _("Part of the document is missing."),
    }.get(reason, reason)


def status_label(status: str) -> str:
    return {
        "todo": _("To do"),
        "draft": _("Not handed in"),
        "submitted": _("Waiting for review"),
        "approved": _("Approved"),
        "rejected": _("Needs a new upload"),
    }.get(status, status)


@dataclass(frozen=True)
class FileView:
    id: int
    name: str
    media_type: str
    family: str
    size: int
    has_thumbnail: bool

    @classmethod
    def of(cls, stored: ChecklistFile) -> FileView:
        return cls(
            id=stored.id,
            name=stored.original_name,
            media_type=stored.media_type,
            family=stored.family,
            size=stored.size,
            has_thumbnail=bool(stored.thumb_key),
        )


@dataclass(frozen=True)
class Deadline:
    due: date
    days_left: int  # negative when overdue

    @property
    def relative(self) -> str:
        if self.days_left > 0:
            return ngettext("Due in %(num)d day", "Due in %(num)d days", self.days_left)
        if self.days_left == 0:
            return _("Due today")
        return ngettext("%(num)d day overdue", "%(num)d days overdue", -self.days_left)


@dataclass(frozen=True)
class ChecklistItem:
    template_id: int
    title: str
    explanation: str
    families: tuple[str, ...]
    min_files: int
    max_files: int
    required: bool
    has_example: bool
    example_is_photo: bool
    status: str  # "todo" | "draft" | "submitted" | "approved" | "rejected"
    reject_reason: str
    files: list[FileView]
    deadline: Deadline | None
    submission_id: int | None = None

    @property
    def editable(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def overdue(self) -> bool:
        return self.editable and self.deadline is not None and self.deadline.days_left < 0

    @property
    def can_add_files(self) -> bool:
        return self.editable and len(self.files) < self.max_files

    @property
    def can_submit(self) -> bool:
        return self.editable and self.min_files <= len(self.files) <= self.max_files

    @property
    def accept(self) -> str:
        """The file input's ``accept`` attribute (a hint for the phone; content decides)."""
        parts = []
        if "photo" in self.families:
            parts.append("image/*")
        if "pdf" in self.families:
            parts.append("application/pdf")
        return ",".join(parts)

    @property
    def status_label(self) -> str:
        return status_label(self.status)

    @property
    def reject_reason_label(self) -> str:
        return reject_reason_label(self.reject_reason)


@dataclass(frozen=True)
class Checklist:
    items: list[ChecklistItem] = field(default_factory=list)
    has_cohort: bool = False

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def approved(self) -> int:
        return sum(1 for item in self.items if item.status == "approved")

    @property
    def waiting(self) -> int:
        return sum(1 for item in self.items if item.status == "submitted")

    @property
    def open(self) -> int:
        return sum(1 for item in self.items if item.editable)

    @property
    def overdue(self) -> int:
        return sum(1 for item in self.items if item.overdue)

    @property
    def percent(self) -> int:
        return round(100 * self.approved / self.total) if self.total else 100


def deadline_for(
    template: ChecklistTemplate, cohort: Cohort | None, *, now: datetime
) -> Deadline | None:
    """Due ``days_before_start`` days before the cohort's first day (its local date)."""
    if cohort is None:
        return None
    return deadline_of(template.days_before_start, cohort.starts_at, cohort.timezone, now=now)


def deadline_of(
    days_before_start: int, starts_at: datetime, timezone: str | None, *, now: datetime
) -> Deadline:
    """:func:`deadline_for` from the figures it needs (for reads that are not Table rows)."""
    zone = ZoneInfo(timezone or get_settings().default_timezone)
    due = starts_at.astimezone(zone).date() - timedelta(days=days_before_start)
    return Deadline(due=due, days_left=(due - now.astimezone(zone).date()).days)


def matches(template: ChecklistTemplate, candidate: Candidate) -> bool:
    if template.position:
        return template.position == candidate.position
    if template.department:
        return template.department == candidate.department
    return True


async def active_templates() -> list[ChecklistTemplate]:
    return (
        await ChecklistTemplate.objects()
        .where(ChecklistTemplate.status == "active")
        .order_by(ChecklistTemplate.sort_order)
        .order_by(ChecklistTemplate.id)
    )


async def templates_for(candidate: Candidate) -> list[ChecklistTemplate]:
    return [t for t in await active_templates() if matches(t, candidate)]


def checklist_item_build(
    template: ChecklistTemplate,
    submission: ChecklistSubmission | None,
    files: list[ChecklistFile],
    deadline: Deadline | None,
) -> ChecklistItem:
    status = submission.status if submission else "todo"
    if status == "draft" and not files:
        status = "todo"
    return ChecklistItem(
        template_id=template.id,
        title=template.title,
        explanation=template.explanation,
        families=template_families(template),
        min_files=template.min_files,
        max_files=template.max_files,
        required=template.required,
        has_example=bool(template.example_key),
        example_is_photo=template.example_media_type.startswith("image/"),
        status=status,
        reject_reason=submission.reject_reason if submission and status == "rejected" else "",
        files=[FileView.of(f) for f in files],
        deadline=deadline,
        submission_id=submission.id if submission else None,
    )


async def files_by_submission(submission_ids: list[int]) -> dict[int, list[ChecklistFile]]:
    grouped: dict[int, list[ChecklistFile]] = defaultdict(list)
    if submission_ids:
        rows = (
            await ChecklistFile.objects()
            .where(ChecklistFile.submission.is_in(submission_ids))
            .order_by(ChecklistFile.id)
        )
        for row in rows:
            grouped[row.submission].append(row)
    return grouped


async def candidate_checklist(*, candidate_id: int, now: datetime | None = None) -> Checklist:
    checklists = await candidates_checklists([candidate_id], now=now)
    if candidate_id not in checklists:
        raise NotFound(_("Not found."))
    return checklists[candidate_id]


# The active templates meant for candidate ``c`` (the rule of :func:`matches`) as ``t``.
TEMPLATES_OF_CANDIDATE_JOIN = (
    "LEFT JOIN checklist_template t ON t.status = 'active' AND (t.position = c.position "
    "OR (t.position IS NULL AND (t.department IS NULL OR t.department = c.department))) "
)

# Every candidate's checklist in one query, written as SQL built once (as the room
# handshake's reads are: building them with Piccolo's query builder and turning rows into
# Table objects cost more CPU than running them). One row per (candidate, matching active
# template, file): the rule of :func:`matches` is the join condition on the template.
_CHECKLISTS_SQL = (
    "SELECT c.id AS candidate_id, co.id AS cohort_id, co.starts_at AS cohort_starts_at, "
    "co.timezone AS cohort_timezone, "
    "t.id AS t_id, t.title AS t_title, t.explanation AS t_explanation, "
    "t.accepted_kinds AS t_accepted_kinds, t.min_files AS t_min_files, "
    "t.max_files AS t_max_files, t.required AS t_required, "
    "t.days_before_start AS t_days_before_start, t.example_key AS t_example_key, "
    "t.example_media_type AS t_example_media_type, "
    "s.id AS s_id, s.status AS s_status, s.reject_reason AS s_reject_reason, "
    "f.id AS f_id, f.original_name AS f_original_name, f.media_type AS f_media_type, "
    "f.family AS f_family, f.size AS f_size, f.thumb_key AS f_thumb_key "
    "FROM candidate c "
    "LEFT JOIN cohort co ON co.id = c.cohort "
    f"{TEMPLATES_OF_CANDIDATE_JOIN}"
    "LEFT JOIN checklist_submission s ON s.candidate = c.id AND s.template = t.id "
    "LEFT JOIN checklist_file f ON f.submission = s.id "
    "WHERE c.id IN ({ids}) "
    "ORDER BY c.id, t.sort_order, t.id, f.id"
)


@dataclass(frozen=True, slots=True)
class _TemplateRow:
    """The template fields an item is built from (read as SQL, not a Table object)."""

    id: int
    title: str
    explanation: str
    accepted_kinds: str
    min_files: int
    max_files: int
    required: bool
    days_before_start: int
    example_key: str
    example_media_type: str


@dataclass(frozen=True, slots=True)
class _CohortRow:
    starts_at: datetime
    timezone: str


def _template_of(row: dict) -> _TemplateRow:
    return _TemplateRow(
        id=row["t_id"],
        title=row["t_title"],
        explanation=row["t_explanation"],
        accepted_kinds=row["t_accepted_kinds"],
        min_files=row["t_min_files"],
        max_files=row["t_max_files"],
        required=bool(row["t_required"]),
        days_before_start=row["t_days_before_start"],
        example_key=row["t_example_key"],
        example_media_type=row["t_example_media_type"],
    )


def _file_of(row: dict) -> FileView:
    return FileView(
        id=row["f_id"],
        name=row["f_original_name"],
        media_type=row["f_media_type"],
        family=row["f_family"],
        size=row["f_size"],
        has_thumbnail=bool(row["f_thumb_key"]),
    )


def _item_of(
    template: _TemplateRow, submission: dict | None, files: list[FileView], deadline
) -> ChecklistItem:
    """:func:`checklist_item_build` for rows read as SQL."""
    status = submission["s_status"] if submission else "todo"
    if status == "draft" and not files:
        status = "todo"
    return ChecklistItem(
        template_id=template.id,
        title=template.title,
        explanation=template.explanation,
        families=template_families(template),  # type: ignore[arg-type]
        min_files=template.min_files,
        max_files=template.max_files,
        required=template.required,
        has_example=bool(template.example_key),
        example_is_photo=template.example_media_type.startswith("image/"),
        status=status,
        reject_reason=submission["s_reject_reason"] if submission and status == "rejected" else "",
        files=files,
        deadline=deadline,
        submission_id=submission["s_id"] if submission else None,
    )


@functools.lru_cache(maxsize=64)
def _checklists_read(count: int) -> PreparedSQL:
    """The checklists query for ``count`` candidates, built once per count."""
    return PreparedSQL(_CHECKLISTS_SQL.replace("{ids}", ", ".join("{}" for _ in range(count))))


async def candidates_checklists(
    candidate_ids: list[int], *, now: datetime | None = None
) -> dict[int, Checklist]:
    """Each candidate's checklist, in one query however many candidates (the SLA tracker
    shows one per question). A candidate that does not exist is left out."""
    now = now or datetime.now(UTC)
    ids = list(dict.fromkeys(candidate_ids))
    if not ids:
        return {}
    rows = await _checklists_read(len(ids)).rows(*ids)
    # Rows come grouped by candidate, then template (files in id order).
    grouped: dict[int, tuple[_CohortRow | None, list[tuple[_TemplateRow, dict | None, list]]]]
    grouped = {}
    for row in rows:
        candidate_id = row["candidate_id"]
        entry = grouped.get(candidate_id)
        if entry is None:
            cohort = (
                _CohortRow(starts_at=row["cohort_starts_at"], timezone=row["cohort_timezone"])
                if row["cohort_id"] is not None
                else None
            )
            entry = grouped[candidate_id] = (cohort, [])
        if row["t_id"] is None:
            continue
        items = entry[1]
        if not items or items[-1][0].id != row["t_id"]:
            items.append((_template_of(row), row if row["s_id"] is not None else None, []))
        if row["f_id"] is not None:
            items[-1][2].append(_file_of(row))
    checklists: dict[int, Checklist] = {}
    for candidate_id in ids:
        if candidate_id not in grouped:
            continue
        cohort, items = grouped[candidate_id]
        checklists[candidate_id] = Checklist(
            items=[
                _item_of(template, submission, files, deadline_for(template, cohort, now=now))  # type: ignore[arg-type]
                for template, submission, files in items
            ],
            has_cohort=cohort is not None,
        )
    return checklists


async def checklist_item_for(
    *, candidate_id: int, template_id: int, now: datetime | None = None
) -> ChecklistItem:
    """One item of the candidate's own list; 404 for an item that is not theirs."""
    checklist = await candidate_checklist(candidate_id=candidate_id, now=now)
    for item in checklist.items:
        if item.template_id == template_id:
            return item
    raise NotFound(_("This checklist item does not exist."))
