"""Bearer tokens for the integration API."""

from __future__ import annotations

from datetime import UTC, datetime

from portal.auth.tokens import hash_token, new_token
from portal.domain.errors import ValidationFailed
from portal.domain.staff.tables import ApiToken

TOKEN_PREFIX = "onr_"


async def api_token_create(*, name: str) -> str:
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationFailed({"name": "A token needs a name of 1 to 100 characters."})
    token = TOKEN_PREFIX + new_token()
    await ApiToken(name=name, token_hash=hash_token(token), prefix=token[:12]).save()
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


async def api_token_revoke(*, token_id: int) -> None:
    await ApiToken.update({ApiToken.revoked_at: datetime.now(UTC)}).where(ApiToken.id == token_id)
