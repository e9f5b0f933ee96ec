"""Benchmark mode (settings.BENCH, env MOVOAI_BENCH=1; `make bench`, bench/README.md).

- The ceiling: GET /api/v1/bench/ceiling?bytes=N answers a constant JSON body of N bytes through
  the whole middleware stack and nothing else (no DRF, no throttle, no Redis, no SQL). Every API
  target of the benchmark is a ratio to its requests per second.
- SQLQueryCountMiddleware: an `X-SQL-Queries` header with the number of SQL statements the request
  ran on the default database.

Neither exists outside benchmark mode: the route is not in the URLconf and the middleware is not in
MIDDLEWARE, and the view answers 404 if it is reached anyway.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path

DEFAULT_CEILING_BYTES = 10_000
MAX_CEILING_BYTES = 1_000_000
SQL_QUERIES_HEADER = "X-SQL-Queries"


@functools.lru_cache(maxsize=16)
def ceiling_body(size: int) -> bytes:
    """A JSON object of exactly `size` bytes (at least 14): built once per size, so the view costs
    nothing but the answer."""
    head, tail = b'{"padding":"', b'"}'
    return head + b"x" * max(0, size - len(head) - len(tail)) + tail


def ceiling(request: HttpRequest) -> HttpResponse:
    if not settings.BENCH:
        raise Http404("Benchmark mode is off.")
    raw = request.GET.get("bytes", "")
    size = int(raw) if raw.isdigit() else DEFAULT_CEILING_BYTES
    return HttpResponse(ceiling_body(min(size, MAX_CEILING_BYTES)), content_type="application/json")


def urlpatterns() -> list[URLPattern]:
    """The routes of benchmark mode under /api/v1/: none when it is off."""
    return [path("bench/ceiling", ceiling, name="bench-ceiling")] if settings.BENCH else []


class SQLQueryCountMiddleware:
    """Counts the SQL statements run on the default connection while the request is handled (first
    in MIDDLEWARE, so the other middleware's queries count too) and sends the count back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        count = 0

        def counted(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counted):
            response = self.get_response(request)
        response[SQL_QUERIES_HEADER] = str(count)
        return response
