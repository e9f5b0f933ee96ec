"""The runner: pause for review and resume in another worker, a crashed run continuing from its
checkpoint, the workflow timeout, redeliveries, and unexpected failures (rules engine throughout)."""

from __future__ import annotations

from typing import Any

import pytest

from coach import executions
from coach.agents import agent
from coach.checkpoints import checkpointer
from coach.executions import execution_resume
from coach.models import AgentExecution, PlanGenerationLog
from coach.tests.fakes import use_model
from coach.tests.workflows.conftest import new_execution, output_of, plan_request, refreshed
from coach.workflows import runner
from coach.workflows.runner import resume_execution, run_execution
from plans.models import WorkoutPlan

pytestmark = pytest.mark.django_db


class WorkerLost(BaseException):
    """What a worker killed mid-run looks like to the code after it: nothing catches it."""


@pytest.fixture(autouse=True)
def _no_model(monkeypatch):
    use_model(monkeypatch, None)


def count_rules_calls(monkeypatch, name: str, *, crash_on: set[int] | None = None) -> list[int]:
    """Counts the calls of an agent's rules (a one-item list); raises WorkerLost on the calls numbered
    in `crash_on` (1 = the first)."""
    the_agent = agent(name)
    real = the_agent.rules
    calls = [0]

    def rules(data: Any, ctx: Any) -> Any:
        calls[0] += 1
        if crash_on and calls[0] in crash_on:
            raise WorkerLost
        return real(data, ctx)

    monkeypatch.setattr(the_agent, "rules", rules)
    return calls


def events(execution: AgentExecution) -> list[str]:
    return list(execution.events.order_by("seq").values_list("event", flat=True))


# ---- pause and resume --------------------------------------------------------------------------------


def test_a_run_asked_for_review_pauses_with_the_draft_and_resumes_in_another_worker(alice):
    execution = new_execution(alice, "plan_generation", **plan_request(review=True))

    run_execution(execution.id)

    execution = refreshed(execution)
    assert execution.status == AgentExecution.Status.PAUSED
    review = output_of(execution)["review"]
    assert review["kind"] == "plan_review"
    assert len(review["draft"]["weeks"]) == 4
    assert review["warm_up"]
    assert review["cool_down"]
    assert execution.path[-1] == "validate"
    assert not alice.created_plans.exists()
    # the state is in PostgreSQL, readable from any connection
    with checkpointer() as saver:
        assert saver.get_tuple({"configurable": {"thread_id": str(execution.id)}}) is not None

    # the reviewer asks for changes: the planner revises, and the run pauses again
    execution_resume(user=alice, execution_id=execution.id, decision={"approve": False, "notes": ["Fewer curls."]})
    resume_execution(execution.id, {"approve": False, "notes": ["Fewer curls."]})

    execution = refreshed(execution)
    assert execution.status == "paused", execution.error
    assert execution.path.count("workout_planner") == 2
    assert execution.path.count("human_review") == 1
    planner_runs = [run for run in execution.agent_runs if run["agent"] == "workout_planner"]
    assert len(planner_runs) == 2

    execution_resume(user=alice, execution_id=execution.id, decision={"approve": True})
    resume_execution(execution.id, {"approve": True})

    execution = refreshed(execution)
    assert execution.status == "succeeded", execution.error
    assert execution.path[-2:] == ["human_review", "save"]
    assert WorkoutPlan.objects.filter(created_by=alice).count() == 1
    assert events(execution).count("paused") == 2
    assert events(execution).count("resumed") == 2
    assert events(execution)[-1] == "succeeded"


def test_a_redelivered_resume_does_nothing_more(alice):
    execution = new_execution(alice, "plan_generation", **plan_request(review=True))
    run_execution(execution.id)
    execution_resume(user=alice, execution_id=execution.id, decision={"approve": True})
    resume_execution(execution.id, {"approve": True})
    seen = events(refreshed(execution))

    resume_execution(execution.id, {"approve": True})
    run_execution(execution.id)

    assert events(refreshed(execution)) == seen
    assert PlanGenerationLog.objects.filter(execution=execution).count() == 1


