"""Prometheus /metrics: requests by URL pattern and status, Celery task runs, AI tokens and cost by
agent, closed in production without the token, and added up across processes in multiprocess mode.

Every reading goes through /metrics itself (the text Prometheus scrapes). The default registry lives
as long as the test process, so each test compares a reading after its action with one before."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from celery import signals
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from coach.llm import chat_model, recorded_config
from coach.tests.openai_stub import COMPLETION_TOKENS, PROMPT_TOKENS, OpenAIStub, fresh_stub, running_stub_server
from exercises.models import Exercise
from movoai.celery import app as celery_app

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]
EXERCISE_ROUTE = "api/v1/exercises/<int:exercise_id>"
METRICS_TOKEN = "scrape-token-for-the-tests-0123456789"


def scrape(client: Client | None = None, **headers: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample /metrics shows: (sample name, labels) -> value."""
    response = (client or Client()).get("/metrics", headers=headers)
    assert response.status_code == 200, response.content
    return parse(response.content.decode())


def parse(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def requests_counted(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], **labels: str) -> float:
    return value(samples, "http_request_duration_seconds_count", **labels)


# ---- requests -------------------------------------------------------------------------------------


def test_an_api_request_is_counted_under_its_url_pattern_and_status(api):
    exercise_id = Exercise.objects.order_by("id").values_list("id", flat=True).first()
    before = scrape()

    assert api.get(f"/api/v1/exercises/{exercise_id}").status_code == 200
    assert api.get(f"/api/v1/exercises/{exercise_id}").status_code == 200
    assert api.get("/api/v1/exercises/999999999").status_code == 404

    after = scrape()
    assert requests_counted(after, method="GET", route=EXERCISE_ROUTE, status="200") == (
        requests_counted(before, method="GET", route=EXERCISE_ROUTE, status="200") + 2
    )
    # a missing exercise is still the detail route (a bounded label), with its status
    assert requests_counted(after, method="GET", route=EXERCISE_ROUTE, status="404") == (
        requests_counted(before, method="GET", route=EXERCISE_ROUTE, status="404") + 1
    )
    latency = value(after, "http_request_duration_seconds_sum", method="GET", route=EXERCISE_ROUTE, status="200")
    assert latency > value(
        before, "http_request_duration_seconds_sum", method="GET", route=EXERCISE_ROUTE, status="200"
    )
    # never the raw path: one series per pattern, not per exercise
    assert not any(f"/{exercise_id}" in dict(labels).get("route", "") for _, labels in after)


def test_a_path_no_route_matches_is_counted_as_unmatched(api):
    before = scrape()

    assert api.get("/no/such/page/42").status_code == 404
    assert api.post("/api/v1/nothing-here", {}, format="json").status_code == 404

    after = scrape()
    for method in ("GET", "POST"):
        assert requests_counted(after, method=method, route="unmatched", status="404") == (
            requests_counted(before, method=method, route="unmatched", status="404") + 1
        )
    assert not any("/no/such/page" in dict(labels).get("route", "") for _, labels in after)


def test_scrapes_are_not_counted_limited_or_cached(settings):
    settings.PUBLIC_RATE_LIMIT = "2/m"
    client = Client()

    responses = [client.get("/metrics") for _ in range(5)]

    assert [response.status_code for response in responses] == [200] * 5  # never the public 429
    assert responses[0]["Content-Type"].startswith("text/plain; version=")  # the text exposition format
    assert "no-store" in responses[0]["Cache-Control"]
    assert not any(dict(labels).get("route") == "metrics" for _, labels in parse(responses[-1].content.decode()))


# ---- production: only with the token --------------------------------------------------------------


@pytest.fixture
def production(settings: Any) -> None:
    settings.IS_PRODUCTION = True
    settings.METRICS_TOKEN = METRICS_TOKEN


@pytest.mark.usefixtures("production")
@pytest.mark.parametrize(
    "authorization",
    [
        None,
        f"Bearer {METRICS_TOKEN}x",
        f"Bearer {METRICS_TOKEN[:-1]}",
        "Bearer ",
        f"Basic {METRICS_TOKEN}",
        METRICS_TOKEN,
    ],
    ids=["no-header", "longer", "shorter", "empty", "other-scheme", "no-scheme"],
)
def test_production_hides_metrics_without_the_right_token(authorization):
    headers = {} if authorization is None else {"Authorization": authorization}

    response = Client().get("/metrics", headers=headers)

    assert response.status_code == 404
    assert b"http_request_duration_seconds" not in response.content


@pytest.mark.usefixtures("production")
def test_production_serves_metrics_to_the_right_token():
    response = Client().get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})

    assert response.status_code == 200
    assert b"http_request_duration_seconds" in response.content


def test_production_without_a_configured_token_never_serves_metrics(settings):
    settings.IS_PRODUCTION = True
    settings.METRICS_TOKEN = ""

    assert Client().get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404
    assert Client().get("/metrics").status_code == 404


# ---- Celery ---------------------------------------------------------------------------------------


@celery_app.task(name="movoai.tests.metrics_probe")  # type: ignore[untyped-decorator]
def metrics_probe(fail: bool = False) -> str:
    if fail:
        raise ValueError("the probe failed on purpose")
    return "done"


