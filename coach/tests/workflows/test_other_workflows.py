"""The adaptive workout, the plan optimisation and the single-agent kinds end to end with the rules
engine, and one model-driven run of each to show the graph passes the agents' outputs along."""

from __future__ import annotations

import datetime

import pytest

from coach.models import AgentExecution
from coach.tests.fakes import ScriptedChatModel, structured, use_model
from coach.tests.workflows.conftest import log_recent_workouts, new_execution, output_of, refreshed
from coach.workflows.runner import run_execution, run_inline
from exercises.models import Exercise
from plans.models import WorkoutPlan
from tracking.models import UserPlan

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_model(monkeypatch):
    use_model(monkeypatch, None)


def _template() -> WorkoutPlan:
    plan = WorkoutPlan.objects.filter(is_template=True, weeks__lte=12).order_by("id").first()
    assert plan is not None
    return plan


# ---- adaptive workout ----------------------------------------------------------------------------


def test_the_adaptive_workout_spares_the_muscles_trained_yesterday_and_today(alice):
    log_recent_workouts(alice, days=2)
    execution = new_execution(alice, "adaptive_workout")

    run_execution(execution.id)

    execution = refreshed(execution)
    assert execution.status == AgentExecution.Status.SUCCEEDED, execution.error
    assert execution.path == ["load_context", "progress_analyst", "exercise_selector", "motivation_coach", "result"]
    output = output_of(execution)
    assert output["engine"] == "rules"
    recovering = set(output["recovery"]["recent_muscles"])
    assert recovering
    assert output["rest_day"] is False
    ids = [item["exercise_id"] for item in output["session"]["exercises"]]
    trained = {muscle for exercise in Exercise.objects.filter(id__in=ids) for muscle in exercise.muscles}
    assert ids
    assert not trained & recovering
    assert set(output["session"]["exercises"][0]) == {
        "exercise_id",
        "name",
        "sets",
        "reps",
        "duration_seconds",
        "rest_seconds",
        "reason",
    }
    assert output["motivation"]["message"]
    assert output["motivation"]["tone"] in {"celebrate", "encourage"}
    selector_run = next(run for run in execution.agent_runs if run["agent"] == "exercise_selector")
    assert selector_run["reasoning"]


def test_after_six_hard_days_in_a_row_the_adaptive_workout_is_a_rest_day(alice):
    log_recent_workouts(alice, days=6, rpe=9)
    execution = new_execution(alice, "adaptive_workout")

    run_execution(execution.id)

    output = output_of(refreshed(execution))
    assert output["recovery"]["rest_recommended"] is True
    assert (output["rest_day"], output["session"]) == (True, None)
    assert output["motivation"]["message"]


def test_a_newcomer_gets_a_session_and_a_welcome(bob):
    execution = new_execution(bob, "adaptive_workout", session_minutes=30)

    run_execution(execution.id)

    output = output_of(refreshed(execution))
    assert output["rest_day"] is False
    assert output["session"]["exercises"]
    assert output["motivation"]["tone"] == "welcome"
    assert output["recovery"]["rest_recommended"] is False


# ---- plan optimisation ---------------------------------------------------------------------------


def test_the_optimisation_reads_the_active_plan_and_suggests_changes_with_reasons(alice):
    log_recent_workouts(alice, days=3)
    followed = UserPlan.objects.get(user=alice).plan
    execution = new_execution(alice, "plan_optimization")

    run_execution(execution.id)

    execution = refreshed(execution)
    assert execution.status == "succeeded", execution.error
    assert execution.path == ["load_context", "progress_analyst", "workout_planner", "result"]
    output = output_of(execution)
    assert output["plan_id"] == followed.id
    assert output["analysis"]["has_history"] is True
    assert all(suggestion["why"] for suggestion in output["suggestions"])
    planner_run = next(run for run in execution.agent_runs if run["agent"] == "workout_planner")
    assert planner_run["output"]["suggestions"] == output["suggestions"]


def test_the_optimisation_of_a_plan_given_by_id(alice):
    plan = _template()
    execution = new_execution(alice, "plan_optimization", plan_id=plan.id)

    run_execution(execution.id)

    assert output_of(refreshed(execution))["plan_id"] == plan.id


def test_the_optimisation_without_a_plan_fails_saying_why(alice):
    execution = new_execution(alice, "plan_optimization")

    run_execution(execution.id)

    execution = refreshed(execution)
    assert execution.status == "failed"
    assert execution.error == "You follow no plan yet: start one or generate one first."


def test_the_optimisation_of_someone_elses_plan_fails(alice, bob):
    bobs = WorkoutPlan.objects.create(
        slug="bobs-own",
        name_en="Bob's",
        goal="strength",
        difficulty="beginner",
        weeks=4,
        days_per_week=3,
        created_by=bob,
        source="custom",
    )
    execution = new_execution(alice, "plan_optimization", plan_id=bobs.id)

    run_execution(execution.id)

    execution = refreshed(execution)
    assert execution.status == "failed"
    assert execution.error == f"No plan {bobs.id} that you can follow."


