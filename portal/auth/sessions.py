"""Server-side sessions for candidates and staff.

The cookie holds a random token; the store holds its digest → who is signed in. Signing
in always issues a new token and forgets the old one (no session fixation), signing
out deletes it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from litestar.datastructures import Cookie
from litestar.stores.base import Store

from portal.auth.tokens import hash_token, new_token
from portal.config import Settings

SESSION_COOKIE = "onramp_session"

PrincipalKind = Literal["candidate", "staff"]


@dataclass(frozen=True)
class Principal:
    kind: PrincipalKind
    id: int


async def session_start(
    store: Store, settings: Settings, *, principal: Principal, previous_token: str | None
) -> str:
    if previous_token:
        await store.delete(hash_token(previous_token))
    token = new_token()
    payload = json.dumps({"kind": principal.kind, "id": principal.id}).encode()
    await store.set(hash_token(token), payload, expires_in=settings.session_ttl_hours * 3600)
    return token


async def session_load(store: Store, token: str | None) -> Principal | None:
    if not token or len(token) > 100:
        return None
    raw = await store.get(hash_token(token))
    if raw is None:
        return None
    try:
        data = json.loads(raw)
        return Principal(kind=data["kind"], id=int(data["id"]))
    except (ValueError, KeyError, TypeError):
        return None


async def session_end(store: Store, token: str | None) -> None:
    if token:
        await store.delete(hash_token(token))


def session_cookie(settings: Settings, token: str) -> Cookie:
    return Cookie(
        key=SESSION_COOKIE,
        value=token,
        max_age=settings.session_ttl_hours * 3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )


def session_cookie_cleared(settings: Settings) -> Cookie:
    return Cookie(
        key=SESSION_COOKIE,
        value="",
        max_age=0,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )
