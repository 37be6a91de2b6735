"""Candidate pages that read a few short rows run those reads in the loop's thread.

A router middleware: for a GET (or HEAD) of a route whose handler says
``opt={"light_reads": True}`` (the candidate router sets it for all its handlers; a route
that reads more says ``False``), the request runs inside :func:`portal.db.page_reads`: its
reads in the loop's thread on SQLite, its statements on one pooled connection on PostgreSQL
(``portal/db_pools.py`` says why). Admin pages opt in the same way when every read they make
is bounded (the SLA tracker: at most ``TRACKER_LIMIT`` cards, its counts made by the database).
"""

from __future__ import annotations

from litestar.types import ASGIApp, Receive, Scope, Send

from portal.db import page_reads


def light_reads_in_loop(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        handler = scope.get("route_handler")
        if (
            scope.get("method") in ("GET", "HEAD")
            and handler is not None
            and handler.opt.get("light_reads")
        ):
            async with page_reads(in_loop=True):
                await app(scope, receive, send)
            return
        await app(scope, receive, send)

    return middleware
