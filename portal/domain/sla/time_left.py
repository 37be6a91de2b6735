"""How a deadline reads to a person: plenty / due soon / overdue, and "还剩 3 小时".

The tracker renders these on the server; its script re-ticks them between refreshes with
the same wording (:func:`time_left_phrases` hands it the translated templates).
"""

from __future__ import annotations

import functools
import math
from datetime import datetime, timedelta

from portal.i18n import get_locale, ngettext

URGENCIES = ("plenty", "soon", "overdue")


def urgency(deadline_at: datetime, now: datetime, warning_hours: int) -> str:
    if deadline_at <= now:
        return "overdue"
    if deadline_at - now <= timedelta(hours=warning_hours):
        return "soon"
    return "plenty"


def _amount(seconds: float) -> tuple[str, int]:
    """The unit and whole number people read: minutes under an hour, hours under 2 days."""
    if seconds < 3600:
        return "minutes", max(1, math.floor(seconds / 60))
    if seconds < 48 * 3600:
        return "hours", math.floor(seconds / 3600)
    return "days", math.floor(seconds / 86400)


def _phrase(overdue: bool, unit: str, number: int) -> str:
    if overdue:
        if unit == "minutes":
            return ngettext("Overdue by %(num)s minute", "Overdue by %(num)s minutes", number)
        if unit == "hours":
            return ngettext("Overdue by %(num)s hour", "Overdue by %(num)s hours", number)
        return ngettext("Overdue by %(num)s day", "Overdue by %(num)s days", number)
    if unit == "minutes":
        return ngettext("%(num)s minute left", "%(num)s minutes left", number)
    if unit == "hours":
        return ngettext("%(num)s hour left", "%(num)s hours left", number)
    return ngettext("%(num)s day left", "%(num)s days left", number)


def time_left_label(deadline_at: datetime, now: datetime) -> str:
    seconds = (deadline_at - now).total_seconds()
    unit, number = _amount(abs(seconds))
    return _phrase(seconds <= 0, unit, number)


def time_left_phrases() -> dict[str, dict[str, list[str]]]:
    """Translated templates for the script: {"left"|"over": {unit: [one, other]}}, ``{n}``.

    The same for every page in a language: made once per language (twelve translations).
    """
    return _phrases_in(get_locale())


@functools.lru_cache(maxsize=8)
def _phrases_in(language: str) -> dict[str, dict[str, list[str]]]:
    def template(overdue: bool, unit: str, number: int) -> str:
        return _phrase(overdue, unit, number).replace(str(number), "{n}", 1)

    return {
        ("over" if overdue else "left"): {
            unit: [template(overdue, unit, 1), template(overdue, unit, 7)]
            for unit in ("minutes", "hours", "days")
        }
        for overdue in (False, True)
    }
