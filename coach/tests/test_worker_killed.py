"""A Celery worker killed outright (SIGKILL to its whole process group: the main process and its pool
child, so nothing can give the task back) in the middle of a plan generation: once another worker
comes up, the run continues from its PostgreSQL checkpoint and ends with exactly one saved plan.

Real parts throughout: `celery -A movoai worker` processes (prefork, as in production) on the test's
PostgreSQL database and Redis broker, the plan request sent over the API, the stub OpenAI server as the
model. The model's first answer never comes (the stub hangs, the worker's client timeout is longer),
so the first worker is killed while it waits in the exercise selector, the step after load_context.
Redis redelivers the unacknowledged task after the broker's visibility timeout, 2 s here
(CELERY_VISIBILITY_TIMEOUT_SECONDS; 600 in production, see settings), checked every second; the model
then fails at once, so the second worker finishes with the rules.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.tokens import token_pair_for
from coach.models import AgentExecution, PlanGenerationLog
from coach.tests.openai_stub import OpenAIStub, StubServer, fresh_stub
from coach.tests.test_worker import broker_reachable
from movoai.celery import app
from plans.models import WorkoutPlan

pytestmark = pytest.mark.django_db(transaction=True)

REPO_ROOT = Path(__file__).resolve().parents[2]
BOOT_SECONDS = 60
RUN_SECONDS = 60
VISIBILITY_TIMEOUT_SECONDS = 2


@pytest.fixture
def kim(transactional_db: None) -> Iterator[User]:
    user = UserFactory.create(display_name="kim", fitness_level="beginner", available_equipment=["dumbbell"])
    yield user
    User.objects.filter(id=user.id).delete()


@pytest.fixture
def stub(openai_stub_server: StubServer) -> OpenAIStub:
    """The model: its first answer hangs (longer than the test waits), the next ones fail at once."""
    model = fresh_stub(openai_stub_server)
    model.hang(RUN_SECONDS).fail(500)
    return model


class Workers:
    """Celery worker processes, each in a process group of its own, logging to the test's folder."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.folder, self.env = folder, env
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self) -> subprocess.Popen[bytes]:
        log = open(self.folder / f"worker-{len(self.processes) + 1}.log", "wb")  # noqa: SIM115 - the child keeps it
        command = [sys.executable, "-m", "celery", "-A", "movoai", "worker", "--pool", "prefork",
                   "--concurrency", "1", "--prefetch-multiplier", "1", "-O", "fair", "--without-gossip",
                   "--without-mingle", "--without-heartbeat", "--loglevel", "info"]  # fmt: skip
        process = subprocess.Popen(  # noqa: S603 - our interpreter, our worker
            command, cwd=REPO_ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True
        )
        log.close()
        self.processes.append(process)
        return process

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    self.kill(process)

    def logs(self) -> str:
        return "\n".join(path.read_text(errors="replace")[-3000:] for path in sorted(self.folder.glob("worker-*.log")))


@pytest.fixture
def workers(tmp_path: Path, stub: OpenAIStub) -> Iterator[Workers]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "coach.tests.worker_settings",
        "MOVOAI_WORKER_DB_NAME": connections["default"].settings_dict["NAME"],
        "OPENAI_BASE_URL": stub.base_url,
        "OPENAI_API_KEY": "test-key",
        "LLM_TIMEOUT_SECONDS": str(RUN_SECONDS * 2),
        "LLM_MAX_RETRIES": "0",
        "AGENT_MODEL_ATTEMPTS": "1",
        "CELERY_VISIBILITY_TIMEOUT_SECONDS": str(VISIBILITY_TIMEOUT_SECONDS),
        "CELERY_UNACKED_RESTORE_SECONDS": "1",
    }
    env.pop("SENTRY_DSN", None)
    pool = Workers(tmp_path, env)
    yield pool
    pool.stop_all()


def wait_for(condition: Callable[[], bool], seconds: float, what: str, workers: Workers) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {seconds} s; the workers' logs:\n{workers.logs()}")
        time.sleep(0.1)


def test_a_plan_generation_whose_worker_is_killed_finishes_on_the_next_with_one_plan(kim, stub, workers):
    if not broker_reachable():
        pytest.skip(f"the Celery broker is unreachable ({app.conf.broker_url})")
    started = time.monotonic()
    first = workers.start()
    client = APIClient(REMOTE_ADDR="10.0.8.8")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_for(kim)['access']}")

    accepted = client.post("/api/v1/ai/agents/generate-plan", {"weeks": 2, "days_per_week": 3}, format="json")
    assert accepted.status_code == 202, accepted.content
    execution = AgentExecution.objects.get(id=accepted.json()["execution_id"])

    # the first worker is in the exercise selector, waiting for the model: kill it and its child
    wait_for(lambda: stub.hits >= 1, BOOT_SECONDS, "the first worker did not reach the model", workers)
    workers.kill(first)
    execution.refresh_from_db()
    killed = time.monotonic()
    assert (execution.status, execution.attempts) == ("running", 1)
    assert list(execution.events.filter(event="step").values_list("data__node", flat=True)) == ["load_context"]

    workers.start()

    def finished() -> bool:
        execution.refresh_from_db()
        return execution.status in AgentExecution.FINISHED_STATUSES

    wait_for(finished, BOOT_SECONDS + RUN_SECONDS, "the execution did not finish", workers)
    recovered = time.monotonic()
    print(
        f"\nworker killed {killed - started:.1f} s after the first worker's start; "
        f"the run finished {recovered - killed:.1f} s later"
    )

    assert execution.status == "succeeded", (execution.error, workers.logs())
    assert execution.attempts == 2
    # exactly one plan, saved once, for this execution
    plans = WorkoutPlan.objects.filter(created_by=kim)
    assert plans.count() == 1
    assert execution.plan == plans.get()
    assert PlanGenerationLog.objects.filter(execution_id=execution.id).count() == 1
    # continued from the checkpoint, not started again: load_context ran once, before the kill
    assert execution.path.count("load_context") == 1
    assert execution.path[:2] == ["load_context", "exercise_selector"]
    assert execution.path[-1] == "save"
    # the events: numbered without gaps, a start per attempt, one step per node run, in order
    events = list(execution.events.order_by("seq"))
    assert [event.seq for event in events] == list(range(1, len(events) + 1))
    names = [event.event for event in events]
    assert names[:4] == ["queued", "started", "step", "started"]
    assert [event.data["attempt"] for event in events if event.event == "started"] == [1, 2]
    assert names[-1] == "succeeded"
    steps = [event.data["node"] for event in events if event.event == "step"]
    assert steps == execution.path
    # the model was asked by both workers; the second fell back to the rules and says so
    assert stub.hits >= 2
    assert (execution.engine, execution.fallback_used) == ("rules", True)
    selector = next(run for run in execution.agent_runs if run["agent"] == "exercise_selector")
    assert selector["fallback_reason"] == "model_error"


def test_settings_hand_a_lost_task_back_to_the_queue(settings: Any) -> None:
    """What the recovery above rests on, in the production configuration: late acknowledgement, a
    task given back when its pool process dies, one task reserved at a time, and a visibility
    timeout longer than the longest run (a run still going is never handed to a second worker)."""
    from coach.tasks import HARD_TIME_LIMIT, run_agent_execution

    assert (run_agent_execution.acks_late, run_agent_execution.reject_on_worker_lost) == (True, True)
    assert app.conf.worker_prefetch_multiplier == 1
    options = app.conf.broker_transport_options
    assert options["visibility_timeout"] > HARD_TIME_LIMIT
    assert options["unacked_restore_throttle"] == 1