def test_celery_task_runs_are_counted_by_state_and_timed_once_each():
    task = metrics_probe.name
    before = scrape()

    # apply() runs the task through Celery's tracer, which sends the same signals as in a worker
    assert metrics_probe.apply().get() == "done"
    assert metrics_probe.apply(kwargs={"fail": True}).failed()

    after = scrape()
    assert value(after, "celery_tasks_total", task=task, state="success") == (
        value(before, "celery_tasks_total", task=task, state="success") + 1
    )
    # task_failure is sent inside the run as well: still one count, not two
    assert value(after, "celery_tasks_total", task=task, state="failure") == (
        value(before, "celery_tasks_total", task=task, state="failure") + 1
    )
    assert value(after, "celery_task_duration_seconds_count", task=task) == (
        value(before, "celery_task_duration_seconds_count", task=task) + 2
    )


def test_a_task_lost_with_its_worker_process_is_counted_as_a_failure():
    """The worker's main process sends task_failure (hard time limit, pool process killed) for a task
    that ran elsewhere: no task_postrun follows, so that signal is what counts it."""
    task = metrics_probe.name
    before = scrape()

    signals.task_failure.send(sender=metrics_probe, task_id="a-task-of-a-lost-process", exception=RuntimeError())

    after = scrape()
    assert value(after, "celery_tasks_total", task=task, state="failure") == (
        value(before, "celery_tasks_total", task=task, state="failure") + 1
    )


# ---- AI usage -------------------------------------------------------------------------------------


@pytest.fixture
def openai_stub(settings: Any) -> Iterator[OpenAIStub]:
    with running_stub_server() as server:
        stub = fresh_stub(server)
        settings.OPENAI_BASE_URL = stub.base_url
        settings.OPENAI_API_KEY = "test-key"
        settings.LLM_MAX_RETRIES = 0
        settings.LLM_TIMEOUT_SECONDS = 5
        settings.LLM_PRICES = {"coach-large": {"input": 2.0, "output": 8.0}}
        yield stub


def test_a_model_call_adds_its_tokens_and_cost_to_its_agent(openai_stub):
    before = scrape()
    model = chat_model("agent:workout_planner", model="coach-large")
    assert model is not None

    # the planner's agents record their calls with this config (coach.agents.base)
    config = recorded_config(purpose="agent:workout_planner", agent="workout_planner")
    model.invoke("Plan my week.", config=config)
    model.invoke("And the next one.", config=config)

    after = scrape()
    agent = "workout_planner"
    assert value(after, "ai_tokens_total", agent=agent, kind="prompt") == (
        value(before, "ai_tokens_total", agent=agent, kind="prompt") + 2 * PROMPT_TOKENS
    )
    assert value(after, "ai_tokens_total", agent=agent, kind="completion") == (
        value(before, "ai_tokens_total", agent=agent, kind="completion") + 2 * COMPLETION_TOKENS
    )
    call_cost = (PROMPT_TOKENS * 2.0 + COMPLETION_TOKENS * 8.0) / 1_000_000
    assert value(after, "ai_cost_usd_total", agent=agent) == pytest.approx(
        value(before, "ai_cost_usd_total", agent=agent) + 2 * call_cost
    )


# ---- several processes ----------------------------------------------------------------------------

WRITER = textwrap.dedent(
    """
    import os, sys
    from decimal import Decimal
    import django
    django.setup()
    from django.test import Client
    from movoai import metrics

    count = int(sys.argv[1])
    client = Client()
    for _ in range(count):
        assert client.get("/not/a/route").status_code == 404
    metrics.ai_usage_record(agent="multiprocess", prompt_tokens=count, completion_tokens=1, cost_usd=Decimal("0.25"))
    print(os.getpid())
    """
)
SCRAPER = textwrap.dedent(
    """
    import django
    django.setup()
    from django.test import Client
    response = Client().get("/metrics")
    assert response.status_code == 200
    print(response.content.decode())
    """
)


def run_python(code: str, *args: str, metrics_dir: Path) -> str:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "movoai.settings_test", "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_metrics_of_several_processes_are_added_up(tmp_path):
    metrics_dir = tmp_path / "prometheus"  # created by the first process

    first = int(run_python(WRITER, "2", metrics_dir=metrics_dir))
    second = int(run_python(WRITER, "3", metrics_dir=metrics_dir))
    samples = parse(run_python(SCRAPER, metrics_dir=metrics_dir))

    assert first != second
    assert {path.name for path in metrics_dir.iterdir()} >= {f"histogram_{first}.db", f"histogram_{second}.db"}
    assert requests_counted(samples, method="GET", route="unmatched", status="404") == 5
    assert value(samples, "ai_tokens_total", agent="multiprocess", kind="prompt") == 5
    assert value(samples, "ai_tokens_total", agent="multiprocess", kind="completion") == 2
    assert value(samples, "ai_cost_usd_total", agent="multiprocess") == pytest.approx(0.5)


def test_gunicorn_start_forgets_dead_processes_and_child_exit_their_live_gauges(tmp_path, monkeypatch):
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True)
    dead, alive = int(ended.stdout), os.getpid()
    for name in (f"counter_{dead}.db", f"histogram_{dead}.db", f"counter_{alive}.db", f"gauge_livesum_{alive}.db"):
        (tmp_path / name).write_bytes(b"")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))

    config = runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))  # what gunicorn does at start

    assert {path.name for path in tmp_path.iterdir()} == {f"counter_{alive}.db", f"gauge_livesum_{alive}.db"}

    class Worker:
        pid = alive

    config["child_exit"](None, Worker())

    assert {path.name for path in tmp_path.iterdir()} == {f"counter_{alive}.db"}
