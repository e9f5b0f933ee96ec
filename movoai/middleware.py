"""Request plumbing: one structured log line per request (with a request id echoed in X-Request-ID),
query strings checked, and requests whose client has already gone dropped before any work."""

from __future__ import annotations

import logging
import re
import socket
import time
import uuid
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.core.handlers.wsgi import WSGIRequest, get_bytes_from_wsgi
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse

from movoai.errors import REDIS_OUTAGES, database_unavailable_response, problem_response, redis_unavailable
from movoai.net import client_ip

logger = logging.getLogger("movoai.request")
_ANSWERED_BY_DJANGO = (Http404, PermissionDenied, SuspiciousOperation, BadRequest)
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def query_string_errors(query_string: bytes) -> dict[str, list[str]]:
    """{parameter: [message]} for each query parameter (name or value) that is not UTF-8 or holds a
    NUL byte. Django would silently turn bad bytes into U+FFFD, and PostgreSQL text cannot store NUL."""
    errors: dict[str, list[str]] = {}
    for pair in query_string.split(b"&"):
        raw_name, _, raw_value = pair.partition(b"=")
        name_bytes = unquote_to_bytes(raw_name.replace(b"+", b" "))
        name = name_bytes.decode("utf-8", "replace").replace("\x00", "\\0")[:100]
        for part in (name_bytes, unquote_to_bytes(raw_value.replace(b"+", b" "))):
            if b"\x00" in part:
                errors.setdefault(name, []).append("Must not contain a NUL byte (%00).")
                break
            try:
                part.decode("utf-8")
            except UnicodeDecodeError as exc:
                errors.setdefault(name, []).append(f"Not valid UTF-8 (byte {exc.start} once percent-decoded).")
                break
    return errors


class QueryStringMiddleware:
    """Under /api: a query parameter that is not UTF-8 or holds a NUL byte is a 400 problem naming it,
    for every endpoint, before a view (or the search, or the cache key) sees a mangled value."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query_string = request.META.get("QUERY_STRING", "")
        if query_string and request.path.startswith("/api/"):
            # The bytes as sent: WSGI hands them over as latin-1 text, ASGI (Django) as UTF-8 text.
            if isinstance(request, WSGIRequest):
                raw = get_bytes_from_wsgi(request.environ, "QUERY_STRING", "")
            else:
                raw = query_string.encode()
            errors = query_string_errors(raw)
            if errors:
                detail = "Invalid query string. " + "; ".join(f"{name}: {' '.join(m)}" for name, m in errors.items())
                return problem_response(400, detail, errors=errors)
        return self.get_response(request)


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
        """Log a crash with its request id; a database or Redis outage becomes a 503 problem, not a 500."""
        request_id = getattr(request, "request_id", None)
        if isinstance(exception, OperationalError | InterfaceError):  # unreachable, not a refused write
            return database_unavailable_response(exception, request)
        if isinstance(exception, REDIS_OUTAGES):
            unavailable = redis_unavailable(exception, request)
            headers = {"Retry-After": str(unavailable.retry_after)}
            return problem_response(503, str(unavailable.detail), headers=headers)
        if isinstance(exception, _ANSWERED_BY_DJANGO):
            return None  # a 4xx Django answers itself (the admin's 403 for a non-staff POST): no crash
        logger.error("unhandled exception", exc_info=exception, extra={"request_id": request_id})
        return None


# nginx's status for a request whose client closed the connection before the answer: logged and
# counted, never sent (nobody is left to read it).
CLIENT_CLOSED_REQUEST = 499


def client_gone(sock: socket.socket) -> bool:
    """Whether the client at the other end of `sock` has closed its connection: an end of stream
    (or a reset) waiting behind the request already read. Data waiting (a pipelined request, a body
    not read yet) or nothing waiting means the client is still there."""
    try:
        return sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False
    except (ConnectionResetError, BrokenPipeError):
        return True
    except (OSError, ValueError):  # not a plain socket (TLS takes no recv flags): assume it is there
        return False


class ClientGoneMiddleware:
    """Drop a request whose client has given up while it waited in gunicorn's queue.

    Under overload, gunicorn serves every request it accepted, even one whose client timed out and
    closed the connection long ago: the server spends its time on answers nobody reads, while the
    clients' retries queue behind them, and goodput collapses (bench/README.md, the overload run).
    Before any work (no database, no Redis), such a request is answered 499 in the log and the
    metrics only. Safe for writes: a client that gave up does not know whether its write was
    stored and sends it again (logs and assignments by their client id, sign-up with its
    Idempotency-Key). Only under gunicorn, which hands the socket over (`gunicorn.socket`);
    `CLIENT_GONE_CHECK=false` turns it off.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.enabled = settings.CLIENT_GONE_CHECK

    def __call__(self, request: HttpRequest) -> HttpResponse:
        sock = request.META.get("gunicorn.socket") if self.enabled else None
        if isinstance(sock, socket.socket) and client_gone(sock):
            return HttpResponse(status=CLIENT_CLOSED_REQUEST, reason="Client Closed Request")
        return self.get_response(request)
