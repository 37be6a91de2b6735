"""The record kept on withdrawal: reason, free text, needs, consent with an expiry.

Every withdrawal path (the admin page, the API, the candidate's "I can't join" flow) goes
through ``candidate_set_status`` in ``portal/domain/candidates/records.py``, which calls
:func:`withdrawal_check` before and :func:`withdrawal_record` inside its transaction: a
withdrawal without its record cannot exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from portal.config import get_settings
from portal.domain.candidates.tables import Candidate
from portal.domain.errors import Conflict, ValidationFailed
from portal.domain.talent.defaults import talent_defaults_ensure
from portal.domain.talent.labels import talent_label
from portal.domain.talent.needs import needs_parse
from portal.domain.talent.tables import (
    TalentEntry,
    TalentEvent,
    TalentNeed,
    TalentReason,
    TalentTask,
)
from portal.i18n import gettext as _

SOURCES = ("admin", "api", "portal")
TEXT_MAX = 1000
# HR answers a "what could change my mind" within this many days.
CHANGE_MIND_DUE_DAYS = 2


@dataclass(frozen=True)
class WithdrawalInput:
    """What is recorded; ``reason_code`` None with a free text means "other"."""

    reason_code: str | None = None
    text: str = ""
    needs: str | tuple[str, ...] = ()
    consent: bool = False
    change_mind: str = ""
    source: str = "admin"


@dataclass(frozen=True)
class CleanWithdrawal:
    reason_id: int
    text: str
    needs: list[str] = field(default_factory=list)
    consent: bool = False
    change_mind: str = ""
    source: str = "admin"


@dataclass(frozen=True)
class ReasonChoice:
    id: int
    code: str
    label: str


async def reason_choices(*, include_inactive: bool = False) -> list[ReasonChoice]:
    await talent_defaults_ensure()
    query = TalentReason.select(TalentReason.id, TalentReason.code, TalentReason.label)
    if not include_inactive:
        query = query.where(TalentReason.active == True)  # noqa: E712
    rows = await query.order_by(TalentReason.sort_order).order_by(TalentReason.id)
    return [ReasonChoice(r["id"], r["code"], talent_label(r["label"])) for r in rows]


def consent_expiry(withdrawn_at: datetime) -> datetime:
    return withdrawn_at + timedelta(days=round(get_settings().talent_consent_months * 30.44))


async def withdrawal_check(data: WithdrawalInput) -> CleanWithdrawal:
    """Validate; ValidationFailed naming each bad field (``reason_code``, ``needs`` …)."""
    await talent_defaults_ensure()
    errors: dict[str, str] = {}
    text = (data.text or "").strip()
    change_mind = (data.change_mind or "").strip()
    code = (data.reason_code or "").strip() or None
    if code is None and not text:
        errors["reason"] = _("Please give a reason for the withdrawal.")
    reason = await TalentReason.objects().get(
        (TalentReason.code == (code or "other")) & (TalentReason.active == True)  # noqa: E712
    )
    if reason is None and "reason" not in errors:
        errors["reason_code"] = _("Choose one of the listed reasons.")
    if len(text) > TEXT_MAX:
        errors["reason"] = _("A reason can be at most 1000 characters long.")
    if len(change_mind) > TEXT_MAX:
        errors["change_mind"] = _("An answer can be at most 1000 characters long.")
    if not isinstance(data.consent, bool):
        errors["consent"] = _("Consent is yes or no.")
    if data.source not in SOURCES:
        errors["source"] = _("Unknown source.")
    try:
        needs = needs_parse(data.needs)
    except ValidationFailed as failed:
        errors.update(failed.errors)
        needs = []
    if errors:
        raise ValidationFailed(errors)
    assert reason is not None
    return CleanWithdrawal(
        reason_id=reason.id,
        text=text,
        needs=needs,
        consent=data.consent,
        change_mind=change_mind,
        source=data.source,
    )


async def withdrawal_record(
    *, candidate: Candidate, clean: CleanWithdrawal, actor_id: int | None, now: datetime
) -> TalentEntry:
    """Write (or, after a rejoin, renew) the candidate's pool entry. Inside a transaction."""
    entry = await TalentEntry.objects().get(TalentEntry.candidate == candidate.id)
    values = {
        TalentEntry.department: candidate.department,
        TalentEntry.position: candidate.position,
        TalentEntry.reason: clean.reason_id,
        TalentEntry.reason_text: clean.text,
        TalentEntry.source: clean.source,
        TalentEntry.withdrawn_at: now,
        TalentEntry.withdrawn_by: actor_id,
        TalentEntry.consent: clean.consent,
        TalentEntry.consent_until: consent_expiry(now) if clean.consent else None,
        TalentEntry.change_mind: clean.change_mind,
        TalentEntry.status: "open",
        TalentEntry.outcome: "",
        TalentEntry.rejoined_at: None,
        TalentEntry.updated_at: now,
    }
    if entry is None:
        entry = TalentEntry(candidate=candidate.id, notes="")
        for column, value in values.items():
            setattr(entry, column._meta.name, value)
        await entry.save()
    else:
        # A second withdrawal (after a rejoin) starts a new cadence round; the earlier
        # recalls stay in the history.
        values[TalentEntry.round] = entry.round + 1
        await TalentEntry.update(values).where(TalentEntry.id == entry.id)
    await TalentNeed.delete().where(TalentNeed.entry == entry.id)
    if clean.needs:
        await TalentNeed.insert(*(TalentNeed(entry=entry.id, name=n) for n in clean.needs))
    if clean.change_mind:
        # Asked once in the portal: what could change their mind goes to HR as a to-do.
        await TalentTask(
            entry=entry.id,
            department=candidate.department,
            assignee="hr",
            title=_("%(name)s said what could change their mind", name=candidate.name),
            body=clean.change_mind,
            due_at=now + timedelta(days=CHANGE_MIND_DUE_DAYS),
            created_at=now,
        ).save()
    await TalentEvent(
        entry=entry.id,
        kind="withdrawn",
        body=clean.text,
        staff=actor_id,
        created_at=now,
    ).save()
    return entry


@dataclass(frozen=True)
class Withdrawn:
    entry_id: int
    reason_code: str
    consent_until: datetime | None


async def candidate_withdraw_by_external_id(
    *, external_id: str, withdrawal: WithdrawalInput
) -> Withdrawn:
    """The API's withdrawal: 404 unknown, Conflict when already withdrawn, else recorded."""
    from portal.domain.candidates.records import candidate_set_status
    from portal.domain.candidates.upsert import candidate_by_external_id

    candidate = await candidate_by_external_id(external_id)
    if candidate.status == "withdrawn":
        raise Conflict(_("This candidate has already withdrawn."))
    await candidate_set_status(candidate_id=candidate.id, status="withdrawn", withdrawal=withdrawal)
    entry = await TalentEntry.objects(TalentEntry.reason).get(TalentEntry.candidate == candidate.id)
    return Withdrawn(entry.id, entry.reason.code if entry.reason else "", entry.consent_until)
