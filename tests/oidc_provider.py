"""A small OpenID Connect provider on loopback, for testing single sign-on end to end.

It serves discovery, an authorize endpoint that approves the configured user at once
(redirecting back with code and state), a token endpoint that checks the client secret,
the code, the redirect URI and the PKCE verifier before returning an RS256-signed ID
token, and a JWKS endpoint. Knobs on :class:`LoopbackOidcProvider` make it
misbehave the ways a test needs (wrong key, nonce, audience, expiry...).

It runs under uvicorn in a background thread, on a socket bound before the thread
starts: connections wait in the socket's backlog until the server accepts, so there is
no start-up race to wait out.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import socket
import threading
import time
from dataclasses import MISSING, dataclass, field, fields
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

import uvicorn
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey
from litestar import Litestar, Request, get, post
from litestar.response import Redirect, Response

PUBLISHED_KID = "loopback-key-1"


@lru_cache(maxsize=1)
def published_key() -> RSAKey:
    """The key whose public half the JWKS endpoint publishes (generated once per run)."""
    return RSAKey.generate_key(2048, parameters={"kid": PUBLISHED_KID, "use": "sig"})


@lru_cache(maxsize=1)
def impostor_key() -> RSAKey:
    """A different key claiming the same kid: tokens it signs must fail verification."""
    return RSAKey.generate_key(2048, parameters={"kid": PUBLISHED_KID, "use": "sig"})


def _base64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class ProviderUser:
    sub: str = "idp-user-1"
    email: str | None = "li.lei@example.com"
    email_verified: bool = True
    name: str = "李雷"


@dataclass
class _IssuedCode:
    client_id: str
    redirect_uri: str
    nonce: str | None
    code_challenge: str
    code_challenge_method: str
    user: ProviderUser


@dataclass
class LoopbackOidcProvider:
    client_id: str = "onramp-test-client"
    client_secret: str = "loopback-client-secret"
    user: ProviderUser = field(default_factory=ProviderUser)
    # Misbehaviour knobs.
    signing_key: RSAKey | None = None  # None: the published key
    published_keys: list[RSAKey] | None = None  # what /jwks serves; None: the published key
    id_token_alg: str = "RS256"  # "none" and "HS256" (keyed with the client secret) misbehave
    id_token_claims: dict[str, Any] = field(default_factory=dict)  # overrides, e.g. nonce
    id_token_omits: tuple[str, ...] = ()  # claims left out of the ID token
    # What the provider saw, for assertions.
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    port: int = 0
    _codes: dict[str, _IssuedCode] = field(default_factory=dict)
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None
    _socket: socket.socket | None = None

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> LoopbackOidcProvider:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        self._socket = sock
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self._app(), log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        self._thread.start()
        return self

    def reset(self) -> LoopbackOidcProvider:
        """Back to a new provider's user, knobs and records; the server keeps running."""
        for item in fields(self):
            if item.name in ("port", "_server", "_thread", "_socket"):
                continue
            if item.default_factory is not MISSING:
                setattr(self, item.name, item.default_factory())
            else:
                setattr(self, item.name, item.default)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join()
        if self._socket is not None:
            self._socket.close()

    # -- the endpoints -------------------------------------------------------------------

    def _discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }

    def _authorize(self, params: dict[str, str]) -> Response[Any]:
        self.authorize_requests.append(params)
        redirect_uri = params.get("redirect_uri", "")
        if params.get("client_id") != self.client_id or not redirect_uri:
            return Response({"error": "unauthorized_client"}, status_code=400)
        if params.get("response_type") != "code" or "openid" not in params.get("scope", ""):
            return Response({"error": "invalid_request"}, status_code=400)
        code = secrets.token_urlsafe(24)
        self._codes[code] = _IssuedCode(
            client_id=self.client_id,
            redirect_uri=redirect_uri,
            nonce=params.get("nonce"),
            code_challenge=params.get("code_challenge", ""),
            code_challenge_method=params.get("code_challenge_method", ""),
            user=self.user,
        )
        query = urlencode({"code": code, "state": params.get("state", "")})
        return Redirect(f"{redirect_uri}?{query}", status_code=302)

    def _client_authenticated(self, form: dict[str, str], authorization: str | None) -> bool:
        if authorization and authorization.startswith("Basic "):
            decoded = base64.b64decode(authorization.removeprefix("Basic ")).decode()
            client_id, _, secret = decoded.partition(":")
        else:
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        return client_id == self.client_id and secrets.compare_digest(secret, self.client_secret)

    def _token(self, form: dict[str, str], authorization: str | None) -> Response[Any]:
        self.token_requests.append(form)
        if not self._client_authenticated(form, authorization):
            return Response({"error": "invalid_client"}, status_code=401)
        issued = self._codes.pop(form.get("code", ""), None)  # codes are single-use
        if form.get("grant_type") != "authorization_code" or issued is None:
            return Response({"error": "invalid_grant"}, status_code=400)
        if form.get("redirect_uri") != issued.redirect_uri:
            return Response({"error": "invalid_grant"}, status_code=400)
        verifier = form.get("code_verifier", "")
        challenge = _base64url(hashlib.sha256(verifier.encode()).digest())
        if issued.code_challenge_method != "S256" or challenge != issued.code_challenge:
            return Response(
                {"error": "invalid_grant", "error_description": "PKCE"}, status_code=400
            )
        return Response(
            {
                "access_token": secrets.token_urlsafe(24),
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": self._id_token(issued),
            },
            status_code=200,
            headers={"Cache-Control": "no-store"},
        )

    def _id_token(self, issued: _IssuedCode) -> str:
        now = int(time.time())
        user = issued.user
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": user.sub,
            "aud": issued.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": issued.nonce,
            "email": user.email,
            "email_verified": user.email_verified,
            "name": user.name,
        }
        claims.update(self.id_token_claims)
        for name in self.id_token_omits:
            claims.pop(name, None)
        claims = {name: value for name, value in claims.items() if value is not None}
        if self.id_token_alg == "none":
            header = _base64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
            return f"{header}.{_base64url(json.dumps(claims).encode())}."
        if self.id_token_alg == "HS256":
            return jwt.encode({"alg": "HS256"}, claims, OctKey.import_key(self.client_secret))
        key = self.signing_key or published_key()
        return jwt.encode({"alg": self.id_token_alg, "kid": key.kid}, claims, key)

    def _app(self) -> Litestar:
        provider = self

        @get("/.well-known/openid-configuration", sync_to_thread=False)
        def discovery() -> dict[str, Any]:
            return provider._discovery()

        @get("/authorize", sync_to_thread=False)
        def authorize(request: Request[Any, Any, Any]) -> Response[Any]:
            return provider._authorize(dict(request.query_params))

        @post("/token")
        async def token(request: Request[Any, Any, Any]) -> Response[Any]:
            form = {key: str(value) for key, value in (await request.form()).items()}
            return provider._token(form, request.headers.get("authorization"))

        @get("/jwks", sync_to_thread=False)
        def jwks() -> dict[str, Any]:
            return KeySet(provider.published_keys or [published_key()]).as_dict(private=False)

        return Litestar([discovery, authorize, token, jwks])
