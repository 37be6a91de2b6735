"""The weekly digest's ``{digest}``: what is new for the candidate since their last one.

New or updated courses and newly published resources aimed at the candidate, the pinned
message of their cohort's room, and the engagement messages the outbox's cap held back
(``portal.domain.messaging.digests.held_back``): those are folded into the weekly digest
of the same channel (``folded_into``), so the outbox does not send a second digest of
them. Days left are in ``{days_left}``. Each part is one query for all candidates.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from portal.domain.journeys.recipients import Recipient
from portal.domain.learning.tables import Course
from portal.domain.messaging.digests import held_back, held_back_title
from portal.domain.messaging.locale import message_locale
from portal.domain.resources.tables import Resource
from portal.domain.rooms.tables import Room, RoomMessage
from portal.i18n import gettext as _

LIST_ITEMS = 5
PINNED_CHARS = 200


@dataclass
class DigestParts:
    courses: list[str] = field(default_factory=list)
    resources: list[str] = field(default_factory=list)
    pinned: str = ""
    # channel → held-back rows
    held: dict[str, list[dict]] = field(default_factory=dict)


def _course_aimed_at(course: dict, recipient: Recipient) -> bool:
    audience = course["audience"]
    return (
        audience == "everyone"
        or (audience == "department" and course["department"] == recipient.department_id)
        or (audience == "position" and course["position"] == recipient.position_id)
        or (audience == "cohort" and course["cohort"] == recipient.cohort_id)
    )


def _resource_aimed_at(resource: dict, recipient: Recipient) -> bool:
    audience = resource["audience"]
    return (
        audience == "everyone"
        or (audience == "department" and resource["department"] == recipient.department_id)
        or (audience == "cohort" and resource["cohort"] == recipient.cohort_id)
    )


async def digest_parts(
    recipients: list[Recipient], *, since: dict[int, datetime]
) -> dict[int, DigestParts]:
    """Each candidate's new content since ``since[candidate]``."""
    if not recipients:
        return {}
    earliest = min(since[r.id] for r in recipients)
    courses = await Course.select(
        Course.id, Course.title, Course.audience, Course.department, Course.position,
        Course.cohort, Course.updated_at,
    ).where((Course.status == "published") & (Course.updated_at > earliest))  # fmt: skip
    resources = await Resource.select(
        Resource.id, Resource.title, Resource.audience, Resource.department, Resource.cohort,
        Resource.published_at,
    ).where((Resource.status == "published") & (Resource.published_at > earliest))  # fmt: skip
    cohort_ids = sorted({r.cohort_id for r in recipients if r.cohort_id})
    pinned: dict[int, str] = {}
    if cohort_ids:
        rooms = await Room.select(Room.cohort, Room.pinned_message_id).where(
            Room.cohort.is_in(cohort_ids)
            & Room.department.is_null()
            & Room.pinned_message_id.is_not_null()
            & (Room.is_archived == False)  # noqa: E712 - a SQL expression
        )
        bodies = {
            row["id"]: row["body"]
            for row in await RoomMessage.select(RoomMessage.id, RoomMessage.body).where(
                RoomMessage.id.is_in([room["pinned_message_id"] for room in rooms] or [0])
                & RoomMessage.hidden_at.is_null()
            )
        }
        for room in rooms:
            if room["pinned_message_id"] in bodies:
                pinned[room["cohort"]] = bodies[room["pinned_message_id"]]
    held = await held_back(candidate_ids=[r.id for r in recipients])
    parts: dict[int, DigestParts] = {}
    for recipient in recipients:
        after = since[recipient.id]
        by_channel: dict[str, list[dict]] = defaultdict(list)
        for (candidate_id, channel), rows in held.items():
            if candidate_id == recipient.id:
                by_channel[channel] = rows
        parts[recipient.id] = DigestParts(
            courses=[
                c["title"]
                for c in courses
                if c["updated_at"] > after and _course_aimed_at(c, recipient)
            ],
            resources=[
                r["title"]
                for r in resources
                if r["published_at"]
                and r["published_at"] > after
                and _resource_aimed_at(r, recipient)
            ],  # fmt: skip
            pinned=pinned.get(recipient.cohort_id or 0, ""),
            held=dict(by_channel),
        )
    return parts


def _bullets(titles: list[str]) -> list[str]:
    lines = [f"• {title}" for title in titles[:LIST_ITEMS]]
    if len(titles) > LIST_ITEMS:
        lines.append(_("…and %(count)s more.", count=len(titles) - LIST_ITEMS))
    return lines


def digest_text(parts: DigestParts, *, channel: str, locale: str) -> str:
    """The ``{digest}`` block for one channel, in ``locale``."""
    held = parts.held.get(channel, [])
    with message_locale(locale):
        if channel == "sms":
            pieces = []
            if parts.courses:
                pieces.append(_("%(count)s new courses", count=len(parts.courses)))
            if parts.resources:
                pieces.append(_("%(count)s new resources", count=len(parts.resources)))
            if held:
                pieces.append(_("%(count)s messages you may have missed", count=len(held)))
            return _("This week: %(items)s.", items=", ".join(pieces)) if pieces else ""
        lines: list[str] = []
        if parts.courses:
            lines += [_("New courses:"), *_bullets(parts.courses), ""]
        if parts.resources:
            lines += [_("New resources:"), *_bullets(parts.resources), ""]
        if parts.pinned:
            text = " ".join(parts.pinned.split())
            if len(text) > PINNED_CHARS:
                text = text[: PINNED_CHARS - 1] + "…"
            lines += [_("Pinned in your cohort's room:"), f"“{text}”", ""]
        if held:
            lines += [
                _("Messages you may have missed:"),
                *_bullets([held_back_title(row) for row in held]),
                "",
            ]
        if not lines:
            lines = [_("Nothing new this week; your checklist and courses are waiting."), ""]
        return "\n".join(lines).rstrip()
