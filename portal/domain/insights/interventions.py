"""Acting on a candidate's risk: a personal message through the outbox, or a follow-up task.

Both are recorded in ``risk_intervention`` (shown on the risk list and in the candidate's
admin history); the message is an outbox row written in the same transaction. Each form
carries a one-time key: a double submit records and sends once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from portal.db import is_unique_violation, write_transaction
from portal.domain.access import Staff, may_see_risk
from portal.domain.candidates.tables import Candidate
from portal.domain.errors import NotFound, ValidationFailed
from portal.domain.insights.scorecard import REASON_CODES
from portal.domain.insights.tables import RiskAssessment, RiskIntervention
from portal.domain.messaging.enqueue import OutboundMessage, message_enqueue
from portal.domain.staff.tables import StaffUser
from portal.domain.validation import is_plausible_id, typed_day
from portal.i18n import gettext as _
from portal.i18n import reset_locale, set_locale

BODY_MAX_CHARS = 1000
_FORM_KEY = re.compile(r"^[0-9a-f]{32}$")


def message_template(reason: str, *, name: str) -> str:
    """The personal message proposed for a reason, in Chinese (candidates' language)."""
    token = set_locale("zh_CN")
    try:
        texts = {
            "inactive": _(
                "Hi %(name)s, we have not seen you for a few days. Is everything all right? "
                "Reply here if anything is unclear about your start.",
                name=name,
            ),
            "overdue": _(
                "Hi %(name)s, a few of your documents are past their deadline. Can we help? "
                "Open your checklist, or reply here if something is in the way.",
                name=name,
            ),
            "course_not_started": _(
                "Hi %(name)s, your first short course is waiting for you: about ten minutes, "
                "and it earns points. Reply here if you cannot open it.",
                name=name,
            ),
            "question_waiting": _(
                "Hi %(name)s, sorry that your question has waited so long. We are on it and "
                "will answer today.",
                name=name,
            ),
            "unread_inbox": _(
                "Hi %(name)s, there are messages for you in your inbox with details about "
                "your start. Please have a look.",
                name=name,
            ),
        }
        return texts.get(reason) or _(
            "Hi %(name)s, how are you getting on? Reply here if we can help with anything.",
            name=name,
        )
    finally:
        reset_locale(token)


async def candidate_for_risk(staff: Staff, candidate_id: int) -> Candidate:
    candidate = None
    if is_plausible_id(candidate_id):
        candidate = await Candidate.objects().get(Candidate.id == candidate_id)
    if candidate is None or not may_see_risk(staff, department_id=candidate.department):
        raise NotFound(_("This candidate does not exist."))
    return candidate


@dataclass(frozen=True)
class Intervened:
    id: int
    created: bool


def _check_key(form_key: str, errors: dict[str, str]) -> None:
    if not _FORM_KEY.match(form_key or ""):
        errors["form_key"] = _("The form has expired; reload the page and try again.")


def _check_reason(reason: str, errors: dict[str, str]) -> str:
    if reason and reason not in REASON_CODES:
        errors["reason"] = _("Choose one of the listed reasons.")
    return reason


async def _current_score(candidate_id: int) -> int:
    row = (
        await RiskAssessment.select(RiskAssessment.score)
        .where(
            (RiskAssessment.candidate == candidate_id) & (RiskAssessment.is_current == True)  # noqa: E712
        )
        .first()
    )
    return row["score"] if row else 0


async def _existing(form_key: str) -> Intervened | None:
    row = (
        await RiskIntervention.select(RiskIntervention.id)
        .where(RiskIntervention.form_key == form_key)
        .first()
    )
    return Intervened(row["id"], False) if row else None


async def intervention_message_send(
    *, staff: StaffUser, candidate_id: int, body: str, reason: str, form_key: str
) -> Intervened:
    """Record the intervention and put the message in the outbox, in one transaction."""
    candidate = await candidate_for_risk(staff, candidate_id)
    errors: dict[str, str] = {}
    _check_key(form_key, errors)
    _check_reason(reason, errors)
    text = (body or "").strip()
    if not text:
        errors["body"] = _("Write the message.")
    elif len(text) > BODY_MAX_CHARS:
        errors["body"] = _("At most %(num)s characters.", num=BODY_MAX_CHARS)
    if errors:
        raise ValidationFailed(errors)
    if (existing := await _existing(form_key)) is not None:
        return existing
    score = await _current_score(candidate.id)
    try:
        async with write_transaction():
            row = RiskIntervention(
                candidate=candidate.id,
                kind="message",
                reason=reason,
                body=text,
                created_by=staff.id,
                score=score,
                form_key=form_key,
            )
            await row.save()
            enqueued = await message_enqueue(
                message=OutboundMessage(
                    dedupe_key=f"risk-intervention:{row.id}",
                    channel="inbox",
                    category="transactional",
                    body=text,
                    candidate_id=candidate.id,
                    subject=_("A message from HR"),
                )
            )
            await RiskIntervention.update({RiskIntervention.outbox_message: enqueued.id}).where(
                RiskIntervention.id == row.id
            )
    except Exception as error:
        if is_unique_violation(error) and (existing := await _existing(form_key)):
            return existing
        raise
    return Intervened(row.id, True)


async def intervention_task_create(
    *,
    staff: StaffUser,
    candidate_id: int,
    assignee_id: int | None,
    due_on: str,
    note: str,
    reason: str,
    form_key: str,
    today: date | None = None,
) -> Intervened:
    """A follow-up for a staff member who may see the candidate, due on a date."""
    candidate = await candidate_for_risk(staff, candidate_id)
    today = today or datetime.now(UTC).date()
    errors: dict[str, str] = {}
    _check_key(form_key, errors)
    _check_reason(reason, errors)
    assignee = None
    if assignee_id is not None and is_plausible_id(assignee_id):
        assignee = await StaffUser.objects().get(
            (StaffUser.id == assignee_id) & (StaffUser.is_active == True)  # noqa: E712
        )
    if assignee is None or not may_see_risk(assignee, department_id=candidate.department):
        errors["assignee"] = _("Choose a staff member who may see this candidate.")
    due = typed_day(due_on)
    if due is None:
        errors["due_on"] = _("Enter a date like 2026-10-01.")
    elif not today <= due <= today + timedelta(days=365):
        errors["due_on"] = _("Choose a date from today to a year from now.")
    text = (note or "").strip()
    if len(text) > BODY_MAX_CHARS:
        errors["note"] = _("At most %(num)s characters.", num=BODY_MAX_CHARS)
    if errors:
        raise ValidationFailed(errors)
    if (existing := await _existing(form_key)) is not None:
        return existing
    row = RiskIntervention(
        candidate=candidate.id,
        kind="task",
        reason=reason,
        body=text,
        created_by=staff.id,
        assignee=assignee.id,  # type: ignore[union-attr]
        due_on=due,
        score=await _current_score(candidate.id),
        form_key=form_key,
    )
    try:
        async with write_transaction():
            await row.save()
    except Exception as error:
        if is_unique_violation(error) and (existing := await _existing(form_key)):
            return existing
        raise
    return Intervened(row.id, True)


async def intervention_task_done(*, staff: StaffUser, intervention_id: int) -> None:
    row = None
    if is_plausible_id(intervention_id):
        row = await RiskIntervention.objects().get(RiskIntervention.id == intervention_id)
    if row is None or row.kind != "task":
        raise NotFound(_("Not found."))
    await candidate_for_risk(staff, row.candidate)
    await RiskIntervention.update({RiskIntervention.done_at: datetime.now(UTC)}).where(
        (RiskIntervention.id == row.id) & RiskIntervention.done_at.is_null()
    )


async def candidate_interventions(candidate_id: int) -> list[dict]:
    """The candidate's interventions, newest first (their admin history)."""
    return await (
        RiskIntervention.select(
            RiskIntervention.id,
            RiskIntervention.kind,
            RiskIntervention.reason,
            RiskIntervention.body,
            RiskIntervention.created_at,
            RiskIntervention.due_on,
            RiskIntervention.followed_at,
            RiskIntervention.done_at,
            RiskIntervention.score,
            RiskIntervention.created_by.name.as_alias("by_name"),
            RiskIntervention.created_by.email.as_alias("by_email"),
            RiskIntervention.assignee.name.as_alias("assignee_name"),
            RiskIntervention.assignee.email.as_alias("assignee_email"),
        )
        .where(RiskIntervention.candidate == candidate_id)
        .order_by(RiskIntervention.id, ascending=False)
    )


async def open_tasks_for(staff: StaffUser) -> list[dict]:
    """Follow-ups assigned to ``staff`` and not done, soonest due first."""
    return await (
        RiskIntervention.select(
            RiskIntervention.id,
            RiskIntervention.candidate,
            RiskIntervention.candidate.name.as_alias("name"),
            RiskIntervention.body,
            RiskIntervention.due_on,
            RiskIntervention.reason,
        )
        .where(
            (RiskIntervention.assignee == staff.id)
            & (RiskIntervention.kind == "task")
            & RiskIntervention.done_at.is_null()
        )
        .order_by(RiskIntervention.due_on)
        .limit(50)
    )
