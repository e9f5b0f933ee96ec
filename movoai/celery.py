"""The Celery app: it runs the multi-agent planner's workflows (coach.tasks) in worker processes.

Its broker is the same Redis as the cache (REDIS_URL, or the embedded server on a Unix socket when
REDIS_URL is unset, spelled `redis+socket://` for kombu); settings.CELERY_* configure it (late
acknowledgement, prefetch 1, no result backend). `make run` starts a worker beside the API (the
Procfile's `worker`); in production run `celery -A movoai worker --concurrency 2 --prefetch-multiplier 1
-O fair`. Each app's tasks.py is discovered automatically.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from celery import Celery, signals

from movoai import metrics

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "movoai.settings")

app = Celery("movoai")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def kombu_broker_url(url: str) -> str:
    """kombu reads a Unix-socket Redis's database from `virtual_host`, not from `db` (which it
    ignores: `redis+socket:///path?db=8` would be database 0). The same URL with the database where
    kombu looks for it."""
    parts = urlsplit(url)
    if parts.scheme != "redis+socket":
        return url
    query = dict(parse_qsl(parts.query))
    if "db" in query and "virtual_host" not in query:
        query["virtual_host"] = query.pop("db")
    # urlunsplit would drop the empty authority (`redis+socket:/path`), which kombu cannot read
    return f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(query)}"


def _broker_database(sender: Celery, **kwargs: Any) -> None:
    sender.conf.broker_url = kombu_broker_url(sender.conf.broker_url)


app.on_after_configure.connect(_broker_database)

# Task counts and durations for /metrics (movoai.metrics): in the worker, and in eager runs.
signals.task_prerun.connect(metrics.celery_task_prerun, dispatch_uid="movoai.metrics.task_prerun")
signals.task_postrun.connect(metrics.celery_task_postrun, dispatch_uid="movoai.metrics.task_postrun")
signals.task_failure.connect(metrics.celery_task_failure, dispatch_uid="movoai.metrics.task_failure")
signals.task_retry.connect(metrics.celery_task_retry, dispatch_uid="movoai.metrics.task_retry")
