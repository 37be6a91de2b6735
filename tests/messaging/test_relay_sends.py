"""The relay sends what is due over real SMTP/HTTP servers and records each result."""

from __future__ import annotations

import asyncio

from portal.domain.messaging.enqueue import message_enqueue, messages_enqueue
from portal.domain.messaging.relay import Relay
from tests.factories import make_candidate
from tests.messaging.helpers import email_to, row


async def test_an_enqueued_email_is_sent_once_and_recorded(channels):
    smtp, _http = channels
    candidate = await make_candidate(email="zhang.san@example.com")
    queued = await message_enqueue(message=email_to(candidate, key="journey:welcome:1"))
    assert queued.created and queued.status == "pending"
    relay = Relay(worker="w1")
    await relay.drain()
    await relay.close()
    mails = smtp.mails
    assert len(mails) == 1
    mail = mails[0]
    assert mail.rcpt_tos == ["zhang.san@example.com"]
    assert mail.message["Subject"] == "材料已审核"
    assert mail.message["List-Unsubscribe"].startswith("<http://testserver.local/unsubscribe/")
    assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    kinds = [part.get_content_type() for part in mail.message.walk()]
    assert "text/plain" in kinds and "text/html" in kinds
    stored = await row(queued.id)
    assert stored["status"] == "sent"
    assert stored["attempts"] == 1
    assert stored["provider_message_id"] == mail.message_id
    assert stored["sent_by"] == "w1"


async def test_batch_of_many_is_sent_each_exactly_once(channels):
    smtp, _http = channels
    candidates = [await make_candidate(email=f"c{i}@example.com") for i in range(30)]
    await messages_enqueue(messages=[email_to(c, key=f"batch:{c.id}") for c in candidates])
    relays = [Relay(worker="a"), Relay(worker="b")]
    await asyncio.gather(*(relay.drain() for relay in relays))
    for relay in relays:
        await relay.close()
    counts = smtp.counts()
    assert len(counts) == 30
    assert set(counts.values()) == {1}
