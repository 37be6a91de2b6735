"""Factories for the resource library tests."""

from __future__ import annotations

import pytest

from portal.config import get_settings


@pytest.fixture
def small_cap(monkeypatch):
    """Resource files capped at 1 MB for one test."""
    monkeypatch.setenv("ONRAMP_RESOURCE_MAX_MB", "1")
    get_settings.cache_clear()
    yield
    monkeypatch.delenv("ONRAMP_RESOURCE_MAX_MB", raising=False)
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def empty_resource_storage():
    """Each test starts with no stored resource files (storage outlives the database rows)."""
    import shutil

    shutil.rmtree(get_settings().media_dir / "resources", ignore_errors=True)
    yield
