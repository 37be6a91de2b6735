"""Digests: engagement messages held back by the cap are folded, not dropped.

A message over the cap is ``suppressed`` with reason ``cap`` (visible in the admin). Once
the first held-back message of a candidate and channel has waited
``ONRAMP_OUTBOX_DIGEST_HOURS``, everything held back for them is folded into ONE digest
message (category ``digest``: never capped itself, but it keeps quiet hours and the
candidate's engagement preference), and each folded row records ``folded_into``. The
digest's dedupe key names the first folded row, so two workers compose it once.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from piccolo.query.methods.select import Select

from portal.config import get_settings
from portal.db import current_engine, write_transaction
from portal.domain.errors import ValidationFailed
from portal.domain.messaging.checks import OutboundMessage
from portal.domain.messaging.enqueue import message_enqueue
from portal.domain.messaging.locale import message_locale
from portal.domain.messaging.tables import OutboxMessage
from portal.i18n import gettext as _

logger = logging.getLogger("onramp.outbox")

DIGEST_ITEMS = 20


def _digest_text(channel: str, locale: str, titles: list[str]) -> tuple[str, str]:
    inbox = f"{get_settings().base_url}/inbox"
    with message_locale(locale):
        subject = _("Updates you may have missed")
        if channel == "sms":
            body = _(
                "You have %(count)s new messages from Onramp: %(url)s",
                count=len(titles),
                url=inbox,
            )
            return subject, body
        lines = [f"• {title}" for title in titles[:DIGEST_ITEMS]]
        if len(titles) > DIGEST_ITEMS:
            lines.append(_("…and %(count)s more.", count=len(titles) - DIGEST_ITEMS))
        body = "\n".join(
            [
                _("Here is what we sent you recently:"),
                "",
                *lines,
                "",
                _("Read everything in your inbox: %(url)s", url=inbox),
            ]
        )
    return subject, body


async def digests_compose(now: datetime | None = None) -> int:
    """Fold what waited long enough into digests; returns how many digests were queued."""
    now = now or datetime.now(UTC)
    held = await (
        OutboxMessage.select(
            OutboxMessage.id,
            OutboxMessage.candidate,
            OutboxMessage.channel,
            OutboxMessage.locale,
            OutboxMessage.subject,
            OutboxMessage.body,
            OutboxMessage.next_attempt_at,
        )
        .where(
            (OutboxMessage.status == "suppressed")
            & (OutboxMessage.reason == "cap")
            & OutboxMessage.folded_into.is_null()
        )
        .order_by(OutboxMessage.id)
        .limit(5000)
    )
    groups: dict[tuple[int, str], list[dict]] = defaultdict(list)
    for row in held:
        groups[(row["candidate"], row["channel"])].append(row)
    wait = timedelta(hours=get_settings().outbox_digest_hours)
    composed = 0
    for (candidate_id, channel), rows in groups.items():
        if min(row["next_attempt_at"] for row in rows) > now - wait:
            continue
        titles = [held_back_title(row) for row in rows]
        subject, body = _digest_text(channel, rows[-1]["locale"], titles)
        ids = [row["id"] for row in rows]
        async with write_transaction():
            if await _unfolded(ids) != ids:
                # A journey's weekly digest folded some of them since they were read (in
                # this process or another): they are not listed twice. What is left waits
                # for the next round.
                continue
            try:
                digest = await message_enqueue(
                    message=OutboundMessage(
                        dedupe_key=f"digest:{candidate_id}:{channel}:{ids[0]}",
                        channel=channel,
                        category="digest",
                        candidate_id=candidate_id,
                        subject=subject,
                        body=body,
                        locale=rows[-1]["locale"],
                    ),
                    now=now,
                )
                folded_into = digest.id
            except ValidationFailed as failed:
                # E.g. the candidate's address was removed: keep the reason, stop retrying.
                logger.warning("digest for candidate %s not queued: %s", candidate_id, failed)
                folded_into, digest = 0, None
            if digest is None or digest.created:
                await held_back_fold(message_ids=ids, into=folded_into)
                composed += 1 if digest is not None else 0
    return composed


async def _unfolded(ids: list[int]) -> list[int]:
    """Which of ``ids`` no digest has folded yet, in id order (see :func:`_to_fold`)."""
    rows = await _to_fold(
        OutboxMessage.select(OutboxMessage.id)
        .where(OutboxMessage.id.is_in(ids) & OutboxMessage.folded_into.is_null())
        .order_by(OutboxMessage.id)
    )
    return [row["id"] for row in rows]


def _to_fold(query: Select) -> Select:
    """``query`` reading held-back rows that this write transaction will fold.

    On PostgreSQL the rows are locked (``FOR UPDATE``): the outbox's digests and the
    journeys' weekly digest run side by side in every worker, and each must list only
    rows the other has not folded by the time it commits. SQLite's IMMEDIATE write
    transaction already keeps every other writer out until this one commits.
    """
    engine = current_engine()
    if engine.engine_type == "postgres" and engine.current_transaction.get() is not None:
        return query.lock_rows()
    return query


async def held_back(*, candidate_ids: list[int]) -> dict[tuple[int, str], list[dict]]:
    """Messages the cap held back and no digest folded yet, by (candidate, channel).

    The journeys' weekly digest (docs/journeys.md) folds these into itself, so a candidate
    gets one digest on Friday instead of a Friday digest and a fold a day later. Read in
    the transaction that folds them, they are locked (:func:`_to_fold`).
    """
    found: dict[tuple[int, str], list[dict]] = defaultdict(list)
    for start in range(0, len(candidate_ids), 500):
        rows = await _to_fold(
            OutboxMessage.select(
                OutboxMessage.id,
                OutboxMessage.candidate,
                OutboxMessage.channel,
                OutboxMessage.subject,
                OutboxMessage.body,
            )
            .where(
                (OutboxMessage.status == "suppressed")
                & (OutboxMessage.reason == "cap")
                & OutboxMessage.folded_into.is_null()
                & OutboxMessage.candidate.is_in(candidate_ids[start : start + 500])
            )
            .order_by(OutboxMessage.id)
        )
        for row in rows:
            found[(row["candidate"], row["channel"])].append(row)
    return found


def held_back_title(row: dict) -> str:
    return row["subject"] or (row["body"].strip().splitlines() or [""])[0][:80]


async def held_back_fold(*, message_ids: list[int], into: int) -> None:
    """Record that ``into`` (a digest) carries these held-back messages (first fold wins)."""
    if not message_ids:
        return
    marks = ", ".join("{}" for _ in message_ids)
    await OutboxMessage.raw(
        "UPDATE outbox_message SET folded_into = {} "
        f"WHERE id IN ({marks}) AND folded_into IS NULL",
        into,
        *message_ids,
    )
