"""Factories and sample files for the checklist tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def media_dir(tmp_path, monkeypatch):
    """Each test stores its files in its own directory, so "nothing stored" can be checked."""
    from portal.config import get_settings

    directory = tmp_path / "media"
    monkeypatch.setenv("ONRAMP_MEDIA_DIR", str(directory))
    get_settings.cache_clear()
    yield directory
    monkeypatch.undo()
    get_settings.cache_clear()
