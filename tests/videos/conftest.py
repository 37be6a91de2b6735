"""Helpers for the welcome-video tests: a real little MP4 and the upload protocol."""

from __future__ import annotations

import pytest

from portal.config import get_settings


@pytest.fixture
def video_cap(monkeypatch):
    """Set ONRAMP_VIDEO_MAX_BYTES for one test."""

    def set_cap(limit: int) -> None:
        monkeypatch.setenv("ONRAMP_VIDEO_MAX_BYTES", str(limit))
        get_settings.cache_clear()

    yield set_cap
    monkeypatch.delenv("ONRAMP_VIDEO_MAX_BYTES", raising=False)
    get_settings.cache_clear()
