"""RFC 9457 problem details for every error under ``/api/v1``."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, SerializationException, ValidationException
from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY, HTTP_500_INTERNAL_SERVER_ERROR

from portal.domain.errors import Conflict, DomainError, NotFound, ValidationFailed

logger = logging.getLogger("onramp.api")

PROBLEM_MEDIA_TYPE = "application/problem+json"
TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request too large",
    422: "Invalid data",
    429: "Too many requests",
    500: "Internal server error",
}


class ApiProblem(HTTPException):
    """An API error with an explicit status, detail and optional per-item errors."""

    def __init__(
        self, status_code: int, detail: str, *, errors: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(detail=detail, status_code=status_code)
        self.errors = errors


def problem_response(
    request: Request[Any, Any, Any],
    status_code: int,
    detail: str,
    *,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": TITLES.get(status_code, "Error"),
        "status": status_code,
        "detail": detail,
        "instance": request.url.path,
    }
    if errors:
        body["errors"] = errors
    return Response(body, status_code=status_code, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _readable_detail(exc: HTTPException) -> str:
    detail = str(exc.detail or "Invalid request")
    if isinstance(exc.__cause__, SerializationException):
        # Litestar could not decode the body at all (truncated, not JSON, bad encoding…).
        reason = detail.removeprefix("JSON is malformed:").strip()
        return f"The request body is not valid JSON ({reason})."
    return detail


def _validation_errors(exc: ValidationException) -> tuple[str, list[dict[str, Any]]]:
    """Litestar's body/parameter validation errors, made readable."""
    extra = exc.extra if isinstance(exc.extra, list) else []
    errors = [
        {
            "field": item.get("key") or item.get("source") or "body",
            "message": item.get("message", ""),
        }
        for item in extra
        if isinstance(item, dict)
    ]
    detail = _readable_detail(exc)
    if errors and detail == str(exc.detail):
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return detail, errors


def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if isinstance(exc, ValidationException):
        detail, errors = _validation_errors(exc)
        return problem_response(request, exc.status_code, detail, errors=errors)
    headers = dict(exc.headers or {})
    errors = getattr(exc, "errors", None)
    detail = _readable_detail(exc)
    return problem_response(request, exc.status_code, detail, errors=errors, headers=headers)


def handle_domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    if isinstance(exc, ValidationFailed):
        errors = [{"field": field, "message": message} for field, message in exc.errors.items()]
        return problem_response(request, HTTP_422_UNPROCESSABLE_ENTITY, str(exc), errors=errors)
    if isinstance(exc, NotFound):
        return problem_response(request, 404, str(exc))
    if isinstance(exc, Conflict):
        return problem_response(request, 409, str(exc))
    return problem_response(request, 409, str(exc))


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    logger.exception("Unhandled API error on %s", request.url.path, exc_info=exc)
    return problem_response(
        request, HTTP_500_INTERNAL_SERVER_ERROR, "An unexpected error occurred; it has been logged."
    )


# Listed one by one: the app's HTML handlers for NotFound etc. would otherwise win.
api_exception_handlers: dict[Any, Any] = {
    HTTPException: handle_http_exception,
    DomainError: handle_domain_error,
    NotFound: handle_domain_error,
    ValidationFailed: handle_domain_error,
    Conflict: handle_domain_error,
    HTTP_500_INTERNAL_SERVER_ERROR: handle_unexpected,
}
