"""CSRF tokens bound to the session they were issued for.

Litestar's own middleware is a plain double submit: any validly signed cookie with the
same value in the form passes, so a token picked up on an anonymous page (or planted as
a cookie by a sibling sub-domain) was accepted together with a signed-in session cookie.
Here the token is ``nonce + HMAC(secret, nonce | session binding)``, where the binding is
a digest of the session cookie (empty when signed out). A POST passes only when the form
field (or ``x-csrftoken`` header) equals the cookie AND the token was made for the session
cookie sent with it.

Rotation needs no extra step: a response that sets or clears the session cookie (sign-in,
sign-out) also sets a new CSRF cookie bound to the new state, and a safe request whose
CSRF cookie belongs to another session gets a fresh one. Tests and scripts keep working
the way a browser does: read the ``onramp_csrf`` cookie, post it back.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from http.cookies import SimpleCookie
from typing import Any

from litestar.config.csrf import CSRFConfig
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import RequestEncodingType, ScopeType
from litestar.exceptions import PermissionDeniedException
from litestar.middleware._utils import build_exclude_path_pattern, should_bypass_middleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

from portal.auth.cookies import ResponseCookie
from portal.auth.sessions import SESSION_COOKIE
from portal.auth.tokens import hash_session_token
from portal.scope_headers import cookie_from_scope

_NONCE_HEX = 32
_MAX_TOKEN = 200


def session_binding(session_token: str | None) -> str:
    """What a CSRF token is bound to: a digest of the session cookie ("" signed out)."""
    if not session_token:
        return ""
    return hash_session_token(session_token)


def csrf_token_new(secret: str, binding: str) -> str:
    nonce = secrets.token_hex(_NONCE_HEX // 2)
    return nonce + _mac(secret, nonce, binding)


def csrf_token_valid(secret: str, token: str, binding: str) -> bool:
    if not token or len(token) > _MAX_TOKEN or len(token) <= _NONCE_HEX:
        return False
    nonce, mac = token[:_NONCE_HEX], token[_NONCE_HEX:]
    return hmac.compare_digest(mac, _mac(secret, nonce, binding))


# A browser sends the same CSRF cookie with every request of a session: its MAC is
# remembered rather than computed again (tokens are at most _MAX_TOKEN long).
@functools.lru_cache(maxsize=4096)
def _mac(secret: str, nonce: str, binding: str) -> str:
    message = f"csrf|{nonce}|{binding}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _session_cookie_set(message: Message) -> tuple[bool, str | None]:
    """Whether this response sets the session cookie, and its new value ("" = cleared)."""
    for name, value in message.get("headers", []):
        if name.lower() != b"set-cookie":
            continue
        text = value.decode("latin-1")
        if not text.startswith(f"{SESSION_COOKIE}="):
            continue
        parsed: SimpleCookie = SimpleCookie()
        parsed.load(text)
        morsel = parsed.get(SESSION_COOKIE)
        if morsel is None:
            continue
        cleared = morsel["max-age"] in ("0", "-1") or not morsel.value.strip('"')
        return True, None if cleared else morsel.value
    return False, None


class SessionCSRFMiddleware:
    """Checks unsafe requests; hands templates a token bound to the current session."""

    def __init__(self, app: ASGIApp, config: CSRFConfig) -> None:
        self.app = app
        self.config = config
        self.exclude = build_exclude_path_pattern(exclude=config.exclude, middleware_cls=type(self))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or should_bypass_middleware(
            scope=scope,
            scopes={ScopeType.HTTP},
            exclude_opt_key=self.config.exclude_from_csrf_key,
            exclude_path_pattern=self.exclude,
        ):
            await self.app(scope, receive, send)
            return
        request: Any = scope["litestar_app"].request_class(scope=scope, receive=receive)
        secret = self.config.secret
        # The cookies as SessionPrincipalMiddleware reads the session's: the binding is made
        # from the same token that signed the request in (the first, as sent), and reading
        # Litestar's parsed cookies was 1.5 % of a page's CPU.
        binding = session_binding(cookie_from_scope(scope, SESSION_COOKIE))
        cookie_token = cookie_from_scope(scope, self.config.cookie_name) or ""
        state = ScopeState.from_scope(scope)
        if request.method in self.config.safe_methods:
            fresh = not csrf_token_valid(secret, cookie_token, binding)
            token = csrf_token_new(secret, binding) if fresh else cookie_token
            state.csrf_token = token
            await self.app(scope, receive, self._send_rotating(send, token if fresh else None))
            return
        sent = request.headers.get(self.config.header_name)
        if not sent and request.content_type[0] in {
            RequestEncodingType.URL_ENCODED,
            RequestEncodingType.MULTI_PART,
        }:
            form = await request.form()
            field = form.get("_csrf_token")
            sent = field if isinstance(field, str) else None
        if not (
            sent
            and hmac.compare_digest(sent.encode(), cookie_token.encode())
            and csrf_token_valid(secret, cookie_token, binding)
        ):
            raise PermissionDeniedException("CSRF token verification failed")
        state.csrf_token = cookie_token
        await self.app(scope, receive, self._send_rotating(send, None))

    def _send_rotating(self, send: Send, new_token: str | None) -> Send:
        """Set ``new_token`` as the cookie; and a new one whenever the session cookie changes."""

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                token = new_token
                changed, session_token = _session_cookie_set(message)
                if changed:
                    token = csrf_token_new(self.config.secret, session_binding(session_token))
                if token is not None:
                    self._cookie_add(message, token)
            await send(message)

        return send_wrapper

    def _cookie_add(self, message: Message, token: str) -> None:
        headers = MutableScopeHeaders.from_message(message)  # type: ignore[arg-type]
        cookie = ResponseCookie(
            key=self.config.cookie_name,
            value=token,
            path=self.config.cookie_path,
            secure=self.config.cookie_secure,
            httponly=self.config.cookie_httponly,
            samesite=self.config.cookie_samesite,
            domain=self.config.cookie_domain,
        )
        headers.add("set-cookie", cookie.to_header(header=""))
