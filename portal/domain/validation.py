"""Checks for what people type: phone numbers, e-mail addresses, names, days."""

from __future__ import annotations

import re
from datetime import date

from portal.i18n import gettext as _

# Mainland China mobile numbers: 11 digits starting 13–19.
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$")


def normalize_phone(raw: str) -> str | None:
    """The 11-digit mobile number, or None when ``raw`` is not one.

    Accepts what people and spreadsheets write: spaces, dashes, a +86 or 0086 prefix.
    """
    digits = re.sub(r"[\s\-()]", "", raw or "")
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits if _MOBILE.match(digits) else None


def normalize_email(raw: str | None) -> str | None:
    """Lower-cased address, None for empty; raises ValueError when malformed."""
    value = (raw or "").strip().lower()
    if not value:
        return None
    if len(value) > 254 or not _EMAIL.match(value):
        raise ValueError(value)
    return value


def name_check(raw: str | None, errors: dict[str, str], field: str = "name") -> str:
    value = " ".join((raw or "").split())
    if not value:
        errors[field] = _("Please enter a name.")
    elif len(value) > 100:
        errors[field] = _("A name can be at most 100 characters long.")
    return value


# Ids are 32-bit serials on both databases; a larger number would be a database error
# (SQLite: OverflowError past 2**63; PostgreSQL: "out of range for type integer").
MAX_ID = 2**31 - 1


def is_plausible_id(value: object) -> bool:
    """An int that could be a row's id (bool is no id)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def whole_number(text: object, *, maximum: int, minimum: int = 0) -> int | None:
    """The whole number ``text`` writes in ASCII digits, if within [minimum, maximum].

    The one rule for numbers people and clients send (ids, counts, offsets, page numbers):
    ``str.isdigit()`` is not it, since "²" and "٣" pass it and int() then fails or reads
    them; and a number of thousands of digits costs int() real time (Python refuses past
    4,300 digits), so length is checked before anything is converted. An int given as
    such (a JSON number) is checked the same way; anything else is None.
    """
    if isinstance(text, bool):
        return None
    if isinstance(text, int):
        value = text
    elif isinstance(text, str):
        text = text.strip()
        if not text or len(text) > len(str(maximum)) or not (text.isascii() and text.isdigit()):
            return None
        value = int(text)
    else:
        return None
    return value if minimum <= value <= maximum else None


def row_id_from(text: object) -> int | None:
    """The row id ``text`` names (1 to MAX_ID, ASCII digits or an int), else None."""
    return whole_number(text, minimum=1, maximum=MAX_ID)


# Days typed into forms and filters. Python's dates stop at years 1 and 9999, and what a page
# does with a day steps past it (the day after a period's end, 30 days before it, the local
# midnight in UTC): 9999-12-31 or 0001-01-01 was an OverflowError, a 500. A year outside
# these is a typo, refused like any other unreadable date.
FIRST_TYPED_YEAR = 1900
LAST_TYPED_YEAR = 2999
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)


def typed_day(text: object) -> date | None:
    """The YYYY-MM-DD in ``text`` (spaces around it ignored); None when it is not one, is no
    such day (2026-02-30) or its year is not between the two above."""
    if not isinstance(text, str) or not _ISO_DAY.match(text := text.strip()):
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if FIRST_TYPED_YEAR <= day.year <= LAST_TYPED_YEAR else None
