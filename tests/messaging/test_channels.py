"""SMS and group bots against a local HTTP server; failures, retries and HR's retry button."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import unquote_plus

import pytest

from portal.domain.errors import ValidationFailed
from portal.domain.messaging.bots import CohortBotInput, cohort_bot_save
from portal.domain.messaging.channels.bots import bot_request
from portal.domain.messaging.checks import OutboundMessage
from portal.domain.messaging.enqueue import message_enqueue
from portal.domain.messaging.records import outbox_retry
from portal.domain.messaging.relay import Relay
from tests.factories import make_candidate, make_cohort
from tests.messaging.helpers import email_to, row


def sms_to(candidate, key="sms:1", body="明天 9:00 报到,请带身份证。", category="transactional"):
    return OutboundMessage(
        dedupe_key=key, channel="sms", category=category, candidate_id=candidate.id, body=body
    )


async def test_sms_goes_through_the_template_and_records_the_provider_id(channels, settings_env):
    _smtp, http = channels
    settings_env(
        ONRAMP_SMS_BODY_TEMPLATE='{"mobile": "{phone}", "content": "{text}", "sign": "入职"}',
        ONRAMP_SMS_ID_FIELD="data.msgid",
    )
    http.answer = (200, {"code": 0, "data": {"msgid": "SMS-778"}})
    candidate = await make_candidate(phone="13912345678")
    queued = await message_enqueue(message=sms_to(candidate, body='带上"身份证"\n和照片'))
    relay = Relay(worker="w")
    await relay.drain()
    await relay.close()
    request = http.requests[-1]
    assert request.path == "/sms"
    assert request.headers["authorization"] == "Bearer sms-key"
    payload = request.json()
    assert payload["mobile"] == "13912345678" and payload["sign"] == "入职"
    assert payload["content"].startswith('带上"身份证"\n和照片')
    assert "/unsubscribe/" in payload["content"]
    stored = await row(queued.id)
    assert stored["status"] == "sent" and stored["provider_message_id"] == "SMS-778"


async def test_provider_errors_are_retried_with_backoff_then_failed(channels, settings_env):
    _smtp, http = channels
    settings_env(ONRAMP_OUTBOX_MAX_ATTEMPTS="3")
    http.answer = (500, {"error": "busy"})
    candidate = await make_candidate()
    queued = await message_enqueue(message=sms_to(candidate))
    relay = Relay(worker="w")
    import asyncio

    for _ in range(60):
        relay.paused.clear()  # the test does not wait out the channel's pause
        await relay.run_once()
        if (await row(queued.id))["status"] == "failed":
            break
        await asyncio.sleep(0.1)
    await relay.close()
    stored = await row(queued.id)
    assert stored["status"] == "failed"
    assert stored["attempts"] == 3
    assert "HTTP 500" in stored["last_error"]
    assert len(http.requests) == 3


async def test_a_refused_request_fails_at_once_and_retry_requeues_it_once(channels):
    _smtp, http = channels
    http.answer = (400, {"error": "bad number"})
    candidate = await make_candidate()
    queued = await message_enqueue(message=sms_to(candidate))
    relay = Relay(worker="w")
    await relay.drain()
    assert (await row(queued.id))["status"] == "failed"
    assert (await row(queued.id))["attempts"] == 1
    http.answer = (200, {"id": "ok-1"})
    assert await outbox_retry(message_id=queued.id) is True
    assert await outbox_retry(message_id=queued.id) is False  # double click
    await relay.drain()
    await relay.close()
    stored = await row(queued.id)
    assert stored["status"] == "sent" and stored["provider_message_id"] == "ok-1"
    assert len(http.requests) == 2


async def test_smtp_down_pauses_the_channel_and_keeps_messages_pending(channels):
    smtp, _http = channels
    smtp.stop()
    candidates = [await make_candidate(email=f"d{n}@example.com") for n in range(5)]
    ids = [(await message_enqueue(message=email_to(c))).id for c in candidates]
    relay = Relay(worker="w")
    await relay.run_once()
    rows = [await row(i) for i in ids]
    assert [r["status"] for r in rows] == ["pending"] * 5
    tried = [r for r in rows if r["attempts"]]
    assert len(tried) == 1 and "unreachable" in tried[0]["last_error"]
    assert "email" in relay.paused
    # Back up: once the pause is over everything goes, each once.
    smtp.start()
    relay.paused.clear()
    import asyncio

    for _ in range(40):
        await relay.run_once()
        if len(smtp.counts()) == 5:
            break
        await asyncio.sleep(0.1)
    await relay.close()
    assert sorted(smtp.counts().values()) == [1] * 5


async def test_a_recipient_refused_by_the_server_fails_with_its_error(channels):
    smtp, _http = channels
    smtp.refuse_recipients["gone@example.com"] = "550 5.1.1 mailbox unavailable"
    candidate = await make_candidate(email="gone@example.com")
    queued = await message_enqueue(message=email_to(candidate))
    relay = Relay(worker="w")
    await relay.drain()
    await relay.close()
    stored = await row(queued.id)
    assert stored["status"] == "failed" and "550" in stored["last_error"]


def _hr_alert(key: str = "alert:1", body: str = "SMTP 不可用", fmt: str = "text"):
    return OutboundMessage(
        dedupe_key=key,
        channel="bot",
        category="alert",
        recipient="hr",
        subject="告警",
        body=body,
        body_format=fmt,
    )


async def test_wecom_text_and_markdown_payloads(channels, settings_env):
    _smtp, http = channels
    await message_enqueue(message=_hr_alert("a:1"))
    await message_enqueue(message=_hr_alert("a:2", body="**红色**", fmt="markdown"))
    relay = Relay(worker="w")
    await relay.drain()
    await relay.close()
    text, markdown = (r.json() for r in http.requests[-2:])
    assert text == {"msgtype": "text", "text": {"content": "告警\nSMTP 不可用"}}
    assert markdown == {"msgtype": "markdown", "markdown": {"content": "**告警**\n**红色**"}}


async def test_dingtalk_post_is_signed_with_timestamp_and_hmac(channels, settings_env):
    _smtp, http = channels
    secret = "SEC-dingtalk-secret"
    settings_env(ONRAMP_HR_BOT_KIND="dingtalk", ONRAMP_HR_BOT_SECRET=secret)
    await message_enqueue(message=_hr_alert())
    relay = Relay(worker="w")
    await relay.drain()
    await relay.close()
    request = http.requests[-1]
    timestamp = request.query["timestamp"][0]
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    assert request.query["sign"][0] == expected  # parse_qs decoded the URL-encoding once
    assert request.json() == {"msgtype": "text", "text": {"content": "告警\nSMTP 不可用"}}


async def test_feishu_post_carries_its_signature_in_the_body(channels, settings_env):
    _smtp, http = channels
    secret = "feishu-secret"
    settings_env(ONRAMP_HR_BOT_KIND="feishu", ONRAMP_HR_BOT_SECRET=secret)
    await message_enqueue(message=_hr_alert())
    relay = Relay(worker="w")
    await relay.drain()
    await relay.close()
    payload = http.requests[-1].json()
    key = f"{payload['timestamp']}\n{secret}".encode()
    assert payload["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert payload["msg_type"] == "text" and payload["content"] == {"text": "告警\nSMTP 不可用"}


def test_dingtalk_sign_is_url_encoded_in_the_url():
    url, _ = bot_request(
        "dingtalk",
        "https://oapi.dingtalk.com/robot/send?access_token=t",
        text="hi",
        secret="s",
        now=1700000000.0,
    )
    sign = url.split("sign=")[1]
    assert "+" not in sign and "/" not in sign and unquote_plus(sign).endswith("=")


async def test_bot_platform_error_in_a_200_answer_is_a_failure(channels):
    _smtp, http = channels
    http.answer = (200, {"errcode": 93000, "errmsg": "invalid webhook url"})
    queued = await message_enqueue(message=_hr_alert())
    relay = Relay(worker="w")
    await relay.run_once()
    await relay.close()
    stored = await row(queued.id)
    assert stored["status"] == "pending" and "93000" in stored["last_error"]


async def test_cohort_announcement_goes_to_the_cohorts_bot(channels):
    _smtp, http = channels
    cohort = await make_cohort()
    await cohort_bot_save(
        cohort_id=cohort.id, data=CohortBotInput(kind="wecom", url=http.url("/cohort-bot"))
    )
    await message_enqueue(
        message=OutboundMessage(
            dedupe_key="ann:1",
            channel="bot",
            category="announcement",
            recipient=f"cohort:{cohort.id}",
            body="周一 9 点开营!",
        )
    )
    relay = Relay(worker="w")
    await relay.drain()
    await relay.close()
    request = http.requests[-1]
    assert request.path == "/cohort-bot"
    assert request.json()["text"]["content"] == "周一 9 点开营!"


async def test_a_cohort_bot_on_a_private_address_is_refused_when_saved_and_when_sent(
    channels, settings_env
):
    _smtp, http = channels
    cohort = await make_cohort()
    # Saved while the operator allowed private addresses (an intranet bot)...
    await cohort_bot_save(
        cohort_id=cohort.id, data=CohortBotInput(kind="wecom", url=http.url("/cohort-bot"))
    )
    settings_env(ONRAMP_OUTBOUND_ALLOW_PRIVATE="false")
    # ...no longer accepted in the form,
    with pytest.raises(ValidationFailed) as refused:
        await cohort_bot_save(
            cohort_id=cohort.id, data=CohortBotInput(kind="wecom", url=http.url("/other"))
        )
    assert "url" in refused.value.errors
    # ...and the address is checked again when sending: nothing reaches the loopback server.
    before = len(http.requests)
    queued = await message_enqueue(
        message=OutboundMessage(
            dedupe_key="ann:private",
            channel="bot",
            category="announcement",
            recipient=f"cohort:{cohort.id}",
            body="不该发出",
        )
    )
    relay = Relay(worker="w")
    await relay.drain()
    await relay.close()
    assert len(http.requests) == before
    stored = await row(queued.id)
    assert stored["status"] == "failed" and "refused" in stored["last_error"]
