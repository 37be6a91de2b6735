"""OpenID Connect sign-in for staff: discovery, the authorization request, the ID token.

The flow is the authorization code flow with PKCE (S256), a ``state`` against forged
callbacks and a ``nonce`` against replayed ID tokens. What the callback needs to finish
the flow (nonce, PKCE verifier, where to go afterwards) stays on the server, in the
session store under a digest of the state, for ten minutes and for one use only.

Every failure raises :class:`OidcError`; its text is for the log, never for the user,
because it may carry what the provider said.

Every request here goes through ``httpx2``, the HTTP client authlib's OAuth client is built
on: the errors caught around the token request are then the ones it raises.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

import httpx2
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry
from litestar.stores.base import Store

from portal.config import Settings

HTTP_TIMEOUT = httpx2.Timeout(10.0)
# Long enough to spare the provider a discovery request per sign-in, short enough that
# a changed configuration or a rotated key is picked up without a restart.
PROVIDER_CACHE_SECONDS = 300
PENDING_TTL_SECONDS = 600
CLOCK_LEEWAY_SECONDS = 60
# Asymmetric algorithms only: "none" must never pass, and HS* would be keyed with the
# client secret, which this client has no reason to accept.
SIGNING_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
CALLBACK_PATH = "/admin/oidc/callback"


class OidcError(Exception):
    """The sign-in cannot go on; ``str()`` is a reason for the log, never shown to users."""


@dataclass(frozen=True)
class OidcIdentity:
    """Who the provider says signed in, from a validated ID token."""

    subject: str
    email: str | None
    email_verified: bool
    name: str


@dataclass(frozen=True)
class OidcStart:
    authorization_url: str
    state: str


@dataclass(frozen=True)
class OidcPending:
    """What the callback needs, kept server-side between the redirect and the callback."""

    nonce: str
    code_verifier: str
    next_path: str


@dataclass
class _Provider:
    metadata: dict[str, Any]
    jwks: dict[str, Any] | None
    fetched_at: float


_providers: dict[str, _Provider] = {}


def oidc_cache_clear() -> None:
    """Forget every provider's discovery document and keys (tests, configuration changes)."""
    _providers.clear()


def oidc_redirect_uri(settings: Settings) -> str:
    return f"{settings.base_url}{CALLBACK_PATH}"


def _pending_key(state: str) -> str:
    # A digest, so that reading the store does not reveal states that are still usable.
    return "oidc:" + hashlib.sha256(state.encode()).hexdigest()


def _scopes(settings: Settings) -> str:
    scopes = settings.oidc_scopes.split()
    if "openid" not in scopes:
        scopes.insert(0, "openid")
    return " ".join(scopes)


def _require_configured(settings: Settings) -> str:
    if not settings.oidc_enabled or not settings.oidc_issuer:
        raise OidcError("single sign-on is not configured")
    return settings.oidc_issuer


async def _get_json(client: httpx2.AsyncClient, url: str, what: str) -> dict[str, Any]:
    try:
        response = await client.get(url)
        response.raise_for_status()
        data = response.json()
    except (httpx2.HTTPError, ValueError) as error:
        raise OidcError(f"could not fetch the {what} from {url}: {error!r}") from error
    if not isinstance(data, dict):
        raise OidcError(f"the {what} at {url} is not a JSON object")
    return data


async def _provider(
    settings: Settings, client: httpx2.AsyncClient, *, with_jwks: bool = False
) -> _Provider:
    issuer = _require_configured(settings)
    cached = _providers.get(issuer)
    if cached is None or time.monotonic() - cached.fetched_at > PROVIDER_CACHE_SECONDS:
        metadata = await _get_json(
            client, f"{issuer}/.well-known/openid-configuration", "discovery document"
        )
        # OpenID Connect Discovery §4.3: the document must name the issuer it came from,
        # otherwise one provider could pass off tokens as another's.
        if metadata.get("issuer") != issuer:
            raise OidcError(f"discovery names issuer {metadata.get('issuer')!r}, not {issuer!r}")
        for endpoint in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(metadata.get(endpoint), str):
                raise OidcError(f"discovery document has no {endpoint}")
        cached = _Provider(metadata=metadata, jwks=None, fetched_at=time.monotonic())
        _providers[issuer] = cached
    if with_jwks and cached.jwks is None:
        cached.jwks = await _get_json(client, cached.metadata["jwks_uri"], "key set")
    return cached


async def oidc_authorization_start(
    store: Store, settings: Settings, *, next_path: str
) -> OidcStart:
    """Remember a new state, nonce and PKCE verifier; return the provider's sign-in URL."""
    async with httpx2.AsyncClient(timeout=HTTP_TIMEOUT) as http:
        provider = await _provider(settings, http)
    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    # RFC 7636 §4.1: 43–128 unreserved characters.
    code_verifier = generate_token(64)
    pending = OidcPending(nonce=nonce, code_verifier=code_verifier, next_path=next_path)
    await store.set(
        _pending_key(state),
        json.dumps(pending.__dict__).encode(),
        expires_in=PENDING_TTL_SECONDS,
    )
    client = AsyncOAuth2Client(
        client_id=settings.oidc_client_id,
        scope=_scopes(settings),
        redirect_uri=oidc_redirect_uri(settings),
        code_challenge_method="S256",
    )
    try:
        url, _state = client.create_authorization_url(
            provider.metadata["authorization_endpoint"],
            state=state,
            code_verifier=code_verifier,
            nonce=nonce,
        )
    finally:
        await client.aclose()
    return OidcStart(authorization_url=url, state=state)


