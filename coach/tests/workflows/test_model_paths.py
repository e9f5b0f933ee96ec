"""Plan generation with fake models at the provider boundary: every agent answering with its model,
a model that fails twice then falls back to its rules, an unusable answer, and a draft the
validation rejects and the planner repairs (through its own check, through the revision loop, and
forced through the rules on the last revision).

Each agent gets its own scripted model (coach.llm.chat_model is asked per agent purpose). The
models answer what the rules answered for the same request (a first run without a model), so the
answers pass the agents' checks."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.exceptions import ModelAPIError

from coach.agents import agent
from coach.agents.base import agent_model_name
from coach.models import AgentFeedback, LLMCall, PlanGenerationLog
from coach.tests.fakes import ScriptedChatModel, structured, use_model
from coach.tests.workflows.conftest import new_execution, output_of, plan_exercise_ids, plan_request, refreshed
from coach.workflows.runner import run_execution

pytestmark = pytest.mark.django_db

PLAN_AGENTS = ("exercise_selector", "workout_planner", "injury_prevention")


def rules_run(user, monkeypatch, **request: Any) -> dict[str, dict[str, Any]]:
    """The agents' outputs (agent -> output) of a plan generation with the rules engine."""
    use_model(monkeypatch, None)
    execution = new_execution(user, "plan_generation", **plan_request(**request))
    run_execution(execution.id)
    execution = refreshed(execution)
    assert execution.status == "succeeded", execution.error
    return {run["agent"]: run["output"] for run in execution.agent_runs}


def answer(agent_name: str, output: dict[str, Any]):
    """The model turn that `Agent.run_model` reads as this agent's structured answer."""
    return structured(agent(agent_name).output_model.__name__, output)


def test_every_agent_answers_with_its_own_model(alice, monkeypatch, agent_models):
    outputs = rules_run(alice, monkeypatch)
    models = {name: ScriptedChatModel(script=[answer(name, outputs[name])]) for name in PLAN_AGENTS}
    agent_models(models)
    execution = new_execution(alice, "plan_generation", **plan_request())

    run_execution(execution.id)

    execution = refreshed(execution)
    assert execution.status == "succeeded", execution.error
    assert (execution.engine, execution.fallback_used) == ("llm", False)
    assert output_of(execution)["engine"] == "llm"
    for run in execution.agent_runs:
        assert run["engine"] == "llm"
        assert run["fallback_reason"] is None
        assert run["model"] == agent_model_name(run["agent"], run["variant"])
    assert all(model.calls == 1 for model in models.values())
    # the planner read the selector's answer from the shared state
    assert '"selection"' in models["workout_planner"].prompt_text()
    assert str(outputs["exercise_selector"]["sessions"][0]["exercises"][0]["exercise_id"]) in (
        models["workout_planner"].prompt_text()
    )
    calls = LLMCall.objects.filter(execution=execution)
    assert sorted(calls.values_list("agent", flat=True)) == sorted(PLAN_AGENTS)
    assert execution.variants == dict.fromkeys(PLAN_AGENTS, "A")


def test_a_model_that_fails_twice_falls_back_to_the_rules_and_the_others_answer(alice, monkeypatch, agent_models):
    outputs = rules_run(alice, monkeypatch)
    failing = ScriptedChatModel(script=[ModelAPIError("upstream 502"), ModelAPIError("upstream 503")])
    models = {
        "exercise_selector": failing,
        "workout_planner": ScriptedChatModel(script=[answer("workout_planner", outputs["workout_planner"])]),
        "injury_prevention": ScriptedChatModel(script=[answer("injury_prevention", outputs["injury_prevention"])]),
    }
    agent_models(models)
    execution = new_execution(alice, "plan_generation", **plan_request())

    run_execution(execution.id)

    execution = refreshed(execution)
    assert execution.status == "succeeded", execution.error
    assert failing.calls == 2  # AGENT_MODEL_ATTEMPTS, then the rules
    runs = {run["agent"]: run for run in execution.agent_runs}
    assert runs["exercise_selector"]["engine"] == "rules"
    assert runs["exercise_selector"]["fallback_reason"] == "model_error"
    assert runs["exercise_selector"]["output"] == outputs["exercise_selector"]
    assert runs["workout_planner"]["engine"] == runs["injury_prevention"]["engine"] == "llm"
    assert (execution.engine, execution.fallback_used) == ("mixed", True)
    assert execution.path == ["load_context", *PLAN_AGENTS, "validate", "save"]
    step = execution.events.get(event="step", data__node="exercise_selector")
    assert step.data["engine"] == "rules"
    assert step.data["fallback_reason"] == "model_error"


def test_the_retries_follow_the_attempts_setting(alice, monkeypatch, agent_models, settings):
    settings.AGENT_MODEL_ATTEMPTS = 3
    failing = ScriptedChatModel(script=[ModelAPIError("a"), ModelAPIError("b"), ModelAPIError("c")])
    agent_models({"exercise_selector": failing})
    execution = new_execution(alice, "plan_generation", **plan_request())

    run_execution(execution.id)

    assert refreshed(execution).status == "succeeded"
    assert failing.calls == 3


