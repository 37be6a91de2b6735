"""Messaging test set-up: local SMTP and HTTP servers, and settings pointing at them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from portal.config import get_settings
from tests.messaging.servers import HttpSink, SmtpSink


@pytest.fixture
def settings_env(monkeypatch):
    """``settings_env(ONRAMP_X="1", …)`` sets variables for one test (settings re-read)."""

    def apply(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()

    yield apply
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def http_sink() -> Iterator[HttpSink]:
    sink = HttpSink().start()
    yield sink
    sink.stop()


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
