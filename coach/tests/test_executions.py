"""Agent executions (coach.executions): creation with dedupe and limits, numbered events published on
Redis, the lifecycle a worker drives, and the selectors. Real PostgreSQL and Redis; the tests that
race threads commit for real and remove their users (and with them their executions) at the end."""

from __future__ import annotations

import base64
import datetime
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from django.conf import settings
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnavailable

from accounts.models import User
from accounts.tests.factories import UserFactory
from coach import executions
from coach.executions import (
    ExecutionLimitReached,
    execution_create,
    execution_event,
    execution_fail,
    execution_pause,
    execution_start,
    execution_succeed,
)
from coach.feedback import feedback_create
from coach.models import AgentExecution, AgentExecutionEvent
from movoai.errors import Conflict, exception_handler
from movoai.tests.concurrency import race
from plans.models import WorkoutPlan

Status = AgentExecution.Status
A_PLAN = {"weeks": 4, "days_per_week": 3, "goals": ["strength"], "available_equipment": ["dumbbell"]}
NUTRITION = {"age": 34, "sex": "female", "weight_kg": 62, "height_cm": 168, "goal": "maintenance"}


@pytest.fixture(autouse=True)
def roomy_limits(settings: Any) -> None:
    """Limits out of the way; the tests of the limits set their own."""
    settings.AGENT_MAX_CONCURRENT_PER_USER = 100
    settings.AGENT_EXECUTIONS_PER_DAY = 1000


@pytest.fixture
def alice(db: None) -> User:
    return UserFactory.create(display_name="alice")


@pytest.fixture
def bob(db: None) -> User:
    return UserFactory.create(display_name="bob")


@pytest.fixture
def broker() -> redis.Redis:
    """The test Redis database, where the Celery broker's queue lives (flushed between tests)."""
    return redis.Redis.from_url(str(settings.CACHES["default"]["LOCATION"]))


def queued_tasks(broker: redis.Redis) -> list[tuple[str, Any]]:
    """The (task name, args) of the messages waiting in Celery's default queue."""
    tasks = []
    for raw in broker.lrange("celery", 0, -1):
        message = json.loads(raw)
        body = json.loads(base64.b64decode(message["body"]))
        tasks.append((message["headers"]["task"], body[0]))
    return tasks


def events_of(execution: AgentExecution) -> list[tuple[int, str]]:
    return list(execution.events.order_by("seq").values_list("seq", "event"))


def run(user: User, input: dict[str, Any] | None = None, kind: str = "nutrition") -> AgentExecution:
    execution, created = execution_create(user=user, kind=kind, input=input or dict(NUTRITION))
    assert created
    return execution


# ---- creation ------------------------------------------------------------------------------------


