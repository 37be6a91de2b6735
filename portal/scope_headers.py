"""Read headers and cookies from an ASGI scope (for middleware, before a Request exists)."""

from __future__ import annotations

from litestar.types import Scope


def header_from_scope(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


def cookie_from_scope(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                cookie_name, _, cookie_value = part.strip().partition("=")
                if cookie_name == name:
                    return cookie_value
    return None


def is_static_file(scope: Scope) -> bool:
    """A request for ``/static/…``: the middlewares that read a session or a language skip it.

    A plain prefix test (``should_bypass_for_scope``) rather than ``exclude_path_pattern``:
    Litestar 3 will match those patterns against the route handler's path (``/static``),
    not the request's, and 2.x warns about it on every static file.
    """
    return scope["path"].startswith("/static/")
