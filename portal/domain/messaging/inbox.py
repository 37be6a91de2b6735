"""The candidate's inbox: the in-portal channel's delivered items, newest first.

A candidate reaches only their own items: every query is by candidate AND id, and an item
of someone else's is "not found". Opening an item records when it was first read
(``read_at``, kept for the A/B and engagement figures); opening it again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from portal.config import get_settings
from portal.db import PreparedSQL
from portal.domain.candidates.tables import Candidate
from portal.domain.errors import NotFound
from portal.domain.messaging.tables import OutboxMessage
from portal.i18n import gettext as _

PAGE_SIZE = 30


@dataclass(frozen=True)
class InboxItem:
    id: int
    subject: str
    body: str
    link: str
    category: str
    sent_at: datetime
    read_at: datetime | None

    @property
    def unread(self) -> bool:
        return self.read_at is None

    @property
    def title(self) -> str:
        return self.subject or (self.body.strip().splitlines() or [""])[0][:80]


@dataclass(frozen=True)
class InboxPage:
    items: list[InboxItem]
    page: int
    has_more: bool
    unread: int
    timezone: str


async def candidate_timezone(candidate_id: int) -> str:
    """Dates in the inbox read in the cohort's time zone, like the rest of the portal."""
    row = (
        await Candidate.select(Candidate.cohort.timezone.as_alias("tz"))
        .where(Candidate.id == candidate_id)
        .first()
    )
    return (row or {}).get("tz") or get_settings().default_timezone


_COLUMNS = (
    OutboxMessage.id,
    OutboxMessage.subject,
    OutboxMessage.body,
    OutboxMessage.link,
    OutboxMessage.category,
    OutboxMessage.sent_at,
    OutboxMessage.read_at,
)


def _mine(candidate_id: int):  # noqa: ANN202 - a Piccolo condition
    return (
        (OutboxMessage.candidate == candidate_id)
        & (OutboxMessage.channel == "inbox")
        & (OutboxMessage.status == "sent")
    )


async def inbox_unread_count(*, candidate_id: int) -> int:
    """Unread items, for the home page's link and a future tab-bar badge."""
    return await OutboxMessage.count().where(_mine(candidate_id) & OutboxMessage.read_at.is_null())


# An inbox page in one query, SQL built once: the candidate's cohort time zone, their unread
# count and one page of their delivered items (one row more than a page, to know whether
# there is a next). The candidate's row comes even with no items, so the zone and count do.
_INBOX_PAGE_SQL = (
    "SELECT co.timezone AS timezone, "
    "(SELECT count(*) FROM outbox_message u WHERE u.candidate = c.id AND u.channel = 'inbox' "
    "AND u.status = 'sent' AND u.read_at IS NULL) AS unread, "
    "o.id AS id, o.subject AS subject, o.body AS body, o.link AS link, "
    "o.category AS category, o.sent_at AS sent_at, o.read_at AS read_at "
    "FROM candidate c "
    "LEFT JOIN cohort co ON co.id = c.cohort "
    "LEFT JOIN outbox_message o ON o.id IN (SELECT m.id FROM outbox_message m "
    "WHERE m.candidate = c.id AND m.channel = 'inbox' AND m.status = 'sent' "
    "ORDER BY m.sent_at DESC, m.id DESC LIMIT {} OFFSET {}) "
    "WHERE c.id = {} "
    "ORDER BY o.sent_at DESC, o.id DESC"
)
_INBOX_PAGE_READ = PreparedSQL(_INBOX_PAGE_SQL)
_ITEM_FIELDS = ("id", "subject", "body", "link", "category", "sent_at", "read_at")


async def inbox_page(*, candidate_id: int, page: int = 1) -> InboxPage:
    page = max(1, min(page, 10_000))
    rows = await _INBOX_PAGE_READ.rows(PAGE_SIZE + 1, (page - 1) * PAGE_SIZE, candidate_id)
    if not rows:
        raise NotFound(_("Not found."))
    items = [
        InboxItem(**{field: row[field] for field in _ITEM_FIELDS})
        for row in rows
        if row["id"] is not None
    ]
    return InboxPage(
        items=items[:PAGE_SIZE],
        page=page,
        has_more=len(items) > PAGE_SIZE,
        unread=rows[0]["unread"],
        timezone=rows[0]["timezone"] or get_settings().default_timezone,
    )


async def inbox_item_open(
    *, candidate_id: int, item_id: int, now: datetime | None = None
) -> InboxItem:
    """The item, marked read the first time it is opened; NotFound for anyone else's."""
    if not 0 < item_id < 2**31:
        raise NotFound(_("This message does not exist."))
    now = now or datetime.now(UTC)
    # Conditional: the first opening sets read_at, later ones (or a double tap) keep it.
    await OutboxMessage.update({OutboxMessage.read_at: now}).where(
        _mine(candidate_id) & (OutboxMessage.id == item_id) & OutboxMessage.read_at.is_null()
    )
    row = (
        await OutboxMessage.select(*_COLUMNS)
        .where(_mine(candidate_id) & (OutboxMessage.id == item_id))
        .first()
    )
    if row is None:
        raise NotFound(_("This message does not exist."))
    return InboxItem(**row)
