"""``{{ admin_nav(path, can) }}``: the admin's main navigation, drawn once per variant.

Every admin page shows the same twenty links but for the language, the staff member's
permissions and the section they are in: drawing them on each page (twenty prefix tests,
twenty translations) was a twentieth of the SLA tracker's CPU. A path is reduced to its
section first, so the drawings stay few however many pages there are.
"""

from __future__ import annotations

import functools
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from portal import i18n
from portal.domain.access import StaffPermissions

# The section a path belongs to: the first prefix it starts with (the import page is
# under /admin/candidates but has its own link).
SECTIONS = (
    ("/admin/candidates/import", "import"),
    ("/admin/candidates", "candidates"),
    ("/admin/cohorts", "cohorts"),
    ("/admin/link-requests", "link-requests"),
    ("/admin/questions", "questions"),
    ("/admin/suggestions", "suggestions"),
    ("/admin/surveys", "surveys"),
    ("/admin/rooms", "rooms"),
    ("/admin/documents", "documents"),
    ("/admin/checklist", "documents"),
    ("/admin/learning", "learning"),
    ("/admin/resources", "resources"),
    ("/admin/videos", "videos"),
    ("/admin/talent", "talent"),
    ("/admin/journeys", "journeys"),
    ("/admin/insights", "insights"),
    ("/admin/outbox", "outbox"),
    ("/admin/announcements", "announcements"),
    ("/admin/settings", "settings"),
)


def section_of(path: str) -> str:
    """The navigation entry ``path`` is under ("" for none: the dashboard, sign-in)."""
    for prefix, section in SECTIONS:
        if path.startswith(prefix):
            return section
    return ""


def admin_nav_drawer(env: Environment) -> Any:
    @functools.lru_cache(maxsize=512)
    def drawn(locale: str, current: str, can: StaffPermissions) -> Markup:
        return Markup(env.get_template("admin/_nav.html").render(current=current, can=can))  # noqa: S704

    def admin_nav(path: str, can: StaffPermissions) -> Markup:
        return drawn(i18n.get_locale(), section_of(path), can)

    return admin_nav
