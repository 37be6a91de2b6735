"""Candidate services: create, edit, move through stages, withdraw."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from portal.auth.sessions import Principal, sessions_revoke
from portal.db import (
    after_commit,
    rows_hold,
    unique_violation_raises,
    write_transaction,
)
from portal.domain.candidates.tables import CANDIDATE_STATUSES, Candidate, StageChange
from portal.domain.errors import NotFound, ValidationFailed
from portal.domain.organisation.tables import Cohort, Department, Position, Stage
from portal.domain.profiles.changes import ChangedBy, personal_info_change_record
from portal.domain.rooms.membership import member_sockets_recheck
from portal.domain.talent.status import talent_entry_rejoined, talent_entry_reopen_check
from portal.domain.talent.withdrawal import WithdrawalInput, withdrawal_check, withdrawal_record
from portal.domain.validation import name_check, normalize_email, normalize_phone
from portal.i18n import gettext as _


@dataclass(frozen=True)
class CandidateInput:
    """Editable fields of a candidate, as typed by HR, a CSV row or the API."""

    name: str
    phone: str
    department_id: int | None
    email: str | None = None
    position_id: int | None = None
    cohort_id: int | None = None
    external_id: str | None = None


@dataclass(frozen=True)
class CleanCandidate:
    name: str
    phone: str
    email: str | None
    department_id: int
    position_id: int | None
    cohort_id: int | None
    external_id: str | None


async def candidate_check(
    data: CandidateInput, *, candidate_id: int | None = None
) -> CleanCandidate:
    """Validate ``data``; raises ValidationFailed naming every bad field."""
    errors: dict[str, str] = {}
    name = name_check(data.name, errors)
    phone = normalize_phone(data.phone or "")
    if phone is None:
        errors["phone"] = _("Enter an 11-digit mobile number, e.g. 13800138000.")
    try:
        email = normalize_email(data.email)
    except ValueError:
        email = None
        errors["email"] = _("This is not a valid e-mail address.")
    external_id = (data.external_id or "").strip() or None
    if external_id and len(external_id) > 100:
        errors["external_id"] = _("An external id can be at most 100 characters long.")

    department = None
    if data.department_id is None:
        errors["department"] = _("Choose a department.")
    else:
        department = await Department.objects().get(Department.id == data.department_id)
        if department is None:
            errors["department"] = _("This department does not exist.")
    if data.position_id is not None:
        position = await Position.objects().get(Position.id == data.position_id)
        if position is None or (department and position.department != department.id):
            errors["position"] = _("This position does not belong to the department.")
    if data.cohort_id is not None:
        cohort = await Cohort.objects().get(Cohort.id == data.cohort_id)
        if cohort is None:
            errors["cohort"] = _("This cohort does not exist.")
        elif department and cohort.department not in (None, department.id):
            errors["cohort"] = _("This cohort trains another department.")

    for field, column, value in (
        ("phone", Candidate.phone, phone),
        ("email", Candidate.email, email),
        ("external_id", Candidate.external_id, external_id),
    ):
        if value and field not in errors:
            query = Candidate.exists().where(column == value)
            if candidate_id is not None:
                query = query.where(Candidate.id != candidate_id)
            if await query:
                errors[field] = _("Another candidate already has this value.")
    if errors:
        raise ValidationFailed(errors)
    assert department is not None and phone is not None
    return CleanCandidate(
        name=name,
        phone=phone,
        email=email,
        department_id=department.id,
        position_id=data.position_id,
        cohort_id=data.cohort_id,
        external_id=external_id,
    )


def _contact_taken() -> ValidationFailed:
    # Lost a race with another request saving the same phone, e-mail or external id.
    return ValidationFailed({"phone": _("Another candidate already has this phone, e-mail or id.")})


async def _next_ordinal(department_id: int) -> int:
    """Hand out the department's next ordinal; the row lock makes it unique under races."""
    rows = (
        await Department.update({Department.last_ordinal: Department.last_ordinal + 1})
        .where(Department.id == department_id)
        .returning(Department.last_ordinal)
    )
    return rows[0]["last_ordinal"]


