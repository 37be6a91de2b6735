"""Survey messages: a journey step linking to ``/surveys/<id>`` invites its candidates.

The rule "a candidate is surveyed at most once every 14 days" is enforced here, where the
message is created (``portal/domain/journeys/delivery.py`` asks before queueing): a
candidate invited to any survey in the last 14 days, or to this survey ever, is skipped.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from portal.db import transaction_lock, write_transaction
from portal.domain.surveys.tables import Survey, SurveyInvite

SURVEY_GAP = timedelta(days=14)
_PATH = re.compile(r"^/surveys/([1-9][0-9]{0,8})$", re.ASCII)


def survey_link_path(survey_id: int) -> str:
    return f"/surveys/{survey_id}"


def survey_id_from_link(path: str) -> int | None:
    match = _PATH.match(path or "")
    return int(match.group(1)) if match else None


async def survey_link_targets() -> list[tuple[str, str]]:
    """Active surveys as journey link targets: (path, title)."""
    rows = await Survey.select(Survey.id, Survey.title).where(Survey.status == "active")
    return [(survey_link_path(row["id"]), row["title"]) for row in rows]


async def survey_link_valid(path: str) -> bool:
    survey_id = survey_id_from_link(path)
    return bool(
        survey_id
        and await Survey.exists().where((Survey.id == survey_id) & (Survey.status == "active"))
    )


# On PostgreSQL, invitations to one candidate are decided one at a time (a transaction-scoped
# advisory lock in this space, the candidate's id as the key): two workers evaluating steps
# of two different surveys for the same candidate both found no invitation in the last 14
# days and both invited (the unique pair is per survey). SQLite's IMMEDIATE write
# transaction already lets one decision in at a time.
_INVITE_LOCK_SPACE = 0x73757276  # "surv"


async def survey_invite_refusal(*, survey_id: int, candidate_id: int, now: datetime) -> str | None:
    """Record the invitation and return None; or why not: ``survey_closed`` (no longer
    active), ``surveyed_recently`` (any survey in the last 14 days, or this one before)."""
    # Usually inside the journey's transaction (then part of it).
    async with write_transaction():
        await transaction_lock(_INVITE_LOCK_SPACE, candidate_id)
        if not await Survey.exists().where((Survey.id == survey_id) & (Survey.status == "active")):
            return "survey_closed"
        recent = await SurveyInvite.exists().where(
            (SurveyInvite.candidate == candidate_id)
            & ((SurveyInvite.invited_at > now - SURVEY_GAP) | (SurveyInvite.survey == survey_id))
        )
        if recent:
            return "surveyed_recently"
        # ON CONFLICT: a unique violation would abort the journey's transaction on
        # PostgreSQL.
        rows = await (
            SurveyInvite.insert(
                SurveyInvite(survey=survey_id, candidate=candidate_id, invited_at=now)
            )
            .on_conflict(target=(SurveyInvite.survey, SurveyInvite.candidate), action="DO NOTHING")
            .returning(SurveyInvite.id)
        )
    return None if rows else "surveyed_recently"
