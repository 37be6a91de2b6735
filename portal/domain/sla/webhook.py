"""POSTing SLA warnings and breaches to the company's webhook (e.g. a chat bot).

Called only by the watcher that recorded the events, after their rows are committed.
Each event is one JSON POST with a short timeout; a failure is logged and kept on the
event row (``notify_error``), never raised: the next events still go out and the tracker
shows them either way. A private question's text stays out of the payload: the receiving
channel may be seen by people other than staff.

The URL is typed by HR, so it goes through :mod:`portal.net.outbound` like the group
bots: refused when saved if it names a loopback, link-local or private address, and
resolved and checked again at send time, connecting to the checked address only.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from portal.config import get_settings
from portal.domain.rooms.tables import RoomQuestion
from portal.domain.sla.events import RecordedEvent
from portal.domain.sla.tables import SlaEvent
from portal.i18n import gettext as _
from portal.net.outbound import OutboundUrlRefused, outbound_post

logger = logging.getLogger("onramp.sla")

WEBHOOK_TIMEOUT_SECONDS = 5.0
BODY_EXCERPT_CHARS = 500


async def _question_context(question_ids: list[int]) -> dict[int, dict[str, Any]]:
    rows = await RoomQuestion.select(
        RoomQuestion.id,
        RoomQuestion.is_private,
        RoomQuestion.asked_at,
        RoomQuestion.responder_role,
        RoomQuestion.room.id.as_alias("room_id"),
        RoomQuestion.room.name.as_alias("room_name"),
        RoomQuestion.asker.id.as_alias("asker_id"),
        RoomQuestion.asker.name.as_alias("asker_name"),
        RoomQuestion.category.name.as_alias("category_name"),
        RoomQuestion.message.body.as_alias("body"),
    ).where(RoomQuestion.id.is_in(question_ids))
    return {row["id"]: row for row in rows}


def event_payload(event: RecordedEvent, question: dict[str, Any]) -> dict[str, Any]:
    base_url = get_settings().base_url
    private = bool(question["is_private"])
    body = "" if private else (question["body"] or "")[:BODY_EXCERPT_CHARS]
    if event.kind == "breach":
        text = _(
            "Overdue: the question from %(name)s was not answered by the deadline.",
            name=question["asker_name"],
        )
    else:
        text = _(
            "Due soon: the question from %(name)s must be answered soon.",
            name=question["asker_name"],
        )
    return {
        "type": f"sla.{event.kind}",
        "event_id": event.id,
        "occurred_at": event.created_at.astimezone(UTC).isoformat(),
        "text": text,
        "question": {
            "id": event.question_id,
            "url": f"{base_url}/admin/questions#question-{event.question_id}",
            "room": {"id": question["room_id"], "name": question["room_name"]},
            "asker": {"id": question["asker_id"], "name": question["asker_name"]},
            "category": question["category_name"] or "",
            "responder_role": question["responder_role"],
            "private": private,
            "body": body,
            "asked_at": question["asked_at"].astimezone(UTC).isoformat(),
            "deadline_at": event.deadline_at.astimezone(UTC).isoformat(),
        },
    }


async def sla_webhook_send(url: str, events: Sequence[RecordedEvent]) -> None:
    questions = await _question_context([event.question_id for event in events])
    for event in events:
        question = questions.get(event.question_id)
        if question is None:
            continue
        error = ""
        try:
            response = await outbound_post(
                url, json=event_payload(event, question), timeout=WEBHOOK_TIMEOUT_SECONDS
            )
            if response.status_code >= 300:
                error = f"HTTP {response.status_code}"
        except OutboundUrlRefused as refused:
            error = f"refused: {refused}"[:500]
        except httpx.HTTPError as failure:
            error = f"{type(failure).__name__}: {failure}"[:500]
        if error:
            logger.warning("SLA webhook for event %s failed: %s", event.id, error)
        await SlaEvent.update(
            {SlaEvent.notified_at: datetime.now(UTC), SlaEvent.notify_error: error}
        ).where(SlaEvent.id == event.id)
