"""Friendly HTML error pages for the portal and admin (the API has problem+json)."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException
from litestar.response import Template
from litestar.status_codes import HTTP_405_METHOD_NOT_ALLOWED, HTTP_500_INTERNAL_SERVER_ERROR

from portal.api.problems import (
    allowed_methods,
    handle_http_exception,
    handle_unexpected,
    problem_response,
)
from portal.domain.errors import NotFound

logger = logging.getLogger("onramp")


def _error_page(
    status_code: int, detail: str = "", headers: dict[str, str] | None = None
) -> Template:
    return Template(
        "partials/_error_page.html",
        context={"status_code": status_code, "detail": detail},
        status_code=status_code,
        headers=headers,
    )


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if request.url.path.startswith("/api/"):
        # Errors raised before the API router is reached (no such route, wrong method).
        return handle_http_exception(request, exc)
    # The exception's headers belong to the answer: a 405's Allow (RFC 9110 §15.5.6).
    headers = {name.lower(): value for name, value in (exc.headers or {}).items()}
    if exc.status_code == HTTP_405_METHOD_NOT_ALLOWED:
        headers["allow"] = allowed_methods(exc)
    return _error_page(
        exc.status_code, exc.detail if exc.status_code < 500 else "", headers=headers or None
    )


def not_found(request: Request[Any, Any, Any], exc: NotFound) -> Response[Any]:
    if request.url.path.startswith("/api/"):
        return problem_response(request, 404, str(exc))
    return _error_page(404, str(exc))


def server_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if request.url.path.startswith("/api/"):
        return handle_unexpected(request, exc)
    logger.exception("Unhandled error on %s", request.url.path, exc_info=exc)
    return _error_page(HTTP_500_INTERNAL_SERVER_ERROR)


def html_exception_handlers() -> dict[Any, Any]:
    return {
        NotFound: not_found,
        HTTPException: http_error,
        HTTP_500_INTERNAL_SERVER_ERROR: server_error,
    }
