#!/usr/bin/env python3
"""Plan generation end to end against a running server (`make run`, no API key: the rule-based
agents), through the API, the Celery worker and the database: POST /ai/agents/generate-plan, then
poll the execution until it has finished. Each request comes from a new anonymous user (a token
from POST /api/v1/users) over its own loopback address 127.0.x.y, so neither the per-user limits nor
the per-IP AI limit is what is measured.

    python3 bench/agents/plan_generation.py --base-url http://127.0.0.1:8000 --runs 20
    python3 bench/agents/plan_generation.py --concurrent 20

Sequential runs print p50/p95/max of the time from the POST to the finished execution (the
execution's own execution_time_ms beside it); --concurrent N starts N generations at once and checks
that every one succeeded with its own plan.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import statistics
import threading
import time
import urllib.parse
from typing import Any

_ips = (f"127.0.{i}.{j}" for i, j in itertools.product(range(10, 250), range(2, 250)))
_ip_lock = threading.Lock()
GOALS = ["strength", "hypertrophy", "endurance", "weight_loss", "general_fitness"]
EQUIPMENT = [["dumbbell"], ["barbell", "bench", "dumbbell"], ["body weight"], []]
LIMITATIONS = [[], ["knee"], ["lower back"], ["shoulder"]]


class Api:
    def __init__(self, base: str) -> None:
        url = urllib.parse.urlsplit(base)
        self.host, self.port = url.hostname or "127.0.0.1", url.port or 80
        with _ip_lock:
            self.source = next(_ips)
        self.token = ""

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60, source_address=(self.source, 0))
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        connection.request(method, path, json.dumps(body) if body is not None else None, headers)
        response = connection.getresponse()
        payload = response.read()
        connection.close()
        return response.status, json.loads(payload) if payload else None

    def login(self) -> None:
        status, body = self.call("POST", "/api/v1/users", {})
        if status != 201:
            raise SystemExit(f"POST /users: HTTP {status} {body}")
        self.token = body["access"]


def request_body(i: int) -> dict[str, Any]:
    return {
        "duration_weeks": (4, 8, 12)[i % 3],
        "days_per_week": 2 + i % 5,
        "goals": [GOALS[i % len(GOALS)]],
        "fitness_level": ("beginner", "intermediate", "advanced")[i % 3],
        "available_equipment": EQUIPMENT[i % len(EQUIPMENT)],
        "session_minutes": 30 + 15 * (i % 3),
        "limitations": LIMITATIONS[i % len(LIMITATIONS)],
    }


def generate(base: str, i: int) -> dict[str, Any]:
    """One generation: the wall time from the POST to the finished execution, and the execution."""
    api = Api(base)
    api.login()
    started = time.perf_counter()
    status, body = api.call("POST", "/api/v1/ai/agents/generate-plan", request_body(i))
    if status != 202:
        raise SystemExit(f"generate-plan: HTTP {status} {body}")
    execution_id = body["execution_id"]
    while True:
        status, execution = api.call("GET", f"/api/v1/ai/agents/executions/{execution_id}")
        if status != 200:
            raise SystemExit(f"GET execution: HTTP {status} {execution}")
        if execution["status"] in ("succeeded", "failed", "paused"):
            break
        time.sleep(0.05)
    return {"wall_ms": (time.perf_counter() - started) * 1000, "execution": execution}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def sequential(base: str, runs: int) -> None:
    results = [generate(base, i) for i in range(runs)]
    failed = [r for r in results if r["execution"]["status"] != "succeeded"]
    wall = [r["wall_ms"] for r in results]
    own = [float(r["execution"]["execution_time_ms"] or 0) for r in results]
    print("| measure | runs | p50 ms | p95 ms | max ms |\n|---|---|---|---|---|")
    for name, values in (("POST to finished (wall)", wall), ("execution_time_ms (worker)", own)):
        p50, p95 = statistics.median(values), percentile(values, 0.95)
        print(f"| {name} | {runs} | {p50:.0f} | {p95:.0f} | {max(values):.0f} |")
    print(f"failed: {len(failed)}")


def concurrent(base: str, n: int) -> None:
    results: list[dict[str, Any] | BaseException] = [RuntimeError("not run")] * n

    def run(i: int) -> None:
        try:
            results[i] = generate(base, i)
        except BaseException as error:  # reported below
            results[i] = error

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    done = [r for r in results if isinstance(r, dict)]
    succeeded = [r for r in done if r["execution"]["status"] == "succeeded"]
    plans = {r["execution"].get("plan_id") for r in succeeded}
    print(f"{n} concurrent generations in {elapsed:.1f} s: {len(succeeded)} succeeded, "
          f"{n - len(done)} errors, {len(plans)} distinct plans")  # fmt: skip
    for r in results:
        if not isinstance(r, dict):
            print("error:", r)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--concurrent", type=int, default=0)
    args = parser.parse_args()
    if args.concurrent:
        concurrent(args.base_url, args.concurrent)
    else:
        sequential(args.base_url, args.runs)


if __name__ == "__main__":
    main()