async def first_stage() -> Stage:
    stage = await Stage.objects().order_by(Stage.sort_order).first()
    if stage is None:
        raise NotFound("No hiring stages are configured.")
    return stage


async def candidate_create(
    *,
    data: CandidateInput,
    stage_id: int | None = None,
    actor_id: int | None = None,
    source: str = "admin",
) -> Candidate:
    clean = await candidate_check(data)
    stage = await _stage_or_first(stage_id)
    with unique_violation_raises(_contact_taken):
        async with write_transaction():
            candidate = Candidate(
                name=clean.name,
                phone=clean.phone,
                email=clean.email,
                department=clean.department_id,
                position=clean.position_id,
                cohort=clean.cohort_id,
                external_id=clean.external_id,
                stage=stage.id,
                status="joined" if await _is_last_stage(stage) else "active",
                ordinal=await _next_ordinal(clean.department_id),
            )
            await candidate.save()
            await StageChange(
                candidate=candidate.id, to_stage=stage.id, changed_by=actor_id, source=source
            ).save()
    return candidate


# The contact details on the record that are personal information (audited when changed).
PERSONAL_FIELDS = ("name", "phone", "email")


async def candidate_update(
    *, candidate_id: int, data: CandidateInput, actor_id: int | None = None, source: str = "api"
) -> Candidate:
    """Save the record; a change of contact details is audited as made by the staff member
    ``actor_id``, or else by ``source`` (an integration through the API, an import).
    """
    await candidate_get(candidate_id)  # 404 before any validation message
    clean = await candidate_check(data, candidate_id=candidate_id)
    with unique_violation_raises(_contact_taken):
        async with write_transaction():
            # Read again, held: a withdrawal or a stage move committed since the form was
            # checked is kept (only the edited columns are written, below).
            candidate = await _candidate_held(candidate_id)
            moved = (clean.cohort_id, clean.department_id) != (
                candidate.cohort,
                candidate.department,
            )
            if clean.department_id != candidate.department:
                # The old number stays with the old department; never reused.
                candidate.ordinal = await _next_ordinal(clean.department_id)
            await personal_info_change_record(
                candidate_id=candidate_id,
                fields=[
                    field
                    for field in PERSONAL_FIELDS
                    if getattr(candidate, field) != getattr(clean, field)
                ],
                changed_by=ChangedBy("staff", actor_id) if actor_id else ChangedBy(source),
            )
            candidate.name = clean.name
            candidate.phone = clean.phone
            candidate.email = clean.email
            candidate.department = clean.department_id
            candidate.position = clean.position_id
            candidate.cohort = clean.cohort_id
            candidate.external_id = clean.external_id
            candidate.updated_at = datetime.now(UTC)
            await candidate.save(columns=_EDITED_COLUMNS)
    if moved:
        # Another cohort or department: other rooms.
        await member_sockets_recheck(candidate_id=candidate_id)
    return candidate


# What candidate_update writes: never the status, stage or withdrawal reason, which other
# requests (the candidate's own "I can't join", the API moving a stage) change meanwhile.
_EDITED_COLUMNS = (
    Candidate.name,
    Candidate.phone,
    Candidate.email,
    Candidate.department,
    Candidate.position,
    Candidate.cohort,
    Candidate.external_id,
    Candidate.ordinal,
    Candidate.updated_at,
)


async def _candidate_held(candidate_id: int) -> Candidate:
    """The candidate, read inside the current write transaction and held until it commits
    (:func:`portal.db.rows_hold`): two changes of one candidate run one after the other,
    each reading what the other left."""
    await rows_hold("candidate", [candidate_id])
    return await candidate_get(candidate_id)


async def candidate_get(candidate_id: int) -> Candidate:
    candidate = await Candidate.objects().get(Candidate.id == candidate_id)
    if candidate is None:
        raise NotFound(_("This candidate does not exist."))
    return candidate