def test_a_paused_run_redelivered_stays_paused(alice):
    execution = new_execution(alice, "plan_generation", **plan_request(review=True))
    run_execution(execution.id)
    seen = events(refreshed(execution))

    run_execution(execution.id)

    assert refreshed(execution).status == "paused"
    assert events(refreshed(execution)) == seen


def test_a_resume_task_arriving_before_the_pause_is_recorded_still_resumes(alice):
    """resume_execution given a decision for a run still marked paused records the resume itself."""
    execution = new_execution(alice, "plan_generation", **plan_request(review=True))
    run_execution(execution.id)

    resume_execution(execution.id, {"approve": True})

    assert refreshed(execution).status == "succeeded"


# ---- crashes and redelivery --------------------------------------------------------------------------


def test_a_crashed_run_continues_from_its_last_checkpoint(alice, monkeypatch):
    selector = count_rules_calls(monkeypatch, "exercise_selector")
    planner = count_rules_calls(monkeypatch, "workout_planner")
    review = count_rules_calls(monkeypatch, "injury_prevention", crash_on={1})
    execution = new_execution(alice, "plan_generation", **plan_request())

    with pytest.raises(WorkerLost):
        run_execution(execution.id)

    execution = refreshed(execution)
    assert execution.status == "running"
    assert execution.attempts == 1
    assert (selector[0], planner[0], review[0]) == (1, 1, 1)

    run_execution(execution.id)  # the task, redelivered

    execution = refreshed(execution)
    assert execution.status == "succeeded", execution.error
    assert execution.attempts == 2
    assert (selector[0], planner[0], review[0]) == (1, 1, 2)  # earlier nodes were not run again
    assert execution.path == [
        "load_context",
        "exercise_selector",
        "workout_planner",
        "injury_prevention",
        "validate",
        "save",
    ]
    assert PlanGenerationLog.objects.filter(execution=execution).count() == 1
    assert WorkoutPlan.objects.filter(created_by=alice).count() == 1
    # once the end is recorded the checkpoints are deleted: the tables do not grow with every run
    with checkpointer() as saver:
        assert saver.get_tuple({"configurable": {"thread_id": str(execution.id)}}) is None


def test_a_crash_after_the_plan_was_saved_does_not_save_a_second_one(alice, monkeypatch):
    from coach.workflows.save import plan_save as real_save

    crashes = [1]

    def save_then_crash(**kwargs: Any) -> Any:
        saved = real_save(**kwargs)
        if crashes:
            crashes.pop()
            raise WorkerLost
        return saved

    monkeypatch.setattr("coach.workflows.plan_generation.plan_save", save_then_crash)
    execution = new_execution(alice, "plan_generation", **plan_request())
    with pytest.raises(WorkerLost):
        run_execution(execution.id)

    run_execution(execution.id)

    execution = refreshed(execution)
    assert execution.status == "succeeded"
    log = PlanGenerationLog.objects.get(execution=execution)
    assert WorkoutPlan.objects.filter(created_by=alice).count() == 1
    assert output_of(execution)["plan_id"] == log.plan_id == execution.plan_id


def test_a_finished_execution_delivered_again_is_left_alone(alice, monkeypatch):
    execution = new_execution(alice, "plan_generation", **plan_request())
    run_execution(execution.id)
    seen = events(refreshed(execution))
    selector = count_rules_calls(monkeypatch, "exercise_selector")

    run_execution(execution.id)

    assert events(refreshed(execution)) == seen
    assert selector[0] == 0
    assert WorkoutPlan.objects.filter(created_by=alice).count() == 1


def test_a_run_that_ended_before_its_end_was_recorded_is_recorded_on_redelivery(alice, monkeypatch):
    execution = new_execution(alice, "plan_generation", **plan_request())
    real_succeed = executions.execution_succeed
    crashes = [1]

    def lost_before_recording(*args: Any, **kwargs: Any) -> Any:
        if crashes:
            crashes.pop()
            raise WorkerLost
        return real_succeed(*args, **kwargs)

    monkeypatch.setattr(executions, "execution_succeed", lost_before_recording)
    with pytest.raises(WorkerLost):
        run_execution(execution.id)
    selector = count_rules_calls(monkeypatch, "exercise_selector")

    run_execution(execution.id)

    execution = refreshed(execution)
    assert execution.status == "succeeded"
    assert selector[0] == 0
    assert execution.plan_id is not None
    assert WorkoutPlan.objects.filter(created_by=alice).count() == 1


