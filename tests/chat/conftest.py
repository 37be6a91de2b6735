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


@pytest.fixture
def media_dir(tmp_path, monkeypatch):
    """Uploaded files go to this test's own directory."""
    directory = tmp_path / "media"
    monkeypatch.setenv("ONRAMP_MEDIA_DIR", str(directory))
    get_settings.cache_clear()
    yield directory
    monkeypatch.undo()
    get_settings.cache_clear()
