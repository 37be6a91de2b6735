"""A candidate without a working sign-in link asks for a new one with their phone number.

The answer never says whether the number is known (``/signin/new-link`` shows the same
page either way, and does the work after the response: see portal/web/signin.py). For a
known, not withdrawn candidate a new link goes out through the same path as HR's "send
sign-in link" button (:func:`login_link_send`: the outbox, SMS or e-mail, never the
inbox). When no message would deliver it, the request waits in the admin
(``/admin/link-requests``) where one click sends it the same way once a channel works,
or tells HR to phone the candidate.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from portal.config import get_settings
from portal.db import write_transaction
from portal.domain.candidates.login_links import LinkNotSent, login_link_send
from portal.domain.candidates.tables import Candidate, LinkRequest
from portal.domain.errors import NotFound
from portal.domain.validation import normalize_phone

logger = logging.getLogger("onramp.link_requests")


async def link_request_submit(*, phone: str) -> str:
    """Act on a request for ``phone`` (already normalised); what happened, for logs/tests:
    ``sent``, ``queued_for_hr``, ``unknown`` or ``withdrawn``.

    Never shown to the person asking: they always see the same page.
    """
    candidate = (
        await Candidate.select(Candidate.id, Candidate.status)
        .where(Candidate.phone == phone)
        .first()
    )
    if candidate is None:
        return "unknown"
    if candidate["status"] == "withdrawn":
        return "withdrawn"
    try:
        await login_link_send(candidate_id=candidate["id"], sent_by=None)
    except LinkNotSent:
        await _request_for_hr(candidate["id"])
        return "queued_for_hr"
    return "sent"


def link_request_phone(raw: str) -> str | None:
    """The normalised mobile number typed into the form, or None when it is not one."""
    return normalize_phone((raw or "")[:40])


async def _request_for_hr(candidate_id: int) -> None:
    now = datetime.now(UTC)
    async with write_transaction():
        # One row per candidate: asking again reopens it (ON CONFLICT works on both DBs).
        await LinkRequest.raw(
            "INSERT INTO link_request (candidate, requested_at, handled_at, handled_by) "
            "VALUES ({}, {}, NULL, NULL) ON CONFLICT (candidate) DO UPDATE SET "
            "requested_at = excluded.requested_at, handled_at = NULL, handled_by = NULL",
            candidate_id,
            now,
        )


@dataclass(frozen=True)
class PendingLinkRequest:
    id: int
    candidate_id: int
    name: str
    phone: str
    requested_at: datetime


async def link_requests_pending() -> list[PendingLinkRequest]:
    """Open requests, oldest first, with times in the company's time zone."""
    zone = ZoneInfo(get_settings().default_timezone)
    rows = (
        await LinkRequest.select(
            LinkRequest.id,
            LinkRequest.candidate,
            LinkRequest.candidate.name.as_alias("name"),
            LinkRequest.candidate.phone.as_alias("phone"),
            LinkRequest.requested_at,
        )
        .where(LinkRequest.handled_at.is_null())
        .where(LinkRequest.candidate.status != "withdrawn")
        .order_by(LinkRequest.requested_at)
        .limit(200)
    )
    return [
        PendingLinkRequest(
            id=row["id"],
            candidate_id=row["candidate"],
            name=row["name"],
            phone=row["phone"],
            requested_at=row["requested_at"].astimezone(zone),
        )
        for row in rows
    ]


async def link_request_send(*, request_id: int, staff_id: int) -> int:
    """HR's one click: send the link the usual way and close the request; messages queued.

    Raises NotFound for no such open request, and the send's DomainError (no channel
    would deliver it, candidate withdrawn) leaving the request open.
    """
    async with write_transaction():
        # Claimed first, by one conditional update: of two clicks (two HR people, a double
        # click) exactly one gets the row and sends; the other waits for it on PostgreSQL
        # and finds it handled. A refused send raises here and rolls the claim back.
        claimed = (
            await LinkRequest.update(
                {LinkRequest.handled_at: datetime.now(UTC), LinkRequest.handled_by: staff_id}
            )
            .where((LinkRequest.id == request_id) & LinkRequest.handled_at.is_null())
            .returning(LinkRequest.candidate)
        )
        if not claimed:
            raise NotFound("no such link request")
        queued = await login_link_send(candidate_id=claimed[0]["candidate"], sent_by=staff_id)
    return queued
