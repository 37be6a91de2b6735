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
