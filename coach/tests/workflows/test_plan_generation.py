"""The plan generation workflow end to end, with the rules engine (no model configured): the plan a
user gets, how it is saved and logged, the path through the graph, the feedback it honours."""

from __future__ import annotations

import datetime

import pytest

from coach.models import AgentExecution, AgentFeedback, PlanGenerationLog
from coach.plan_validation import validate_plan
from coach.tests.fakes import use_model
from coach.tests.workflows.conftest import (
    log_recent_workouts,
    new_execution,
    output_of,
    plan_exercise_ids,
    plan_request,
    refreshed,
)
from coach.workflows.runner import run_execution
from exercises.models import Exercise
from plans.models import PlanExercise, WorkoutPlan
from tracking.models import UserPlan

pytestmark = pytest.mark.django_db

AGENTS_WITHOUT_HISTORY = ["exercise_selector", "workout_planner", "injury_prevention"]


@pytest.fixture(autouse=True)
def _no_model(monkeypatch):
    use_model(monkeypatch, None)


def test_a_plan_is_generated_saved_as_the_users_plan_and_logged(alice):
    execution = new_execution(alice, "plan_generation", **plan_request())

    run_execution(execution.id)

    execution = refreshed(execution)
    assert execution.status == AgentExecution.Status.SUCCEEDED, execution.error
    assert execution.progress == 100
    assert execution.engine == "rules"
    assert execution.fallback_used is False
    assert execution.path == ["load_context", *AGENTS_WITHOUT_HISTORY, "validate", "save"]
    assert [run["agent"] for run in execution.agent_runs] == AGENTS_WITHOUT_HISTORY
    assert all(run["engine"] == "rules" and run["fallback_reason"] == "not_configured" for run in execution.agent_runs)
    assert all(run["reasoning"] for run in execution.agent_runs)

    plan = WorkoutPlan.objects.get(id=output_of(execution)["plan_id"])
    assert execution.plan_id == plan.id
    assert (plan.source, plan.created_by_id, plan.is_template) == ("ai", alice.id, False)
    assert (plan.goal, plan.difficulty, plan.weeks, plan.days_per_week) == ("strength", "intermediate", 4, 3)
    assert plan.equipment_setting == "dumbbells"
    assert plan.name_en
    assert plan.name_fr
    assert plan.description_en
    assert plan.description_fr
    rows = list(PlanExercise.objects.filter(plan=plan).select_related("exercise"))
    assert {row.week_number for row in rows} == {1, 2, 3, 4}
    assert all(len({row.day_number for row in rows if row.week_number == week}) == 3 for week in range(1, 5))
    assert all(set(row.exercise.equipments) <= {"dumbbell", "body weight"} for row in rows)
    assert all(row.reps is not None or row.duration_seconds is not None for row in rows)

    log = PlanGenerationLog.objects.get(execution=execution)
    assert log.plan_id == plan.id
    assert log.user_id == alice.id
    assert log.parameters["weeks"] == 4
    assert log.parameters["goal"] == "strength"
    assert [entry["agent"] for entry in log.reasoning] == AGENTS_WITHOUT_HISTORY
    assert log.validation[-1]["ok"] is True

    output = output_of(execution)
    assert output["engine"] == "rules"
    assert output["plan"]["id"] == plan.id
    assert len(output["plan"]["weeks_detail"]) == 4
    assert output["plan"]["weeks_detail"][3]["deload"] is True
    assert output["validation"] == {"ok": True, "rounds": len(log.validation)}
    events = list(execution.events.values_list("event", flat=True))
    assert events[0] == "started"
    assert events[-1] == "succeeded"
    assert events.count("step") == len(execution.path)


def test_the_saved_plan_passes_the_validator_and_carries_warm_up_and_cool_down(alice):
    execution = new_execution(alice, "plan_generation", **plan_request(weeks=8, days_per_week=4, session_minutes=60))

    run_execution(execution.id)

    output = output_of(refreshed(execution))
    detail = output["plan"]["weeks_detail"]
    draft = {"weeks": detail, "deload_weeks": output["plan"]["deload_weeks"]}
    problems = validate_plan(
        draft,
        weeks=8,
        days_per_week=4,
        session_minutes=60,
        equipment=["dumbbell"],
        limitations=[],
        level="intermediate",
    )
    assert problems == []
    assert output["warm_up"]
    assert output["cool_down"]
    plan_id = output["plan_id"]
    first_of_day = PlanExercise.objects.get(plan_id=plan_id, week_number=1, day_number=1, order_in_day=1)
    last_order = PlanExercise.objects.filter(plan_id=plan_id, week_number=1, day_number=1).count()
    last_of_day = PlanExercise.objects.get(plan_id=plan_id, week_number=1, day_number=1, order_in_day=last_order)
    assert first_of_day.notes.startswith("Warm-up: ")
    assert first_of_day.notes_fr.startswith("Échauffement : ")
    assert last_of_day.notes.splitlines()[-1].startswith("Cool-down: ")


def test_a_user_with_history_gets_the_progress_analyst_first(alice):
    log_recent_workouts(alice, days=3)
    execution = new_execution(alice, "plan_generation", **plan_request())

    run_execution(execution.id)

    execution = refreshed(execution)
    assert execution.status == "succeeded", execution.error
    assert execution.path[:3] == ["load_context", "progress_analyst", "exercise_selector"]
    analysis = execution.agent_runs[0]["output"]
    assert analysis["has_history"] is True
    assert analysis["workouts_count"] > 0


