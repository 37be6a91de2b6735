"""Small builders for messaging tests."""

from __future__ import annotations

import itertools

from portal.domain.messaging.checks import OutboundMessage
from portal.domain.messaging.tables import OutboxMessage

_sequence = itertools.count(1)


def email_to(candidate, *, key: str | None = None, category: str = "transactional", **values):
    return OutboundMessage(
        dedupe_key=key or f"test:email:{next(_sequence)}",
        channel="email",
        category=category,
        candidate_id=candidate.id,
        subject=values.pop("subject", "材料已审核"),
        body=values.pop("body", "你的身份证复印件已通过审核。"),
        **values,
    )


def inbox_to(candidate, *, key: str | None = None, **values):
    return OutboundMessage(
        dedupe_key=key or f"test:inbox:{next(_sequence)}",
        channel="inbox",
        category=values.pop("category", "transactional"),
        candidate_id=candidate.id,
        subject=values.pop("subject", "欢迎加入"),
        body=values.pop("body", "培训前请完成材料清单。"),
        **values,
    )


async def statuses() -> dict[int, str]:
    rows = await OutboxMessage.select(OutboxMessage.id, OutboxMessage.status)
    return {row["id"]: row["status"] for row in rows}


async def row(message_id: int) -> dict:
    return await OutboxMessage.select().where(OutboxMessage.id == message_id).first()