async def oidc_pending_take(store: Store, state: str | None) -> OidcPending | None:
    """The flow this state started, removed so that the callback works only once."""
    if not state or len(state) > 200:
        return None
    key = _pending_key(state)
    raw = await store.get(key)
    if raw is None:
        return None
    await store.delete(key)
    try:
        data = json.loads(raw)
        return OidcPending(
            nonce=str(data["nonce"]),
            code_verifier=str(data["code_verifier"]),
            next_path=str(data["next_path"]),
        )
    except (ValueError, KeyError, TypeError):
        return None


def _token_auth_method(settings: Settings, metadata: dict[str, Any]) -> str:
    if not settings.oidc_client_secret:
        return "none"
    # The default of OpenID Connect Discovery when the provider lists nothing.
    supported = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    if "client_secret_basic" not in supported and "client_secret_post" in supported:
        return "client_secret_post"
    return "client_secret_basic"


async def _exchange_code(
    settings: Settings, metadata: dict[str, Any], *, code: str, code_verifier: str
) -> dict[str, Any]:
    client = AsyncOAuth2Client(
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        token_endpoint_auth_method=_token_auth_method(settings, metadata),
        timeout=HTTP_TIMEOUT,
    )
    try:
        async with client:
            token = await client.fetch_token(
                metadata["token_endpoint"],
                grant_type="authorization_code",
                code=code,
                code_verifier=code_verifier,
                redirect_uri=oidc_redirect_uri(settings),
            )
    except OAuthError as error:
        raise OidcError(f"the token endpoint refused the code: {error!r}") from error
    except (httpx2.HTTPError, ValueError) as error:
        raise OidcError(f"the token request failed: {error!r}") from error
    if not isinstance(token.get("id_token"), str):
        raise OidcError("the token response has no id_token")
    return dict(token)


def _algorithms(metadata: dict[str, Any]) -> list[str]:
    offered = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    allowed = [alg for alg in offered if alg in SIGNING_ALGORITHMS]
    if not allowed:
        raise OidcError(f"the provider signs ID tokens only with {offered!r}")
    return allowed


def _decode(id_token: str, jwks: dict[str, Any], algorithms: list[str]) -> jwt.Token:
    try:
        key_set = KeySet.import_key_set(jwks)  # type: ignore[arg-type]
    except (JoseError, ValueError, KeyError, TypeError) as error:
        raise OidcError(f"the provider's key set is unusable: {error!r}") from error
    return jwt.decode(
        id_token,
        key_set,
        algorithms=algorithms,
        registry=JWSRegistry(algorithms=algorithms, strict_check_header=False),
    )


async def _verified_claims(
    settings: Settings,
    http: httpx2.AsyncClient,
    provider: _Provider,
    *,
    token: dict[str, Any],
    nonce: str,
) -> dict[str, Any]:
    """The ID token's claims, once signature, issuer, audience, expiry and nonce hold."""
    algorithms = _algorithms(provider.metadata)
    assert provider.jwks is not None
    try:
        try:
            decoded = _decode(token["id_token"], provider.jwks, algorithms)
        except InvalidKeyIdError:
            # Signed with a key we have not seen: the provider may have rotated its keys.
            provider.jwks = await _get_json(http, provider.metadata["jwks_uri"], "key set")
            decoded = _decode(token["id_token"], provider.jwks, algorithms)
        claims = CodeIDToken(
            decoded.claims,
            decoded.header,
            options={
                "iss": {"essential": True, "value": settings.oidc_issuer},
                "aud": {"essential": True, "value": settings.oidc_client_id},
            },
            params={
                "nonce": nonce,
                "client_id": settings.oidc_client_id,
                "access_token": token.get("access_token"),
            },
        )
        claims.validate(leeway=CLOCK_LEEWAY_SECONDS)
    except JoseError as error:
        raise OidcError(f"the ID token is not valid: {error!r}") from error
    return dict(claims)


def _identity(claims: dict[str, Any]) -> OidcIdentity:
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        raise OidcError("the ID token has no usable subject")
    email = claims.get("email")
    verified = claims.get("email_verified")
    # Some providers send the boolean as a string.
    email_verified = verified is True or verified == "true"
    name = claims.get("name") or claims.get("preferred_username") or ""
    return OidcIdentity(
        subject=subject,
        email=email if isinstance(email, str) and email else None,
        email_verified=email_verified,
        name=" ".join(name.split())[:100] if isinstance(name, str) else "",
    )


async def oidc_identity_from_code(
    settings: Settings, *, code: str, pending: OidcPending
) -> OidcIdentity:
    """Redeem the authorization code and vouch for the ID token that comes back."""
    async with httpx2.AsyncClient(timeout=HTTP_TIMEOUT) as http:
        provider = await _provider(settings, http, with_jwks=True)
        token = await _exchange_code(
            settings, provider.metadata, code=code, code_verifier=pending.code_verifier
        )
        claims = await _verified_claims(settings, http, provider, token=token, nonce=pending.nonce)
    return _identity(claims)
