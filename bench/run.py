#!/usr/bin/env python3
"""`make bench`: the API under load, every target of issue #8 as a ratio to a ceiling measured in
the same run. See bench/README.md for what each row does and why.

    .venv/bin/python bench/run.py                 # everything (about 5 minutes)
    .venv/bin/python bench/run.py --duration 5 --skip-growth

Serves the API with the Procfile's `web:` command (gunicorn -c gunicorn.conf.py, the server
configuration of `make run`) and its `worker:` command, with MOVOAI_BENCH=1, on the development
database (the embedded PostgreSQL/Redis, or DATABASE_URL/REDIS_URL), drives it with wrk (32
connections, 2 threads) and writes bench/results/latest.json and latest.md. The growth rows run on
a database of their own (created, then dropped), never on the development one.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import http.client
import io
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
WRK_DIR = BENCH_DIR / "wrk"
RESULTS_DIR = BENCH_DIR / "results"
QUERIES_FILE = BENCH_DIR / "data" / "search_queries.txt"
sys.path[:0] = [str(ROOT), str(BENCH_DIR / "agents")]

HOST = "127.0.0.1"
GROWTH_DATABASE = "movoai_bench_x10"
GROWTH_COPIES = 9  # the library and 9 copies of it: 10 times the exercises
# Run logs have ids "bee0<run>-<phase>-..."; bench_setup removes every log of the bench user but its own.
LOG_PHASES = {"warmup": "0001", "measured": "0002", "progress": "0003", "sample": "0004"}
LIST = "/api/v1/exercises"
PLAN_CEILING_ROW = "ceiling at the 12-week plan's size"
CEILING_AGAIN_ROW = "ceiling, again after the GET rows"
FILTERED = "/api/v1/exercises?muscles=chest&equipment=dumbbell&lang=fr"
SEARCH = "/api/v1/exercises/search"
SUGGEST = "/api/v1/ai/suggest-exercises"
LIST_ROW = "GET /exercises page 1 (warm)"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# ---- the Django side: setup command, database checks, clean-up -----------------------------------
def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "movoai.settings")
    import django

    django.setup()


def bench_setup(logs: int) -> dict[str, Any]:
    from django.core.management import call_command

    out = io.StringIO()
    call_command("bench_setup", logs=logs, stdout=out)
    return dict(json.loads(out.getvalue().strip().splitlines()[-1]))


def stored_log_ids(prefix: str) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT id::text FROM user_workout_logs WHERE id::text LIKE %s", [prefix + "%"])
        return [row[0] for row in cursor.fetchall()]


def delete_users_of_executions(execution_ids: list[str]) -> int:
    """The anonymous users plan generation created (one per request, as bench/agents does), with
    every row of theirs (accounts.services.user_delete)."""
    from accounts.services import user_delete
    from coach.models import AgentExecution

    users = {e.user for e in AgentExecution.objects.filter(id__in=execution_ids).select_related("user")}
    for user in users:
        if user.guest_id is None and user.email is None:
            user_delete(user=user)
    return len(users)


def redis_url_with_db(url: str, db: int) -> str:
    """The same Redis server, another logical database (as movoai.settings_test does)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "unix":
        query = dict(urllib.parse.parse_qsl(parts.query))
        query["db"] = str(db)
        return f"unix://{parts.path}?{urllib.parse.urlencode(query)}"
    return urllib.parse.urlunsplit(parts._replace(path=f"/{db}"))


def redis_flush(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def database_url(name: str) -> str:
    from django.conf import settings

    db = settings.DATABASES["default"]
    auth = urllib.parse.quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + urllib.parse.quote(db["PASSWORD"], safe="")
    host = urllib.parse.quote(db["HOST"] or "localhost", safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}@{host}{port}/{name}"


def admin_sql(statement: str) -> None:
    """A statement outside any transaction, on the server's maintenance database."""
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    params = {"host": db["HOST"], "port": db["PORT"] or None, "user": db["USER"], "password": db["PASSWORD"] or None}
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        conn.execute(statement)


# ---- processes ----------------------------------------------------------------------------------
def procfile() -> dict[str, str]:
    """The Procfile's processes: name -> command."""
    lines = (ROOT / "Procfile").read_text().splitlines()
    found = (re.match(r"^([A-Za-z0-9_-]+):\s*(.+)$", line) for line in lines if not line.startswith("#"))
    return {match.group(1): match.group(2).strip() for match in found if match}


def procfile_command(name: str) -> str:
    command = procfile().get(name)
    if command is None:
        raise SystemExit(f"Procfile has no {name}: line")
    return command


def wait_port(process: Process, port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.alive():
            raise SystemExit(f"{process.name} exited:\n{process.tail()}")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=1):
            return
        time.sleep(0.3)
    raise SystemExit(f"{process.name} did not listen on port {port} within {timeout:.0f} s:\n{process.tail()}")


def process_rss_mb(pid: int) -> float:
    """VmRSS of a process and its children (a Celery worker's pool processes), in MB."""
    total = 0.0
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            pids += [int(child) for child in task.read_text().split()]
    for each in pids:
        with contextlib.suppress(OSError):
            found = re.search(r"^VmRSS:\s+(\d+) kB", Path(f"/proc/{each}/status").read_text(), re.MULTILINE)
            total += int(found.group(1)) / 1024 if found else 0
    return total


class Process:
    """A Procfile command in its own session (Ctrl-C in the terminal does not reach it; stop() does)."""

    def __init__(self, name: str, command: str, env: dict[str, str], log_path: Path) -> None:
        self.name, self.log_path = name, log_path
        self.log_file = open(log_path, "w")  # noqa: SIM115 - closed in stop()
        self.popen = subprocess.Popen(  # noqa: S603 - our Procfile's command
            ["bash", "-c", f"exec {command}"],  # noqa: S607
            cwd=ROOT,
            env=env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self) -> None:
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.pid, signal.SIGKILL)
                self.popen.wait(timeout=5)
        self.log_file.close()

    def tail(self, lines: int = 20) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def server_env(port: int, extra: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "PATH": f"{Path(sys.executable).parent}:{env.get('PATH', '')}",
            "MOVOAI_BENCH": "1",
            "HOST": HOST,
            "PORT": str(port),
            "PYTHONUNBUFFERED": "1",
            # metrics of its own (per port), never mixed with a `make run` on the same checkout
            "PROMETHEUS_MULTIPROC_DIR": str(ROOT / ".embedded" / "bench" / f"prometheus-{port}"),
            **extra,
        }
    )
    return env


