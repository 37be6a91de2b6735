"""Resolve the session cookie to a :class:`Principal` once per request or websocket."""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from portal.auth.sessions import SESSION_COOKIE, session_load
from portal.scope_headers import cookie_from_scope, is_static_file


class SessionPrincipalMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP, ScopeType.WEBSOCKET)
    should_bypass_for_scope = staticmethod(is_static_file)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        token = cookie_from_scope(scope, SESSION_COOKIE)
        store = scope["litestar_app"].state.session_store
        scope["user"] = await session_load(store, token)
        scope["auth"] = token
        await next_app(scope, receive, send)
