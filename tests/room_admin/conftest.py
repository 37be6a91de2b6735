"""Room admin test helpers: members, messages and posts with the CSRF token."""

from __future__ import annotations
