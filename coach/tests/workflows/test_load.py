"""20 plan generations at once with the rules engine, each in its own thread and database
connection as 20 workers would run them, some delivered twice at the same time as a redelivery
would: all complete, none is lost, and no plan is saved twice.

These tests commit for real, so the users they make (and everything of theirs) and the checkpoints
are removed at the end."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connections

from accounts.models import User
from accounts.tests.factories import UserFactory
from coach.checkpoints import checkpointer
from coach.models import AgentExecution, PlanGenerationLog
from coach.tests.fakes import use_model
from coach.tests.workflows.conftest import new_execution, output_of, plan_request
from coach.workflows.runner import run_execution
from plans.models import WorkoutPlan

pytestmark = pytest.mark.django_db(transaction=True)

RUNS = 20
DELIVERED_TWICE = 5
PROFILES: list[dict[str, Any]] = [
    {"goal": "strength", "equipment": ["dumbbell"], "days_per_week": 3, "weeks": 4},
    {"goal": "hypertrophy", "equipment": [], "days_per_week": 4, "weeks": 8},
    {"goal": "weight_loss", "equipment": ["body weight"], "days_per_week": 5, "weeks": 6},
    {"goal": "endurance", "equipment": ["kettlebell", "resistance band"], "days_per_week": 2, "weeks": 12},
    {"goal": "general_fitness", "equipment": ["barbell", "bench"], "days_per_week": 6, "weeks": 4},
]


@pytest.fixture
def crowd() -> Iterator[list[User]]:
    users = [
        UserFactory.create(
            display_name=f"Load {index}", fitness_level=("beginner", "intermediate", "advanced")[index % 3]
        )
        for index in range(RUNS)
    ]
    yield users
    ids = [
        str(execution_id) for execution_id in AgentExecution.objects.filter(user__in=users).values_list("id", flat=True)
    ]
    User.objects.filter(id__in=[user.id for user in users]).delete()
    with checkpointer() as saver:
        for thread_id in ids:
            saver.delete_thread(thread_id)


def deliver_all(deliveries: list[Any]) -> None:
    """Run every delivery at once, each in its own thread with its own database connection."""
    barrier = threading.Barrier(len(deliveries))
    errors: list[BaseException] = []

    def worker(execution_id: Any) -> None:
        try:
            barrier.wait(timeout=30)
            run_execution(execution_id)
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(execution_id,)) for execution_id in deliveries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads)
    assert not errors, errors


def test_twenty_concurrent_generations_all_complete_once(crowd, monkeypatch):
    use_model(monkeypatch, None)
    executions = [
        new_execution(user, "plan_generation", **plan_request(**PROFILES[index % len(PROFILES)]))
        for index, user in enumerate(crowd)
    ]
    deliveries = [execution.id for execution in executions] + [
        execution.id for execution in executions[:DELIVERED_TWICE]
    ]

    deliver_all(deliveries)

    finished = AgentExecution.objects.filter(id__in=[execution.id for execution in executions])
    assert finished.count() == RUNS
    assert {execution.status for execution in finished} == {"succeeded"}, [
        (execution.status, execution.error) for execution in finished if execution.status != "succeeded"
    ]
    assert WorkoutPlan.objects.filter(created_by__in=crowd).count() == RUNS
    assert PlanGenerationLog.objects.filter(execution__in=executions).count() == RUNS
    for execution in finished:
        assert execution.plan_id == output_of(execution)["plan_id"]
        kinds = list(execution.events.values_list("event", flat=True))
        assert kinds.count("started") == 1
        assert kinds.count("succeeded") == 1
        assert execution.attempts == 1
    assert {plan.created_by_id for plan in WorkoutPlan.objects.filter(created_by__in=crowd)} == {
        user.id for user in crowd
    }
