"""Cells for CSV exports that people open in Excel or WPS."""

from __future__ import annotations

# A cell starting with one of these is run as a formula by spreadsheet programs
# (CSV injection): such a cell is written with a leading apostrophe, which they hide.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> str:
    """``value`` as cell text that a spreadsheet shows and never runs as a formula."""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text
