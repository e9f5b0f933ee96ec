"""gunicorn settings for the REST API (make run, make bench and production use this file)."""

import multiprocessing
import os
from typing import Any

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
# Threaded workers: requests mostly wait on PostgreSQL and Redis. Two processes a core with two
# threads each, not one with four: a worker takes whatever connections it accepts, and with two
# workers one of them often held most of the 32 benchmark connections on one core's worth of GIL
# (the warm list swung between ~850 and ~2,000 requests/s from row to row); with four it stays at
# ~2,000, and each worker's heap is smaller (bench/README.md).
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", max(2, 2 * multiprocessing.cpu_count())))
threads = int(os.environ.get("WEB_THREADS", "2"))
# Settings (and with them the embedded PostgreSQL and Redis) load once, before the fork.
preload_app = True
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = 10
keepalive = 5
# A worker is replaced after this many requests (a guard against slow leaks). At 10,000 a loaded
# worker restarted every few seconds, and each restart left one worker to serve every connection
# for a second or two: the benchmark's p99 (bench/README.md).
max_requests = 500_000
max_requests_jitter = 50_000
# Our middleware writes one JSON line per request; gunicorn's access log would repeat it.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# A request line or header this large is an attack or a bug, not a client.
limit_request_line = 8190
limit_request_fields = 100

# Prometheus multiprocess mode (movoai.metrics): each worker writes its values to files in
# PROMETHEUS_MULTIPROC_DIR and /metrics adds them up. At start, the files of processes that no longer
# run (an earlier server) are removed, so counts begin again; the Celery worker's, running, stay.
_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


if _metrics_dir:
    os.makedirs(_metrics_dir, exist_ok=True)
    for _entry in os.scandir(_metrics_dir):
        _pid = _entry.name.removesuffix(".db").rpartition("_")[2]
        if _entry.name.endswith(".db") and _pid.isdigit() and not _process_alive(int(_pid)):
            os.remove(_entry.path)


def child_exit(server: Any, worker: Any) -> None:
    """A worker ended: its live gauges leave the sum (its counters and histograms stay counted)."""
    if _metrics_dir:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid, _metrics_dir)  # type: ignore[no-untyped-call]
