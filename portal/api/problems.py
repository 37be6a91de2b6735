"""RFC 9457 problem details for every error under ``/api/v1``.

``type`` is always "about:blank", so ``title`` is the HTTP status phrase (RFC 9457 §4.2.1)
and ``detail`` says what went wrong in the client's language (English unless it sends
Accept-Language). Validation problems add ``errors``: one entry per bad field, with the
item's ``index`` (and ``external_id``) when the field belongs to an item of a bulk request.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, TypeVar

from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    MethodNotAllowedException,
    NotFoundException,
    SerializationException,
    ValidationException,
)
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_500_INTERNAL_SERVER_ERROR,
)

from portal.api.schemas import PROBLEM_MEDIA_TYPE
from portal.domain.errors import Conflict, DomainError, NotFound, ValidationFailed
from portal.i18n import gettext as _
from portal.i18n import scope_locale, set_locale

logger = logging.getLogger("onramp.api")

# "candidates[3].phone" → index 3; msgspec names a missing field only in its message.
_ITEM_PATH = re.compile(r"^candidates\[(\d+)\]")
_MISSING_FIELD = re.compile(r"^Object missing required field `(\w+)`")


_Exc = TypeVar("_Exc", bound=Exception)
Handler = Callable[[Request[Any, Any, Any], _Exc], Response[Any]]


def _in_request_locale(handler: Handler[_Exc]) -> Handler[_Exc]:
    """Answer in the request's language even when LocaleMiddleware has not run.

    Routing errors (no such endpoint, wrong method) are raised before any middleware,
    and errors from middleware reach the handler after LocaleMiddleware has reset.
    """

    @functools.wraps(handler)
    def in_locale(request: Request[Any, Any, Any], exc: _Exc) -> Response[Any]:
        token = set_locale(scope_locale(request.scope))
        try:
            return handler(request, exc)
        finally:
            token.var.reset(token)

    return in_locale


class ApiProblem(HTTPException):
    """An API error with an explicit status, detail and optional per-field errors."""

    def __init__(
        self,
        status_code: int,
        detail: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail=detail, status_code=status_code, headers=headers)
        self.errors = errors


def problem_response(
    request: Request[Any, Any, Any],
    status_code: int,
    detail: str,
    *,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[dict[str, Any]]:
    try:
        title = HTTPStatus(status_code).phrase
    except ValueError:
        title = "Error"
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status_code,
        "detail": detail,
        "instance": request.url.path,
    }
    if errors:
        body["errors"] = errors
    return Response(body, status_code=status_code, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _field_error(item: dict[str, Any]) -> dict[str, Any]:
    """One of Litestar's validation errors, with a field path a client can act on."""
    message = str(item.get("message", ""))
    if message.startswith("Expected `str` matching regex '[^ \\"):
        message = "Expected `str` that is not blank"  # schemas.NOT_BLANK, in words
    path = str(item.get("key") or "")
    if path in ("", "data"):  # Litestar's name for the whole body
        path = ""
    if missing := _MISSING_FIELD.match(message):
        path = f"{path}.{missing.group(1)}" if path else missing.group(1)
    error: dict[str, Any] = {"field": path or "body", "message": message}
    if index := _ITEM_PATH.match(path):
        error = {"index": int(index.group(1)), **error}
    return error


def _validation_problem(exc: ValidationException) -> tuple[str, list[dict[str, Any]]]:
    extra = exc.extra if isinstance(exc.extra, list) else []
    raw = [item for item in extra if isinstance(item, dict)]
    if any(item.get("key") == "data" and item.get("message") == "'data'" for item in raw):
        # What Litestar reports when a required body is absent.
        return _("The request needs a JSON body."), []
    errors = [_field_error(item) for item in raw]
    if not errors:
        return str(exc.detail or _("The request is not valid.")), []
    detail = "; ".join(f"{error['field']}: {error['message']}" for error in errors)
    return _("The request body does not match the schema: %(errors)s.", errors=detail), errors


def _http_detail(request: Request[Any, Any, Any], exc: HTTPException) -> str:
    """Litestar's own details are bare status phrases; say what the client can do."""
    if isinstance(exc, ApiProblem):
        return str(exc.detail)
    if isinstance(exc.__cause__, SerializationException):
        # Litestar could not decode the body at all (truncated, not JSON, bad encoding…).
        reason = str(exc.detail or "").removeprefix("JSON is malformed:").strip()
        return _("The request body is not valid JSON (%(reason)s).", reason=reason)
    if isinstance(exc, NotFoundException):
        return _("There is no API endpoint at %(path)s.", path=request.url.path)
    if isinstance(exc, MethodNotAllowedException):
        allowed = allowed_methods(exc)
        return _(
            "%(method)s is not allowed on %(path)s; allowed: %(allowed)s.",
            method=request.method,
            path=request.url.path,
            allowed=allowed,
        )
    return str(exc.detail or HTTPStatus(exc.status_code).phrase)


def allowed_methods(exc: HTTPException) -> str:
    """A 405's Allow header, sorted; "GET, HEAD" when the raiser named none (static files)."""
    # Litestar builds the list from a set: sort it so the answer is the same every time.
    headers = {name.lower(): value for name, value in (exc.headers or {}).items()}
    raw = headers.get("allow", "") or "GET, HEAD"
    return ", ".join(sorted(method.strip() for method in raw.split(",") if method.strip()))


def _response_headers(exc: HTTPException) -> dict[str, str]:
    headers = {name.lower(): value for name, value in (exc.headers or {}).items()}
    if exc.status_code == 405:
        headers["allow"] = allowed_methods(exc)
    return headers


@_in_request_locale
def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if exc.status_code >= HTTP_500_INTERNAL_SERVER_ERROR:
        return handle_unexpected(request, exc)
    if isinstance(exc, ValidationException):
        detail, errors = _validation_problem(exc)
        return problem_response(request, exc.status_code, detail, errors=errors)
    return problem_response(
        request,
        exc.status_code,
        _http_detail(request, exc),
        errors=getattr(exc, "errors", None),
        headers=_response_headers(exc),
    )


@_in_request_locale
def handle_domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    if isinstance(exc, ValidationFailed):
        errors = [{"field": field, "message": message} for field, message in exc.errors.items()]
        return problem_response(request, HTTP_422_UNPROCESSABLE_ENTITY, str(exc), errors=errors)
    if isinstance(exc, NotFound):
        return problem_response(request, 404, str(exc))
    # Conflict and every other refusal by a rule: the request was fine, the state is not.
    return problem_response(request, 409, str(exc))


@_in_request_locale
def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    logger.error("Unhandled API error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        request,
        HTTP_500_INTERNAL_SERVER_ERROR,
        _("An unexpected error occurred; it has been logged."),
    )


@_in_request_locale
def handle_too_deep(request: Request[Any, Any, Any], exc: RecursionError) -> Response[Any]:
    """msgspec refuses JSON nested past Python's recursion limit (about a thousand levels)
    with RecursionError, before any of our code runs: the body is the client's problem.
    """
    return problem_response(
        request, HTTP_400_BAD_REQUEST, _("The request body is nested too deeply.")
    )


# Listed one by one: the app's HTML handlers for NotFound etc. would otherwise win.
api_exception_handlers: dict[Any, Any] = {
    RecursionError: handle_too_deep,
    HTTPException: handle_http_exception,
    DomainError: handle_domain_error,
    NotFound: handle_domain_error,
    ValidationFailed: handle_domain_error,
    Conflict: handle_domain_error,
    HTTP_500_INTERNAL_SERVER_ERROR: handle_unexpected,
}
