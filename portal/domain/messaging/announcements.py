"""HR's announcements: one text to everybody, a department, a cohort or a tag.

Each recipient gets it in their inbox, and optionally by e-mail and/or SMS. It is queued as
a manual send (``journeys/manual.py``), so it goes through the same outbox and policy:
engagement by default, counted by the weekly cap with quiet hours and unsubscribe; marked
*important* it is transactional (never capped) and needs a reason, which the manual send
records with who and when (the audit, listed on the journeys' "sent by hand" page). The
form's ``client_id`` makes a double submit post once. An announcement may be pinned to its
recipients' home page until a date (the end of that day in the company's time zone).

Recipients are the audience's candidates who are not withdrawn when it is posted; the
pinned copy on the home page follows who is in the audience now (a candidate who joins the
cohort later sees it too).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from portal.config import get_settings
from portal.db import PreparedSQL, write_transaction
from portal.domain.candidates.tables import Candidate
from portal.domain.errors import ValidationFailed
from portal.domain.journeys.manual import ManualInput, manual_send
from portal.domain.messaging.tables import AUDIENCE_KINDS, Announcement
from portal.domain.organisation.tables import Cohort, Department
from portal.domain.tags.tables import CandidateTag, Tag
from portal.domain.validation import row_id_from, typed_day
from portal.i18n import gettext as _

PUSH_CHANNELS = ("email", "sms")
MAX_TITLE = 200
# Pinned at most this far ahead.
MAX_PIN_DAYS = 366


@dataclass(frozen=True)
class AnnouncementInput:
    title: str
    body: str
    audience_kind: str
    audience_id: str = ""
    pinned_until: str = ""  # YYYY-MM-DD, or empty
    channels: tuple[str, ...] = ()  # besides the inbox: "email", "sms"
    important: bool = False
    reason: str = ""
    client_id: str = ""


@dataclass(frozen=True)
class Pinned:
    id: int
    title: str
    body: str
    # The candidate's inbox item of it, if they got one.
    item_id: int | None
    pinned_until: datetime


def _zone() -> ZoneInfo:
    return ZoneInfo(get_settings().default_timezone)


def _pin_end(text: str, now: datetime, errors: dict[str, str]) -> datetime | None:
    if not text.strip():
        return None
    day = typed_day(text)
    if day is None:
        errors["pinned_until"] = _("Enter a date like 2026-12-31.")
        return None
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=_zone()).astimezone(UTC)
    if end <= now:
        errors["pinned_until"] = _("Choose today or a later date.")
    elif end - now > timedelta(days=MAX_PIN_DAYS):
        errors["pinned_until"] = _("Pin for at most a year.")
    return end


async def _audience(kind: str, raw_id: str, errors: dict[str, str]) -> list[int]:
    """The audience's candidates (not withdrawn); field errors for a bad choice."""
    if kind not in AUDIENCE_KINDS:
        errors["audience_kind"] = _("Choose who receives it.")
        return []
    condition = Candidate.status != "withdrawn"
    if kind != "all":
        audience_id = row_id_from(raw_id) if raw_id else None
        table = {"department": Department, "cohort": Cohort, "tag": Tag}[kind]
        if audience_id is None or not await table.exists().where(table.id == audience_id):
            errors["audience_id"] = _("Choose one from the list.")
            return []
        if kind == "department":
            condition = condition & (Candidate.department == audience_id)
        elif kind == "cohort":
            condition = condition & (Candidate.cohort == audience_id)
        else:
            tagged = CandidateTag.select(CandidateTag.candidate).where(
                CandidateTag.tag == audience_id
            )
            condition = condition & Candidate.id.is_in(tagged)
    rows = await Candidate.select(Candidate.id).where(condition).order_by(Candidate.id)
    return [row["id"] for row in rows]


