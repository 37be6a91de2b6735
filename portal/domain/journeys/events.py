"""Transactional events reaching the journeys, inside the transaction of their cause.

A service calls :func:`journey_event` in the write transaction that records the event (a
question answered, a document approved or rejected, a reward handed over, a sign-in link
made): the messages exist exactly when the event does, and roll back with it. ``ref``
names the event (``q12``, ``s7r2``…) and is the send's occurrence, so repeating the call
for the same event queues nothing new.

Cheap when nothing listens: one indexed query for the enabled steps of this event.
"""

from __future__ import annotations

from datetime import UTC, datetime

from portal.domain.checklist.items import reject_reason_label
from portal.domain.journeys.delivery import Delivered, step_deliver
from portal.domain.journeys.recipients import in_audience, recipients_by_id
from portal.domain.journeys.specs import live_steps
from portal.domain.journeys.triggers import Due
from portal.domain.messaging.locale import message_locale


async def journey_event(
    *,
    event: str,
    candidate_id: int,
    ref: str,
    values: dict[str, str] | None = None,
    now: datetime | None = None,
) -> Delivered:
    """Queue the messages of every enabled step listening to ``event`` for this candidate.

    Must run inside the cause's write transaction. ``values`` are the event's variables
    (``item``, ``reason``, ``reward``; ``link`` replaces the one-tap link, e.g. with the
    sign-in link itself). A withdrawn candidate gets nothing.
    """
    done = Delivered()
    steps = await live_steps(triggers=("event",), event=event)
    if not steps:
        return done
    recipient = (await recipients_by_id([candidate_id])).get(candidate_id)
    if recipient is None or recipient.status == "withdrawn":
        return done
    now = now or datetime.now(UTC)
    values = dict(values or {})
    if "reason" in values:
        # A preset reason code reads in the candidate's language, not the reviewer's.
        with message_locale(recipient.locale):
            values["reason"] = reject_reason_label(values["reason"])
    for step in steps:
        if in_audience(recipient, step.audience):
            item = Due(recipient, ref[:60], now, values)
            done.add(await step_deliver(step, [item], now=now, grace=None))
    return done
