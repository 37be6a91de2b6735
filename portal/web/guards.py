"""Who may see candidate pages: a signed-in candidate, resolved from the session."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import NotAuthorizedException
from litestar.response import Redirect

from portal.auth.sessions import Principal


class CandidateSignInRequired(NotAuthorizedException):
    """No candidate session: HTML pages redirect to the signed-out page."""


def provide_candidate_id(request: Request[Any, Any, Any]) -> int:
    principal: Principal | None = request.user
    if principal is None or principal.kind != "candidate":
        raise CandidateSignInRequired()
    return principal.id


def redirect_to_welcome(request: Request[Any, Any, Any], exc: Exception) -> Redirect:
    return Redirect("/welcome")


def safe_next_path(value: str | None, default: str = "/") -> str:
    """Only local paths: never redirect off-site because a query string said so."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    return value
