"""Who may not be contacted: enforced where every message is created (the outbox).

``messages_enqueue`` asks :func:`contact_refusals` for the candidates of a batch and
refuses a message to anyone who asked never to be contacted again, whose consent to be
contacted later expired, or whose record was anonymised. Such people are always withdrawn
(a stopped or anonymised entry cannot be reactivated), so the journeys and HR's sends,
which skip withdrawn candidates already, never meet this refusal.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from portal.domain.talent.tables import TalentEntry
from portal.i18n import gettext as _


async def contact_refusals(candidate_ids: Iterable[int], *, now: datetime) -> dict[int, str]:
    """Candidate id → why no message may be created for them (only those refused)."""
    ids = sorted(set(candidate_ids))
    if not ids:
        return {}
    rows = await TalentEntry.select(
        TalentEntry.candidate, TalentEntry.status, TalentEntry.consent_until
    ).where(TalentEntry.candidate.is_in(ids))
    refused: dict[int, str] = {}
    for row in rows:
        if row["status"] in ("stopped", "anonymised"):
            refused[row["candidate"]] = _("This person asked never to be contacted again.")
        elif (
            row["status"] in ("open", "closed")
            and row["consent_until"] is not None
            and row["consent_until"] <= now
        ):
            refused[row["candidate"]] = _("This person's consent to be contacted has expired.")
    return refused
