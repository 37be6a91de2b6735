"""Rejoin in one step: back into a cohort and a stage, history kept.

The candidate becomes active in the chosen cohort and stage; the stage history gets a
``rejoin`` row whose note says how long they were away (the gap shows). Earlier documents
are sent back to be handed in again and earlier points are set off by one ledger entry,
unless HR chooses to keep them.
"""

from __future__ import annotations

from datetime import datetime

from portal.db import write_transaction
from portal.domain.candidates.records import candidate_get
from portal.domain.candidates.tables import Candidate, StageChange
from portal.domain.checklist.tables import ChecklistSubmission
from portal.domain.errors import ValidationFailed
from portal.domain.learning.points import point_entry_append, points_balance
from portal.domain.organisation.tables import Cohort, Stage
from portal.domain.talent.pool import entry_get_scoped, talent_entries_hold
from portal.domain.talent.tables import TalentEntry, TalentEvent
from portal.i18n import gettext as _


async def talent_rejoin(
    *,
    entry_id: int,
    cohort_id: int | None,
    stage_id: int | None,
    keep_documents: bool,
    keep_points: bool,
    actor_id: int | None,
    now: datetime,
) -> None:
    errors: dict[str, str] = {}
    cohort = await Cohort.objects().get(Cohort.id == cohort_id) if cohort_id else None
    if cohort is None:
        errors["cohort"] = _("Choose a cohort.")
    stage = await Stage.objects().get(Stage.id == stage_id) if stage_id else None
    if stage is None:
        errors["stage"] = _("Choose a stage.")
    if errors:
        raise ValidationFailed(errors)
    assert cohort is not None and stage is not None
    async with write_transaction():
        await talent_entries_hold([entry_id])
        entry = await entry_get_scoped(entry_id=entry_id, department_scope=None)
        if entry.status not in ("open", "closed") or entry.candidate is None:
            raise ValidationFailed(
                {"status": _("Only someone in the pool who may be contacted can rejoin.")}
            )
        candidate = await candidate_get(entry.candidate)
        if candidate.status != "withdrawn":
            raise ValidationFailed({"status": _("This candidate is not withdrawn.")})
        if cohort.department not in (None, candidate.department):
            raise ValidationFailed({"cohort": _("This cohort trains another department.")})
        away = (now - entry.withdrawn_at).days
        await Candidate.update(
            {
                Candidate.status: "active",
                Candidate.withdraw_reason: "",
                Candidate.cohort: cohort.id,
                Candidate.stage: stage.id,
                Candidate.updated_at: now,
            }
        ).where(Candidate.id == candidate.id)
        await StageChange(
            candidate=candidate.id,
            from_stage=candidate.stage,
            to_stage=stage.id,
            changed_by=actor_id,
            source="rejoin",
            note=_("Rejoined after %(days)s days away", days=away),
            changed_at=now,
        ).save()
        if not keep_documents:
            await ChecklistSubmission.update(
                {
                    ChecklistSubmission.status: "rejected",
                    ChecklistSubmission.reject_reason: _(
                        "You rejoined: please hand this in again."
                    ),
                    ChecklistSubmission.updated_at: now,
                }
            ).where(
                (ChecklistSubmission.candidate == candidate.id)
                & ChecklistSubmission.status.is_in(["submitted", "approved"])
            )
        if not keep_points:
            balance = await points_balance(candidate_id=candidate.id)
            if balance:
                await point_entry_append(
                    candidate_id=candidate.id,
                    amount=-balance,
                    reason=_("Rejoined: earlier points are not carried over"),
                    source_key=f"talent-rejoin:{entry.id}:{entry.round}",
                )
        await TalentEntry.update(
            {
                TalentEntry.status: "rejoined",
                TalentEntry.outcome: "rejoined",
                TalentEntry.rejoined_at: now,
                TalentEntry.updated_at: now,
            }
        ).where(TalentEntry.id == entry.id)
        await TalentEvent(
            entry=entry.id, kind="rejoined", body=cohort.name, staff=actor_id, created_at=now
        ).save()
