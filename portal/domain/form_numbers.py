"""Whole numbers typed into forms: checked against a range, with a message for the field."""

from __future__ import annotations

import re

from portal.i18n import gettext as _

_WHOLE_NUMBER = re.compile(r"^\d{1,9}$", re.ASCII)


def whole_number(raw: str | int, errors: dict[str, str], field: str, *, low: int, high: int) -> int:
    """``raw`` as an int in ``low..high``; otherwise records an error for ``field``."""
    text = str(raw).strip()
    if not _WHOLE_NUMBER.match(text) or not low <= int(text) <= high:
        errors[field] = _("Enter a whole number from %(low)s to %(high)s.", low=low, high=high)
        return low
    return int(text)
