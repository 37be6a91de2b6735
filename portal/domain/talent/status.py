"""What happens to a pool entry when its candidate becomes active again."""

from __future__ import annotations

from datetime import datetime

from portal.domain.errors import ValidationFailed
from portal.domain.talent.tables import TalentEntry, TalentEvent
from portal.i18n import gettext as _


async def talent_entry_reopen_check(*, candidate_id: int) -> None:
    """Refuse to reactivate someone who said stop (permanent) or was anonymised."""
    entry = (
        await TalentEntry.select(TalentEntry.status)
        .where(TalentEntry.candidate == candidate_id)
        .first()
    )
    if entry is None:
        return
    if entry["status"] == "stopped":
        raise ValidationFailed(
            {
                "status": _(
                    "This person asked never to be contacted again; they cannot be reactivated."
                )
            }
        )
    if entry["status"] == "anonymised":
        raise ValidationFailed({"status": _("This record was anonymised.")})


async def talent_entry_rejoined(*, candidate_id: int, actor_id: int | None, now: datetime) -> None:
    """Close the entry as rejoined (inside the reactivation's transaction)."""
    rows = (
        await TalentEntry.update(
            {
                TalentEntry.status: "rejoined",
                TalentEntry.outcome: "rejoined",
                TalentEntry.rejoined_at: now,
                TalentEntry.updated_at: now,
            }
        )
        .where(TalentEntry.candidate == candidate_id)
        .returning(TalentEntry.id)
    )
    for row in rows:
        await TalentEvent(
            entry=row["id"], kind="rejoined", body="", staff=actor_id, created_at=now
        ).save()
