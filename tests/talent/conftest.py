"""Talent pool test set-up: settings per test, local SMTP and SMS servers when needed."""

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
    """E-mail and SMS configured against local servers; no quiet hours."""
    settings_env(
        ONRAMP_SMTP_HOST="127.0.0.1",
        ONRAMP_SMTP_PORT=str(smtp_sink.port),
        ONRAMP_SMTP_TLS="none",
        ONRAMP_SMS_URL=http_sink.url("/sms"),
        ONRAMP_OUTBOUND_ALLOW_PRIVATE="true",
        ONRAMP_OUTBOX_QUIET_HOURS="off",
    )
    return smtp_sink, http_sink
