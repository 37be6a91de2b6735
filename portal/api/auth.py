"""Who may call the API: an integration with a bearer token, or a signed-in candidate for /me."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from portal.api.problems import ApiProblem
from portal.auth.sessions import Principal
from portal.domain.staff.api_tokens import api_token_authenticate
from portal.i18n import gettext as _

BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="onramp"'}


class ApiNotAuthenticated(ApiProblem):
    def __init__(self, detail: str) -> None:
        super().__init__(401, detail, headers=BEARER_CHALLENGE)


async def require_api_token(
    connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler
) -> None:
    """Guard: a valid, unrevoked bearer token, checked before the body is even read.

    The token is kept on ``connection.state.api_token`` for handlers that want it.
    """
    header = connection.headers.get("authorization", "")
    scheme, _space, token = header.partition(" ")
    if not header:
        raise ApiNotAuthenticated(_("Send an API token as 'Authorization: Bearer <token>'."))
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiNotAuthenticated(_("The Authorization header must be 'Bearer <token>'."))
    api_token = await api_token_authenticate(token.strip())
    if api_token is None:
        raise ApiNotAuthenticated(_("The API token is not valid or has been revoked."))
    connection.state.api_token = api_token


def provide_api_candidate_id(request: Request[Any, Any, Any]) -> int:
    """The signed-in candidate's id; staff sessions and bearer tokens do not count."""
    principal: Principal | None = request.user
    if principal is None or principal.kind != "candidate":
        raise ApiProblem(
            401, _("Sign in with your link first; this endpoint uses the portal session.")
        )
    return principal.id