def wait_ready(process: Process, port: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.alive():
            raise SystemExit(f"{process.name} exited:\n{process.tail()}")
        with contextlib.suppress(OSError):
            status, _, _ = http_call(port, "GET", "/api/v1/health")
            if status == 200:
                return
        time.sleep(0.3)
    raise SystemExit(f"{process.name} did not answer on port {port} within {timeout:.0f} s:\n{process.tail()}")


def wait_worker_ready(process: Process, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.alive():
            raise SystemExit(f"the Celery worker exited:\n{process.tail()}")
        if "ready." in process.log_path.read_text(errors="replace"):
            return
        time.sleep(0.3)
    raise SystemExit(f"the Celery worker was not ready within {timeout:.0f} s:\n{process.tail()}")


def worker_memory(master_pid: int) -> dict[int, dict[str, float]]:
    """VmRSS and VmHWM (peak) in MB of each child of the gunicorn master."""
    children = []
    for task in Path(f"/proc/{master_pid}/task").glob("*/children"):
        children += [int(pid) for pid in task.read_text().split()]
    memory = {}
    for pid in children:
        with contextlib.suppress(OSError):
            status = Path(f"/proc/{pid}/status").read_text()
            fields = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", status, re.MULTILINE))
            memory[pid] = {name: int(value) / 1024 for name, value in fields.items()}
    return memory


# ---- HTTP ----------------------------------------------------------------------------------------
def http_call(
    port: int, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        payload = json.dumps(body) if body is not None else None
        connection.request(method, path, payload, {"Content-Type": "application/json", **(headers or {})})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def sql_queries(port: int, requests: list[tuple[str, str, Any, dict[str, str]]]) -> list[int]:
    """X-SQL-Queries of each request (method, path, body, headers), made one by one."""
    counts = []
    for method, path, body, headers in requests:
        status, response_headers, _ = http_call(port, method, path, body, headers)
        if status >= 400:
            raise SystemExit(f"{method} {path}: HTTP {status}")
        counts.append(int(response_headers.get("X-SQL-Queries", "-1")))
    return counts


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# ---- wrk -----------------------------------------------------------------------------------------
def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    log("wrk is missing: trying apt-get install -y wrk")
    with contextlib.suppress(OSError):
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=False)  # noqa: S607
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is not installed and `apt-get install -y wrk` failed: install the Debian package wrk.")
    return found


class Load:
    def __init__(self, args: argparse.Namespace) -> None:
        self.wrk = wrk_binary()
        self.connections, self.threads = args.connections, args.threads
        self.duration, self.warmup = args.duration, args.warmup

    def run(self, url: str, script: str, script_args: list[str], duration: float, connections: int = 0) -> Any:
        connections = connections or self.connections
        command = [
            self.wrk,
            f"-t{min(self.threads, connections)}",
            f"-c{connections}",
            f"-d{max(1, round(duration))}s",
            "--timeout",
            "10s",
            "-s",
            str(WRK_DIR / script),
            url,
            "--",
            *script_args,
        ]
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)  # noqa: S603
        for line in done.stdout.splitlines():
            if line.startswith("BENCH_JSON "):
                return dict(json.loads(line.removeprefix("BENCH_JSON ")))
        raise SystemExit(f"wrk gave no result ({' '.join(command)}):\n{done.stdout}\n{done.stderr}")

    def measure(self, url: str, script: str, args: Callable[[str], list[str]], connections: int = 0) -> Any:
        """A warm-up, then the measured run; `args(phase)` gives the script's arguments of each."""
        if self.warmup > 0:
            self.run(url, script, args("warmup"), self.warmup, connections)
            drain(url)
        result = self.run(url, script, args("measured"), self.duration, connections)
        drain(url)
        return result


def drain(url: str, timeout: float = 60) -> None:
    """Wait until the server has worked off the requests wrk left in flight when it stopped (a slow row
    would otherwise load the next one): until a health check answers within 50 ms."""
    port = urllib.parse.urlsplit(url).port or 80
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        started = time.perf_counter()
        with contextlib.suppress(OSError):
            http_call(port, "GET", "/api/v1/health")
        if time.perf_counter() - started < 0.05:
            return
        time.sleep(0.2)


def row(name: str, result: dict[str, Any], sql: list[int] | None, **extra: Any) -> dict[str, Any]:
    socket_errors = sum(result["socket_errors"].values())
    return {
        "name": name,
        "rps": result["rps"],
        "p50_ms": result["p50_ms"],
        "p99_ms": result["p99_ms"],
        "errors": result["other_status"] + socket_errors,
        "requests": result["requests"],
        "response_kb": result["bytes"] / max(1, result["requests"]) / 1024,
        "sql_per_request": statistics.median(sql) if sql else None,
        "sql_samples": sql,
        "wrk": result,
        **extra,
    }


# ---- the rows ------------------------------------------------------------------------------------
class Bench:
    def __init__(self, args: argparse.Namespace, load: Load, port: int, tag: str, tmp: Path) -> None:
        self.args, self.load, self.port, self.tag, self.tmp = args, load, port, tag, tmp
        self.base = f"http://{HOST}:{port}"
        self.queries = [line.strip() for line in QUERIES_FILE.read_text().splitlines() if line.strip()]
        self.queries = self.queries[: args.queries]
        self.search_paths = tmp / "search_paths.txt"
        self.search_paths.write_text("".join(f"{SEARCH}?{urllib.parse.urlencode({'q': q})}\n" for q in self.queries))
        self.list_paths = tmp / "list_paths.txt"
        self.list_paths.write_text(f"{LIST}\n")

    def search(self, prefix: str = "") -> dict[str, Any]:
        name = f"{prefix}GET /exercises/search ({len(self.queries)} queries, uncached)"
        return self.uncached(name, self.search_paths, self.search_paths.read_text().split())

    def unique_host(self, phase: str, i: int) -> dict[str, str]:
        return {"Host": f"{HOST}:{self.tag}9{LOG_PHASES.get(phase, '0005')}{i:05d}"}

    def get(self, name: str, path: str) -> dict[str, Any]:
        """A warm row: the same URL again and again."""
        result = self.load.measure(self.base + path, "get.lua", lambda phase: [])
        return row(name, result, sql_queries(self.port, [("GET", path, None, {})] * 5))

    def uncached(self, name: str, paths_file: Path, paths: list[str]) -> dict[str, Any]:
        """Every request a cache miss (a Host nobody used before: see bench/wrk/paths.lua)."""

        def args(phase: str) -> list[str]:
            return [str(paths_file), f"{self.tag}{LOG_PHASES[phase][-1]}"]

        result = self.load.measure(self.base, "paths.lua", args)
        sql = sql_queries(self.port, [("GET", p, None, self.unique_host("sample", i)) for i, p in enumerate(paths[:5])])
        counted = result["sql_counted"]
        miss_ratio = (counted - result["sql_zero"]) / counted if counted else None
        return row(name, result, sql, miss_ratio=miss_ratio, distinct_queries=len(set(paths)))


def rows_main(bench: Bench, setup: dict[str, Any], results: dict[str, Any], workers: Callable[[], None]) -> None:
    load, port, args = bench.load, bench.port, bench.args
    rows: list[dict[str, Any]] = results["rows"]

    http_call(port, "GET", LIST)  # the first may render the page; the second is the cached bytes
    _, _, page = http_call(port, "GET", LIST)
    results["ceiling_bytes"] = len(page)
    log(f"ceiling: {len(page)} bytes (the warm exercise list, page 1)")
    rows.append(bench.get("ceiling", f"/api/v1/bench/ceiling?bytes={len(page)}"))
    workers()
    log(f"ceiling: {rows[-1]['rps']:.0f} requests/s")

    plan = setup["plan_id"]
    # The ceiling is "a constant body of the same size": the 12-week plan is 16 times the
    # list page, so its own ceiling is measured at its size (its ratio is to that one).
    http_call(port, "GET", f"/api/v1/workout-plans/{plan}")
    _, _, plan_body = http_call(port, "GET", f"/api/v1/workout-plans/{plan}")
    results["plan_ceiling_bytes"] = len(plan_body)
    rows.append(bench.get(PLAN_CEILING_ROW, f"/api/v1/bench/ceiling?bytes={len(plan_body)}"))
    workers()
    log(f"{PLAN_CEILING_ROW}: {rows[-1]['rps']:.0f} requests/s")

    for name, path in (
        (LIST_ROW, LIST),
        ("GET /exercises?muscles=chest&equipment=dumbbell&lang=fr (warm)", FILTERED),
        (f"GET /workout-plans/{plan} ({setup['plan_weeks']} weeks, warm)", f"/api/v1/workout-plans/{plan}"),
    ):
        rows.append(bench.get(name, path))
        log(f"{name}: {rows[-1]['rps']:.0f} requests/s, p99 {rows[-1]['p99_ms']:.1f} ms")
        workers()

    rows.append(bench.search())
    log(f"search: {rows[-1]['rps']:.0f} requests/s, p99 {rows[-1]['p99_ms']:.1f} ms, misses {rows[-1]['miss_ratio']}")
    workers()
    rows.append(bench.uncached("GET /exercises page 1 (uncached)", bench.list_paths, [LIST] * 5))
    workers()
    # The ceiling again, now that every process has settled: the first measurement runs right
    # after start-up (the embedder loading its model, the workers' first imports) and has been
    # seen at a third of this one. The ratios use the higher of the two: the stricter.
    rows.append(bench.get(CEILING_AGAIN_ROW, f"/api/v1/bench/ceiling?bytes={results['ceiling_bytes']}"))
    workers()
    log(f"{CEILING_AGAIN_ROW}: {rows[-1]['rps']:.0f} requests/s")

    # POST workout logs: unique client ids; every acknowledged log must be stored once.
    user_path = f"/api/v1/users/{setup['user_id']}"
    today = datetime.date.today().isoformat()
    plan_exercises = ",".join(str(i) for i in setup["plan_exercise_ids"])
    acked = bench.tmp / "acked"

    def log_args(phase: str) -> list[str]:
        return [plan_exercises, today, f"bee0{bench.tag[-4:]}", LOG_PHASES[phase], f"{acked}-{phase}"]

    result = load.measure(bench.base + f"{user_path}/workout-logs", "post_logs.lua", log_args)
    prefix = f"bee0{bench.tag[-4:]}-{LOG_PHASES['measured']}-"
    acknowledged: dict[str, int] = {}
    duplicates = 0
    for file in bench.tmp.glob("acked-measured.*"):
        for line in file.read_text().splitlines():
            status_code, log_id = line.split()
            duplicates += log_id in acknowledged
            acknowledged[log_id] = int(status_code)
    stored = stored_log_ids(prefix)
    lost = set(acknowledged) - set(stored)
    check = {
        "acknowledged_2xx": len(acknowledged),
        "created_201": sum(1 for s in acknowledged.values() if s == 201),
        "stored_rows": len(stored),
        "stored_distinct": len(set(stored)),
        "acknowledged_not_stored": len(lost),
        "stored_not_acknowledged": len(set(stored) - set(acknowledged)),
        "acknowledged_twice": duplicates,
    }
    check["stored_once"] = (
        not lost and not duplicates and len(stored) == len(set(stored)) and check["created_201"] == len(acknowledged)
    )
    sample: list[tuple[str, str, Any, dict[str, str]]] = [
        ("POST", f"{user_path}/workout-logs", log_body(setup, prefix_id(bench.tag, "sample", i), today), {})
        for i in range(5)
    ]
    rows.append(row("POST /users/{id}/workout-logs", result, sql_queries(port, sample), logs_check=check))
    log(f"workout logs: {rows[-1]['rps']:.0f} requests/s, p99 {rows[-1]['p99_ms']:.1f} ms, check {check}")
    workers()

    rows.append(progress_cold(bench, setup, today))
    log(f"progress (cold): p50 {rows[-1]['p50_ms']:.1f} ms, p99 {rows[-1]['p99_ms']:.1f} ms")
    workers()

    def suggest_args(phase: str) -> list[str]:
        return [f"{bench.tag}{LOG_PHASES[phase]}"]

    def suggest_sample(i: int) -> tuple[str, str, Any, dict[str, str]]:
        return ("POST", SUGGEST, {"target_muscles": ["chest"], "context": f"sample {bench.tag} {i}"}, {})

    result = load.measure(bench.base + SUGGEST, "suggest.lua", suggest_args)
    sample_sql = sql_queries(port, [suggest_sample(i) for i in range(5)])
    rows.append(row("POST /ai/suggest-exercises (32 connections)", result, sample_sql))
    log(f"suggest-exercises: {rows[-1]['rps']:.0f} requests/s, p99 {rows[-1]['p99_ms']:.1f} ms")
    result = load.run(bench.base + SUGGEST, "suggest.lua", [f"{bench.tag}1"], load.duration / 2, connections=1)
    rows.append(row("POST /ai/suggest-exercises (1 connection)", result, sample_sql))
    workers()

    if args.plan_runs:
        rows.append(plan_generation(bench, results))
        log(f"plan generation: p95 {rows[-1]['p95_ms']:.0f} ms")
        workers()


def prefix_id(tag: str, phase: str, i: int) -> str:
    return f"bee0{tag[-4:]}-{LOG_PHASES[phase]}-0000-8000-{i:012x}"


def log_body(setup: dict[str, Any], log_id: str, today: str) -> dict[str, Any]:
    plan_exercises = setup["plan_exercise_ids"]
    number = int(log_id[-6:], 16)
    return {
        "id": log_id,
        "plan_exercise_id": plan_exercises[number % len(plan_exercises)],
        "date_performed": today,
        "sets_completed": 3,
        "reps_completed": 8 + number % 4,
        "weight_kg": 40,
        "rpe": 8,
    }


def progress_cold(bench: Bench, setup: dict[str, Any], today: str) -> dict[str, Any]:
    """POST a log, then time GET progress (a cache miss: the write moved the user's data version on),
    on one keep-alive connection, `--progress-samples` times."""
    user_path = f"/api/v1/users/{setup['user_id']}"
    connection = http.client.HTTPConnection(HOST, bench.port, timeout=60)
    times, sql, errors = [], [], 0
    started = time.perf_counter()
    for i in range(bench.args.progress_samples):
        body = json.dumps(log_body(setup, prefix_id(bench.tag, "progress", i), today))
        connection.request("POST", f"{user_path}/workout-logs", body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        errors += response.status != 201
        begun = time.perf_counter()
        connection.request("GET", f"{user_path}/progress")
        response = connection.getresponse()
        response.read()
        times.append((time.perf_counter() - begun) * 1000)
        errors += response.status != 200
        sql.append(int(response.getheader("X-SQL-Queries", "-1")))
    connection.close()
    elapsed = time.perf_counter() - started
    return {
        "name": f"GET /users/{{id}}/progress ({setup['logs']} logs, cold after a write)",
        "rps": None,
        "p50_ms": statistics.median(times),
        "p99_ms": percentile(times, 0.99),
        "errors": errors,
        "requests": len(times),
        "sql_per_request": statistics.median(sql),
        "sql_samples": sql[:5],
        "note": f"{len(times)} sequential POST log + GET progress pairs in {elapsed:.1f} s, GET timed",
    }


def plan_generation(bench: Bench, results: dict[str, Any]) -> dict[str, Any]:
    """bench/agents/plan_generation.py's generations, one after the other, through the API and the worker."""
    import plan_generation as agents_bench

    runs = []
    for i in range(bench.args.plan_runs):
        runs.append(agents_bench.generate(bench.base, i))
        results["plan_generation_executions"].append(str(runs[-1]["execution"]["id"]))
    wall = [r["wall_ms"] for r in runs]
    failed = sum(1 for r in runs if r["execution"]["status"] != "succeeded")
    return {
        "name": "plan generation, rules engine, end to end",
        "rps": None,
        "p50_ms": statistics.median(wall),
        "p95_ms": percentile(wall, 0.95),
        "p99_ms": max(wall),
        "errors": failed,
        "requests": len(runs),
        "sql_per_request": None,
        "note": f"{len(runs)} sequential generations (POST generate-plan, poll the execution); p99 column: max",
    }


# ---- growth: ten times the library, in a database of its own --------------------------------------
def growth_setup(env: dict[str, str], redis_url: str) -> None:
    admin_sql(f'DROP DATABASE IF EXISTS "{GROWTH_DATABASE}" WITH (FORCE)')
    admin_sql(f'CREATE DATABASE "{GROWTH_DATABASE}"')
    python = sys.executable
    for command in (["migrate", "--noinput"], ["load_demo"]):
        done = subprocess.run(  # noqa: S603
            [python, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        if done.returncode:
            raise SystemExit(f"growth database: manage.py {' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    params = {"host": db["HOST"], "port": db["PORT"] or None, "user": db["USER"], "password": db["PASSWORD"] or None}
    with psycopg.connect(dbname=GROWTH_DATABASE, **params) as conn:
        columns = [
            row[0]
            for row in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'exercises' "
                "AND is_identity = 'NO' AND is_generated = 'NEVER' AND column_name <> 'id' ORDER BY ordinal_position"
            ).fetchall()
        ]
        values = ", ".join("slug || '-bench-copy-' || copy" if c == "slug" else c for c in columns)
        conn.execute(
            f"INSERT INTO exercises ({', '.join(columns)}) SELECT {values} "  # noqa: S608 - column names from the catalog
            f"FROM exercises CROSS JOIN generate_series(1, {GROWTH_COPIES}) AS copy ORDER BY copy, id"
        )
        conn.commit()
        conn.execute("ANALYZE exercises")
    redis_flush(redis_url)


def growth_rows(normal: Bench, grown: Bench, results: dict[str, Any]) -> None:
    """List and search on the library (x1) and on ten times it (x10), each pair back to back so that
    the background load of the machine is the same for both."""
    _, _, body = http_call(grown.port, "GET", LIST)
    count = json.loads(body)["count"]
    results["growth"]["exercises"] = count
    log(f"growth: the second server has {count} exercises")
    rows: list[dict[str, Any]] = results["growth"]["rows"]
    for bench, size in ((normal, "x1"), (grown, "x10")):
        rows.append(bench.get(f"{size}: GET /exercises page 1 (warm)", LIST))
    for bench, size in ((normal, "x1"), (grown, "x10")):
        rows.append(bench.search(prefix=f"{size}: "))
    for bench, size in ((normal, "x1"), (grown, "x10")):
        rows.append(bench.uncached(f"{size}: GET /exercises page 1 (uncached)", bench.list_paths, [LIST] * 5))
    for r in rows:
        log(f"{r['name']}: {r['rps']:.0f} requests/s, p99 {r['p99_ms']:.1f} ms")


# ---- targets, report ----------------------------------------------------------------------------
def judge(results: dict[str, Any]) -> None:
    """Give each row its target from issue #8's table and whether it holds."""
    ceiling = max(r["rps"] for r in results["rows"] if r["name"] in ("ceiling", CEILING_AGAIN_ROW))
    results["ceiling_rps"] = ceiling
    for r in results["rows"]:
        r["ratio"] = r["rps"] / ceiling if r.get("rps") else None

    def get(name: str) -> dict[str, Any]:
        return next(r for r in results["rows"] if r["name"].startswith(name))

    if any(r["name"] == PLAN_CEILING_ROW for r in results["rows"]):
        plan_ceiling = get(PLAN_CEILING_ROW)["rps"]
        plan_row = get("GET /workout-plans/")
        plan_row["ratio"] = plan_row["rps"] / plan_ceiling
        plan_row["ratio_to"] = PLAN_CEILING_ROW

    def target(name: str, text: str, ok: bool) -> None:
        found = get(name)
        found["target"], found["pass"] = text, ok and found["errors"] == 0

    listed, filtered, search = get(LIST_ROW), get("GET /exercises?"), get("GET /exercises/search")
    target(LIST_ROW, "≥ 0.60 x ceiling, p99 ≤ 25 ms", listed["ratio"] >= 0.6 and listed["p99_ms"] <= 25)
    target("GET /exercises?", "≥ 0.50 x ceiling", filtered["ratio"] >= 0.5)
    honest = (search.get("miss_ratio") or 0) >= 0.99  # a row helped by the cache does not count
    target(
        "GET /exercises/search",
        "≥ 0.20 x ceiling, p99 ≤ 60 ms",
        search["ratio"] >= 0.2 and search["p99_ms"] <= 60 and honest,
    )
    target("GET /workout-plans/", "≥ 0.50 x ceiling", get("GET /workout-plans/")["ratio"] >= 0.5)
    target("GET /users/{id}/progress", "p99 ≤ 100 ms", get("GET /users/{id}/progress")["p99_ms"] <= 100)
    logs = get("POST /users/{id}/workout-logs")
    target(
        "POST /users/{id}/workout-logs",
        "≥ 0.15 x ceiling, p99 ≤ 80 ms, each log stored once",
        logs["ratio"] >= 0.15 and logs["p99_ms"] <= 80 and logs["logs_check"]["stored_once"],
    )
    target("POST /ai/suggest-exercises (32", "p99 ≤ 150 ms", get("POST /ai/suggest-exercises (32")["p99_ms"] <= 150)
    if any(r["name"].startswith("plan generation") for r in results["rows"]):
        target("plan generation", "p95 ≤ 2000 ms", get("plan generation")["p95_ms"] <= 2000)
    memory = results["memory"]
    memory["pass"] = bool(memory["workers"]) and all(w["VmRSS"] <= 250 for w in memory["workers"].values())
    growth = results["growth"]
    if len(growth["rows"]) == 6:
        names = ("list", "search", "list_uncached")
        normal, grown = (
            dict(zip(names, growth["rows"][::2], strict=True)),
            dict(zip(names, growth["rows"][1::2], strict=True)),
        )
        growth["p99_ratios"] = {k: grown[k]["p99_ms"] / normal[k]["p99_ms"] for k in names}
        growth["rps_ratios"] = {k: grown[k]["rps"] / normal[k]["rps"] for k in names}
        growth["pass"] = growth["p99_ratios"]["list"] <= 1.5 and growth["p99_ratios"]["search"] <= 1.5


def fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def verdict(ok: bool | None) -> str:
    return "-" if ok is None else ("pass" if ok else "**FAIL**")


def markdown(results: dict[str, Any]) -> str:
    lines = [
        "| endpoint | req/s | p50 ms | p99 ms | errors | SQL/req | KB/resp | x ceiling | target | result |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in [*results["rows"], *results.get("growth", {}).get("rows", [])]:
        lines.append(
            f"| {r['name']} | {fmt(r.get('rps'), 0)} | {fmt(r['p50_ms'])} | {fmt(r['p99_ms'])} | {r['errors']} | "
            f"{fmt(r.get('sql_per_request'), 0)} | {fmt(r.get('response_kb'))} | {fmt(r.get('ratio'), 2)} | "
            f"{r.get('target', '')} | "
            f"{verdict(r.get('pass'))} |"
        )
    memory = results["memory"]
    workers = ", ".join(f"{w['VmRSS']:.0f} MB (peak {w['VmHWM']:.0f})" for w in memory["workers"].values())
    memory_verdict = verdict(memory["pass"])
    lines.append(f"| memory: each API worker, resident after the run | | | | | | | | ≤ 250 MB | {memory_verdict} |")
    growth = results.get("growth", {})
    if growth.get("p99_ratios"):
        ratios = growth["p99_ratios"]
        lines.append(
            f"| growth: p99 with {growth['exercises']} exercises / with the library | | | list {ratios['list']:.2f} | "
            f"| | | | ≤ 1.5 | {verdict(growth['pass'])} |"
        )
        lines.append(f"| | | | search {ratios['search']:.2f} | | | | | | |")
    notes = [
        "",
        f"- Memory (VmRSS after the run, peak VmHWM): {workers}; the largest peak seen over the run: "
        f"{memory['max_hwm_mb']:.0f} MB. Other processes (with their children): "
        + (", ".join(f"{name} {mb:.0f} MB" for name, mb in memory.get("others_mb", {}).items()) or "none")
        + ".",
    ]
    search = next((r for r in results["rows"] if r["name"].startswith("GET /exercises/search")), None)
    if search:
        notes.append(
            f"- Search: {search['distinct_queries']} distinct queries; cache miss ratio "
            f"{fmt(search['miss_ratio'], 4)} (responses with X-SQL-Queries > 0)."
        )
    logs = next((r for r in results["rows"] if r["name"].startswith("POST /users")), None)
    if logs:
        check = logs["logs_check"]
        notes.append(
            f"- Workout logs: {check['acknowledged_2xx']} acknowledged (201: {check['created_201']}), "
            f"{check['stored_rows']} stored ({check['stored_not_acknowledged']} stored while wrk stopped before "
            f"their answer), {check['acknowledged_not_stored']} acknowledged but missing: "
            f"{'each stored once' if check['stored_once'] else 'NOT each stored once'}."
        )
    if growth.get("p99_ratios"):
        notes.append(
            f"- Growth (x10 / x1, measured back to back): p99 list {growth['p99_ratios']['list']:.2f}, search "
            f"{growth['p99_ratios']['search']:.2f}, uncached list {growth['p99_ratios']['list_uncached']:.2f}; "
            f"requests/s list {growth['rps_ratios']['list']:.2f}, search {growth['rps_ratios']['search']:.2f}, "
            f"uncached list {growth['rps_ratios']['list_uncached']:.2f}."
        )
    machine = results["machine"]
    notes.append(
        f"- Machine: {machine['cpus']} CPUs ({machine['cpu_model']}), {machine['ram_gb']:.0f} GB RAM, "
        f"load average {machine['load_before']} before the run; {results['started']}, commit {results['commit']}; "
        f"{results['config']['connections']} connections, {results['config']['threads']} wrk threads, "
        f"{results['config']['duration']} s per row after {results['config']['warmup']} s of warm-up; "
        f"run time {results['elapsed_s']:.0f} s."
    )
    return "\n".join(lines + notes) + "\n"


def machine() -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    mem = re.search(r"^MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text(), re.MULTILINE)
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model.group(1).strip() if model else platform.processor(),
        "ram_gb": int(mem.group(1)) / 1024 / 1024 if mem else 0,
        "load_before": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "python": platform.python_version(),
    }


def git_commit() -> str:
    command = ["git", "describe", "--always", "--dirty"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    return done.stdout.strip() or "unknown"


# ---- main ----------------------------------------------------------------------------------------
@contextlib.contextmanager
def terminated_as_interrupt() -> Iterator[None]:
    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=10, help="Seconds of load per row (default 10).")
    parser.add_argument("--warmup", type=float, default=2, help="Seconds of warm-up load before each row (default 2).")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--port", type=int, default=8010, help="The API under test (default 8010).")
    parser.add_argument("--growth-port", type=int, default=8011)
    parser.add_argument("--redis-db", type=int, default=9, help="Redis database of the bench's own keys (default 9).")
    parser.add_argument("--logs", type=int, default=2000, help="Workout logs of the bench user.")
    parser.add_argument("--queries", type=int, default=200, help="Distinct search queries (bench/data).")
    parser.add_argument("--progress-samples", type=int, default=200)
    parser.add_argument("--plan-runs", type=int, default=20, help="Plan generations (0: skip).")
    parser.add_argument("--skip-growth", action="store_true", help="Skip the rows on 10 times the library.")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    load = Load(args)
    started = time.monotonic()
    RESULTS_DIR.mkdir(exist_ok=True)
    django_setup()
    from django.conf import settings

    from movoai import embedded

    log_dir = embedded.state_dir() / "bench"
    log_dir.mkdir(exist_ok=True)
    # digits unique to this run: in the uncached rows' Host headers and the workout logs' ids
    tag = f"{int(time.time()) % 1_000_000:06d}"
    bench_redis = redis_url_with_db(settings.REDIS_URL, args.redis_db)
    results: dict[str, Any] = {
        "started": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "machine": machine(),
        "config": dict(vars(args)),
        "rows": [],
        "memory": {"workers": {}, "max_hwm_mb": 0.0},
        "growth": {"rows": []},
        "plan_generation_executions": [],
    }
    processes: list[Process] = []
    growth_created = False
    exit_code = 0
    with terminated_as_interrupt(), tempfile.TemporaryDirectory(prefix="movoai-bench-") as tmp:
        try:
            log("setup: the bench user and its logs (manage.py bench_setup)")
            setup = bench_setup(args.logs)
            results["setup"] = {k: v for k, v in setup.items() if k != "plan_exercise_ids"}
            # The bench's Celery queue in a Redis database of its own (a `make run` worker does not take its
            # tasks) and its own embedder port (EMBEDDING_SERVICE_URL, for a Procfile `embedder:`).
            env = server_env(
                args.port,
                {
                    "CELERY_BROKER_URL": bench_redis.replace("unix://", "redis+socket://", 1),
                    "EMBEDDING_SERVICE_URL": f"http://{HOST}:{args.port + 3}",
                },
            )
            # Every Procfile process but the ASGI one (WebSockets and SSE are not benchmarked).
            served = {name: command for name, command in procfile().items() if name not in ("web", "asgi")}
            if not args.plan_runs:
                served.pop("worker", None)
            web = Process("web", procfile_command("web"), env, log_dir / "web.log")
            processes.append(web)
            others = {name: Process(name, command, env, log_dir / f"{name}.log") for name, command in served.items()}
            processes += others.values()
            wait_ready(web, args.port)
            if "worker" in others:
                wait_worker_ready(others["worker"])
            if "embedder" in others:
                wait_port(others["embedder"], args.port + 3)
            log(f"serving on {args.port} (gunicorn master {web.pid}); logs in {log_dir}")

            def sample_workers() -> None:
                # gunicorn replaces a worker after max_requests: keep the highest peak of any worker seen
                for memory in worker_memory(web.pid).values():
                    results["memory"]["max_hwm_mb"] = max(results["memory"]["max_hwm_mb"], memory.get("VmHWM", 0))

            bench = Bench(args, load, args.port, tag, Path(tmp))
            rows_main(bench, setup, results, sample_workers)
            results["memory"]["workers"] = {str(k): v for k, v in worker_memory(web.pid).items()}
            results["memory"]["others_mb"] = {name: process_rss_mb(p.pid) for name, p in others.items()}
            sample_workers()

            if not args.skip_growth:
                log(f"growth: database {GROWTH_DATABASE} with {GROWTH_COPIES + 1} times the library")
                growth_env = server_env(
                    args.growth_port, {"DATABASE_URL": database_url(GROWTH_DATABASE), "REDIS_URL": bench_redis}
                )
                growth_created = True
                growth_setup(growth_env, bench_redis)
                growth_log = log_dir / "web-growth.log"
                growth_web = Process("gunicorn (growth)", procfile_command("web"), growth_env, growth_log)
                processes.append(growth_web)
                wait_ready(growth_web, args.growth_port)
                # another tag: the uncached rows on the first server must not meet the pages they cached
                normal = Bench(args, load, args.port, f"{tag}7", Path(tmp))
                growth_rows(normal, Bench(args, load, args.growth_port, tag, Path(tmp)), results)
        except KeyboardInterrupt:
            log("interrupted: cleaning up")
            exit_code = 130
        finally:
            for process in processes:
                process.stop()
            cleanup(results, growth_created, bench_redis, args)
    if exit_code:
        return exit_code
    results["elapsed_s"] = time.monotonic() - started
    judge(results)
    table = markdown(results)
    (RESULTS_DIR / "latest.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    (RESULTS_DIR / "latest.md").write_text(table)
    print()
    print(table)
    log(f"done in {results['elapsed_s']:.0f} s: bench/results/latest.json, bench/results/latest.md")
    return 0


def cleanup(results: dict[str, Any], growth_created: bool, bench_redis: str, args: argparse.Namespace) -> None:
    """Leave the development database as it was, apart from the bench user and its 2,000 logs."""
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("the bench's workout logs removed (bench_setup)", lambda: bench_setup(args.logs)),
        (
            "the plan generation users removed",
            lambda: delete_users_of_executions(results["plan_generation_executions"]),
        ),
        ("the bench's Redis database flushed", lambda: redis_flush(bench_redis)),
    ]
    if growth_created:
        drop = f'DROP DATABASE IF EXISTS "{GROWTH_DATABASE}" WITH (FORCE)'
        steps.append(("the growth database dropped", lambda: admin_sql(drop)))
    for name, step in steps:
        try:
            step()
            log(f"clean-up: {name}")
        except Exception as error:  # every step is tried; report what could not be done
            log(f"clean-up FAILED: {name}: {error}")


if __name__ == "__main__":
    sys.exit(main())
