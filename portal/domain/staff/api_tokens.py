"""Bearer tokens for the integration API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from portal.auth.tokens import hash_token, new_token
from portal.domain.errors import Conflict, NotFound, ValidationFailed
from portal.domain.staff.tables import ApiToken

TOKEN_PREFIX = "onr_"
# What is kept in clear of a token (``onr_`` and 8 characters): enough to tell tokens apart.
PREFIX_LENGTH = 12
# A shorter prefix would name too many tokens to be a safe thing to revoke by.
SHORTEST_PREFIX = len(TOKEN_PREFIX) + 4


async def api_token_create(*, name: str) -> str:
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationFailed({"name": "A token needs a name of 1 to 100 characters."})
    token = TOKEN_PREFIX + new_token()
    await ApiToken(name=name, token_hash=hash_token(token), prefix=token[:PREFIX_LENGTH]).save()
    return token


async def api_token_authenticate(token: str) -> ApiToken | None:
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    api_token = await ApiToken.objects().get(
        (ApiToken.token_hash == hash_token(token)) & ApiToken.revoked_at.is_null()
    )
    if api_token is not None:
        await ApiToken.update({ApiToken.last_used_at: datetime.now(UTC)}).where(
            ApiToken.id == api_token.id
        )
    return api_token


async def api_token_revoke(*, token_id: int) -> bool:
    """Revoke the token; False when it was revoked already (its first revocation stands)."""
    revoked = (
        await ApiToken.update({ApiToken.revoked_at: datetime.now(UTC)})
        .where((ApiToken.id == token_id) & ApiToken.revoked_at.is_null())
        .returning(ApiToken.id)
    )
    return bool(revoked)


async def api_tokens() -> list[ApiToken]:
    """Every token, oldest first, revoked ones included (they stay for the record)."""
    return await ApiToken.objects().order_by(ApiToken.id)


async def api_tokens_matching(key: str) -> list[ApiToken]:
    """The tokens ``key`` names: the whole token, the start of its prefix, or its name."""
    key = key.strip()
    if not key or len(key) > 100:
        return []
    if key.startswith(TOKEN_PREFIX) and len(key) > PREFIX_LENGTH:
        return await ApiToken.objects().where(ApiToken.token_hash == hash_token(key))
    if key.startswith(TOKEN_PREFIX) and len(key) >= SHORTEST_PREFIX:
        # LIKE narrows it down ("_" matches any character, SQLite ignores case); the exact
        # comparison follows.
        candidates = await ApiToken.objects().where(ApiToken.prefix.like(key + "%"))
        return [token for token in candidates if token.prefix.startswith(key)]
    return await ApiToken.objects().where(ApiToken.name == key).order_by(ApiToken.id)


@dataclass(frozen=True)
class ApiTokenRevocation:
    token: ApiToken
    # False: it had been revoked before (``token.revoked_at`` says when).
    revoked_now: bool


async def api_token_revoke_by_key(*, key: str) -> ApiTokenRevocation:
    """Revoke the one token ``key`` names (see :func:`api_tokens_matching`).

    Raises NotFound when no token matches, Conflict when several active ones do (a shared
    name): nothing is revoked then. A token revoked before is reported, not revoked again.
    """
    matches = await api_tokens_matching(key)
    if not matches:
        raise NotFound(f"No API token has the prefix or name {key!r}.")
    active = [token for token in matches if token.revoked_at is None]
    if len(active) > 1:
        prefixes = ", ".join(token.prefix for token in active)
        raise Conflict(
            f"{len(active)} active API tokens match {key!r} ({prefixes}): "
            "revoke one at a time by its prefix."
        )
    if not active:
        return ApiTokenRevocation(token=matches[-1], revoked_now=False)
    token = active[0]
    revoked_now = await api_token_revoke(token_id=token.id)
    refreshed = await ApiToken.objects().get(ApiToken.id == token.id)
    return ApiTokenRevocation(token=refreshed or token, revoked_now=revoked_now)
