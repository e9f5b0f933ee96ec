"""Faults: a live API (gunicorn, the project's gunicorn.conf.py) whose real Redis and real PostgreSQL
are stopped under it, then started again (fault_stack.py builds the stack; it owns both servers).

Redis stopped: public reads still answer 200, uncached; /health says the cache is down; sending a
login code fails closed (a 503 problem, nothing sent), and so does a sign-up whose Idempotency-Key
cannot be recorded; accounts, tracking and the AI endpoints answer without a crash. Redis frozen
(SIGSTOP, a server that accepts and never answers): the same, each request slowed by the socket
timeout only. PostgreSQL stopped: a 503 problem with Retry-After, fast; /health says the database is
down. Each server back: the next requests succeed, with no restart of the API (the same gunicorn
processes).

After each test the server's log is searched for a crash (a 5xx other than 503, an unhandled
exception): none anywhere, whatever was tried. The last tests, in process, show the safety net under
all this: a Redis outage that a view does not handle itself is a 503 problem too, never a 500.
"""

from __future__ import annotations

import datetime
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import redis
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path as url_path
from rest_framework.request import Request
from rest_framework.views import APIView

from movoai.tests.fault_stack import FaultStack, stopped
from movoai.urls import urlpatterns as project_urlpatterns

# Public reads, each a different kind of page (list, detail, search, plans, featured plans).
PUBLIC_READS = [
    "/api/v1/exercises?page_size=5",
    "/api/v1/exercises/64",
    "/api/v1/exercises/search?q=squat",
    "/api/v1/workout-plans",
    "/api/v1/workout-plans/featured",
    "/api/v1/workout-plans/1",
]
# The AI endpoints, asked anonymously (no model is configured: the rules engine answers).
AI_REQUESTS: dict[str, dict[str, Any]] = {
    "/api/v1/ai/recommend-workout": {"days_per_week": 3},
    "/api/v1/ai/suggest-exercises": {"target_muscles": ["chest"]},
    "/api/v1/ai/analyze-progress": {
        "workouts": [{"date": "2026-11-20", "exercises": [{"exercise_id": 64, "sets": 3, "reps": 5, "weight_kg": 60}]}]
    },
    "/api/v1/ai/chat": {"message": "How many sets should I do for squats?"},
}
# A stopped server fails a request at once: well under a second, measured with room for a busy CI.
FAST_SECONDS = 2.0
# A frozen Redis costs each of its round trips the socket timeout (1 s, CACHES in settings).
FROZEN_REDIS_SECONDS = 4.0


@pytest.fixture(scope="module")
def fault_stack() -> Iterator[FaultStack]:
    stack = FaultStack.start()
    print(f"\nfault stack ready in {stack.timings['total']:.1f} s: {stack.timings}")
    try:
        yield stack
    finally:
        stack.close()


@pytest.fixture
def stack(fault_stack: FaultStack) -> Iterator[FaultStack]:
    """The stack, healthy at the start of the test; no crash in its log at the end."""
    fault_stack.wait_until_healthy()
    log_start = fault_stack.log_size()
    yield fault_stack
    crashes = fault_stack.crashes(since=log_start)
    assert not crashes, "the server crashed:\n" + "\n".join(line[:1500] for line in crashes)


@pytest.fixture
def api(stack: FaultStack) -> Iterator[httpx.Client]:
    with stack.client() as client:
        yield client


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, (response.request.method, response.request.url.path, response.text)
    assert response.headers["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["detail"]
    return body


def assert_retry_after(response: httpx.Response) -> None:
    assert 0 < int(response.headers["Retry-After"]) <= 60


def new_user(api: httpx.Client) -> dict[str, str]:
    """A new anonymous account: the Authorization header of its access token."""
    response = api.post("/api/v1/users", json={})
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['access']}"}


def timed(call: Any) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


# ---- Redis stopped ------------------------------------------------------------------------------


def test_with_redis_stopped_public_reads_answer_and_health_says_the_cache_is_down(stack, api):
    with stopped(stack.stop_redis, stack.start_redis):
        answers = {path: api.get(path) for path in PUBLIC_READS}
        health = api.get("/health")
        api_health = api.get("/api/v1/health")

    assert {path: response.status_code for path, response in answers.items()} == dict.fromkeys(PUBLIC_READS, 200)
    assert answers["/api/v1/exercises?page_size=5"].json()["count"] > 100
    assert answers["/api/v1/exercises/64"].json()["name"] == "Barbell Squat"
    assert any("Squat" in item["name"] for item in answers["/api/v1/exercises/search?q=squat"].json()["results"])
    assert answers["/api/v1/workout-plans/featured"].json()["results"]
    assert answers["/api/v1/workout-plans/1"].json()["schedule"]
    for response in (health, api_health):
        assert response.status_code == 200  # the database answers: a load balancer keeps the server
        assert response.json() == {"status": "degraded", "database": "ok", "cache": "down"}


