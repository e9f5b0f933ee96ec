#!/usr/bin/env python3
"""Response time of each AI endpoint against a running server (`make run`, no API key: the rules
engine and local embeddings). Sequential requests, one connection each, spread over loopback
addresses 127.0.0.x so the AI rate limit (20/min/IP) is not what is measured.

    python3 bench/ai/latency.py --base-url http://127.0.0.1:8000 --requests 30

Prints p50/p90/max per endpoint in ms. Varied inputs defeat the anonymous answer cache; one
"cached" row shows a repeated request.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import statistics
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

_ips = (f"127.0.{i}.{j}" for i, j in itertools.product(range(10, 250), range(2, 250)))
GOALS = ["strength", "hypertrophy", "endurance", "weight_loss", "mobility"]
MUSCLES = ["chest", "quadriceps", "glutes", "hamstrings", "lats", "shoulders", "biceps", "triceps", "abdominals"]
CONTEXTS = ["knee friendly", "no jumping", "posture", "low back pain", "at home", "quick", "beginner friendly"]
QUESTIONS = [
    "Which exercises for chest with dumbbells?",
    "Explain the goblet squat.",
    "Plan a week of training for me.",
    "What should I do today?",
    "Quels exercices pour les abdos ?",
    "Comment faire un développé couché ?",
]


def post(base: str, path: str, body: Any) -> tuple[float, int]:
    url = urllib.parse.urlsplit(base)
    host = url.hostname or "127.0.0.1"
    connection = http.client.HTTPConnection(host, url.port, timeout=30, source_address=(next(_ips), 0))
    payload = json.dumps(body)
    started = time.perf_counter()
    connection.request("POST", path, payload, {"Content-Type": "application/json"})
    response = connection.getresponse()
    response.read()
    elapsed = (time.perf_counter() - started) * 1000
    connection.close()
    return elapsed, response.status


def measure(base: str, name: str, path: str, body: Callable[[int], Any], n: int) -> None:
    times = []
    for i in range(n):
        elapsed, status = post(base, path, body(i))
        if status != 200:
            raise SystemExit(f"{name}: HTTP {status}")
        times.append(elapsed)
    times.sort()
    p90 = times[int(0.9 * (len(times) - 1))]
    print(f"| {name} | {n} | {statistics.median(times):.0f} | {p90:.0f} | {times[-1]:.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    base, n = args.base_url, args.requests
    ai = "/api/v1/ai"
    print("| endpoint | requests | p50 ms | p90 ms | max ms |\n|---|---|---|---|---|")
    measure(base, "recommend-workout", f"{ai}/recommend-workout", lambda i: {
        "goals": [GOALS[i % 5]], "available_equipment": [["dumbbell"], ["barbell", "bench"], []][i % 3],
        "days_per_week": 2 + i % 5, "minutes_per_session": 30 + 5 * (i % 7)}, n)  # fmt: skip
    measure(base, "analyze-progress (inline, 12 workouts)", f"{ai}/analyze-progress", lambda i: {"workouts": [
        {"date": f"2026-10-{d + 1:02d}", "exercises": [{"exercise_id": 1 + (d + i) % 900, "sets": 3,
                                                         "reps": 8 + d % 4, "weight_kg": 20 + d + i}]}
        for d in range(12)]}, n)  # fmt: skip
    measure(base, "suggest-exercises (hybrid semantic)", f"{ai}/suggest-exercises", lambda i: {
        "target_muscles": [MUSCLES[i % 9]], "context": f"{CONTEXTS[i % 7]} {i}"}, n)  # fmt: skip
    measure(base, "suggest-exercises (cached repeat)", f"{ai}/suggest-exercises",
            lambda i: {"target_muscles": ["chest"], "context": "posture"}, n)  # fmt: skip
    measure(base, "chat (new session)", f"{ai}/chat", lambda i: {"message": QUESTIONS[i % 6]}, n)


if __name__ == "__main__":
    main()
