"""Path ids the database can hold, checked on every route before anything else runs.

Routes declare their ids as ``{name:int}``, which Litestar reads as any Python int: a
20-digit id reached the database and failed there (SQLite: OverflowError past 2**63;
PostgreSQL: "out of range for type integer" past 2**31), a 500. This guard, installed on
the app so every route (and any route added later) has it, answers such ids with 404 —
the same as an id no row has — before the role guards, dependencies and handler run.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException
from litestar.handlers.base import BaseRouteHandler

from portal.domain.validation import is_plausible_id


async def path_ids_plausible(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    # async although it awaits nothing: Litestar runs a plain-function guard in a worker
    # thread, a hand-off and back on every request of every route.
    for value in connection.path_params.values():
        if isinstance(value, int) and not is_plausible_id(value):
            raise NotFoundException()
