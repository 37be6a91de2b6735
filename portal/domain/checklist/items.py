"""A candidate's document checklist: items computed from templates, deadlines, progress.

Items are not stored per candidate: :func:`templates_for` picks the active templates that
match a candidate (everyone, their department, their position) every time the list is
read, and each is paired with the candidate's submission for it, if any. Deadlines are
days before the cohort's first day, counted in the cohort's time zone.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from portal.config import get_settings
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
    zone = ZoneInfo(cohort.timezone or get_settings().default_timezone)
    start = cohort.starts_at.astimezone(zone).date()
    due = start - timedelta(days=template.days_before_start)
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


async def candidates_checklists(
    candidate_ids: list[int], *, now: datetime | None = None
) -> dict[int, Checklist]:
    """Each candidate's checklist, in five queries however many candidates (the SLA tracker
    shows one per question). A candidate that does not exist is left out."""
    now = now or datetime.now(UTC)
    ids = list(dict.fromkeys(candidate_ids))
    if not ids:
        return {}
    candidates = await Candidate.objects().where(Candidate.id.is_in(ids))
    if not candidates:
        return {}
    cohort_ids = list({c.cohort for c in candidates if c.cohort})
    cohorts = (
        {c.id: c for c in await Cohort.objects().where(Cohort.id.is_in(cohort_ids))}
        if cohort_ids
        else {}
    )
    templates = await active_templates()
    submissions: dict[int, dict[int, ChecklistSubmission]] = defaultdict(dict)
    for submission in await ChecklistSubmission.objects().where(
        ChecklistSubmission.candidate.is_in([c.id for c in candidates])
    ):
        submissions[submission.candidate][submission.template] = submission
    files = await files_by_submission(
        [s.id for mine in submissions.values() for s in mine.values()]
    )
    checklists: dict[int, Checklist] = {}
    for candidate in candidates:
        cohort = cohorts.get(candidate.cohort) if candidate.cohort else None
        mine = submissions.get(candidate.id, {})
        checklists[candidate.id] = Checklist(
            items=[
                checklist_item_build(
                    template,
                    mine.get(template.id),
                    files.get(mine[template.id].id, []) if template.id in mine else [],
                    deadline_for(template, cohort, now=now),
                )
                for template in templates
                if matches(template, candidate)
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
