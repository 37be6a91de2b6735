"""Reading HTML form and query values: everything arrives as untrusted text."""

from __future__ import annotations

from typing import Any

from litestar import Request

from portal.domain.validation import is_plausible_id as is_plausible_id
from portal.domain.validation import row_id_from


def form_id(raw: str | None) -> int | None:
    """An id chosen in a <select>: None when left empty.

    Anything that is not a plausible id becomes 0, which matches no row, so the service
    answers "does not exist" next to the field instead of the request failing.
    """
    text = (raw or "").strip()
    if not text:
        return None
    return row_id_from(text) or 0


def query_int(raw: str | None) -> int | None:
    """A number in a query string (filters, page); None when absent or malformed."""
    return row_id_from(raw)


async def form_text(request: Request[Any, Any, Any], *names: str) -> dict[str, str]:
    """The named fields as text (missing ones empty); other fields are ignored."""
    form = await request.form()
    values = {}
    for name in names:
        value = form.get(name)
        values[name] = value if isinstance(value, str) else ""
    return values
