#!/usr/bin/env python3
"""`make loadtest`: simulated app users against the API, and afterwards every acknowledged workout
log counted in PostgreSQL (issue #9, "Load without loss"). See bench/README.md, "make loadtest".

    .venv/bin/python bench/loadtest.py                      # 200 users for 60 s on a server of its own
    .venv/bin/python bench/loadtest.py --users 20 --duration 10 --seed 7
    .venv/bin/python bench/loadtest.py --url http://127.0.0.1:8000   # against `make run`

Without --url it serves the API as `make bench` does (bench/run.py: the Procfile's `web:` line,
gunicorn -c gunicorn.conf.py, the server configuration of `make run`) on the development database,
but not in benchmark mode: the real rate limits, which each user meets on its own loopback address
(127.0.x.y), as real users each meet them on theirs.

Each user is an anonymous account (POST /api/v1/users, a guest id `movoai-loadtest-<run>-<n>`)
following a template plan (POST .../plans); most send their access token to /users/me/..., the
others use the deprecated /users/{user_id}/... routes without one (anonymous access by id). Then,
until the duration is over, each does one action after another with a pause between them (mean
--think seconds): browsing (exercise list with filters, the advanced filter, an exercise, the
taxonomy, plans, featured plans, a plan), searching (bench/data/search_queries.txt, English and
French, sometimes typed prefix by prefix), logging workouts and reading its progress, plan progress
or history. The mix is drawn from --seed; the client ids of the logs are random UUIDs.

Logging is the offline-sync client: each log carries a client-made id; a log whose answer did not
come (a time-out, a lost connection, a 5xx, a 429) is sent again with the same id until it is
acknowledged; some first attempts give up after 5-100 ms on purpose (--impatient: the answer is
lost while the server may still be storing the log), some logs are sent twice at once (--race),
some actions re-send a log already acknowledged (--resend) and some sync a batch of queued logs
(POST .../workout-logs/batch, sometimes with an acknowledged log in it). When the users have
stopped, the logs of the run's users are read from PostgreSQL: every acknowledged id must be there,
once, and no row may have an id that was never sent. The exit status is 1 on any 5xx answer, any
request whose connection the server dropped (a worker killed mid-request answers no status), or any
acknowledged log missing or duplicated. The run's users are then deleted (DELETE /users/me, and
accounts whose sign-up answer was lost through accounts.services), unless --keep-users.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import datetime
import json
import os
import random
import resource
import sys
import time
import urllib.parse
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "bench") not in sys.path:
    sys.path.insert(0, str(ROOT / "bench"))

import run as bench_run  # noqa: E402 - bench/run.py: the server start-up and machine facts of `make bench`

API = "/api/v1"
QUERIES_FILE = ROOT / "bench" / "data" / "search_queries.txt"
RESULTS_FILE = ROOT / "bench" / "results" / "loadtest.json"
GUEST_PREFIX = "movoai-loadtest-"
KINDS = ("browse", "search", "log", "log batch", "progress", "signup", "assign plan", "refresh")
NOTES = ["", "", "", "felt strong", "Bonne séance", "genou un peu douloureux", "last set hard"]
WEIGHTS: list[float | None] = [None, 8, 12.5, 20, 32.5, 40, 60, 82.5]


def log(message: str) -> None:
    print(f"[loadtest {time.strftime('%H:%M:%S')}] {message}", flush=True)


# ---- configuration --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Config:
    users: int = 200
    duration: float = 60.0
    seed: int = 1
    think: float = 1.0  # mean pause between two actions of a user, in seconds (exponential)
    ramp: float = 5.0  # users start one after another over these seconds
    timeout: float = 10.0  # a request's time limit
    mix: tuple[tuple[str, float], ...] = (("browse", 40), ("search", 20), ("log", 25), ("progress", 15))
    impatient: float = 0.10  # share of log sends whose first attempt gives up after 5-100 ms
    race: float = 0.05  # share of single log sends sent twice at once
    resend: float = 0.10  # share of log actions re-sending an acknowledged log
    batch: float = 0.15  # share of log actions syncing a batch of queued logs
    token_share: float = 0.7  # users with a token on /users/me; the others by id (legacy routes)
    max_attempts: int = 10  # sends of one log before the user gives up on it
    grace: float = 30.0  # after the duration, unacknowledged logs are retried this long at most


def parse_mix(text: str) -> tuple[tuple[str, float], ...]:
    """ "browse=40,search=20,log=25,progress=15" -> weights (any positive numbers)."""
    mix = []
    for part in text.split(","):
        name, _, weight = part.partition("=")
        name = name.strip()
        if name not in ("browse", "search", "log", "progress"):
            raise argparse.ArgumentTypeError(f"unknown kind {name!r} (browse, search, log, progress)")
        try:
            mix.append((name, float(weight)))
        except ValueError as error:
            raise argparse.ArgumentTypeError(f"bad weight in {part!r}") from error
    if not mix or any(w < 0 for _, w in mix) or sum(w for _, w in mix) <= 0:
        raise argparse.ArgumentTypeError("the mix needs positive weights")
    return tuple(mix)


# ---- what the run saw ------------------------------------------------------------------------------
@dataclass
class Stats:
    """Every request: sent per kind, its outcome (an HTTP status, or `timeout`, `connection error`,
    `abandoned` for a deliberate give-up) and, when answered, its latency."""

    sent: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[tuple[str, str]] = field(default_factory=Counter)
    latency_ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    endpoint_ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    server_errors: list[str] = field(default_factory=list)  # "METHOD path -> status", the first ones


@dataclass
class Ledger:
    """The workout logs: what was sent, what was acknowledged (a 200 or 201 naming the id)."""

    sent: set[str] = field(default_factory=set)
    acked: dict[str, int] = field(default_factory=dict)  # id -> status of its first acknowledgement
    created: Counter[str] = field(default_factory=Counter)  # id -> 201 answers of single POSTs
    wrong_answers: int = 0  # a 2xx that does not name the ids sent
    retries: int = 0
    abandoned: int = 0
    races: int = 0
    resends: int = 0
    resends_created: int = 0  # a re-sent acknowledged log answered 201: stored a second time
    batches: int = 0
    gave_up: int = 0
    rejected: Counter[int] = field(default_factory=Counter)  # 4xx answers (not 429) to log sends


@dataclass
class Catalog:
    """What the users pick from, read once before the run (not measured)."""

    muscles: list[str]
    equipment: list[str]
    difficulties: list[str]
    goals: list[str]
    categories: list[str]
    exercise_ids: list[int]
    plans: dict[int, list[int]]  # template plan id -> its plan exercise ids
    plan_goals: list[str]
    queries: list[str]


@dataclass
class Answer:
    status: int | None
    label: str
    body: bytes = b""

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Run:
    config: Config
    base: str
    catalog: Catalog
    tag: str
    bind: bool  # each user on its own loopback address
    stats: Stats = field(default_factory=Stats)
    ledger: Ledger = field(default_factory=Ledger)
    users: list[User] = field(default_factory=list)
    deadline: float = 0.0
    hard_deadline: float = 0.0


@dataclass
class LoadResult:
    run: Run
    elapsed_s: float  # from the first user's start to the last user's end
    setup_failed: int

    @property
    def user_ids(self) -> list[str]:
        return [user.user_id for user in self.run.users if user.user_id]


def retryable(answer: Answer) -> bool:
    """No answer (a time-out, a lost connection), a 5xx or a 429: the request may be sent again."""
    return answer.status is None or answer.status >= 500 or answer.status == 429


# ---- one simulated user ---------------------------------------------------------------------------
def source_address(index: int) -> str:
    """127.0.<20..>.<2..251>: a loopback address of its own for each user (bench/agents uses 127.0.10-19)."""
    return f"127.0.{20 + index // 250}.{2 + index % 250}"


class User:
    def __init__(self, run: Run, index: int) -> None:
        self.run, self.index = run, index
        self.rng = random.Random(f"{run.config.seed}-{index}")  # noqa: S311 - a reproducible mix, not secrets
        self.lang = self.rng.choice(["en", "fr"])
        self.by_token = self.rng.random() < run.config.token_share
        self.user_id = ""
        self.access = self.refresh = ""
        self.user_plan_id = 0
        self.plan_exercises: list[int] = []
        self.acked_logs: list[dict[str, Any]] = []
        local = (source_address(index), 0) if run.bind else None
        connector = aiohttp.TCPConnector(limit=4, keepalive_timeout=4, local_addr=local)
        self.session = aiohttp.ClientSession(connector=connector)

    @property
    def me(self) -> str:
        return f"{API}/users/me" if self.by_token else f"{API}/users/{self.user_id}"

    async def call(
        self,
        kind: str,
        endpoint: str,
        method: str,
        path: str,
        body: Any = None,
        *,
        timeout: float | None = None,
        deliberate: bool = False,
        token: bool | None = None,
        renewed: bool = False,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        """One request, recorded. `deliberate`: a time-out is the simulated lost answer, not an error."""
        stats = self.run.stats
        send_token = self.by_token if token is None else token
        extra_headers = headers or {}
        headers = {"Authorization": f"Bearer {self.access}"} if send_token and self.access else {}
        headers.update(extra_headers)
        if self.lang == "fr":
            headers["Accept-Language"] = "fr"
        stats.sent[kind] += 1
        started = time.perf_counter()
        try:
            async with self.session.request(
                method,
                self.run.base + path,
                json=body,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=timeout or self.run.config.timeout),
            ) as response:
                data = await response.read()
                status = response.status
        except TimeoutError:
            label = "abandoned" if deliberate else "timeout"
            stats.outcomes[kind, label] += 1
            return Answer(None, label)
        except aiohttp.ClientError as error:
            stats.outcomes[kind, "connection error"] += 1
            if len(stats.server_errors) < 20:
                stats.server_errors.append(f"{method} {path} -> {type(error).__name__}: {error}")
            return Answer(None, "connection error")
        elapsed = (time.perf_counter() - started) * 1000
        stats.outcomes[kind, str(status)] += 1
        stats.latency_ms[kind].append(elapsed)
        stats.endpoint_ms[endpoint].append(elapsed)
        if status >= 500 and len(stats.server_errors) < 20:
            stats.server_errors.append(f"{method} {path} -> {status} {data[:200]!r}")
        if status == 401 and send_token and not renewed and self.refresh and await self.renew():
            return await self.call(
                kind,
                endpoint,
                method,
                path,
                body,
                timeout=timeout,
                deliberate=deliberate,
                renewed=True,
                headers=extra_headers,
            )
        return Answer(status, str(status), data)

    async def renew(self) -> bool:
        """The access token expired (a run longer than its 15 minutes): trade the refresh token."""
        refresh, self.refresh = self.refresh, ""  # one attempt: a refused refresh does not loop
        answer = await self.call("refresh", "POST /auth/refresh", "POST", f"{API}/auth/refresh", {"refresh": refresh})
        if answer.status != 200:
            return False
        pair = answer.json()
        self.access, self.refresh = pair["access"], pair["refresh"]
        return True

    async def sign_up(self) -> bool:
        """Create the account, then assign a plan, as the app does on first launch. Both are safe to
        retry: the sign-up carries an Idempotency-Key (a lost answer is sent again as it was and
        answers the same account; a 409 with Retry-After means the first is still running) and the
        assignment a client id (a retry answers the stored assignment, 200)."""
        body = {
            "guest_id": f"{GUEST_PREFIX}{self.run.tag}-{self.index}",
            "display_name": f"Load test {self.index}",
            "preferred_language": self.lang,
        }
        key = str(uuid.uuid4())  # never seeded: a key is for one request, not again in the next run
        for _ in range(3):
            answer = await self.call(
                "signup", "POST /users", "POST", f"{API}/users", body, token=False, headers={"Idempotency-Key": key}
            )
            if answer.status == 201:
                created = answer.json()
                self.user_id, self.access, self.refresh = created["user_id"], created["access"], created["refresh"]
                break
            if not retryable(answer) and answer.status != 409:
                return False
            await asyncio.sleep(self.rng.uniform(0.5, 1.0))
        else:
            return False
        plan_id = self.rng.choice(sorted(self.run.catalog.plans))
        assignment = {"id": str(uuid.UUID(int=self.rng.getrandbits(128), version=4)), "plan_id": plan_id}
        for _ in range(3):
            path = f"{self.me}/plans"
            answer = await self.call("assign plan", "POST /users/me/plans", "POST", path, assignment)
            if answer.status in (200, 201):
                self.user_plan_id = answer.json()["id"]
                break
            if not retryable(answer):
                return False
            await asyncio.sleep(self.rng.uniform(0.5, 1.0))
        else:
            return False
        self.plan_exercises = self.run.catalog.plans[plan_id]
        return True

    async def think(self) -> None:
        pause = min(self.rng.expovariate(1 / self.run.config.think), 5 * self.run.config.think)
        await asyncio.sleep(max(0.0, min(pause, self.run.deadline - time.monotonic())))

    async def live(self) -> None:
        config = self.run.config
        names = [name for name, _ in config.mix]
        weights = [weight for _, weight in config.mix]
        actions = {"browse": self.browse, "search": self.search, "log": self.log, "progress": self.progress}
        while time.monotonic() < self.run.deadline:
            await actions[self.rng.choices(names, weights)[0]]()
            await self.think()

    # ---- browsing and searching ----
    async def browse(self) -> None:
        rng, catalog = self.rng, self.run.catalog
        lang = rng.choice(["en", "fr"])
        choice = rng.random()
        if choice < 0.30:
            params: dict[str, Any] = {"lang": lang}
            if rng.random() < 0.5:  # filtered: page 1 (a filter may leave a single page)
                if rng.random() < 0.6:
                    params["muscles"] = ",".join(rng.sample(catalog.muscles, rng.choice([1, 1, 2])))
                if rng.random() < 0.5:
                    params["equipment"] = rng.choice(catalog.equipment)
                if rng.random() < 0.3:
                    params["difficulty"] = rng.choice(catalog.difficulties)
                if rng.random() < 0.2:
                    params["goal"] = rng.choice(catalog.goals)
            else:
                params["page"] = rng.choice([1, 1, 1, 2, 3, 4, 5])
            await self.call("browse", "GET /exercises", "GET", f"{API}/exercises?{urllib.parse.urlencode(params)}")
        elif choice < 0.40:
            params = {"lang": lang, "category": rng.choice(catalog.categories)}
            if rng.random() < 0.5:
                params["secondary_muscles"] = rng.choice(catalog.muscles)
            if rng.random() < 0.5:
                params["exclude_equipment"] = rng.choice(catalog.equipment)
            query = urllib.parse.urlencode(params)
            await self.call("browse", "GET /exercises/filter", "GET", f"{API}/exercises/filter?{query}")
        elif choice < 0.65:
            exercise = rng.choice(catalog.exercise_ids)
            path = f"{API}/exercises/{exercise}?lang={lang}"
            await self.call("browse", "GET /exercises/{id}", "GET", path)
        elif choice < 0.70:
            await self.call("browse", "GET /exercises/taxonomy", "GET", f"{API}/exercises/taxonomy")  # both languages
        elif choice < 0.80:
            params = {"lang": lang}
            if rng.random() < 0.4:
                params["goal"] = rng.choice(catalog.plan_goals)
            path = f"{API}/workout-plans?{urllib.parse.urlencode(params)}"
            await self.call("browse", "GET /workout-plans", "GET", path)
        elif choice < 0.90:
            path = f"{API}/workout-plans/featured?lang={lang}"
            await self.call("browse", "GET /workout-plans/featured", "GET", path)
        else:
            plan = rng.choice(sorted(catalog.plans))
            await self.call("browse", "GET /workout-plans/{id}", "GET", f"{API}/workout-plans/{plan}?lang={lang}")

    async def search(self) -> None:
        rng = self.rng
        query = rng.choice(self.run.catalog.queries)
        lang = rng.choice(["en", "fr"])
        # search-as-you-type, sometimes: a prefix every three letters, then the whole query
        typed = [query[:n] for n in range(3, len(query), 3)] if rng.random() < 0.3 else []
        for text in typed:
            await self.search_for(text, lang)
            await asyncio.sleep(rng.uniform(0.1, 0.3))
        await self.search_for(query, lang)

    async def search_for(self, text: str, lang: str) -> None:
        path = f"{API}/exercises/search?{urllib.parse.urlencode({'q': text, 'lang': lang})}"
        await self.call("search", "GET /exercises/search", "GET", path)

    # ---- tracking ----
    async def progress(self) -> None:
        choice = self.rng.random()
        if choice < 0.6:
            await self.call("progress", "GET /users/me/progress", "GET", f"{self.me}/progress")
        elif choice < 0.8:
            path = f"{self.me}/plans/{self.user_plan_id}"
            await self.call("progress", "GET /users/me/plans/{id}", "GET", path)
        else:
            path = f"{self.me}/workout-logs?page_size=20"
            await self.call("progress", "GET /users/me/workout-logs", "GET", path)

    def new_log(self) -> dict[str, Any]:
        rng = self.rng
        today = datetime.datetime.now(datetime.UTC).date()  # the users' time zone is UTC
        return {
            "id": str(uuid.uuid4()),  # random, not from the seed: ids must be new in every run
            "plan_exercise_id": rng.choice(self.plan_exercises),
            "date_performed": (today - datetime.timedelta(days=rng.randrange(7))).isoformat(),
            "sets_completed": rng.randint(1, 5),
            "reps_completed": rng.randint(5, 15),
            "weight_kg": rng.choice(WEIGHTS),
            "rpe": rng.randint(5, 10),
            "notes": rng.choice(NOTES),
        }

    async def log(self) -> None:
        config, ledger, rng = self.run.config, self.run.ledger, self.rng
        choice = rng.random()
        if choice < config.resend and self.acked_logs:
            ledger.resends += 1
            created = await self.send_log(rng.choice(self.acked_logs), impatient=False)
            ledger.resends_created += created
        elif choice < config.resend + config.batch:
            logs = [self.new_log() for _ in range(rng.randint(2, 4))]
            if self.acked_logs and rng.random() < 0.5:
                logs.insert(rng.randrange(len(logs) + 1), rng.choice(self.acked_logs))
            ledger.batches += 1
            await self.send_batch(logs, impatient=rng.random() < config.impatient)
        else:
            body = self.new_log()
            if rng.random() < config.race:
                ledger.races += 1
                await asyncio.gather(self.send_log(body, impatient=False), self.send_log(body, impatient=False))
            else:
                await self.send_log(body, impatient=rng.random() < config.impatient)

    async def send_log(self, body: dict[str, Any], *, impatient: bool) -> bool:
        """POST one log until it is acknowledged; True when an answer was 201 (created)."""
        path = f"{self.me}/workout-logs"
        answer = await self.until_acked("log", "POST /users/me/workout-logs", path, body, [body["id"]], impatient)
        if answer is None:
            return False
        stored = answer.json()
        if stored.get("id") != body["id"]:
            self.run.ledger.wrong_answers += 1
            return False
        if answer.status == 201:
            self.run.ledger.created[body["id"]] += 1
        self.acknowledge([body], answer.status or 0)
        return answer.status == 201

    async def send_batch(self, logs: list[dict[str, Any]], *, impatient: bool) -> None:
        path = f"{self.me}/workout-logs/batch"
        ids = [item["id"] for item in logs]
        answer = await self.until_acked(
            "log batch", "POST /users/me/workout-logs/batch", path, {"logs": logs}, ids, impatient
        )
        if answer is None:
            return
        stored = [item.get("id") for item in answer.json().get("logs", [])]
        if stored != ids:
            self.run.ledger.wrong_answers += 1
            return
        self.acknowledge(logs, answer.status or 0)

    def acknowledge(self, logs: list[dict[str, Any]], status: int) -> None:
        acked = self.run.ledger.acked
        for item in logs:
            if item["id"] not in acked:
                acked[item["id"]] = status
                self.acked_logs.append(item)

    async def until_acked(
        self, kind: str, endpoint: str, path: str, body: dict[str, Any], ids: list[str], impatient: bool
    ) -> Answer | None:
        """Send until a 2xx: again after a time-out, a lost connection, a 5xx or a 429 (after its
        Retry-After, at most 5 s), as an offline queue does; None when the user gives up (a 4xx, or
        --max-attempts sends, or the grace period over)."""
        run, ledger, rng = self.run, self.run.ledger, self.rng
        ledger.sent.update(ids)
        for attempt in range(run.config.max_attempts):
            short = impatient and attempt == 0
            timeout = rng.uniform(0.005, 0.1) if short else None
            answer = await self.call(kind, endpoint, "POST", path, body, timeout=timeout, deliberate=short)
            if answer.status is not None and 200 <= answer.status < 300:
                return answer
            if answer.label == "abandoned":
                ledger.abandoned += 1
            elif not retryable(answer):
                ledger.rejected[answer.status or 0] += 1
                return None
            if time.monotonic() > run.hard_deadline:
                break
            ledger.retries += 1
            wait = min(4.0, 0.2 * 2**attempt) * rng.uniform(0.5, 1.0)
            if answer.status == 429:
                wait = 5.0  # Retry-After is at least 1 s, often the rest of the minute: a client waits
            await asyncio.sleep(wait)
        ledger.gave_up += 1
        return None

    async def delete(self) -> None:
        """The account and everything of it (DELETE /users/me with its token): not measured."""
        if self.access:
            headers = {"Authorization": f"Bearer {self.access}"}
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with self.session.delete(
                    f"{self.run.base}{API}/users/me", headers=headers, timeout=aiohttp.ClientTimeout(total=30)
                ) as response:
                    await response.read()

    async def close(self) -> None:
        await self.session.close()


# ---- the run ----------------------------------------------------------------------------------------
async def fetch_catalog(base: str) -> Catalog:
    """Taxonomy codes, exercise ids, template plans with their plan exercises (their details are the
    users' largest answers, ~690 KB for the 12-week plan: read once here, not by every user)."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:

        async def get(path: str) -> Any:
            async with session.get(base + path) as response:
                if response.status != 200:
                    raise SystemExit(f"GET {path}: HTTP {response.status} {(await response.read())[:300]!r}")
                return await response.json()

        taxonomy = await get(f"{API}/exercises/taxonomy")
        exercise_ids: list[int] = []
        page = 1
        while True:
            listed = await get(f"{API}/exercises?page_size=100&page={page}")
            exercise_ids += [item["id"] for item in listed["results"]]
            if not listed["next"]:
                break
            page += 1
        plans_page = await get(f"{API}/workout-plans?page_size=100")
        plans: dict[int, list[int]] = {}
        for plan in plans_page["results"]:
            detail = await get(f"{API}/workout-plans/{plan['id']}")
            plans[plan["id"]] = [
                item["id"] for week in detail["schedule"] for day in week["days"] for item in day["exercises"]
            ]
    plans = {plan: exercises for plan, exercises in plans.items() if exercises}
    if not exercise_ids or not plans:
        raise SystemExit("the API has no exercises or no template plans: load the demo content (make demo)")

    def codes(name: str) -> list[str]:
        return [entry["code"] for entry in taxonomy[name]]

    queries = [line.strip() for line in QUERIES_FILE.read_text().splitlines() if line.strip()]
    return Catalog(
        muscles=codes("muscles"),
        equipment=codes("equipment"),
        difficulties=codes("difficulty"),
        goals=codes("goal"),
        categories=codes("category"),
        exercise_ids=exercise_ids,
        plans=plans,
        plan_goals=sorted({plan["goal"] for plan in plans_page["results"]}),
        queries=queries,
    )


def is_loopback(base: str) -> bool:
    host = urllib.parse.urlsplit(base).hostname or ""
    return host == "localhost" or host.startswith("127.")


async def load(config: Config, base: str, *, tag: str | None = None) -> LoadResult:
    """The users, from sign-up to the end of the duration, then until their logs are acknowledged
    (or the grace period is over). A loopback target is called on 127.0.0.1, each user from its own
    address. The users' sessions stay open for `finish`."""
    parts = urllib.parse.urlsplit(base.rstrip("/"))
    bind = is_loopback(base)
    if bind:  # "localhost" may resolve to ::1 first, which a 127.0.x.y source cannot reach
        parts = parts._replace(netloc=f"127.0.0.1:{parts.port or 80}")
    base = parts.geturl()
    catalog = await fetch_catalog(base)
    run = Run(config, base, catalog, tag or f"{int(time.time()) % 1_000_000:06d}", bind)
    run.users = [User(run, index) for index in range(config.users)]
    setup_failed = 0
    started = time.monotonic()
    run.deadline = started + config.duration
    run.hard_deadline = run.deadline + config.grace

    async def live(user: User) -> None:
        nonlocal setup_failed
        await asyncio.sleep(config.ramp * user.index / max(1, config.users))
        if await user.sign_up():
            await user.live()
        else:
            setup_failed += 1

    try:
        await asyncio.gather(*(live(user) for user in run.users))
    except BaseException:
        await asyncio.gather(*(user.close() for user in run.users))
        raise
    return LoadResult(run=run, elapsed_s=time.monotonic() - started, setup_failed=setup_failed)


async def finish(result: LoadResult, *, keep_users: bool) -> None:
    """Delete the run's users (unless kept) and close every user's connections."""
    limit = asyncio.Semaphore(16)

    async def end(user: User) -> None:
        async with limit:
            if not keep_users:
                await user.delete()
            await user.close()

    await asyncio.gather(*(end(user) for user in result.run.users))


# ---- the check in PostgreSQL -----------------------------------------------------------------------
def stored_log_ids(database_url: str, user_ids: list[str]) -> list[str]:
    """The ids of every workout log of these users, one per row."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT id::text FROM user_workout_logs WHERE user_id = ANY(%s::uuid[])", [user_ids]
        ).fetchall()
    return [row[0] for row in rows]


def log_check(ledger: Ledger, stored: list[str]) -> dict[str, Any]:
    """Acknowledged == stored: each acknowledged id stored once, nothing stored that was never sent,
    no id created twice (two 201s)."""
    stored_set = set(stored)
    acked = set(ledger.acked)
    missing = acked - stored_set
    unknown = stored_set - ledger.sent  # a row the server made with an id of its own
    created_twice = sorted(i for i, n in ledger.created.items() if n > 1)
    repeated_rows = len(stored) - len(stored_set)
    duplicates = repeated_rows + len(unknown) + len(created_twice) + ledger.resends_created
    return {
        "sent": len(ledger.sent),
        "acked": len(acked),
        "acked_created_201": sum(1 for s in ledger.acked.values() if s == 201),
        "stored": len(stored),
        "stored_not_acked": len(stored_set - acked),  # given up, or still unanswered: allowed
        "not_acked_not_stored": len(ledger.sent - acked - stored_set),
        "missing": len(missing),
        "duplicates": duplicates,
        "duplicate_rows": repeated_rows,
        "stored_unknown_ids": len(unknown),
        "created_twice": len(created_twice),
        "resends_created": ledger.resends_created,
        "wrong_answers": ledger.wrong_answers,
        "missing_ids": sorted(missing)[:20],
        "ok": not missing and not duplicates and not ledger.wrong_answers and bool(acked),
    }


# ---- the report ------------------------------------------------------------------------------------
def percentile(values: list[float], q: float) -> float | None:
    return bench_run.percentile(values, q) if values else None


def summary(result: LoadResult, check: dict[str, Any]) -> dict[str, Any]:
    stats, ledger, config = result.run.stats, result.run.ledger, result.run.config
    kinds = [kind for kind in KINDS if stats.sent[kind]]
    per_kind = {}
    for kind in kinds:
        times = stats.latency_ms[kind]
        outcomes = {label: n for (k, label), n in stats.outcomes.items() if k == kind}
        per_kind[kind] = {
            "sent": stats.sent[kind],
            "answered": len(times),
            "rps": stats.sent[kind] / result.elapsed_s,
            "p50_ms": percentile(times, 0.50),
            "p95_ms": percentile(times, 0.95),
            "p99_ms": percentile(times, 0.99),
            "max_ms": max(times) if times else None,
            "outcomes": dict(sorted(outcomes.items())),
        }
    errors: dict[str, dict[str, int]] = defaultdict(dict)
    for (kind, label), n in sorted(stats.outcomes.items()):
        if not (label.isdigit() and int(label) < 400) and label != "abandoned":
            errors[label][kind] = n
    endpoints = {
        name: {"requests": len(times), "p50_ms": percentile(times, 0.5), "p99_ms": percentile(times, 0.99)}
        for name, times in sorted(stats.endpoint_ms.items())
    }
    server_5xx = sum(n for (_, label), n in stats.outcomes.items() if label.isdigit() and int(label) >= 500)
    return {
        "config": dataclasses.asdict(config),
        "base_url": result.run.base,
        "tag": result.run.tag,
        "elapsed_s": result.elapsed_s,
        "users": len(result.user_ids),
        "setup_failed": result.setup_failed,
        "requests": sum(stats.sent.values()),
        "rps": sum(stats.sent.values()) / result.elapsed_s,
        "kinds": per_kind,
        "errors": dict(errors),
        "server_5xx": server_5xx,
        "connections_dropped": sum(n for (_, label), n in stats.outcomes.items() if label == "connection error"),
        "server_errors_seen": stats.server_errors,
        "endpoints": endpoints,
        "logs": {
            **check,
            "retries": ledger.retries,
            "abandoned_on_purpose": ledger.abandoned,
            "races": ledger.races,
            "resends": ledger.resends,
            "batches": ledger.batches,
            "gave_up": ledger.gave_up,
            "rejected": {str(k): v for k, v in sorted(ledger.rejected.items())},
        },
    }


def fmt(value: Any, digits: int = 1) -> str:
    return bench_run.fmt(value, digits)


def markdown(report: dict[str, Any]) -> str:
    lines = [
        "| kind | sent | answered | req/s | p50 ms | p95 ms | p99 ms | max ms | 5xx | other errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, row in report["kinds"].items():
        five = sum(n for label, n in row["outcomes"].items() if label.isdigit() and int(label) >= 500)
        other = sum(
            n
            for label, n in row["outcomes"].items()
            if label != "abandoned" and not (label.isdigit() and (int(label) < 400 or int(label) >= 500))
        )
        lines.append(
            f"| {kind} | {row['sent']} | {row['answered']} | {fmt(row['rps'])} | {fmt(row['p50_ms'])} | "
            f"{fmt(row['p95_ms'])} | {fmt(row['p99_ms'])} | {fmt(row['max_ms'], 0)} | {five} | {other} |"
        )
    lines.append(f"| **all** | {report['requests']} | | {fmt(report['rps'])} | | | | | {report['server_5xx']} | |")
    errors = report["errors"]
    lines += [
        "",
        "Errors by status: "
        + (
            "; ".join(
                f"{label}: {sum(kinds.values())} ({', '.join(f'{k} {n}' for k, n in kinds.items())})"
                for label, kinds in errors.items()
            )
            or "none"
        )
        + ".",
    ]
    logs = report["logs"]
    lines += [
        "",
        "| logs sent (ids) | acknowledged | stored | duplicates | missing | stored, not acknowledged | "
        "retries | abandoned on purpose | races | re-sent acked | batches | gave up |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {logs['sent']} | {logs['acked']} | {logs['stored']} | {logs['duplicates']} | {logs['missing']} | "
        f"{logs['stored_not_acked']} | {logs['retries']} | {logs['abandoned_on_purpose']} | {logs['races']} | "
        f"{logs['resends']} | {logs['batches']} | {logs['gave_up']} |",
        "",
        f"Verdict: {'PASS' if report['pass'] else 'FAIL'} ({report['verdict']}).",
    ]
    return "\n".join(lines) + "\n"


def judge(report: dict[str, Any]) -> None:
    logs, problems = report["logs"], []
    if report["server_5xx"]:
        problems.append(f"{report['server_5xx']} answers 5xx")
    if report["connections_dropped"]:  # a worker killed mid-request is a 5xx the status cannot show
        problems.append(f"{report['connections_dropped']} requests lost with their connection")
    if logs["missing"]:
        problems.append(f"{logs['missing']} acknowledged logs missing")
    if logs["duplicates"]:
        problems.append(f"{logs['duplicates']} duplicated logs")
    if logs["wrong_answers"]:
        problems.append(f"{logs['wrong_answers']} log answers naming other ids")
    if not logs["acked"]:
        problems.append("no log acknowledged: nothing was checked")
    report["pass"] = not problems
    report["verdict"] = "; ".join(problems) or "no 5xx, every acknowledged log stored exactly once"


# ---- the server (bench/run.py's start-up) ----------------------------------------------------------
def server_log_errors(path: Path) -> dict[str, Any]:
    """The server log's 5xx request lines and ERROR records (the first few of each message)."""
    fives: Counter[str] = Counter()
    records: Counter[str] = Counter()
    firsts: list[str] = []
    for line in path.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            if "[ERROR]" in line or "Traceback" in line:
                records[line[-200:]] += 1
            continue
        if not isinstance(entry, dict):
            continue
        if entry.get("logger") == "movoai.request" and int(entry.get("status", 0)) >= 500:
            fives[f"{entry.get('method')} {entry.get('path')} {entry.get('status')}"] += 1
        elif entry.get("level") in ("ERROR", "CRITICAL"):
            records[str(entry.get("message"))] += 1
            if len(firsts) < 3 and entry.get("exception"):
                firsts.append(str(entry["exception"])[-1500:])
    return {"5xx": dict(fives.most_common(20)), "errors": dict(records.most_common(20)), "exceptions": firsts}


@contextlib.contextmanager
def served(port: int) -> Iterator[tuple[str, Path]]:
    """The Procfile's web: line (gunicorn -c gunicorn.conf.py) as `make bench` starts it, without
    benchmark mode; stopped afterwards."""
    from movoai import embedded

    log_dir = embedded.state_dir() / "bench"
    log_dir.mkdir(exist_ok=True)
    log_path = log_dir / "loadtest-web.log"
    env = bench_run.server_env(port, {"MOVOAI_BENCH": "0"})
    web = bench_run.Process("web", bench_run.procfile_command("web"), env, log_path)
    try:
        bench_run.wait_ready(web, port)
        log(f"serving on {port} (gunicorn master {web.pid}); log {log_path}")
        yield f"http://{bench_run.HOST}:{port}", log_path
    finally:
        web.stop()


def delete_leftovers(tag: str) -> int:
    """Accounts of the run the API clean-up could not reach (a sign-up whose answer was lost): deleted
    with accounts.services.user_delete, on the development database (Django's)."""
    bench_run.django_setup()
    from accounts.models import User
    from accounts.services import user_delete

    left = list(User.objects.filter(guest_id__startswith=f"{GUEST_PREFIX}{tag}-"))
    for user in left:
        user_delete(user=user)
    return len(left)


def default_database_url() -> str:
    """DATABASE_URL, else the development database (the embedded PostgreSQL) that a started server uses."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    bench_run.django_setup()
    from django.conf import settings

    return bench_run.database_url(str(settings.DATABASES["default"]["NAME"]))


# ---- main ------------------------------------------------------------------------------------------
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    defaults = Config()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=defaults.users, help="Simulated users (default 200).")
    parser.add_argument("--duration", type=float, default=defaults.duration, help="Seconds of load (default 60).")
    parser.add_argument("--seed", type=int, default=defaults.seed, help="Seed of the users' choices (default 1).")
    parser.add_argument("--think", type=float, default=defaults.think, help="Mean pause between actions (1 s).")
    parser.add_argument("--ramp", type=float, default=defaults.ramp, help="Seconds over which users start (5).")
    parser.add_argument("--timeout", type=float, default=defaults.timeout, help="A request's time limit (10 s).")
    parser.add_argument(
        "--mix",
        type=parse_mix,
        default=defaults.mix,
        help="Weights of the actions (default browse=40,search=20,log=25,progress=15).",
    )
    parser.add_argument(
        "--impatient",
        type=float,
        default=defaults.impatient,
        help="Share of log sends whose first attempt gives up after 5-100 ms (default 0.10).",
    )
    parser.add_argument("--race", type=float, default=defaults.race, help="Share of logs sent twice at once (0.05).")
    parser.add_argument(
        "--resend",
        type=float,
        default=defaults.resend,
        help="Share of log actions re-sending an acknowledged log (0.10).",
    )
    parser.add_argument(
        "--batch", type=float, default=defaults.batch, help="Share of log actions syncing a batch (0.15)."
    )
    parser.add_argument(
        "--token-share",
        type=float,
        default=defaults.token_share,
        help="Users with a token on /users/me; the others use /users/{id} without one (0.7).",
    )
    parser.add_argument(
        "--grace",
        type=float,
        default=defaults.grace,
        help="Seconds after the duration during which unacknowledged logs are still retried (30).",
    )
    parser.add_argument(
        "--url",
        help="An API already running (e.g. `make run`'s http://127.0.0.1:8000); "
        "default: start one (bench/run.py's start-up) on --port.",
    )
    parser.add_argument("--port", type=int, default=8020, help="Port of the started server (default 8020).")
    parser.add_argument(
        "--database-url", help="Where to count the logs (default DATABASE_URL, else the embedded development database)."
    )
    parser.add_argument("--keep-users", action="store_true", help="Do not delete the run's users afterwards.")
    parser.add_argument("--json", type=Path, default=RESULTS_FILE, help=f"The full report (default {RESULTS_FILE}).")
    return parser.parse_args(argv)


def config_from(args: argparse.Namespace) -> Config:
    return Config(
        users=args.users,
        duration=args.duration,
        seed=args.seed,
        think=args.think,
        ramp=args.ramp,
        timeout=args.timeout,
        mix=args.mix,
        impatient=args.impatient,
        race=args.race,
        resend=args.resend,
        batch=args.batch,
        token_share=args.token_share,
        grace=args.grace,
    )


async def run_and_check(config: Config, base: str, database_url: str, *, keep_users: bool) -> dict[str, Any]:
    """The load, the count in PostgreSQL, the clean-up; the report (judged)."""
    result = await load(config, base)
    try:
        log(f"load done in {result.elapsed_s:.1f} s; counting the logs of {len(result.user_ids)} users in PostgreSQL")
        check = log_check(result.run.ledger, stored_log_ids(database_url, result.user_ids))
    finally:
        await finish(result, keep_users=keep_users)
    report = summary(result, check)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    report["client_cpu_s"] = usage.ru_utime + usage.ru_stime  # this process: the users and the count
    judge(report)
    return report


def run_loop(coroutine: Any) -> Any:
    """uvloop when installed (it is, with uvicorn): the cheaper client."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coroutine)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    config = config_from(args)
    database_url = args.database_url or default_database_url()
    facts = {
        "started": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": bench_run.git_commit(),
        "machine": bench_run.machine(),
    }
    log(f"{config.users} users for {config.duration:.0f} s, seed {config.seed}, mix {dict(config.mix)}")
    server_log: Path | None = None
    with bench_run.terminated_as_interrupt(), contextlib.ExitStack() as stack:
        try:
            if args.url:
                base = args.url
            else:
                base, server_log = stack.enter_context(served(args.port))
            report = run_loop(run_and_check(config, base, database_url, keep_users=args.keep_users))
        except KeyboardInterrupt:
            log("interrupted (the run's users stay: guest ids movoai-loadtest-*)")
            return 130
    report.update(facts)
    if not args.keep_users and not args.database_url:
        report["leftover_users_deleted"] = delete_leftovers(report["tag"])
    if server_log is not None:
        report["server_log"] = {"path": str(server_log), **server_log_errors(server_log)}
    args.json.parent.mkdir(exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2, default=str) + "\n")
    machine = report["machine"]
    print()
    print(markdown(report))
    print(
        f"{report['started']}, commit {report['commit']}, {machine['cpus']} CPUs ({machine['cpu_model']}), "
        f"load average before {machine['load_before']}; {report['config']['users']} users, "
        f"{report['setup_failed']} not set up (sign-up or plan assignment failed); {report['elapsed_s']:.1f} s, "
        f"client CPU {report['client_cpu_s']:.1f} s; full report {args.json}"
    )
    if server_log is not None and (report["server_log"]["5xx"] or report["server_log"]["errors"]):
        print(f"server log {server_log}: 5xx {report['server_log']['5xx']}; errors {report['server_log']['errors']}")
    for line in report["server_errors_seen"][:10]:
        print(f"  seen: {line}")
    return 0 if report["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