def test_an_unusable_answer_is_not_retried(alice, monkeypatch, agent_models):
    outputs = rules_run(alice, monkeypatch)
    review = dict(outputs["injury_prevention"], cool_down=[])  # the agent's check wants a cool-down
    model = ScriptedChatModel(script=[answer("injury_prevention", review)])
    agent_models({"injury_prevention": model})
    execution = new_execution(alice, "plan_generation", **plan_request())

    run_execution(execution.id)

    execution = refreshed(execution)
    assert execution.status == "succeeded", execution.error
    assert model.calls == 1
    run = next(run for run in execution.agent_runs if run["agent"] == "injury_prevention")
    assert (run["engine"], run["fallback_reason"]) == ("rules", "invalid_output")


def test_a_planner_answer_with_an_unknown_exercise_is_replaced_by_the_rules_planner(alice, monkeypatch, agent_models):
    outputs = rules_run(alice, monkeypatch)
    draft = outputs["workout_planner"]
    broken = {**draft, "weeks": [dict(week) for week in draft["weeks"]]}
    first_day = next(day for day in broken["weeks"][0]["days"] if day["exercises"])
    first_day = {**first_day, "exercises": [{**first_day["exercises"][0], "exercise_id": 999_999}]}
    broken["weeks"][0] = {
        **broken["weeks"][0],
        "days": [first_day if day["day"] == first_day["day"] else day for day in broken["weeks"][0]["days"]],
    }
    planner = ScriptedChatModel(script=[answer("workout_planner", broken)])
    agent_models({"workout_planner": planner})
    execution = new_execution(alice, "plan_generation", **plan_request())

    run_execution(execution.id)

    execution = refreshed(execution)
    assert execution.status == "succeeded", execution.error
    assert planner.calls == 1  # the planner's own check refused it: not retried
    run = next(run for run in execution.agent_runs if run["agent"] == "workout_planner")
    assert (run["engine"], run["fallback_reason"]) == ("rules", "invalid_output")
    assert 999_999 not in plan_exercise_ids(output_of(execution)["plan_id"])


def _reject_first_exercise(user, outputs) -> int:
    rejected = outputs["workout_planner"]["weeks"][0]["days"][0]["exercises"][0]["exercise_id"]
    AgentFeedback.objects.create(
        user=user, agent_type="workout_planner", positive=False, text="No.", rejected_exercise_ids=[rejected]
    )
    return int(rejected)


def test_a_draft_the_validation_rejects_goes_back_to_the_planner_and_is_repaired(alice, monkeypatch, agent_models):
    before = rules_run(alice, monkeypatch)
    rejected = _reject_first_exercise(alice, before)  # the user now rejects an exercise of that draft
    after = rules_run(alice, monkeypatch, session_minutes=50)
    planner = ScriptedChatModel(
        script=[
            answer("workout_planner", before["workout_planner"]),
            answer("workout_planner", after["workout_planner"]),
        ]
    )
    agent_models({"workout_planner": planner})
    execution = new_execution(alice, "plan_generation", **plan_request(session_minutes=50))

    run_execution(execution.id)

    execution = refreshed(execution)
    assert execution.status == "succeeded", execution.error
    assert execution.path == [
        "load_context",
        "exercise_selector",
        "workout_planner",
        "injury_prevention",
        "validate",
        "workout_planner",
        "injury_prevention",
        "validate",
        "save",
    ]
    log = PlanGenerationLog.objects.get(execution=execution)
    assert [entry["ok"] for entry in log.validation] == [False, True]
    assert any(str(rejected) in problem for problem in log.validation[0]["problems"])
    assert planner.calls == 2
    revision_prompt = planner.prompt_text(1)
    assert "rejected by the user's feedback" in revision_prompt  # the problems went to the planner
    assert rejected not in plan_exercise_ids(output_of(execution)["plan_id"])
    assert output_of(execution)["validation"] == {"ok": True, "rounds": 2}


def test_the_last_revision_is_the_rules_planners(alice, monkeypatch, agent_models, settings):
    before = rules_run(alice, monkeypatch)
    rejected = _reject_first_exercise(alice, before)
    stubborn = ScriptedChatModel(script=[answer("workout_planner", before["workout_planner"])] * 3)
    agent_models({"workout_planner": stubborn})
    execution = new_execution(alice, "plan_generation", **plan_request(session_minutes=50))

    run_execution(execution.id)

    execution = refreshed(execution)
    assert execution.status == "succeeded", execution.error
    planner_runs = [run for run in execution.agent_runs if run["agent"] == "workout_planner"]
    assert len(planner_runs) == settings.AGENT_MAX_REVISIONS + 1
    assert [run["engine"] for run in planner_runs] == ["llm", "llm", "llm", "rules"]
    assert planner_runs[-1]["fallback_reason"] == "invalid_output"
    assert stubborn.calls == 3
    assert rejected not in plan_exercise_ids(output_of(execution)["plan_id"])


def test_a_draft_still_rejected_when_no_revision_is_left_fails_the_execution(
    alice, monkeypatch, agent_models, settings
):
    before = rules_run(alice, monkeypatch)
    rejected = _reject_first_exercise(alice, before)
    settings.AGENT_MAX_REVISIONS = 0
    agent_models({"workout_planner": ScriptedChatModel(script=[answer("workout_planner", before["workout_planner"])])})
    execution = new_execution(alice, "plan_generation", **plan_request(session_minutes=50))
    plans_before = alice.created_plans.count()

    run_execution(execution.id)

    execution = refreshed(execution)
    assert execution.status == "failed"
    assert "still failed validation" in execution.error
    assert str(rejected) in execution.error
    assert execution.path[-2:] == ["validate", "reject"]
    assert alice.created_plans.count() == plans_before
    assert list(execution.events.order_by("seq").values_list("event", flat=True))[-1] == "failed"