async def announcement_post(
    *, staff_id: int, data: AnnouncementInput, now: datetime | None = None
) -> int:
    """Post it: the announcement row and every recipient's messages, in one transaction."""
    now = now or datetime.now(UTC)
    errors: dict[str, str] = {}
    title = " ".join(data.title.split())
    if not title:
        errors["title"] = _("Enter a title.")
    elif len(title) > MAX_TITLE:
        errors["title"] = _("At most %(count)s characters.", count=MAX_TITLE)
    if not data.body.strip():
        errors["body"] = _("Write the announcement.")
    if any(channel not in PUSH_CHANNELS for channel in data.channels):
        errors["channels"] = _("Choose e-mail, SMS or neither.")
    pinned_until = _pin_end(data.pinned_until, now, errors)
    candidate_ids = await _audience(data.audience_kind, data.audience_id, errors)
    if errors:
        raise ValidationFailed(errors)
    audience_id = row_id_from(data.audience_id) if data.audience_kind != "all" else None
    channels = ("inbox", *(c for c in PUSH_CHANNELS if c in data.channels))
    async with write_transaction():
        result = await manual_send(
            staff_id=staff_id,
            candidate_ids=candidate_ids,
            data=ManualInput(
                subject=title,
                body=data.body.strip(),
                channels=channels,
                client_id=data.client_id,
                transactional=data.important,
                reason=data.reason,
                link_path="/inbox",
            ),
            now=now,
        )
        existing = (
            await Announcement.select(Announcement.id)
            .where(Announcement.manual_send_id == result.send_id)
            .first()
        )
        if existing is not None:  # a double submit: the first one
            return existing["id"]
        announcement = Announcement(
            title=title,
            body=data.body.strip(),
            audience_kind=data.audience_kind,
            audience_id=audience_id,
            pinned_until=pinned_until,
            channels=",".join(channels),
            important=data.important,
            manual_send_id=result.send_id,
            recipients=result.recipients,
            created_by=staff_id,
            created_at=now,
        )
        await announcement.save()
        return announcement.id


# Read on every home page: built once (portal.db.PreparedSQL).
_PINNED_READ = PreparedSQL(
    "SELECT a.id AS id, a.title AS title, COALESCE(o.body, a.body) AS body, "
    "o.id AS item_id, a.pinned_until AS pinned_until "
    "FROM announcement a JOIN candidate c ON c.id = {} "
    "LEFT JOIN outbox_message o ON o.dedupe_key = "
    "('manual:' || CAST(a.manual_send_id AS TEXT) || ':' || CAST(c.id AS TEXT) || ':inbox') "
    "WHERE a.pinned_until > {} AND ("
    "a.audience_kind = 'all' "
    "OR (a.audience_kind = 'department' AND a.audience_id = c.department) "
    "OR (a.audience_kind = 'cohort' AND a.audience_id = c.cohort) "
    "OR (a.audience_kind = 'tag' AND a.audience_id IN "
    "(SELECT t.tag FROM candidate_tag t WHERE t.candidate = c.id))) "
    "ORDER BY a.id DESC LIMIT 3"
)


async def pinned_announcements(*, candidate_id: int, now: datetime | None = None) -> list[Pinned]:
    """The announcements pinned to this candidate's home page now, newest first."""
    now = now or datetime.now(UTC)
    # The text as this candidate's inbox item has it ({name} and the other variables
    # filled in), found by its dedupe key (journeys/manual.py: manual:<send>:<candidate>:
    # <channel>); the announcement's own text for a candidate who joined the audience later.
    rows = await _PINNED_READ.rows(candidate_id, now)
    return [Pinned(**row) for row in rows]


async def announcements_list(limit: int = 50) -> list[dict[str, Any]]:
    """The latest announcements, each with ``audience_name``: the department's, cohort's or
    tag's name as HR knows it ("" for everybody, or for one since deleted)."""
    rows = await (
        Announcement.select(
            Announcement.all_columns(),
            Announcement.created_by.name.as_alias("staff_name"),
            Announcement.created_by.email.as_alias("staff_email"),
        )
        .order_by(Announcement.id, ascending=False)
        .limit(limit)
    )
    names = await _audience_names(rows)
    for row in rows:
        row["audience_name"] = names.get((row["audience_kind"], row["audience_id"]), "")
    return rows


async def _audience_names(rows: list[dict[str, Any]]) -> dict[tuple[str, int], str]:
    """One query per kind of audience the rows name (at most three)."""
    names: dict[tuple[str, int], str] = {}
    for kind, table in (("department", Department), ("cohort", Cohort), ("tag", Tag)):
        ids = sorted({row["audience_id"] for row in rows if row["audience_kind"] == kind})
        if ids:
            found = await table.select(table.id, table.name).where(table.id.is_in(ids))
            names.update({(kind, item["id"]): item["name"] for item in found})
    return names
