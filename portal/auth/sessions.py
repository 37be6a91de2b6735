"""Server-side sessions for candidates and staff.

The cookie holds a random token; the store holds its digest → who is signed in, when the
session was issued and when it expires. Signing in always issues a new token and forgets
the old one (no session fixation), signing out deletes it (and closes the room sockets it
opened, on every worker).

Ending every session of someone at once (a candidate withdrawn, a staff account
deactivated) writes a revocation mark for that person: a session issued before the mark
is refused and deleted when next read. The store is keyed by token digest, so the mark is
what reaches sessions it cannot list.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Literal

import msgspec
from litestar.stores.base import Store

from portal.auth.cookies import ResponseCookie
from portal.auth.tokens import SESSION_TOKEN_MAX, hash_session_token, hash_token, new_token
from portal.config import Settings, get_settings

SESSION_COOKIE = "onramp_session"

logger = logging.getLogger("onramp.auth")

PrincipalKind = Literal["candidate", "staff"]


@dataclass(frozen=True)
class Principal:
    kind: PrincipalKind
    id: int


@dataclass(frozen=True, slots=True)
class Session:
    """A live session: who, under which store key, and until when (epoch seconds)."""

    principal: Principal
    key: str
    expires_at: float


async def session_start(
    store: Store,
    settings: Settings,
    *,
    principal: Principal,
    previous_token: str | None,
    issued_at: float | None = None,
) -> str:
    """A new session; ``issued_at``: when the right to it was checked, if before now.

    A sign-in link is checked (the candidate not withdrawn) a moment before the session is
    written: a withdrawal committed in between writes its revocation mark in between too,
    and a session dated from the check is one the mark ends.
    """
    if previous_token:
        await store.delete(hash_token(previous_token))
    token = new_token()
    now = time.time()
    ttl = settings.session_ttl_hours * 3600
    payload = json.dumps(
        {
            "kind": principal.kind,
            "id": principal.id,
            "iat": min(now, issued_at) if issued_at is not None else now,
            "exp": now + ttl,
        }
    ).encode()
    await store.set(hash_token(token), payload, expires_in=ttl)
    return token


# A session is read on every request: msgspec's decoder takes 0.2 µs where json.loads took
# 2.3 (both raise ValueError on bad JSON; the payload is written by json.dumps above).
_session_decode = msgspec.json.Decoder().decode


async def session_read(store: Store, token: str | None) -> Session | None:
    """The session behind a cookie's token; None when absent, expired or revoked."""
    if not token or len(token) > SESSION_TOKEN_MAX:
        return None
    key = hash_session_token(token)
    raw = await store.get(key)
    if raw is None:
        return None
    try:
        data = _session_decode(raw)
        kind = data["kind"]
        if kind not in ("candidate", "staff"):
            return None
        principal = Principal(kind=kind, id=int(data["id"]))
        # Sessions from before these fields: issued long ago, expiring with the store's TTL.
        issued_at = float(data.get("iat", 0))
        expires_at = float(data.get("exp") or time.time() + (await store.expires_in(key) or 0))
    except (ValueError, KeyError, TypeError):
        return None
    if expires_at <= time.time():
        return None
    revoked_at = await store.get(_revocation_key(principal))
    if revoked_at is not None and _number(revoked_at) >= issued_at:
        await store.delete(key)
        return None
    return Session(principal=principal, key=key, expires_at=expires_at)


async def session_load(store: Store, token: str | None) -> Principal | None:
    session = await session_read(store, token)
    return session.principal if session else None


async def session_alive(store: Store, key: str) -> bool:
    """Whether the session stored under ``key`` still exists (a room socket's check per send).

    An unreachable store (Redis restarting) answers yes: the socket was signed in when it
    opened, its expiry timer still runs, and each send re-checks membership in the
    database; refusing would stop every room while Redis is down.
    """
    try:
        return await store.get(key) is not None
    except Exception:  # noqa: BLE001 - see above
        logger.warning("session store unreachable; a room send goes ahead on its socket's sign-in")
        return True


async def session_end(store: Store, token: str | None) -> None:
    """Sign out: forget the session and close the room sockets it opened."""
    if not token:
        return
    key = hash_token(token)
    await store.delete(key)
    from portal.realtime.hub import get_hub

    await get_hub().revoke(kind="session", target=key)


async def sessions_revoke(*, principal: Principal) -> None:
    """End every session of ``principal`` issued until now (see the module's docstring)."""
    settings = get_settings()
    from portal.auth.stores import store_for

    store = store_for(settings, "sessions")
    # A session issued in the same instant as the mark is revoked too (>= in session_read).
    await store.set(
        _revocation_key(principal),
        repr(time.time()).encode(),
        expires_in=settings.session_ttl_hours * 3600,
    )


def _revocation_key(principal: Principal) -> str:
    # Session keys are hex digests: no clash.
    return f"revoked-{principal.kind}-{principal.id}"


def _number(raw: bytes | str) -> float:
    try:
        return float(raw)
    except (TypeError, ValueError):
        return float("inf")  # an unreadable mark revokes rather than admits


def session_cookie(settings: Settings, token: str) -> ResponseCookie:
    return ResponseCookie(
        key=SESSION_COOKIE,
        value=token,
        max_age=settings.session_ttl_hours * 3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )


def session_cookie_cleared(settings: Settings) -> ResponseCookie:
    return ResponseCookie(
        key=SESSION_COOKIE,
        value="",
        max_age=0,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )
