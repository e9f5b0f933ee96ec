"""One error format everywhere: RFC 9457 problem details (application/problem+json).

`type`, `title`, `status`, `detail`, and for bad input `errors`: {field: [messages]}.
DRF exceptions go through `exception_handler`; Django-level 400/403/404/500 under /api and /health
go through the `handler*` views wired in movoai.urls. Never a stack trace, never an HTML page.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework import exceptions
from rest_framework.response import Response

logger = logging.getLogger("movoai.errors")

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_BASE = "https://movoai.app/problems/"
# Retry-After of a 503 for a dependency that is down (the database, Redis behind a limiter): soon
# enough to notice its return, far enough apart not to hammer it.
OUTAGE_RETRY_AFTER_SECONDS = 5
DATABASE_DOWN_DETAIL = "The database is unavailable; try again shortly."
# Redis unreachable or not answering: an outage. Its other errors (a wrong type, a script error) are bugs.
REDIS_OUTAGES = (RedisConnectionError, RedisTimeoutError)

_TITLES = {
    400: ("bad-request", "Bad request"),
    401: ("unauthorized", "Authentication required"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    409: ("conflict", "Conflict"),
    413: ("payload-too-large", "Request body too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("unprocessable", "Unprocessable content"),
    429: ("rate-limited", "Too many requests"),
    500: ("server-error", "Internal server error"),
    503: ("service-unavailable", "Service unavailable"),
}


def problem(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    slug: str | None = None,
    errors: dict[str, list[str]] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The body of a problem response."""
    default_slug, default_title = _TITLES.get(status, ("error", "Error"))
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + (slug or default_slug),
        "title": title or default_title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    if extra:
        body.update(extra)
    return body


def problem_response(status: int, detail: str, **kwargs: Any) -> JsonResponse:
    """A problem as a plain Django response (for code outside DRF views)."""
    headers = kwargs.pop("headers", None)
    return JsonResponse(
        problem(status, detail, **kwargs),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
        headers=headers,
        json_dumps_params={"ensure_ascii": False},
    )


class Conflict(exceptions.APIException):
    """409. `retry_after` (seconds) for a conflict that passes by itself (a request still in
    flight), sent as Retry-After."""

    status_code = 409
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"

    def __init__(self, detail: str | None = None, *, retry_after: int | None = None) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class Unprocessable(exceptions.APIException):
    status_code = 422
    default_detail = "The request is well-formed but cannot be processed."
    default_code = "unprocessable"


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


class ServiceUnavailable(exceptions.APIException):
    """503. `retry_after` (seconds) for an outage that should pass, sent as Retry-After; none for a
    service this server is not configured for."""

    status_code = 503
    default_detail = "A service this request needs is unavailable; try again shortly."
    default_code = "service_unavailable"

    def __init__(self, detail: str | None = None, *, retry_after: int | None = None) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


def redis_unavailable(exc: Exception, request: Any) -> ServiceUnavailable:
    """The 503 for Redis unreachable in code that cannot answer without it (code that can, the
    cached pages and the fail-open limits, catches RedisError itself), logged as the error it is."""
    logger.error(
        "redis unavailable, not handled by the view: %s",
        exc,
        exc_info=exc,
        extra={"request_id": getattr(request, "request_id", None)},
    )
    return ServiceUnavailable(retry_after=OUTAGE_RETRY_AFTER_SECONDS)


def database_unavailable_response(exc: Exception, request: Any) -> JsonResponse:
    """The 503 problem for a database that cannot be reached (OperationalError, InterfaceError),
    logged with the request's id."""
    logger.error(
        "database unavailable: %s", exc, exc_info=exc, extra={"request_id": getattr(request, "request_id", None)}
    )
    headers = {"Retry-After": str(OUTAGE_RETRY_AFTER_SECONDS)}
    return problem_response(503, DATABASE_DOWN_DETAIL, headers=headers)


def _field_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail flattened to {"field.sub": ["message", ...]}."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for field, messages in _field_errors(value, name).items():
                out.setdefault(field, []).extend(messages)
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            out[prefix or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                for field, messages in _field_errors(item, f"{prefix}.{index}" if prefix else str(index)).items():
                    out.setdefault(field, []).extend(messages)
    else:
        out[prefix or "non_field_errors"] = [str(detail)]
    return out


def _validation_detail(errors: dict[str, list[str]]) -> str:
    parts = [f"{field}: {' '.join(messages)}" for field, messages in errors.items()]
    return "Invalid input. " + "; ".join(parts)


def api_problem(exc: exceptions.APIException) -> dict[str, Any]:
    """The problem body of a DRF exception: field errors flattened and named in the detail (used by
    the exception handler and by the WebSocket consumer, which has no DRF response)."""
    if isinstance(exc, exceptions.ValidationError) or isinstance(exc.detail, dict | list):
        errors = _field_errors(exc.detail)
        return problem(exc.status_code, _validation_detail(errors), errors=errors)
    return problem(exc.status_code, str(exc.detail))


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF's exception handler, answering every exception with a problem."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) if str(exc) else None)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):  # Django's body limit; a SuspiciousOperation, else a 500 here
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        exc = PayloadTooLarge(f"The request body is larger than the limit of {limit} bytes.")
    elif isinstance(exc, DjangoValidationError):
        # services raise Django's ValidationError ({field: [messages]}); it is a 400 like DRF's
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, REDIS_OUTAGES):
        exc = redis_unavailable(exc, context.get("request"))

    if isinstance(exc, OperationalError | InterfaceError):  # unreachable, not a refused write
        request = context.get("request")
        logger.error(
            "database unavailable: %s", exc, exc_info=exc, extra={"request_id": getattr(request, "request_id", None)}
        )
        body = problem(503, DATABASE_DOWN_DETAIL)
        retry_after = {"Retry-After": str(OUTAGE_RETRY_AFTER_SECONDS)}
        return Response(body, status=503, headers=retry_after, content_type=PROBLEM_CONTENT_TYPE)

    if not isinstance(exc, exceptions.APIException):
        request = context.get("request")
        logger.exception(
            "unhandled exception in %s",
            context.get("view").__class__.__name__,
            extra={"request_id": getattr(request, "request_id", None)},
        )
        body = problem(500, "The server failed to answer this request. It has been logged.")
        return Response(body, status=500, content_type=PROBLEM_CONTENT_TYPE)

    headers: dict[str, str] = {}
    wait = getattr(exc, "wait", None) if isinstance(exc, exceptions.Throttled) else None
    if wait is not None:
        headers["Retry-After"] = str(max(1, math.ceil(wait)))
    if isinstance(exc, ServiceUnavailable | Conflict) and exc.retry_after is not None:
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        headers["WWW-Authenticate"] = 'Bearer realm="api"'
    body = api_problem(exc)
    if isinstance(exc, exceptions.MethodNotAllowed):
        view = context.get("view")
        if view is not None:
            headers["Allow"] = ", ".join(view.allowed_methods)
    return Response(body, status=exc.status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


# ---- Django-level handlers (URL not found, crashes outside DRF) ----------------------------------
def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(("/api/", "/health"))


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return problem_response(400, "The request could not be understood.")
    return defaults.bad_request(request, exception)  # type: ignore[arg-type]


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return problem_response(403, "You do not have permission to do this.")
    return defaults.permission_denied(request, exception)  # type: ignore[arg-type]


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return problem_response(404, f"No endpoint at {request.path}. The API is documented at /docs.")
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return problem_response(500, "The server failed to answer this request. It has been logged.")
    return defaults.server_error(request)
