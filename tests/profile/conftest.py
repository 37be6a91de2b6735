"""Factories for the personal-information tests."""

from __future__ import annotations
