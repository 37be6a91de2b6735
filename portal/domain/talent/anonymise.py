"""Anonymisation: when consent to be contacted expires (or, without consent, after a grace
period), the person's personal data leaves the database and the media directory for good.

What is kept (aggregates only): the candidate row with a placeholder name and phone
(``已匿名`` / ``anon<id>``) so the figures' joins hold (department, cohort, stage history
without notes, points, quiz scores, SLA timings, journey sends, recalls and their outcomes,
the pool entry's reason, needs, department and position). What goes: e-mail, external id,
the withdrawal's free text, HR's notes and "change my mind" answer, sign-in and message
links, the personal-information form, uploaded documents (rows and files), every outbox
message to them (rendered bodies and addresses), the text of their room messages and of
room messages sent privately to them, report and mute reasons, to-dos. Then every text
column of every table (but staff accounts and the organisation) is searched for the name,
phone and e-mail, and each occurrence is replaced with ``***`` — this also reaches tables
added later by other features. Nothing is kept that could undo it: irreversible.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from piccolo.columns import Text, Varchar

from portal.config import get_settings
from portal.db import current_engine, write_transaction
from portal.domain.candidates.tables import Candidate, LoginLink, StageChange
from portal.domain.checklist.tables import ChecklistFile, ChecklistReview, ChecklistSubmission
from portal.domain.journeys.tables import MessageLink
from portal.domain.messaging.tables import MessagePreference, OutboxMessage
from portal.domain.profiles.tables import CandidateProfile
from portal.domain.rooms.tables import MessageReport, RoomMessage, RoomMute
from portal.domain.talent.tables import TalentEntry, TalentEvent, TalentTask
from portal.files.storage import get_storage

logger = logging.getLogger("onramp.talent")

ANON_NAME = "已匿名"
MASK = "***"
# Tables never searched for the name: staff, the organisation, Piccolo's own.
_NOT_SEARCHED = {
    "candidate",
    "staff_user",
    "department",
    "position",
    "stage",
    "cohort",
    "migration",
}


def anonymised_phone(candidate_id: int) -> str:
    """The placeholder phone an anonymised candidate keeps (unique, as phones are)."""
    return f"anon{candidate_id}"


def anonymise_due_before(now: datetime) -> tuple[datetime, datetime]:
    """(consent expired before, withdrawn without consent before)."""
    grace = timedelta(days=get_settings().talent_no_consent_grace_days)
    return now, now - grace


async def entries_anonymise_due(*, now: datetime, limit: int = 200) -> int:
    """Anonymise every entry whose time has come; returns how many."""
    expired_before, unconsented_before = anonymise_due_before(now)
    rows = (
        await TalentEntry.select(TalentEntry.candidate)
        .where(
            TalentEntry.status.is_in(["open", "closed", "stopped"])
            & TalentEntry.candidate.is_not_null()
            & (
                ((TalentEntry.consent == True) & (TalentEntry.consent_until <= expired_before))  # noqa: E712
                | (
                    (TalentEntry.consent == False)  # noqa: E712
                    & (TalentEntry.withdrawn_at <= unconsented_before)
                )
            )
        )
        .limit(limit)
    )
    done = 0
    for row in rows:
        try:
            await candidate_anonymise(candidate_id=row["candidate"], now=now)
            done += 1
        except Exception:
            logger.exception(
                "talent entry of candidate %s could not be anonymised", row["candidate"]
            )
    return done


async def candidate_anonymise(*, candidate_id: int, now: datetime) -> None:
    """Remove a withdrawn candidate's personal data (see the module's docstring)."""
    storage = get_storage()
    files: list[str] = []
    async with write_transaction():
        query = Candidate.select(
            Candidate.name, Candidate.phone, Candidate.email, Candidate.status
        ).where(Candidate.id == candidate_id)
        if current_engine().engine_type == "postgres":
            # Every worker's talent tick may pick the same candidate at the same moment: the
            # second waits here for the first to commit, then sees it done (SQLite's
            # IMMEDIATE transaction already lets one at a time in).
            query = query.lock_rows()
        person = await query.first()
        if person is None or person["status"] != "withdrawn":
            return
        if person["phone"] == anonymised_phone(candidate_id):
            # Done already: a second run would add a second "anonymised" event and search
            # every table for the placeholders.
            return
        await Candidate.update(
            {
                Candidate.name: ANON_NAME,
                Candidate.phone: anonymised_phone(candidate_id),
                Candidate.email: None,
                Candidate.external_id: None,
                Candidate.withdraw_reason: "",
                Candidate.updated_at: now,
            }
        ).where(Candidate.id == candidate_id)
        await StageChange.update({StageChange.note: ""}).where(
            StageChange.candidate == candidate_id
        )
        await LoginLink.delete().where(LoginLink.candidate == candidate_id)
        await MessageLink.delete().where(MessageLink.candidate == candidate_id)
        await OutboxMessage.delete().where(OutboxMessage.candidate == candidate_id)
        await MessagePreference.delete().where(MessagePreference.candidate == candidate_id)
        await CandidateProfile.delete().where(CandidateProfile.candidate == candidate_id)
        submissions = ChecklistSubmission.select(ChecklistSubmission.id).where(
            ChecklistSubmission.candidate == candidate_id
        )
        for row in await ChecklistFile.select(
            ChecklistFile.storage_key, ChecklistFile.thumb_key
        ).where(ChecklistFile.submission.is_in(submissions)):
            files += [key for key in (row["storage_key"], row["thumb_key"]) if key]
        await ChecklistFile.delete().where(ChecklistFile.submission.is_in(submissions))
        await ChecklistReview.update({ChecklistReview.reason: ""}).where(
            ChecklistReview.submission.is_in(submissions)
        )
        await ChecklistSubmission.update({ChecklistSubmission.reject_reason: ""}).where(
            ChecklistSubmission.candidate == candidate_id
        )
        await RoomMessage.update({RoomMessage.body: "", RoomMessage.client_id: ""}).where(
            (RoomMessage.author_candidate == candidate_id)
            | (RoomMessage.private_to == candidate_id)
        )
        await MessageReport.update({MessageReport.reason: ""}).where(
            MessageReport.reporter == candidate_id
        )
        await RoomMute.update({RoomMute.reason: ""}).where(RoomMute.candidate == candidate_id)
        entries = TalentEntry.select(TalentEntry.id).where(TalentEntry.candidate == candidate_id)
        await TalentTask.delete().where(TalentTask.entry.is_in(entries))
        await TalentEvent.update({TalentEvent.body: ""}).where(TalentEvent.entry.is_in(entries))
        for row in await entries:
            await TalentEvent(entry=row["id"], kind="anonymised", created_at=now).save()
        await TalentEntry.update(
            {
                TalentEntry.reason_text: "",
                TalentEntry.change_mind: "",
                TalentEntry.notes: "",
                TalentEntry.status: "anonymised",
                TalentEntry.anonymised_at: now,
                TalentEntry.updated_at: now,
            }
        ).where(TalentEntry.candidate == candidate_id)
        await _mask_everywhere([person["name"], person["phone"], person["email"]])
    for key in files:
        try:
            await storage.delete(key)
        except Exception:
            logger.exception("an anonymised candidate's file could not be deleted")


async def _mask_everywhere(values: list[str | None]) -> None:
    """Replace each value in every text column of every searched table."""
    from portal.piccolo_app import APP_CONFIG

    needles = [v for v in values if v and len(v) >= 2]
    for table in APP_CONFIG.table_classes:
        if table._meta.tablename in _NOT_SEARCHED:
            continue
        columns = [
            c._meta.db_column_name
            for c in table._meta.columns
            if isinstance(c, (Text, Varchar)) and not c._meta.primary_key
        ]
        for column in columns:
            for needle in needles:
                await table.raw(
                    f'UPDATE "{table._meta.tablename}" SET "{column}" = '
                    f'REPLACE("{column}", {{}}, {{}}) WHERE "{column}" LIKE {{}}',
                    needle,
                    MASK,
                    f"%{needle}%",
                ).run()
