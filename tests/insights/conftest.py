"""Insights test set-up: every test starts with an empty activity buffer."""

from __future__ import annotations

import pytest

from portal.domain.insights.activity import activity_buffer_clear, activity_candidates_take


@pytest.fixture(autouse=True)
def empty_activity_buffer():
    activity_buffer_clear()
    activity_candidates_take()
    yield
    activity_buffer_clear()
    activity_candidates_take()


@pytest.fixture
def settings_env(monkeypatch):
    """``settings_env(ONRAMP_X="1", …)`` sets variables for one test (settings re-read)."""
    from portal.config import get_settings

    def apply(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()

    yield apply
    monkeypatch.undo()
    get_settings.cache_clear()
