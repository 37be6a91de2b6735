"""The cookies the app sets, with their Set-Cookie header built without deep copies."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from litestar.datastructures import Cookie

# The fields Litestar's Cookie.dict leaves in (it drops the OpenAPI-only ones).
_HEADER_FIELDS = tuple(
    field.name
    for field in fields(Cookie)
    if field.name not in {"documentation_only", "description", "__pydantic_initialised__"}
)


class ResponseCookie(Cookie):
    """Litestar's :class:`Cookie`, whose :attr:`dict` copies its fields shallowly.

    Litestar builds each Set-Cookie header from ``Cookie.dict``, which is
    ``dataclasses.asdict``: every field deep-copied, though each one is a string, a number,
    a bool or None. A link sign-in sets three cookies (CSRF on the page, then session and a
    new CSRF token on the tap), and those copies cost more CPU than its database work. The
    header is the same (tests/portal/test_cookies.py).
    """

    @property
    def dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _HEADER_FIELDS}
