from __future__ import annotations

import pytest

from portal.config import get_settings
from tests.messaging.servers import HttpSink


@pytest.fixture
def sms(monkeypatch):
    """SMS configured against a local server, so a link can go to the candidate's phone."""
    sink = HttpSink().start()
    monkeypatch.setenv("ONRAMP_SMS_URL", sink.url("/sms"))
    monkeypatch.setenv("ONRAMP_OUTBOUND_ALLOW_PRIVATE", "true")
    get_settings.cache_clear()
    yield sink
    monkeypatch.undo()
    get_settings.cache_clear()
    sink.stop()
