"""A real Celery worker (in a thread of the test process) takes a plan generation from the Redis broker
and runs it to the end: the path a `make run` user's request takes. The test commits for real (the
worker's threads have their own database connections) and removes its user, and with her the plan and
the execution, at the end."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connections
from kombu.exceptions import OperationalError as BrokerUnavailable

from accounts.models import User
from accounts.tests.factories import UserFactory
from coach.executions import execution_create
from coach.models import AgentExecution
from movoai.celery import app

pytestmark = pytest.mark.django_db(transaction=True)

DEADLINE_SECONDS = 60


@pytest.fixture
def erin(transactional_db: None) -> Iterator[User]:
    user = UserFactory.create(display_name="erin", fitness_level="beginner", available_equipment=["dumbbell"])
    yield user
    User.objects.filter(id=user.id).delete()


@pytest.fixture
def worker_connections_close(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The worker's threads close their database connections after each task (none may outlive the
    test: the test database is dropped at the end of the session)."""
    monkeypatch.setitem(connections["default"].settings_dict, "CONN_MAX_AGE", 0)

    def close(**kwargs: Any) -> None:
        connections.close_all()

    task_postrun.connect(close, weak=False)
    yield
    task_postrun.disconnect(close)


def broker_reachable() -> bool:
    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=3)
    except (BrokerUnavailable, OSError):
        return False
    return True


def test_a_real_worker_runs_a_plan_generation_and_records_every_event(erin, worker_connections_close):
    pytest.importorskip("coach.workflows.runner", reason="coach.workflows.runner (the workflows) is not there yet")
    if not broker_reachable():
        pytest.skip(f"the Celery broker is unreachable ({app.conf.broker_url})")

    with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=30):
        execution, created = execution_create(
            user=erin,
            kind=AgentExecution.Kind.PLAN_GENERATION,
            input={"weeks": 4, "days_per_week": 3, "goals": ["strength"], "available_equipment": ["dumbbell"]},
        )
        deadline = time.monotonic() + DEADLINE_SECONDS
        while execution.status not in AgentExecution.FINISHED_STATUSES and time.monotonic() < deadline:
            time.sleep(0.2)
            execution.refresh_from_db()

    assert created
    assert execution.status == AgentExecution.Status.SUCCEEDED, (execution.status, execution.error)
    assert execution.plan is not None
    assert execution.plan.created_by == erin
    assert (execution.output or {}).get("plan_id") == execution.plan.id
    assert (execution.progress, execution.attempts, execution.engine) == (100, 1, "rules")
    events = list(execution.events.order_by("seq"))
    assert [event.seq for event in events] == list(range(1, len(events) + 1))
    names = [event.event for event in events]
    assert names[:2] == ["queued", "started"]
    assert names[-1] == "succeeded"
    assert set(names[2:-1]) == {"step"}
    # one step per node the run went through, in order
    assert [event.data["step"] for event in events[2:-1]] == execution.path
    assert {"load_context", "exercise_selector", "workout_planner", "injury_prevention", "validate", "save"} <= set(
        execution.path
    )