def test_a_french_request_with_a_knee_limitation_reads_french_and_spares_the_knee(bob):
    execution = new_execution(bob, "plan_generation", **plan_request(goal="force", equipment=[], weeks=4))

    run_execution(execution.id)

    execution = refreshed(execution)
    assert execution.status == "succeeded", execution.error
    plan = WorkoutPlan.objects.get(id=output_of(execution)["plan_id"])
    assert output_of(execution)["plan"]["name"] == plan.name_fr
    assert plan.difficulty == "beginner"
    assert plan.equipment_setting == "gym"
    draft = {
        "weeks": output_of(execution)["plan"]["weeks_detail"],
        "deload_weeks": output_of(execution)["plan"]["deload_weeks"],
    }
    assert (
        validate_plan(
            draft, weeks=4, days_per_week=3, session_minutes=45, equipment=[], limitations=["genou"], level="beginner"
        )
        == []
    )


def test_start_date_assigns_the_plan(alice):
    start = datetime.date.today() + datetime.timedelta(days=1)
    execution = new_execution(alice, "plan_generation", **plan_request(start_date=start.isoformat()))

    run_execution(execution.id)

    plan_id = output_of(refreshed(execution))["plan_id"]
    assignment = UserPlan.objects.get(user=alice, plan_id=plan_id)
    assert (assignment.start_date, assignment.status) == (start, "active")


def test_negative_feedback_rejecting_an_exercise_keeps_it_out_of_the_next_plan(alice):
    first = new_execution(alice, "plan_generation", **plan_request())
    run_execution(first.id)
    first = refreshed(first)
    rejected = sorted(plan_exercise_ids(output_of(first)["plan_id"]))[0]
    AgentFeedback.objects.create(
        user=alice,
        execution=first,
        agent_type="workout_planner",
        positive=False,
        text="Not this one.",
        rejected_exercise_ids=[rejected],
    )

    second = new_execution(alice, "plan_generation", **plan_request(session_minutes=50))
    run_execution(second.id)

    second = refreshed(second)
    assert second.status == "succeeded", second.error
    assert rejected not in plan_exercise_ids(output_of(second)["plan_id"])
    assert rejected in output_of(second)["avoided_exercise_ids"]
    selector_input_avoids = second.agent_runs[0]["output"]
    assert all(
        item["exercise_id"] != rejected
        for session in selector_input_avoids["sessions"]
        for item in session["exercises"]
    )


def test_an_exercise_named_in_negative_feedback_text_is_avoided(alice):
    first = new_execution(alice, "plan_generation", **plan_request())
    run_execution(first.id)
    first = refreshed(first)
    named = Exercise.objects.get(id=sorted(plan_exercise_ids(output_of(first)["plan_id"]))[-1])
    AgentFeedback.objects.create(
        user=alice,
        execution=first,
        agent_type="workout_planner",
        positive=False,
        text=f"I really dislike {named.exercise_en.lower()}s, please no more.",
    )

    second = new_execution(alice, "plan_generation", **plan_request(session_minutes=50))
    run_execution(second.id)

    second = refreshed(second)
    assert named.id in output_of(second)["avoided_exercise_ids"]
    assert named.id not in plan_exercise_ids(output_of(second)["plan_id"])


def test_old_or_positive_feedback_changes_nothing(alice, settings):
    first = new_execution(alice, "plan_generation", **plan_request())
    run_execution(first.id)
    kept = sorted(plan_exercise_ids(output_of(refreshed(first))["plan_id"]))[0]
    AgentFeedback.objects.create(
        user=alice, agent_type="workout_planner", positive=True, text="Great", rejected_exercise_ids=[kept]
    )
    old = AgentFeedback.objects.create(
        user=alice, agent_type="workout_planner", positive=False, text="no", rejected_exercise_ids=[kept]
    )
    AgentFeedback.objects.filter(id=old.id).update(
        created_at=old.created_at - datetime.timedelta(days=settings.AGENT_FEEDBACK_DAYS + 1)
    )

    second = new_execution(alice, "plan_generation", **plan_request(session_minutes=50))
    run_execution(second.id)

    assert output_of(refreshed(second))["avoided_exercise_ids"] == []


def test_rejected_ids_count_from_any_agent_but_named_exercises_only_from_feedback_on_plans(alice):
    first = new_execution(alice, "plan_generation", **plan_request())
    run_execution(first.id)
    ids = sorted(plan_exercise_ids(output_of(refreshed(first))["plan_id"]))
    named = Exercise.objects.get(id=ids[-1])
    AgentFeedback.objects.create(
        user=alice, agent_type="motivation_coach", positive=False, text="meh", rejected_exercise_ids=[ids[0]]
    )
    AgentFeedback.objects.create(
        user=alice, agent_type="nutrition_advisor", positive=False, text=f"I had {named.exercise_en} for lunch"
    )

    second = new_execution(alice, "plan_generation", **plan_request(session_minutes=50))
    run_execution(second.id)

    assert output_of(refreshed(second))["avoided_exercise_ids"] == [ids[0]]


def test_a_start_date_that_is_not_a_date_fails_before_any_agent_works(alice):
    execution = new_execution(alice, "plan_generation", **plan_request(start_date="next monday"))

    run_execution(execution.id)

    execution = refreshed(execution)
    assert execution.status == "failed"
    assert execution.error == "start_date 'next monday' is not a date (YYYY-MM-DD)."
    assert execution.agent_runs == []