def test_with_redis_stopped_sending_a_login_code_fails_closed_with_a_503_problem(stack, api):
    sent_before = stack.delivered("sms") + stack.delivered("mail")
    with stopped(stack.stop_redis, stack.start_redis):
        by_sms = api.post("/api/v1/auth/phone/send-code", json={"phone": "+33612345601"})
        by_email = api.post("/api/v1/auth/email/send-code", json={"email": "faults-closed@movoai.test"})
        verify = api.post("/api/v1/auth/phone/verify-code", json={"phone": "+33612345601", "code": "123456"})

    for response in (by_sms, by_email):
        body = assert_problem(response, 503)
        assert "rate limiter is unavailable" in body["detail"]
        assert_retry_after(response)
    assert_problem(verify, 503)
    assert_retry_after(verify)
    assert stack.delivered("sms") + stack.delivered("mail") == sent_before  # nothing was sent


def test_with_redis_stopped_accounts_tracking_and_the_ai_answer_without_a_crash(stack, api):
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    with stopped(stack.stop_redis, stack.start_redis):
        alice = new_user(api)
        keyed_sign_up = api.post("/api/v1/users", json={}, headers={"Idempotency-Key": str(uuid.uuid4())})
        me = api.get("/api/v1/users/me", headers=alice)
        assigned = api.post("/api/v1/users/me/plans", json={"plan_id": 1}, headers=alice)
        log = {
            "id": str(uuid.uuid4()),
            "user_plan_id": assigned.json().get("user_plan_id"),
            "plan_exercise_id": 1,
            "date_performed": today,
            "sets_completed": 3,
            "reps_completed": 5,
            "weight_kg": "60",
        }
        logged = api.post("/api/v1/users/me/workout-logs", json=log, headers=alice)
        logged_again = api.post("/api/v1/users/me/workout-logs", json=log, headers=alice)  # a client's retry
        progress = api.get("/api/v1/users/me/progress", headers=alice)
        anonymous_ai = {path: api.post(path, json=body) for path, body in AI_REQUESTS.items()}
        alices_ai = api.post("/api/v1/ai/recommend-workout", json={"days_per_week": 3}, headers=alice)

    assert me.status_code == 200, me.text
    # A sign-up without a key works; one whose Idempotency-Key cannot be recorded is not run.
    assert "Idempotency-Key cannot be recorded" in assert_problem(keyed_sign_up, 503)["detail"]
    assert_retry_after(keyed_sign_up)
    assert assigned.status_code == 201, assigned.text
    assert logged.status_code == 201, logged.text
    assert logged_again.status_code in (200, 201), logged_again.text
    assert logged_again.json()["id"] == log["id"]
    assert progress.status_code == 200, progress.text
    assert progress.json()["totals"]["exercises_completed"] == 1
    # No model configured: the rules engine answers, uncached, and says so.
    for path, response in anonymous_ai.items():
        assert response.status_code == 200, (path, response.text)
        assert response.json()["engine"] == "rules", path
    # A known user's daily AI allowance is counted in Redis and refuses while it cannot be counted.
    assert "AI usage counter" in assert_problem(alices_ai, 503)["detail"]
    assert_retry_after(alices_ai)


def test_when_redis_returns_the_cache_and_code_sending_work_again_without_a_restart(stack, api):
    processes = stack.processes()
    assert len(processes) == 3  # the master and its two workers
    assert api.get("/api/v1/exercises/64").status_code == 200  # the workers hold Redis connections

    with stopped(stack.stop_redis, stack.start_redis):
        assert api.get("/api/v1/exercises/64").status_code == 200
        assert_problem(api.post("/api/v1/auth/phone/send-code", json={"phone": "+33612345602"}), 503)
    # A new Redis, empty: nothing the old one held survived.
    assert stack.redis().keys("*exercises:detail:64:*") == []

    health = api.get("/health")
    reads = [api.get("/api/v1/exercises/64") for _ in range(4)]  # enough to reach both workers
    sent = api.post("/api/v1/auth/phone/send-code", json={"phone": "+33612345602"})
    code = stack.last_code("sms")
    login = api.post("/api/v1/auth/phone/verify-code", json={"phone": "+33612345602", "code": code})

    assert health.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert [response.status_code for response in reads] == [200] * 4
    assert stack.redis().keys("*exercises:detail:64:*")  # the cache is used again
    assert sent.status_code == 202, sent.text
    assert login.status_code == 200, login.text
    assert login.json()["access"]
    assert stack.processes() == processes  # the same gunicorn master and workers


