"""Checks for the personal-information form: ID card numbers, bank cards, masking.

Resident ID card numbers (GB 11643-1999) have 18 characters: a 6-digit region code, the
birth date as YYYYMMDD, a 3-digit sequence and a check character (0–9 or X) computed
with ISO 7064 MOD 11-2. Bank card numbers have 12–19 digits and a Luhn check digit.
"""

from __future__ import annotations

import re
from datetime import date

from portal.i18n import gettext as _

_ID_SHAPE = re.compile(r"^\d{17}[\dX]$", re.ASCII)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# Provinces and the residence permits for Hong Kong (81), Macao (82) and Taiwan (83).
_REGIONS = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37"}
    | {"41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63"}
    | {"64", "65", "71", "81", "82", "83"}
)
# China's minimum working age; an ID number of a younger person is a typo here.
MINIMUM_AGE = 16
_EARLIEST_BIRTH = date(1900, 1, 1)
_SEPARATORS = re.compile(r"[\s\-]")


def id_check_character(first17: str) -> str:
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def id_number_check(raw: str, *, today: date) -> tuple[str, str | None]:
    """The normalised ID number and an error message (None when it is valid)."""
    value = _SEPARATORS.sub("", raw or "").upper()
    if not value:
        return value, _("Please enter your ID card number.")
    if len(value) != 18:
        return value, _(
            "An ID card number has 18 characters; you entered %(count)s.", count=len(value)
        )
    if not _ID_SHAPE.match(value):
        return value, _("An ID card number is 17 digits followed by a digit or X.")
    if value[:2] not in _REGIONS:
        return value, _("This ID card number does not start with a valid region code.")
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return value, _("The birth date in this ID card number is not a real date.")
    if born > today:
        return value, _("The birth date in this ID card number is in the future.")
    if born < _EARLIEST_BIRTH:
        return value, _("The birth date in this ID card number is not plausible.")
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if age < MINIMUM_AGE:
        return value, _(
            "The holder of this ID card number is younger than %(age)s.", age=MINIMUM_AGE
        )
    if id_check_character(value[:17]) != value[17]:
        return value, _("This ID card number is not valid: please check each digit.")
    return value, None


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def bank_card_check(raw: str) -> tuple[str, str | None]:
    """The card number as digits only and an error message (None when it is valid)."""
    value = _SEPARATORS.sub("", raw or "")
    if not value:
        return value, _("Please enter your bank card number.")
    if not (value.isascii() and value.isdigit()) or not 12 <= len(value) <= 19:
        return value, _("A bank card number has 12 to 19 digits.")
    if not luhn_valid(value):
        return value, _("This bank card number is not valid: please check each digit.")
    return value, None


def id_number_masked(value: str) -> str:
    """``4403**********1234``: region and last four only."""
    return value[:4] + "*" * (len(value) - 8) + value[-4:] if len(value) > 8 else "*" * len(value)


def bank_card_masked(value: str) -> str:
    """``6222 **** **** 1234`` whatever the length, so the mask does not tell it."""
    return f"{value[:4]} **** **** {value[-4:]}" if len(value) > 8 else "*" * len(value)