async def _stage_or_first(stage_id: int | None) -> Stage:
    if stage_id is None:
        return await first_stage()
    stage = await Stage.objects().get(Stage.id == stage_id)
    if stage is None:
        raise ValidationFailed({"stage": _("This stage does not exist.")})
    return stage


async def _is_last_stage(stage: Stage) -> bool:
    later = await Stage.exists().where(Stage.sort_order > stage.sort_order)
    return not later


async def candidate_move_stage(
    *,
    candidate_id: int,
    stage_id: int,
    actor_id: int | None = None,
    source: str = "admin",
    note: str = "",
) -> bool:
    """Move a candidate to ``stage_id`` and record it; False when already there."""
    stage = await _stage_or_first(stage_id)
    async with write_transaction():
        candidate = await _candidate_held(candidate_id)
        if candidate.stage == stage.id:
            return False
        values: dict = {Candidate.stage: stage.id, Candidate.updated_at: datetime.now(UTC)}
        if await _is_last_stage(stage) and candidate.status == "active":
            values[Candidate.status] = "joined"
        elif candidate.status == "joined":
            values[Candidate.status] = "active"
        await Candidate.update(values).where(Candidate.id == candidate_id)
        await StageChange(
            candidate=candidate_id,
            from_stage=candidate.stage,
            to_stage=stage.id,
            changed_by=actor_id,
            source=source,
            note=note[:1000],
        ).save()
    return True


async def candidate_set_status(
    *,
    candidate_id: int,
    status: str,
    reason: str = "",
    actor_id: int | None = None,
    withdrawal: WithdrawalInput | None = None,
) -> None:
    """Withdraw, mark joined, or reactivate a candidate.

    A withdrawal records its talent-pool entry in the same transaction
    (``portal/domain/talent/withdrawal.py``): a listed reason (a free ``reason`` alone
    means "other"), needs, consent. Withdrawing someone already withdrawn is refused, and so
    is reactivating someone who asked never to be contacted again or was anonymised.
    """
    if status not in CANDIDATE_STATUSES:
        raise ValidationFailed({"status": _("Unknown status.")})
    reason = reason.strip()
    if len(reason) > 1000:
        raise ValidationFailed({"reason": _("A reason can be at most 1000 characters long.")})
    clean = None
    if status == "withdrawn":
        withdrawal = withdrawal or WithdrawalInput()
        if reason and not withdrawal.text:
            withdrawal = replace(withdrawal, text=reason)
        if not withdrawal.text and not withdrawal.reason_code:
            raise ValidationFailed({"reason": _("Please give a reason for the withdrawal.")})
        clean = await withdrawal_check(withdrawal)
        reason = clean.text
    now = datetime.now(UTC)
    async with write_transaction():
        candidate = await _candidate_held(candidate_id)
        if status == "withdrawn" and candidate.status == "withdrawn":
            raise ValidationFailed({"status": _("This candidate has already withdrawn.")})
        if status != "withdrawn" and candidate.status == "withdrawn":
            await talent_entry_reopen_check(candidate_id=candidate.id)
        await Candidate.update(
            {
                Candidate.status: status,
                Candidate.withdraw_reason: reason if status == "withdrawn" else "",
                Candidate.updated_at: now,
            }
        ).where(Candidate.id == candidate.id)
        await StageChange(
            candidate=candidate.id,
            from_stage=candidate.stage,
            to_stage=candidate.stage,
            changed_by=actor_id,
            source=f"status:{status}",
            note=reason,
        ).save()
        if clean is not None:
            await withdrawal_record(candidate=candidate, clean=clean, actor_id=actor_id, now=now)
        elif candidate.status == "withdrawn":
            await talent_entry_rejoined(candidate_id=candidate.id, actor_id=actor_id, now=now)
    if status == "withdrawn":
        # Their sessions end (pages, API, uploads) and their room sockets close.
        principal = Principal(kind="candidate", id=candidate_id)
        await after_commit(lambda: sessions_revoke(principal=principal))
        await member_sockets_recheck(candidate_id=candidate_id)