# ---- timeout and failures ----------------------------------------------------------------------------


def test_a_run_past_its_time_fails_between_nodes(alice, monkeypatch, settings):
    settings.AGENT_WORKFLOW_TIMEOUT_SECONDS = 30
    clock = [1000.0]
    monkeypatch.setattr(runner, "monotonic", lambda: clock[0])
    the_selector = agent("exercise_selector")
    real = the_selector.rules

    def slow_rules(data: Any, ctx: Any) -> Any:
        clock[0] += 31  # the selection takes longer than the whole workflow may
        return real(data, ctx)

    monkeypatch.setattr(the_selector, "rules", slow_rules)
    planner = count_rules_calls(monkeypatch, "workout_planner")
    execution = new_execution(alice, "plan_generation", **plan_request())

    run_execution(execution.id)

    execution = refreshed(execution)
    assert execution.status == "failed"
    assert execution.error == "The workflow timed out after 30 s."
    assert execution.path == ["load_context", "exercise_selector"]
    assert planner[0] == 0
    assert [run["agent"] for run in execution.agent_runs] == ["exercise_selector"]
    assert not alice.created_plans.exists()


def test_an_unexpected_error_fails_the_run_without_showing_it(alice, monkeypatch, caplog):
    def broken(data: Any, ctx: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(agent("workout_planner"), "rules", broken)
    execution = new_execution(alice, "plan_generation", **plan_request())

    run_execution(execution.id)

    execution = refreshed(execution)
    assert execution.status == "failed"
    assert execution.error == runner.UNEXPECTED_ERROR
    assert "secret" not in execution.error
    assert [run["agent"] for run in execution.agent_runs] == ["exercise_selector"]
    assert any("secret internals" in str(record.exc_info) for record in caplog.records if record.exc_info)


def test_a_second_delivery_while_the_first_runs_does_nothing(alice, monkeypatch):
    """The second delivery finds the run locked by the first and returns without touching it."""
    execution = new_execution(alice, "plan_generation", **plan_request())
    the_selector = agent("exercise_selector")
    real = the_selector.rules
    inner: list[str] = []

    def deliver_again_meanwhile(data: Any, ctx: Any) -> Any:
        if not inner:
            inner.append("delivered")
            # same process, same connection: PostgreSQL advisory locks are re-entrant per session, so
            # the lock is checked from another connection, as another worker would
            import threading

            from django.db import connections

            seen: list[bool] = []

            def other_worker() -> None:
                try:
                    with runner._execution_lock(execution.id) as locked:
                        seen.append(locked)
                finally:
                    connections.close_all()

            thread = threading.Thread(target=other_worker)
            thread.start()
            thread.join(10)
            inner.append(str(seen))
        return real(data, ctx)

    monkeypatch.setattr(the_selector, "rules", deliver_again_meanwhile)

    run_execution(execution.id)

    assert inner == ["delivered", "[False]"]
    assert refreshed(execution).status == "succeeded"


def test_a_crash_in_the_rules_fallback_resumes_in_the_fallback(alice, monkeypatch, agent_models):
    """The model failed, the worker died while the rules answered: the redelivered run goes on with
    the rules (the failure is in the checkpoint), without asking the model again."""
    from langchain_core.exceptions import ModelAPIError

    from coach.tests.fakes import ScriptedChatModel

    failing = ScriptedChatModel(script=[ModelAPIError("502"), ModelAPIError("503")])
    agent_models({"exercise_selector": failing})
    selector = count_rules_calls(monkeypatch, "exercise_selector", crash_on={1})
    execution = new_execution(alice, "plan_generation", **plan_request())
    with pytest.raises(WorkerLost):
        run_execution(execution.id)

    run_execution(execution.id)

    execution = refreshed(execution)
    assert execution.status == "succeeded", execution.error
    assert failing.calls == 2
    assert selector[0] == 2
    run = next(run for run in execution.agent_runs if run["agent"] == "exercise_selector")
    assert (run["engine"], run["fallback_reason"]) == ("rules", "model_error")
