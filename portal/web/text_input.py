"""Text no database column can store, refused on every route before anything else runs.

PostgreSQL's text types cannot hold the NUL character: an ``external_id`` or a name with
``\\u0000`` in an API body, or ``%00`` in a form or query string, reached the database and
failed there (asyncpg's CharacterNotInRepertoireError, a 500), while SQLite stored it.
Both now answer 400 before the role guards, dependencies and handler run. In a multipart
form only the text fields are looked at: a file's bytes may hold NUL, and its name is cleaned
where it is kept (portal/files/uploads.py). The CSRF check parsed that form already (Litestar
keeps it on the connection), so looking costs no second parse.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import ClientException
from litestar.handlers.base import BaseRouteHandler

from portal.i18n import gettext as _
from portal.scope_headers import header_from_scope

# How NUL is written in each kind of text body; JSON may not contain it unescaped.
_NUL_IN_BODY = {
    "application/json": b"\\u0000",
    "application/x-www-form-urlencoded": b"%00",
}


async def text_input_storable(
    connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler
) -> None:
    if b"%00" in connection.scope.get("query_string", b""):
        raise ClientException(_("Text may not contain the NUL character."))
    if not isinstance(connection, Request):
        return
    # From the raw headers: Litestar's Headers object, built for this alone on a GET, was
    # 1.5 % of a page's CPU.
    content_type = header_from_scope(connection.scope, b"content-type") or ""
    media_type = content_type.split(";", 1)[0].strip().lower()
    marker = _NUL_IN_BODY.get(media_type)
    if marker is not None and marker in await connection.body():
        raise ClientException(_("Text may not contain the NUL character."))
    if media_type == "multipart/form-data" and any(
        isinstance(value, str) and "\x00" in value
        for _name, value in (await connection.form()).multi_items()
    ):
        raise ClientException(_("Text may not contain the NUL character."))
