"""gunicorn settings for the REST API (make run, make bench and production use this file)."""

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
# Threaded workers: requests mostly wait on PostgreSQL and Redis.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", max(2, multiprocessing.cpu_count())))
threads = int(os.environ.get("WEB_THREADS", "4"))
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
