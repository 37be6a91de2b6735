"""Who may call the API: an integration with a bearer token, or a signed-in candidate for /me."""

from __future__ import annotations

from typing import Any

from litestar import Request

from portal.api.problems import ApiProblem
from portal.auth.sessions import Principal
from portal.domain.api_tokens import api_token_authenticate
from portal.domain.tables import ApiToken

BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="onramp"'}


class ApiNotAuthenticated(ApiProblem):
    def __init__(self, detail: str) -> None:
        super().__init__(401, detail)
        self.headers = BEARER_CHALLENGE


async def provide_api_token(request: Request[Any, Any, Any]) -> ApiToken:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise ApiNotAuthenticated("Send an API token as 'Authorization: Bearer <token>'.")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiNotAuthenticated("The Authorization header must be 'Bearer <token>'.")
    api_token = await api_token_authenticate(token.strip())
    if api_token is None:
        raise ApiNotAuthenticated("The API token is not valid or has been revoked.")
    return api_token


def provide_api_candidate_id(request: Request[Any, Any, Any]) -> int:
    principal: Principal | None = request.user
    if principal is None or principal.kind != "candidate":
        raise ApiProblem(
            401, "Sign in with your link first; this endpoint uses the portal session."
        )
    return principal.id
