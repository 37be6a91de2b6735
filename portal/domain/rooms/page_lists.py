"""A candidate's room page's two short lists, read in one round trip.

Below the messages the page shows the question categories to choose from (every room
page) and "was this helpful?" for the candidate's latest answered questions not yet rated.
Each was its own query, and on SQLite a 5-row read costs more in its fixed part (the
statement, the cursor, the row dicts) than in its rows: one ``UNION ALL`` read gives both,
each in its own order (categories as HR sorted them, answers newest first).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from portal.db import PreparedSQL
from portal.domain.sla.feedback import PENDING_SELECT, PENDING_SHOWN, PendingFeedback
from portal.i18n import localized_name

# The same rows as rooms.questions.active_categories and sla.feedback.feedback_pending
# (whose statement, PENDING_SELECT, is the second part).
# Each part fills only its own columns and sort key (typed NULLs for PostgreSQL's UNION).
_PAGE_LISTS_READ = PreparedSQL(
    "SELECT 'c' AS part, id, name, name_en, responder_role, sort_order, is_active, "
    "CAST(NULL AS TEXT) AS body, CAST(NULL AS TIMESTAMPTZ) AS by_time "
    "FROM question_category WHERE is_active = {} "
    "UNION ALL SELECT 'f', pending.id, NULL, NULL, NULL, NULL, NULL, pending.body, "
    f"pending.answered_at FROM ({PENDING_SELECT}) AS pending "
    "ORDER BY part, sort_order, by_time DESC, id"
)


@dataclass(frozen=True, slots=True)
class RoomPageLists:
    categories: list[dict[str, Any]]  # as active_categories() gives them
    feedback_pending: list[PendingFeedback]  # as feedback_pending() gives them


async def room_page_lists(*, candidate_id: int, room_id: int) -> RoomPageLists:
    rows = await _PAGE_LISTS_READ.rows(True, candidate_id, room_id, PENDING_SHOWN)
    categories = [
        {
            "id": row["id"],
            "name": row["name"],
            "name_en": row["name_en"],
            "responder_role": row["responder_role"],
            "sort_order": row["sort_order"],
            "is_active": row["is_active"],
            "label": localized_name(row["name"], row["name_en"]),
        }
        for row in rows
        if row["part"] == "c"
    ]
    pending = [
        PendingFeedback(question_id=row["id"], body=row["body"])
        for row in rows
        if row["part"] == "f"
    ]
    return RoomPageLists(categories=categories, feedback_pending=pending)
