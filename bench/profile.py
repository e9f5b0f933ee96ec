#!/usr/bin/env python3
"""Where the time of one kind of request goes, in process: pyinstrument over N requests made with
Django's test client (the whole middleware stack, the real PostgreSQL and Redis of the development
setup), plus the wall time and the SQL time per request. What bench/README.md's "What limits the
failing targets" quotes.

    .venv/bin/python bench/profile.py search      # GET /exercises/search, 200 distinct queries, uncached
    .venv/bin/python bench/profile.py list        # GET /exercises page 1, uncached
    .venv/bin/python bench/profile.py log         # POST /users/{id}/workout-logs (the bench user)
    .venv/bin/python bench/profile.py suggest     # POST /ai/suggest-exercises, a new body each time
    .venv/bin/python bench/profile.py search --requests 500 --no-profile

Needs the development database with the demo content and, for `log`, the bench user
(`manage.py bench_setup`; `make bench` leaves it there). Runs in benchmark mode (MOVOAI_BENCH=1:
rate limits lifted) with the local embedding model in process (EMBEDDING_BACKEND=local), so one
process holds everything and the profile shows the embedding too. The logs it posts are removed
afterwards (bench_setup again). Not a load test: one request at a time, no server.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "movoai.settings")
os.environ["MOVOAI_BENCH"] = "1"
os.environ["EMBEDDING_BACKEND"] = "local"
os.environ.setdefault("LOG_LEVEL", "WARNING")

QUERIES = [
    line.strip()
    for line in (ROOT / "bench" / "data" / "search_queries.txt").read_text().splitlines()
    if line.strip() and not line.startswith("#")
]
MUSCLES = ["chest", "quadriceps", "glutes", "hamstrings", "lats", "shoulders", "biceps", "triceps", "abdominals"]
CONTEXTS = ["knee friendly", "no jumping", "posture", "at home", "quick", "pour débutant", "sans matériel"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=["search", "list", "log", "suggest"])
    parser.add_argument("--requests", type=int, default=300, help="requests measured (default 300)")
    parser.add_argument("--no-profile", action="store_true", help="only the timings, no pyinstrument tree")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    settings.ALLOWED_HOSTS = ["*"]  # each uncached request has a Host of its own (as bench/wrk/paths.lua)
    client, tag = Client(), uuid.uuid4().hex[:8]
    request = _requests(args.kind, client, tag)
    for number in range(10):  # connections, the embedding model, PostgreSQL's caches
        request(-1 - number)

    sql_seconds = [0.0]

    def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            sql_seconds[0] += time.perf_counter() - started

    with connection.execute_wrapper(timed):
        started = time.perf_counter()
        for number in range(args.requests):
            request(number)
        wall = time.perf_counter() - started
    print(
        f"{args.kind}: {wall / args.requests * 1000:.2f} ms a request, of which SQL (round trips) "
        f"{sql_seconds[0] / args.requests * 1000:.2f} ms; {args.requests} requests, one at a time"
    )
    if not args.no_profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0002)
        profiler.start()
        for number in range(args.requests, 2 * args.requests):
            request(number)
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False))
    if args.kind == "log":
        call_command("bench_setup", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115


def _requests(kind: str, client: Any, tag: str) -> Callable[[int], None]:
    def check(response: Any) -> None:
        if response.status_code >= 300:
            raise SystemExit(f"{response.status_code}: {response.content[:300]!r}")

    if kind == "search":
        return lambda n: check(
            client.get("/api/v1/exercises/search", {"q": QUERIES[n % len(QUERIES)]}, HTTP_HOST=f"h{n}-{tag}.test")
        )
    if kind == "list":
        return lambda n: check(client.get("/api/v1/exercises", HTTP_HOST=f"h{n}-{tag}.test"))
    if kind == "suggest":

        def suggest(n: int) -> None:
            body = {
                "target_muscles": [MUSCLES[n % len(MUSCLES)]],
                "context": f"{CONTEXTS[n % len(CONTEXTS)]} {tag}-{n}",
            }
            check(client.post("/api/v1/ai/suggest-exercises", json.dumps(body), content_type="application/json"))

        return suggest

    from accounts.models import User
    from plans.models import PlanExercise
    from tracking.models import UserPlan

    user = User.objects.filter(guest_id="movoai-bench").first()
    if user is None:
        raise SystemExit("No bench user: run `.venv/bin/python manage.py bench_setup` first.")
    user_plan = UserPlan.objects.get(user=user)
    plan_exercises = list(PlanExercise.objects.filter(plan_id=user_plan.plan_id).values_list("id", flat=True)[:50])
    path = f"/api/v1/users/{user.id}/workout-logs"

    def post_log(n: int) -> None:
        body = {
            "id": str(uuid.uuid4()),
            "plan_exercise_id": plan_exercises[n % len(plan_exercises)],
            "date_performed": str(datetime_today()),
            "sets_completed": 3,
            "reps_completed": 8,
            "weight_kg": 40,
            "rpe": 7,
        }
        check(client.post(path, json.dumps(body), content_type="application/json"))

    return post_log


def datetime_today() -> Any:
    from django.utils import timezone

    return timezone.now().date()


if __name__ == "__main__":
    main()
