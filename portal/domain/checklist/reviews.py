"""HR's side of the checklist: the review queue, a submission's files, approve or reject.

A review names the round it judged (how many times the item had been handed in when the
form was shown) and is a conditional UPDATE on ``status = 'submitted' AND round = n``: a
second click, a second reviewer, or a candidate who took the item back meanwhile all get
a clear "already reviewed" instead of a silent overwrite. Every decision is also
appended to ``checklist_review``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from portal.db import write_transaction
from portal.domain.candidates.tables import Candidate
from portal.domain.checklist.items import (
    REJECT_REASONS,
    FileView,
    files_by_submission,
    reject_reason_label,
    status_label,
)
from portal.domain.checklist.tables import (
    ChecklistFile,
    ChecklistReview,
    ChecklistSubmission,
    ChecklistTemplate,
)
from portal.domain.errors import Conflict, NotFound, ValidationFailed
from portal.domain.journeys.events import journey_event
from portal.domain.learning.earning import checklist_approval_check
from portal.domain.organisation.tables import Cohort
from portal.domain.staff.tables import StaffUser
from portal.i18n import gettext as _

QUEUE_STATUSES = ("submitted", "approved", "rejected")
QUEUE_LIMIT = 200


@dataclass(frozen=True)
class QueueRow:
    submission_id: int
    candidate_id: int
    candidate_name: str
    cohort_name: str
    template_title: str
    template_archived: bool
    status: str
    submitted_at: datetime | None
    reviewed_at: datetime | None
    files: int

    @property
    def status_label(self) -> str:
        return status_label(self.status)


@dataclass(frozen=True)
class ReviewEntry:
    round: int
    decision: str
    reason: str
    reviewer: str
    created_at: datetime

    @property
    def reason_label(self) -> str:
        return reject_reason_label(self.reason)


@dataclass(frozen=True)
class SubmissionDetail:
    submission: ChecklistSubmission
    template: ChecklistTemplate
    candidate: Candidate
    cohort_name: str
    files: list[FileView]
    history: list[ReviewEntry]

    @property
    def status_label(self) -> str:
        return status_label(self.submission.status)

    @property
    def reason_label(self) -> str:
        return reject_reason_label(self.submission.reject_reason)


async def review_queue(
    *,
    department_scope: int | None = None,
    cohort_id: int | None = None,
    template_id: int | None = None,
    status: str = "submitted",
) -> list[QueueRow]:
    """Handed-in items, oldest first (``status`` "all" for every reviewed state too)."""
    S = ChecklistSubmission
    query = S.select(
        S.id,
        S.candidate,
        S.status,
        S.submitted_at,
        S.reviewed_at,
        S.candidate.name.as_alias("candidate_name"),
        S.candidate.cohort.name.as_alias("cohort_name"),
        S.template.title.as_alias("template_title"),
        S.template.status.as_alias("template_status"),
    )
    if status in QUEUE_STATUSES:
        query = query.where(S.status == status)
    else:
        query = query.where(S.status.is_in(list(QUEUE_STATUSES)))
    if department_scope is not None:
        query = query.where(S.candidate.department == department_scope)
    if cohort_id is not None:
        query = query.where(S.candidate.cohort == cohort_id)
    if template_id is not None:
        query = query.where(S.template == template_id)
    rows = await query.order_by(S.submitted_at).order_by(S.id).limit(QUEUE_LIMIT)
    files = await files_by_submission([row["id"] for row in rows])
    return [
        QueueRow(
            submission_id=row["id"],
            candidate_id=row["candidate"],
            candidate_name=row["candidate_name"],
            cohort_name=row["cohort_name"] or "",
            template_title=row["template_title"],
            template_archived=row["template_status"] == "archived",
            status=row["status"],
            submitted_at=row["submitted_at"],
            reviewed_at=row["reviewed_at"],
            files=len(files.get(row["id"], [])),
        )
        for row in rows
    ]


async def _visible_submission(
    submission_id: int, department_scope: int | None
) -> tuple[ChecklistSubmission, Candidate]:
    submission = await ChecklistSubmission.objects().get(ChecklistSubmission.id == submission_id)
    candidate = (
        await Candidate.objects().get(Candidate.id == submission.candidate) if submission else None
    )
    if (
        submission is None
        or candidate is None
        or (department_scope is not None and candidate.department != department_scope)
    ):
        raise NotFound(_("Not found."))
    return submission, candidate


async def submission_detail(
    *, submission_id: int, department_scope: int | None = None
) -> SubmissionDetail:
    submission, candidate = await _visible_submission(submission_id, department_scope)
    template = await ChecklistTemplate.objects().get(ChecklistTemplate.id == submission.template)
    cohort = await Cohort.objects().get(Cohort.id == candidate.cohort) if candidate.cohort else None
    files = (await files_by_submission([submission.id])).get(submission.id, [])
    reviews = (
        await ChecklistReview.select(
            ChecklistReview.all_columns(),
            ChecklistReview.reviewed_by.name.as_alias("reviewer_name"),
            ChecklistReview.reviewed_by.email.as_alias("reviewer_email"),
        )
        .where(ChecklistReview.submission == submission.id)
        .order_by(ChecklistReview.id, ascending=False)
    )
    return SubmissionDetail(
        submission=submission,
        template=template,
        candidate=candidate,
        cohort_name=cohort.name if cohort else "",
        files=[FileView.of(f) for f in files],
        history=[
            ReviewEntry(
                round=r["round"],
                decision=r["decision"],
                reason=r["reason"],
                reviewer=r["reviewer_name"] or r["reviewer_email"] or "",
                created_at=r["created_at"],
            )
            for r in reviews
        ],
    )


def _check_reason(decision: str, reason_code: str, reason_text: str) -> str:
    if decision == "approved":
        return ""
    if decision != "rejected":
        raise ValidationFailed({"decision": _("Choose approve or reject.")})
    text = " ".join((reason_text or "").split())
    if reason_code in REJECT_REASONS:
        return reason_code
    if reason_code == "other" and text:
        if len(text) > 500:
            raise ValidationFailed({"reason": _("A reason can be at most 500 characters long.")})
        return text
    raise ValidationFailed(
        {"reason": _("Choose a reason or write one, so the candidate knows what to fix.")}
    )


async def submission_review(
    *,
    submission_id: int,
    staff: StaffUser,
    round: int,
    decision: str,
    reason_code: str = "",
    reason_text: str = "",
    department_scope: int | None = None,
) -> None:
    """Approve or reject the round the reviewer saw; a repeated review is refused."""
    reason = _check_reason(decision, reason_code, reason_text)
    submission, _candidate = await _visible_submission(submission_id, department_scope)
    now = datetime.now(UTC)
    async with write_transaction():
        changed = (
            await ChecklistSubmission.update(
                {
                    ChecklistSubmission.status: decision,
                    ChecklistSubmission.reviewed_at: now,
                    ChecklistSubmission.reviewed_by: staff.id,
                    ChecklistSubmission.reject_reason: reason,
                    ChecklistSubmission.updated_at: now,
                }
            )
            .where(
                (ChecklistSubmission.id == submission.id)
                & (ChecklistSubmission.status == "submitted")
                & (ChecklistSubmission.round == round)
            )
            .returning(ChecklistSubmission.id)
        )
        if not changed:
            raise Conflict(_already_reviewed_message())
        await ChecklistReview.insert(
            ChecklistReview(
                submission=submission.id,
                round=round,
                decision=decision,
                reason=reason,
                reviewed_by=staff.id,
            )
        )
        template = await ChecklistTemplate.select(ChecklistTemplate.title).where(
            ChecklistTemplate.id == submission.template
        )
        if decision == "approved":
            await checklist_approval_check(candidate_id=submission.candidate)
        await journey_event(
            event=f"document_{decision}",
            candidate_id=submission.candidate,
            ref=f"s{submission.id}r{round}",
            values={"item": template[0]["title"] if template else "", "reason": reason},
        )


def _already_reviewed_message() -> str:
    return _(
        "This submission has already been reviewed, or the candidate changed it since you "
        "opened it. The page now shows its current state."
    )


async def staff_file_get(
    *, file_id: int, department_scope: int | None = None, thumbnail: bool = False
) -> tuple[str, str, str]:
    """(storage key, media type, display name) of a candidate's file, for staff."""
    file = await ChecklistFile.objects().get(ChecklistFile.id == file_id)
    if file is None:
        raise NotFound(_("This file does not exist."))
    await _visible_submission(file.submission, department_scope)
    if thumbnail:
        if not file.thumb_key:
            raise NotFound(_("This file does not exist."))
        return file.thumb_key, "image/jpeg", file.original_name
    return file.storage_key, file.media_type, file.original_name