def test_a_workflow_execution_is_queued_and_sent_to_a_worker_once_committed(
    alice, broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        execution, created = execution_create(user=alice, kind="plan_generation", input=A_PLAN)
        assert queued_tasks(broker) == []  # nothing is sent before the row is visible to a worker
    for callback in callbacks:
        callback()

    assert created
    assert (execution.status, execution.progress, execution.user) == (Status.QUEUED, 0, alice)
    assert execution.input == A_PLAN
    assert len(execution.input_hash) == 64
    assert events_of(execution) == [(1, "queued")]
    assert queued_tasks(broker) == [("coach.run_agent_execution", [str(execution.id)])]


def test_an_execution_the_queue_cannot_take_fails_at_once_and_may_be_asked_again(
    alice, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args: Any) -> None:
        raise BrokerUnavailable("Error 111 connecting to redis: Connection refused.")

    monkeypatch.setattr("coach.tasks.run_agent_execution.delay", broker_down)

    with django_capture_on_commit_callbacks(execute=True):
        execution, _ = execution_create(user=alice, kind="plan_generation", input=A_PLAN)
    execution.refresh_from_db()

    assert (execution.status, execution.error) == (Status.FAILED, executions.QUEUE_UNAVAILABLE)
    assert events_of(execution) == [(1, "queued"), (2, "failed")]
    with django_capture_on_commit_callbacks(execute=True):
        assert execution_create(user=alice, kind="plan_generation", input=A_PLAN)[1] is True


def test_a_single_agent_execution_is_not_sent_to_a_worker(alice, broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        execution, _ = execution_create(user=alice, kind="nutrition", input=NUTRITION)

    assert execution.status == Status.QUEUED
    assert queued_tasks(broker) == []


def test_an_identical_request_within_the_window_returns_the_earlier_execution(alice, bob):
    first = run(alice, NUTRITION)
    # key order does not make a request different
    again, created = execution_create(user=alice, kind="nutrition", input=dict(reversed(NUTRITION.items())))
    other_kind, other_kind_created = execution_create(user=alice, kind="motivation", input=NUTRITION)
    other_input, other_input_created = execution_create(user=alice, kind="nutrition", input={**NUTRITION, "age": 35})
    bobs, bobs_created = execution_create(user=bob, kind="nutrition", input=NUTRITION)

    assert (again, created) == (first, False)
    assert (other_kind_created, other_input_created, bobs_created) == (True, True, True)
    assert first not in (other_kind, other_input, bobs)
    assert events_of(first) == [(1, "queued")]  # the repeat recorded nothing


def test_an_identical_request_after_the_window_or_after_a_failure_runs_again(alice, settings):
    settings.AGENT_DEDUPE_SECONDS = 60
    old = run(alice, NUTRITION)
    execution_succeed(old.id, output={}, agent_runs=[], path=[])
    AgentExecution.objects.filter(id=old.id).update(created_at=timezone.now() - datetime.timedelta(seconds=61))
    after_window, created = execution_create(user=alice, kind="nutrition", input=NUTRITION)
    assert created
    assert after_window != old

    execution_fail(after_window.id, error="the model failed")
    after_failure, created = execution_create(user=alice, kind="nutrition", input=NUTRITION)
    assert created
    assert after_failure != after_window


def test_an_identical_request_after_feedback_runs_again(alice):
    """Feedback given since the earlier run shapes the next one: the same request is not a repeat."""
    first = run(alice, NUTRITION)
    feedback_create(user=alice, agent_type="nutrition_advisor", positive=False, text="Too many carbs.")
    again, created = execution_create(user=alice, kind="nutrition", input=NUTRITION)
    assert created
    assert again != first


def test_the_concurrent_limit_is_a_429_problem_with_retry_after(alice, settings):
    settings.AGENT_MAX_CONCURRENT_PER_USER = 2
    first = run(alice, {"age": 30})
    run(alice, {"age": 31})

    with pytest.raises(ExecutionLimitReached) as refused:
        execution_create(user=alice, kind="nutrition", input={"age": 32})
    response = exception_handler(refused.value, {})

    assert response.status_code == 429
    assert response.content_type == "application/problem+json"
    assert int(response["Retry-After"]) > 0
    assert response.data["status"] == 429
    assert "2 agent executions queued or running" in response.data["detail"]
    # a finished one frees a place; the refused request created nothing
    execution_succeed(first.id, output={}, agent_runs=[], path=[])
    assert execution_create(user=alice, kind="nutrition", input={"age": 32})[1]
    assert AgentExecution.objects.filter(user=alice).count() == 3


def test_the_daily_limit_counts_since_utc_midnight_and_says_when_it_restarts(alice, bob, settings):
    settings.AGENT_EXECUTIONS_PER_DAY = 2
    yesterday = run(alice, {"age": 29})
    AgentExecution.objects.filter(id=yesterday.id).update(created_at=timezone.now() - datetime.timedelta(days=1))
    for age in (30, 31):
        execution_succeed(run(alice, {"age": age}).id, output={}, agent_runs=[], path=[])

    with pytest.raises(ExecutionLimitReached) as refused:
        execution_create(user=alice, kind="nutrition", input={"age": 32})
    response = exception_handler(refused.value, {})

    assert response.status_code == 429
    assert "2 agent executions for today" in response.data["detail"]
    assert 0 < int(response["Retry-After"]) <= 24 * 3600
    # the same request as today's still returns it, and another user is not limited by alice's count
    assert execution_create(user=alice, kind="nutrition", input={"age": 31})[1] is False
    assert execution_create(user=bob, kind="nutrition", input={"age": 32})[1]


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown execution kind"):
        execution_create(user=User(), kind="astrology", input={})


# ---- racing requests (real commits, one connection per thread) -----------------------------------


@pytest.fixture
def carol(transactional_db: None) -> Iterator[User]:
    """A committed user, removed afterwards with her executions."""
    user = UserFactory.create(display_name="carol")
    yield user
    User.objects.filter(id=user.id).delete()


@pytest.mark.django_db(transaction=True)
def test_identical_requests_at_the_same_moment_create_one_execution(carol):
    for _ in range(3):
        AgentExecution.objects.filter(user=carol).delete()
        results = race(*[lambda: execution_create(user=carol, kind="nutrition", input=NUTRITION)] * 3)

        assert not [result for result in results if isinstance(result, Exception)], results
        assert sorted(created for _, created in results) == [False, False, True]
        assert len({execution.id for execution, _ in results}) == 1
        assert AgentExecution.objects.filter(user=carol).count() == 1


@pytest.mark.django_db(transaction=True)
def test_different_requests_at_the_same_moment_respect_the_concurrent_limit(carol, settings):
    settings.AGENT_MAX_CONCURRENT_PER_USER = 1

    results = race(
        *[lambda age=age: execution_create(user=carol, kind="nutrition", input={"age": age}) for age in (1, 2, 3)]
    )

    refused = [result for result in results if isinstance(result, ExecutionLimitReached)]
    assert len(refused) == 2
    assert AgentExecution.objects.filter(user=carol).count() == 1


@pytest.mark.django_db(transaction=True)
def test_events_written_at_the_same_moment_are_numbered_without_gaps(carol):
    execution = run(carol)

    results = race(*[lambda n=n: execution_event(execution.id, "step", {"n": n}) for n in range(6)])

    assert not [result for result in results if isinstance(result, Exception)], results
    assert [seq for seq, _ in events_of(execution)] == list(range(1, 8))


# ---- events --------------------------------------------------------------------------------------


def test_events_are_numbered_and_move_the_execution_along(alice):
    execution = run(alice)

    execution_event(execution.id, "started", status=Status.RUNNING, progress=5)
    step = execution_event(execution.id, "step", {"node": "load_context"}, progress=20, step="load_context")
    execution.refresh_from_db()

    assert events_of(execution) == [(1, "queued"), (2, "started"), (3, "step")]
    assert (execution.status, execution.progress, execution.current_step) == (Status.RUNNING, 20, "load_context")
    assert step.data == {"node": "load_context", "status": "running", "progress": 20, "step": "load_context"}
    assert [m["seq"] for m in executions.execution_messages_since(execution.id, 1)] == [2, 3]


def test_an_event_is_published_on_the_executions_channel_once_committed(
    alice, broker, django_capture_on_commit_callbacks
):
    execution = run(alice)
    subscriber = broker.pubsub(ignore_subscribe_messages=True)
    subscriber.subscribe(f"movoai:executions:{execution.id}")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            execution_event(execution.id, "step", {"node": "validate"}, progress=80, step="validate")
            assert subscriber.get_message(timeout=0.2) is None  # not before the commit
        message = subscriber.get_message(timeout=5)
    finally:
        subscriber.close()

    assert message is not None
    assert message["channel"].decode() == executions.execution_channel(execution.id)
    published = json.loads(message["data"])
    assert {key: published[key] for key in ("execution_id", "seq", "event", "status", "progress", "step")} == {
        "execution_id": str(execution.id),
        "seq": 2,
        "event": "step",
        "status": "queued",
        "progress": 80,
        "step": "validate",
    }
    assert published["data"]["node"] == "validate"
    # the replay gives the same message
    assert executions.execution_messages_since(execution.id, 1) == [published]


def test_redis_down_loses_only_the_live_copy(alice, monkeypatch, django_capture_on_commit_callbacks, caplog):
    execution = run(alice)
    monkeypatch.setattr(executions, "redis_url", lambda: "redis://127.0.0.1:1/0")

    with django_capture_on_commit_callbacks(execute=True):
        execution_event(execution.id, "started", status=Status.RUNNING)

    assert events_of(execution) == [(1, "queued"), (2, "started")]
    assert "not published" in caplog.text


# ---- the lifecycle a worker drives ---------------------------------------------------------------

LLM_RUN = {"agent": "workout_planner", "engine": "llm", "variant": "B", "fallback_reason": None}
RULES_RUN = {"agent": "exercise_selector", "engine": "rules", "variant": "A", "fallback_reason": "not_configured"}
FALLBACK_RUN = {"agent": "injury_prevention", "engine": "rules", "variant": "A", "fallback_reason": "timeout"}


def test_a_worker_starts_a_queued_execution_and_a_redelivery_of_a_running_one(alice):
    execution = run(alice, A_PLAN, kind="plan_generation")

    started = execution_start(execution.id)
    redelivered = execution_start(execution.id)

    assert started is not None
    assert redelivered is not None
    assert (redelivered.status, redelivered.attempts) == (Status.RUNNING, 2)
    assert started.started_at == redelivered.started_at
    assert events_of(execution) == [(1, "queued"), (2, "started"), (3, "started")]
    assert [event.data["attempt"] for event in execution.events.filter(event="started").order_by("seq")] == [1, 2]


def test_nothing_starts_again_once_finished_or_while_paused(alice):
    succeeded, failed, paused = run(alice, {"age": 1}), run(alice, {"age": 2}), run(alice, {"age": 3})
    for execution in (succeeded, failed, paused):
        execution_start(execution.id)
    execution_succeed(succeeded.id, output={"engine": "rules"}, agent_runs=[RULES_RUN], path=["a"])
    execution_fail(failed.id, error="boom")
    execution_pause(paused.id, payload={"draft": {}}, agent_runs=[], path=["a"])

    assert [execution_start(execution.id) for execution in (succeeded, failed, paused)] == [None, None, None]
    assert AgentExecutionEvent.objects.filter(execution__user=alice, event="started").count() == 3


def test_success_records_the_result_the_engine_and_the_timing(alice, strength_plan_for):
    execution = run(alice, A_PLAN, kind="plan_generation")
    execution_start(execution.id)
    plan = strength_plan_for(alice)

    done = execution_succeed(
        execution.id, output={"plan_id": plan.id}, agent_runs=[LLM_RUN, RULES_RUN], path=["a", "b"], plan=plan
    )
    again = execution_succeed(execution.id, output={"other": True}, agent_runs=[], path=[])

    assert (done.status, done.progress, done.plan, done.output) == (Status.SUCCEEDED, 100, plan, {"plan_id": plan.id})
    assert (done.engine, done.fallback_used) == ("mixed", False)  # no model configured is not a fallback
    assert done.variants == {"workout_planner": "B", "exercise_selector": "A"}
    assert done.path == ["a", "b"]
    assert done.execution_time_ms is not None
    assert done.finished_at is not None
    assert again.output == {"plan_id": plan.id}  # a second success changes nothing
    assert events_of(execution) == [(1, "queued"), (2, "started"), (3, "succeeded")]
    assert execution.events.get(seq=3).data["plan_id"] == plan.id


def test_the_execution_time_leaves_out_a_wait_for_review(alice):
    execution = run(alice, A_PLAN, kind="plan_generation")
    execution_start(execution.id)
    execution_pause(execution.id, payload={}, agent_runs=[], path=[])
    executions.execution_resume(user=alice, execution_id=execution.id, decision={"approve": True})
    execution_start(execution.id)
    now = timezone.now()
    # ran 2 s, waited an hour for review, ran again for the last second
    for seq, ago in ((2, 3602), (3, 3600), (5, 1)):
        execution.events.filter(seq=seq).update(created_at=now - datetime.timedelta(seconds=ago))

    done = execution_succeed(execution.id, output={}, agent_runs=[], path=[])

    assert [event for _, event in events_of(execution)] == [
        "queued",
        "started",
        "paused",
        "resumed",
        "started",
        "succeeded",
    ]
    assert done.execution_time_ms is not None
    assert 3000 <= done.execution_time_ms < 60_000


@pytest.mark.parametrize(
    ("agent_runs", "engine", "fallback_used"),
    [([LLM_RUN], "llm", False), ([RULES_RUN], "rules", False), ([LLM_RUN, FALLBACK_RUN], "mixed", True)],
)
def test_the_engine_says_who_answered_and_fallback_when_a_model_failed(alice, agent_runs, engine, fallback_used):
    execution = run(alice)

    done = execution_succeed(execution.id, output={}, agent_runs=agent_runs, path=[])

    assert (done.engine, done.fallback_used) == (engine, fallback_used)


def test_a_failure_and_a_pause_are_recorded_with_their_events(alice):
    failing, pausing = run(alice, {"age": 1}), run(alice, {"age": 2})

    failed = execution_fail(failing.id, error="The workflow timed out.", agent_runs=[RULES_RUN], path=["a"])
    paused = execution_pause(pausing.id, payload={"draft": {"weeks": []}}, agent_runs=[LLM_RUN], path=["a", "b"])

    assert (failed.status, failed.error, failed.engine, failed.path) == (
        Status.FAILED,
        "The workflow timed out.",
        "rules",
        ["a"],
    )
    assert events_of(failing)[-1] == (2, "failed")
    assert failing.events.get(seq=2).data["error"] == "The workflow timed out."
    assert (paused.status, paused.output, paused.variants) == (
        Status.PAUSED,
        {"review": {"draft": {"weeks": []}}},
        {"workout_planner": "B"},
    )
    assert events_of(pausing)[-1] == (2, "paused")


def test_a_paused_execution_resumes_once(alice, bob, broker, django_capture_on_commit_callbacks):
    execution = run(alice, A_PLAN, kind="plan_generation")
    execution_pause(execution.id, payload={"draft": {}}, agent_runs=[], path=["validate"])
    broker.delete("celery")

    with django_capture_on_commit_callbacks(execute=True):
        resumed = executions.execution_resume(user=alice, execution_id=execution.id, decision={"approve": True})
    with pytest.raises(Conflict):
        executions.execution_resume(user=alice, execution_id=execution.id, decision={"approve": True})
    with pytest.raises(AgentExecution.DoesNotExist):
        executions.execution_resume(user=bob, execution_id=execution.id, decision={"approve": True})

    assert resumed.status == Status.QUEUED
    assert events_of(execution)[-1] == (3, "resumed")
    assert queued_tasks(broker) == [("coach.resume_agent_execution", [str(execution.id), {"approve": True}])]


# ---- selectors -----------------------------------------------------------------------------------


def test_a_user_lists_and_reads_only_their_own_executions(alice, bob):
    nutrition = run(alice, {"age": 1})
    plan = run(alice, A_PLAN, kind="plan_generation")
    execution_succeed(nutrition.id, output={}, agent_runs=[], path=[])
    bobs = run(bob)

    assert list(executions.execution_list(user=alice)) == [plan, nutrition]
    assert list(executions.execution_list(user=alice, kind="nutrition")) == [nutrition]
    assert list(executions.execution_list(user=alice, status="queued")) == [plan]
    assert executions.execution_get(user=alice, execution_id=plan.id) == plan
    assert executions.execution_get(user=alice, execution_id=bobs.id) is None
    assert executions.execution_get(user=alice, execution_id="not-a-uuid") is None


@pytest.fixture
def strength_plan_for(db: None) -> Callable[[User], WorkoutPlan]:
    def make(user: User) -> WorkoutPlan:
        return WorkoutPlan.objects.create(
            slug=f"ai-plan-{user.id}",
            name_en="AI strength plan",
            goal="strength",
            difficulty="beginner",
            weeks=4,
            days_per_week=3,
            created_by=user,
            source=WorkoutPlan.Source.AI,
        )

    return make
