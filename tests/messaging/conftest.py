"""Messaging test set-up: local SMTP and HTTP servers, and settings pointing at them."""

from __future__ import annotations

import pytest


@pytest.fixture
def channels(settings_env, smtp_sink, http_sink):
    """E-mail, SMS and the HR bot configured against the local servers; no quiet hours."""
    settings_env(
        ONRAMP_SMTP_HOST="127.0.0.1",
        ONRAMP_SMTP_PORT=str(smtp_sink.port),
        ONRAMP_SMTP_TLS="none",
        ONRAMP_SMTP_FROM="Onramp <noreply@onramp.test>",
        ONRAMP_SMS_URL=http_sink.url("/sms"),
        ONRAMP_SMS_AUTH="Bearer sms-key",
        ONRAMP_HR_BOT_URL=http_sink.url("/hr-bot"),
        ONRAMP_HR_BOT_KIND="wecom",
        ONRAMP_OUTBOUND_ALLOW_PRIVATE="true",
        ONRAMP_OUTBOX_QUIET_HOURS="off",
        ONRAMP_OUTBOX_BACKOFF_SECONDS="0.05",
        ONRAMP_OUTBOX_BACKOFF_MAX_SECONDS="0.2",
    )
    return smtp_sink, http_sink
