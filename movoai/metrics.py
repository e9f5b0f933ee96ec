"""Prometheus metrics: request latency by route and status, Celery task counts and durations, AI
tokens and cost by agent, served as text at /metrics.

Several processes (gunicorn's workers, Celery's pool) each count their own share. With
PROMETHEUS_MULTIPROC_DIR set (`make run` sets it), prometheus_client's multiprocess mode keeps every
process's values in files in that directory and /metrics adds them up, whichever worker answers.
The variable must be set before the process starts (prometheus_client reads it when imported);
gunicorn.conf.py prepares the directory and forgets dead workers. Unset (tests, one process): the
default in-memory registry.

/metrics is open in development; in production it answers 404 unless the request carries
`Authorization: Bearer <METRICS_TOKEN>` (and always 404 when METRICS_TOKEN is unset).
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

MULTIPROCESS_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
if MULTIPROCESS_DIR:
    # Every process writes its own files there; the first to start creates the directory.
    os.makedirs(MULTIPROCESS_DIR, exist_ok=True)

METRICS_URL_NAME = "metrics"
UNMATCHED_ROUTE = "unmatched"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

# Labels are bounded: a route is a URL pattern (never the raw path, which holds ids), a method one
# of the standard ones, a task a registered task's name, an agent one of the planner's agents or a
# model call's purpose.
HTTP_REQUEST_DURATION = Histogram(
    "http_request_duration_seconds",
    "Time to answer an HTTP request, through the whole middleware stack, by URL pattern and status.",
    ["method", "route", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
CELERY_TASKS = Counter(
    "celery_tasks",
    "Celery task runs by final state (success, failure, retry, ignored, rejected).",
    ["task", "state"],
)
CELERY_TASK_DURATION = Histogram(
    "celery_task_duration_seconds",
    "Time a Celery task ran, whatever its outcome.",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0),
)
AI_TOKENS = Counter(
    "ai_tokens",
    "Language-model tokens by agent (or call purpose outside the planner) and kind (prompt, completion).",
    ["agent", "kind"],
)
AI_COST_USD = Counter("ai_cost_usd", "Language-model cost in US dollars, by agent (from LLM_PRICES).", ["agent"])


# ---- HTTP ---------------------------------------------------------------------------------------
def request_route(request: HttpRequest) -> str:
    """The URL pattern that answered (`api/v1/exercises/<int:exercise_id>`), or "unmatched"."""
    match = getattr(request, "resolver_match", None)
    return match.route if match is not None and match.route else UNMATCHED_ROUTE


class PrometheusMiddleware:
    """Times every request (first in MIDDLEWARE, so the other middleware count) into
    http_request_duration_seconds{method, route, status}. /metrics itself is not counted."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name == METRICS_URL_NAME:
            return response
        method = request.method if request.method in _METHODS else "OTHER"
        HTTP_REQUEST_DURATION.labels(method, request_route(request), str(response.status_code)).observe(
            time.perf_counter() - started
        )
        return response


# ---- Celery (signal receivers, connected in movoai.celery) --------------------------------------
# Task ids running in this process, with their start. A run is counted once, by task_postrun, which
# Celery sends in the process that ran the task whatever the outcome. task_failure and task_retry
# are counted only for tasks that did not run here: the worker's main process sends them when a pool
# process was lost or killed at the hard time limit, and no task_postrun follows.
_running: dict[str, float] = {}


def _task_name(task: Any) -> str:
    return str(getattr(task, "name", None) or "unknown")


def celery_task_prerun(*, task_id: str, **kwargs: Any) -> None:
    _running[task_id] = time.perf_counter()


def celery_task_postrun(*, task_id: str, task: Any, state: str | None = None, **kwargs: Any) -> None:
    started = _running.pop(task_id, None)
    name = _task_name(task)
    CELERY_TASKS.labels(name, (state or "unknown").lower()).inc()
    if started is not None:
        CELERY_TASK_DURATION.labels(name).observe(time.perf_counter() - started)


def celery_task_failure(*, sender: Any = None, task_id: str | None = None, **kwargs: Any) -> None:
    if task_id not in _running:
        CELERY_TASKS.labels(_task_name(sender), "failure").inc()


def celery_task_retry(*, sender: Any = None, request: Any = None, **kwargs: Any) -> None:
    if getattr(request, "id", None) not in _running:
        CELERY_TASKS.labels(_task_name(sender), "retry").inc()


# ---- AI -----------------------------------------------------------------------------------------
def ai_usage_record(*, agent: str, prompt_tokens: int, completion_tokens: int, cost_usd: Decimal) -> None:
    """Count one model call's tokens and cost for an agent."""
    AI_TOKENS.labels(agent, "prompt").inc(prompt_tokens)
    AI_TOKENS.labels(agent, "completion").inc(completion_tokens)
    AI_COST_USD.labels(agent).inc(float(cost_usd))


# ---- /metrics -----------------------------------------------------------------------------------
def exposition_registry(multiprocess_dir: str = MULTIPROCESS_DIR) -> CollectorRegistry:
    """What /metrics shows: every process's files added up in multiprocess mode, else this process's."""
    if not multiprocess_dir:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=multiprocess_dir)  # type: ignore[no-untyped-call]
    return registry


def _bearer_token_ok(request: HttpRequest) -> bool:
    expected: str = settings.METRICS_TOKEN
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if not expected or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(token.strip().encode(), expected.encode())


@never_cache
@require_safe
def metrics_view(request: HttpRequest) -> HttpResponse:
    """The Prometheus text exposition. A plain Django view: no DRF throttle, no cache."""
    if settings.IS_PRODUCTION and not _bearer_token_ok(request):
        raise Http404  # as if there were nothing here
    return HttpResponse(generate_latest(exposition_registry()), content_type=CONTENT_TYPE_LATEST)
