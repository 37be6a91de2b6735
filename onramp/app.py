"""The one ASGI application: portal at ``/``, admin at ``/admin``, API at ``/api/v1``."""

from __future__ import annotations

import gc
from typing import Any

from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.enums import MediaType, ScopeType
from litestar.handlers import HTTPRouteHandler
from litestar.middleware import ASGIMiddleware, DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.response import Template
from litestar.static_files import create_static_files_router
from litestar.types import ASGIApp, Receive, Scope, Send

from admin.routes import admin_router
from portal.api.openapi_truth import StrictStructSchemaPlugin
from portal.api.routes import api_router
from portal.auth.csrf import SessionCSRFMiddleware
from portal.auth.middleware import SessionPrincipalMiddleware
from portal.auth.stores import ExpiredEntrySweeper, store_for
from portal.config import STATIC_DIR, Settings, get_settings
from portal.db import database_start, database_stop
from portal.domain.insights.activity import activity_writer_start, activity_writer_stop
from portal.domain.insights.risk_watch import risk_watch_start, risk_watch_stop
from portal.domain.journeys.evaluation import journeys_start, journeys_stop
from portal.domain.messaging.relay import outbox_relay_start, outbox_relay_stop
from portal.domain.sla.watch import sla_watch_start, sla_watch_stop
from portal.domain.talent.tick import talent_start, talent_stop
from portal.i18n import LocaleMiddleware
from portal.realtime.hub import stop_hubs
from portal.web.errors import html_exception_handlers
from portal.web.path_ids import path_ids_plausible
from portal.web.rendering import template_config
from portal.web.routes import portal_routes
from portal.web.security_headers import security_headers_add
from portal.web.text_input import text_input_storable


def freeze_startup_objects() -> None:
    """Keep everything loaded at start-up out of the garbage collector's full passes.

    Modules, templates and catalogs never die; without this each full collection walks
    them all and pauses every websocket delivery for a noticeable moment.
    """
    gc.collect()
    gc.freeze()
    # Fewer, later collections: every open websocket adds long-lived objects, and a full
    # pass over thousands of them stalls every room for tens of milliseconds. Garbage
    # without cycles is freed at once anyway; cycles wait a little longer.
    gc.set_threshold(5_000, 20, 20)


class StorableInputsMiddleware(ASGIMiddleware):
    """Path ids and text the database can hold (portal/web/path_ids.py, text_input.py),
    checked on every route after routing and before anything of the route's runs.

    Middleware rather than an app guard: Litestar copies the route handler for every guard
    it runs (a shallow copy of a large object, ~20 µs, 4 % of a candidate page).
    """

    scopes = (ScopeType.HTTP, ScopeType.WEBSOCKET)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        app = scope["litestar_app"]
        connection: ASGIConnection[Any, Any, Any, Any] = (
            app.request_class(scope, receive)
            if scope["type"] == ScopeType.HTTP
            else app.websocket_class(scope, receive, send)
        )
        handler = scope["route_handler"]
        await path_ids_plausible(connection, handler)
        await text_input_storable(connection, handler)
        await next_app(scope, receive, send)


def template_pages_typed(app: Litestar) -> None:
    """Give every handler that answers only with a template page the media type ``text/html``.

    Litestar's ``Template`` response without one guesses it from the template's file name
    (``pathlib`` and ``mimetypes``) on every response: 2 % of a room page's CPU. Every
    template here is ``.html``. A handler that may also answer otherwise (``Template |
    Redirect``, a ``Response`` of JSON) keeps Litestar's choice per response: a
    ``Response`` without its own media type takes the handler's.
    """
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if not isinstance(handler, HTTPRouteHandler) or handler.media_type:
                continue
            if handler.parsed_fn_signature.return_type.annotation is Template:
                handler.media_type = MediaType.HTML


def csrf_config(settings: Settings) -> CSRFConfig:
    return CSRFConfig(
        secret=settings.secret_key,
        cookie_name="onramp_csrf",
        cookie_secure=settings.secure_cookies,
        cookie_httponly=True,
        # /unsubscribe/: the signed token is the authority (RFC 8058 one-click POSTs).
        exclude=["/api/", "/healthz", "/ws/", "/static/", "/schema", "/unsubscribe/"],
    )


def create_app(settings: Settings | None = None, *, manage_database: bool = True) -> Litestar:
    """Build the app; ``manage_database=False`` leaves the engine's pool to the caller (tests)."""
    settings = settings or get_settings()
    session_store = store_for(settings, "sessions")
    rate_limit_store = store_for(settings, "rate_limits")
    state = State({"session_store": session_store, "rate_limit_store": rate_limit_store})
    # File stores (no Redis) keep expired entries until someone sweeps them.
    sweeper = ExpiredEntrySweeper([session_store, rate_limit_store])
    app = Litestar(
        route_handlers=[
            *portal_routes,
            admin_router,
            api_router,
            create_static_files_router(
                path="/static", directories=[STATIC_DIR], name="static", send_as_attachment=False
            ),
        ],
        state=state,
        plugins=[StrictStructSchemaPlugin()],
        middleware=[
            LocaleMiddleware(),
            SessionPrincipalMiddleware(),
            DefineMiddleware(SessionCSRFMiddleware, config=csrf_config(settings)),
            # Before every route's guards: an id no database column holds is "not found",
            # text none can hold is refused.
            StorableInputsMiddleware(),
        ],
        template_config=template_config(),
        # Candidates are on mobile data: compress every text response worth compressing.
        compression_config=CompressionConfig(
            backend="gzip",
            minimum_size=500,
            gzip_compress_level=6,
            # Videos are compressed already, and a gzipped 206 would break Range requests.
            # Uploaded photos and PDFs are compressed formats too.
            exclude=[
                "^/videos/",
                "^/checklist/files/",
                "^/admin/documents/files/",
                r"^(/admin)?/resources/\d+/file$",
            ],
        ),
        openapi_config=OpenAPIConfig(
            title="Onramp integration API",
            version="1.0.0",
            path="/schema",
            components=Components(
                security_schemes={
                    "BearerToken": SecurityScheme(
                        type="http", scheme="bearer", description="onramp token create --name N"
                    )
                }
            ),
        ),
        exception_handlers=html_exception_handlers(),
        before_send=[security_headers_add],
        on_startup=[
            database_start,
            sla_watch_start,
            outbox_relay_start,
            sweeper.start,
            journeys_start,
            talent_start,
            activity_writer_start,
            risk_watch_start,
            freeze_startup_objects,
        ]
        if manage_database
        else [],
        on_shutdown=[
            sweeper.stop,
            risk_watch_stop,
            activity_writer_stop,
            journeys_stop,
            talent_stop,
            outbox_relay_stop,
            sla_watch_stop,
            stop_hubs,
            database_stop,
        ]
        if manage_database
        else [],
    )
    template_pages_typed(app)
    return app