def test_with_redis_frozen_requests_are_slowed_not_broken(stack, api):
    """A Redis that accepts connections and never answers (SIGSTOP) costs each request the socket
    timeout of its Redis round trips, not a hang, not a crash."""
    mail_before = stack.delivered("mail")
    with stopped(stack.freeze_redis, stack.resume_redis):
        read, read_seconds = timed(lambda: api.get("/api/v1/workout-plans/featured"))
        health, health_seconds = timed(lambda: api.get("/health"))
        send, send_seconds = timed(lambda: api.post("/api/v1/auth/email/send-code", json={"email": "f@movoai.test"}))

    assert (read.status_code, health.status_code) == (200, 200)
    assert health.json()["cache"] == "down"
    assert_problem(send, 503)
    assert max(read_seconds, health_seconds, send_seconds) < FROZEN_REDIS_SECONDS
    assert stack.delivered("mail") == mail_before
    stack.wait_until_healthy()  # and back at once when it answers again


# ---- PostgreSQL stopped -------------------------------------------------------------------------


def test_with_postgres_stopped_requests_get_a_fast_503_problem_and_health_says_the_database_is_down(stack, api):
    bob = new_user(api)
    mail_before = stack.delivered("mail")
    for _ in range(4):  # both workers hold a database connection that the stop will cut
        assert api.get("/api/v1/users/me", headers=bob).status_code == 200

    with stopped(stack.stop_postgres, stack.start_postgres):
        answers = [
            timed(lambda: api.get("/api/v1/users/me", headers=bob)),
            timed(lambda: api.get("/api/v1/exercises?page_size=7&lang=fr")),  # not cached yet
            timed(lambda: api.get("/api/v1/workout-plans/2")),
            timed(lambda: api.post("/api/v1/users", json={})),
            timed(lambda: api.post("/api/v1/users/me/plans", json={"plan_id": 1}, headers=bob)),
            timed(lambda: api.post("/api/v1/auth/email/send-code", json={"email": "db-down@movoai.test"})),
            timed(lambda: api.post("/api/v1/ai/recommend-workout", json={"days_per_week": 2})),
        ]
        health = api.get("/health")
        api_health = api.get("/api/v1/health")

    for response, seconds in answers:
        assert assert_problem(response, 503)["detail"] == "The database is unavailable; try again shortly."
        assert_retry_after(response)
        assert seconds < FAST_SECONDS, (response.request.url.path, seconds)
        assert "socket" not in response.text  # nothing of the connection error leaks
    for response in (health, api_health):
        assert response.status_code == 503
        assert response.json() == {"status": "down", "database": "down", "cache": "ok"}
        assert_retry_after(response)
    assert stack.delivered("mail") == mail_before


def test_when_postgres_returns_the_next_request_succeeds_without_a_restart(stack, api):
    carol = new_user(api)
    processes = stack.processes()
    assert len(processes) == 3  # the master and its two workers
    for _ in range(4):
        assert api.get("/api/v1/users/me", headers=carol).status_code == 200

    with stopped(stack.stop_postgres, stack.start_postgres):
        assert_problem(api.get("/api/v1/users/me", headers=carol), 503)

    first = api.get("/api/v1/users/me", headers=carol)
    following = [api.get("/api/v1/users/me", headers=carol) for _ in range(5)]  # every worker and thread
    created = api.post("/api/v1/users", json={})

    assert first.status_code == 200, first.text
    assert [response.status_code for response in following] == [200] * 5
    assert created.status_code == 201, created.text
    assert api.get("/health").json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert stack.processes() == processes


# ---- the safety net: a Redis outage no view handles ---------------------------------------------


def read_a_redis_that_is_not_there() -> None:
    redis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=1).get("anything")


class RedisDependentView(APIView):
    def get(self, request: Request) -> HttpResponse:
        read_a_redis_that_is_not_there()
        return HttpResponse("unreachable")


def redis_dependent_django_view(request: HttpRequest) -> HttpResponse:
    read_a_redis_that_is_not_there()
    return HttpResponse("unreachable")


urlpatterns = [
    url_path("api/v1/test/redis-down", RedisDependentView.as_view()),
    url_path("api/v1/test/redis-down-plain", redis_dependent_django_view),
    *project_urlpatterns,
]


@pytest.mark.parametrize("path", ["/api/v1/test/redis-down", "/api/v1/test/redis-down-plain"])
def test_a_redis_outage_that_a_view_does_not_handle_is_a_503_problem_not_a_500(settings, path):
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)

    response = client.get(path)

    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "A service this request needs is unavailable; try again shortly."
    assert 0 < int(response["Retry-After"]) <= 60
    assert "127.0.0.1:1" not in response.content.decode()  # nothing of the connection error leaks
