"""Request logging: one structured line per request, with a request id echoed in X-Request-ID."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse

from movoai.errors import problem_response
from movoai.net import client_ip

logger = logging.getLogger("movoai.request")
_ANSWERED_BY_DJANGO = (Http404, PermissionDenied, SuspiciousOperation, BadRequest)
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        duration_ms = round((time.perf_counter() - started) * 1000, 2)
        level = logging.ERROR if response.status_code >= 500 else logging.INFO
        logger.log(
            level,
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "request_id": request_id,
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": duration_ms,
                "client_ip": client_ip(request),
            },
        )
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """Log a crash with its request id; a database outage becomes a 503 problem, not a 500."""
        request_id = getattr(request, "request_id", None)
        if isinstance(exception, OperationalError | InterfaceError):  # unreachable, not a refused write
            logger.error("database unavailable: %s", exception, exc_info=exception, extra={"request_id": request_id})
            detail = "The database is unavailable; try again shortly."
            return problem_response(503, detail, headers={"Retry-After": "5"})
        if isinstance(exception, _ANSWERED_BY_DJANGO):
            return None  # a 4xx Django answers itself (the admin's 403 for a non-staff POST): no crash
        logger.error("unhandled exception", exc_info=exception, extra={"request_id": request_id})
        return None