# ---- single agents, run inline -------------------------------------------------------------------


def test_nutrition_from_the_profile(alice):
    execution = new_execution(alice, "nutrition", goal="fat_loss")

    run_inline(execution.id)

    execution = refreshed(execution)
    assert execution.status == "succeeded", execution.error
    assert execution.path == ["nutrition_advisor"]
    output = output_of(execution)
    assert output["engine"] == "rules"
    assert output["target_calories"] < output["maintenance_kcal"]
    macros = output["macros"]
    kcal = macros["protein_g"] * 4 + macros["carbs_g"] * 4 + macros["fat_g"] * 9
    assert abs(kcal - output["target_calories"]) <= output["target_calories"] * 0.02
    assert output["disclaimer"]


def test_nutrition_without_the_numbers_fails_naming_them(bob):
    execution = new_execution(bob, "nutrition", age=30)

    run_inline(execution.id)

    execution = refreshed(execution)
    assert execution.status == "failed"
    assert execution.error == "Ajoutez à votre profil ou à la demande : sex, weight_kg, height_cm, activity_level."


def test_injury_risk_of_planned_exercises_flags_a_limitation(bob):
    squat = Exercise.objects.filter(muscles__contains=["quadriceps"], exercise_en__icontains="squat").first()
    assert squat is not None
    execution = new_execution(bob, "injury_risk", exercises=[{"exercise_id": squat.id, "sets": 4, "reps": 8}])

    run_inline(execution.id)

    output = output_of(refreshed(execution))
    assert output["engine"] == "rules"
    assert output["approved"] is False
    assert any(squat.id in warning["exercise_ids"] for warning in output["warnings"])
    assert output["warm_up"]
    assert output["cool_down"]


def test_injury_risk_of_the_current_plan(alice):
    UserPlan.objects.create(user=alice, plan=_template(), start_date=datetime.date.today())
    execution = new_execution(alice, "injury_risk")

    run_inline(execution.id)

    execution = refreshed(execution)
    assert execution.status == "succeeded", execution.error
    assert output_of(execution)["risk_level"] in {"low", "moderate", "high"}


def test_injury_risk_without_exercises_or_plan_fails(alice):
    execution = new_execution(alice, "injury_risk")

    run_inline(execution.id)

    assert refreshed(execution).error == "You follow no plan yet: start one or generate one first."


def test_motivation_runs_the_analyst_first(alice):
    log_recent_workouts(alice, days=3)
    execution = new_execution(alice, "motivation", planned_days_per_week=3)

    run_inline(execution.id)

    execution = refreshed(execution)
    assert execution.path == ["progress_analyst", "motivation_coach"]
    output = output_of(execution)
    assert output["streak_days"] == execution.agent_runs[0]["output"]["streak_days"] == 3
    assert output["accountability"]


def test_a_single_agent_model_answer_is_used(alice, monkeypatch):
    use_model(monkeypatch, None)
    rules = new_execution(alice, "nutrition", goal="maintenance")
    run_inline(rules.id)
    expected = refreshed(rules).agent_runs[0]["output"]
    model = ScriptedChatModel(script=[structured("NutritionGuidance", expected)])
    use_model(monkeypatch, model)
    execution = new_execution(alice, "nutrition", goal="maintenance", language="fr")

    run_inline(execution.id)

    execution = refreshed(execution)
    assert execution.status == "succeeded", execution.error
    assert (execution.engine, output_of(execution)["engine"]) == ("llm", "llm")
    assert "French" in model.prompt_text()
    assert output_of(execution)["target_calories"] == expected["target_calories"]


def test_a_single_agent_whose_model_fails_falls_back(alice, monkeypatch):
    from langchain_core.exceptions import ModelTimeoutError

    model = ScriptedChatModel(script=[ModelTimeoutError("slow"), ModelTimeoutError("slow")])
    use_model(monkeypatch, model)
    execution = new_execution(alice, "nutrition", goal="maintenance")

    run_inline(execution.id)

    execution = refreshed(execution)
    assert execution.status == "succeeded"
    assert model.calls == 2
    assert (output_of(execution)["engine"], execution.agent_runs[0]["fallback_reason"]) == ("rules", "timeout")
    assert execution.fallback_used is True


def test_nutrition_with_a_profile_value_out_of_range_fails_naming_it(alice):
    execution = new_execution(alice, "nutrition", age=8)

    run_inline(execution.id)

    execution = refreshed(execution)
    assert execution.status == "failed"
    assert execution.error.startswith("Values nutrition_advisor cannot use: age: ")
