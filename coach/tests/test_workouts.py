"""Workout recommendations on the real library: the rules engine's weeks always pass validation, respect
equipment, limitations and level, and read in English or French; a user's profile and history count;
the model's week is used when valid and replaced by the rules' when the model fails, saying why."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

import pytest
from langchain_core.messages import AIMessage

from accounts.tests.factories import UserFactory
from coach import workouts
from coach.models import LLMCall, Recommendation
from coach.tests.fakes import ScriptedChatModel, structured, use_model
from coach.tests.openai_stub import OpenAIStub
from coach.validation import validate_workout
from coach.workouts import WorkoutRequest, recommend_workout
from exercises.models import Exercise
from plans.models import PlanExercise
from tracking.tests.factories import UserPlanFactory, WorkoutLogFactory

pytestmark = pytest.mark.django_db

DUMBBELLS = WorkoutRequest(
    goals=["strength"],
    available_equipment=["dumbbell"],
    minutes_per_session=45,
    days_per_week=3,
    fitness_level="intermediate",
)
ENVELOPE = ("engine", "fallback_reason", "fallback_detail", "language")
BODY = (
    "title",
    "summary",
    "goal",
    "fitness_level",
    "days_per_week",
    "minutes_per_session",
    "days",
    "notes",
    "warnings",
)
ITEM = ("exercise_id", "name", "sets", "reps", "duration_seconds", "rest_seconds", "reason")


def _request(**changes: Any) -> WorkoutRequest:
    fields = {**DUMBBELLS.__dict__, **changes}
    return WorkoutRequest(**fields)


def _items(workout: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for day in workout["days"] for item in day["exercises"]]


def _exercises(workout: dict[str, Any]) -> list[Exercise]:
    by_id = Exercise.objects.in_bulk([item["exercise_id"] for item in _items(workout)])
    return [by_id[item["exercise_id"]] for item in _items(workout)]


def _training(workout: dict[str, Any]) -> list[dict[str, Any]]:
    return [day for day in workout["days"] if not day["rest"]]


# ---- the rules engine ------------------------------------------------------------------------------


def test_a_dumbbell_week_has_the_shape_the_frontend_reads_and_only_dumbbells_or_body_weight():
    workout = recommend_workout(DUMBBELLS, user=None, language="en")

    assert tuple(workout)[:4] == ENVELOPE
    assert set(BODY) | {"recommendation_id"} <= set(workout)
    assert workout["engine"] == "rules"
    assert workout["fallback_reason"] == "not_configured"
    assert [day["day"] for day in workout["days"]] == [1, 2, 3, 4, 5, 6, 7]
    assert [day["name"] for day in _training(workout)] == ["Full body A", "Full body B", "Full body C"]
    assert [day["day"] for day in _training(workout)] == [1, 3, 5]
    for item in _items(workout):
        assert tuple(item) == ITEM
        assert 1 <= item["sets"] <= 10
        assert 15 <= item["rest_seconds"] <= 300
        assert item["reason"]
    for exercise in _exercises(workout):
        assert set(exercise.equipments) <= {"dumbbell", "body weight"}, exercise.exercise_en
    saved = Recommendation.objects.get(id=workout["recommendation_id"])
    assert saved.recommendation_type == "workout"
    assert saved.engine == "rules"
    assert saved.user is None
    assert saved.data["days"] == workout["days"]
    assert saved.confidence_score == 0.75


def test_strength_work_is_heavy_and_the_session_fits_the_minutes():
    workout = recommend_workout(DUMBBELLS, user=None, language="en")
    main_lifts = [item for item in _items(workout) if item["reps"] == "4-6"]
    assert main_lifts, "no heavy sets in a strength plan"
    assert all(4 <= item["sets"] <= 5 and 120 <= item["rest_seconds"] <= 180 for item in main_lifts)
    assert all(day["estimated_minutes"] <= 45 for day in _training(workout))

    longer = recommend_workout(_request(minutes_per_session=90), user=None, language="en")
    assert min(len(d["exercises"]) for d in _training(longer)) > max(len(d["exercises"]) for d in _training(workout))


@pytest.mark.parametrize(
    ("goal", "reps", "rest"),
    [
        ("hypertrophy", {"8-12", "10-12"}, (60, 90)),
        ("endurance", {"15-20"}, (30, 45)),
        ("weight_loss", {"12-15"}, (30, 30)),
    ],
)
def test_sets_reps_and_rest_follow_the_goal(goal, reps, rest):
    workout = recommend_workout(_request(goals=[goal]), user=None, language="en")
    counted = [item for item in _items(workout) if item["duration_seconds"] is None]
    assert counted
    assert {item["reps"] for item in counted} <= reps
    assert all(rest[0] <= item["rest_seconds"] <= rest[1] for item in counted)


def test_a_mobility_week_is_timed_stretches():
    workout = recommend_workout(_request(goals=["mobility"], available_equipment=[]), user=None, language="en")
    assert {exercise.category for exercise in _exercises(workout)} == {"stretching"}
    assert all(item["reps"] is None and item["duration_seconds"] for item in _items(workout))


def test_the_knee_limitation_leaves_out_jumps_and_says_to_see_a_professional():
    workout = recommend_workout(_request(limitations=["knee"]), user=None, language="en")
    for exercise in _exercises(workout):
        assert "jump" not in exercise.exercise_en.lower()
        assert exercise.category != "plyometrics"
        assert "lunge" not in exercise.exercise_en.lower()
    assert any("doctor or a physiotherapist" in warning for warning in workout["warnings"])
    assert any("spare your knee" in item["reason"] for item in _items(workout))


def test_the_split_follows_the_days_and_no_primary_muscle_is_trained_two_days_running():
    for days, names in [
        (4, ["Upper body A", "Lower body A", "Upper body B", "Lower body B"]),
        (5, ["Push", "Pull", "Legs", "Upper body", "Lower body"]),
        (6, ["Push", "Pull", "Legs"] * 2),
    ]:
        workout = recommend_workout(_request(days_per_week=days, available_equipment=[]), user=None, language="en")
        assert [day["name"] for day in _training(workout)] == names
        assert any(day["rest"] for day in workout["days"])
        by_day = {day["day"]: set(day["focus"]) for day in workout["days"]}
        for day in range(1, 7):
            assert not by_day[day] & by_day[day + 1], (days, day, by_day[day] & by_day[day + 1])


def test_seven_days_asked_still_keeps_a_rest_day_and_says_so():
    workout = recommend_workout(_request(days_per_week=7), user=None, language="en")
    assert len(_training(workout)) == 6
    assert any("every week needs a rest day" in note for note in workout["notes"])


def test_the_week_reads_in_french():
    workout = recommend_workout(_request(limitations=["genou"]), user=None, language="fr")
    assert workout["language"] == "fr"
    assert workout["title"].startswith("Programme force sur 3 jours")
    assert [day["name"] for day in workout["days"]][:2] == ["Corps entier A", "Repos"]
    bench = next(item for item in _items(workout) if item["name"] == "Développé couché avec haltères")
    assert "séries lourdes" in bench["reason"]
    assert "s de repos" in bench["reason"]
    assert any("kinésithérapeute" in warning for warning in workout["warnings"])


GRID = list(
    itertools.islice(
        itertools.product(
            ["strength", "hypertrophy", "endurance", "weight_loss", "mobility", None],
            [[], ["dumbbell"], ["body weight"], ["kettlebell", "resistance band"]],
            [1, 2, 3, 4, 5, 6, 7],
            ["beginner", "intermediate", "advanced", None],
            [[], ["knee"], ["lower back", "shoulder"], ["no jumping", "wrist"]],
        ),
        0,
        None,
        47,  # a spread of 58 combinations of the 2688
    )
)


def test_the_rules_engine_always_passes_validation():
    minutes = itertools.cycle([10, 45, 90, 180])
    preferences = itertools.cycle(["", "", "kettlebell training", "my knee hurts", "", "short sessions at home"])
    for goal, equipment, days, level, limitations in GRID:
        request = WorkoutRequest(
            goals=[goal] if goal else [],
            available_equipment=equipment,
            days_per_week=days,
            minutes_per_session=next(minutes),
            fitness_level=level,
            limitations=limitations,
            preferences=next(preferences),
        )
        plan = workouts.read_request(request, user=None, language="en")
        body, _confidence = workouts.rules_workout(plan, workouts._candidates(plan, workouts.exercise_pool(plan)))
        problems = validate_workout(body, plan.request)
        assert problems == [], (request, problems[:3])
        assert all(len(day["exercises"]) >= 2 for day in _training(body)), request


def test_preferences_steer_the_choice_through_semantic_search():
    plain = recommend_workout(_request(available_equipment=["kettlebell", "dumbbell"]), user=None, language="en")
    kettlebell = recommend_workout(
        _request(available_equipment=["kettlebell", "dumbbell"], preferences="kettlebell training"),
        user=None,
        language="en",
    )
    count = lambda w: sum("kettlebell" in e.equipments for e in _exercises(w))  # noqa: E731
    assert count(kettlebell) > count(plain)
    assert any("matches your preferences" in item["reason"] for item in _items(kettlebell))


def test_a_failing_semantic_search_leaves_the_preferences_out_but_still_answers(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("no vectors")

    monkeypatch.setattr(workouts, "semantic_exercise_search", broken)
    workout = recommend_workout(_request(preferences="kettlebell training"), user=None, language="en")
    assert workout["engine"] == "rules"
    assert not any("matches your preferences" in item["reason"] for item in _items(workout))
    assert len(_training(workout)) == 3


# ---- a user's profile and history ------------------------------------------------------------------


def test_the_profile_fills_what_the_request_leaves_out():
    alice = UserFactory.create(
        fitness_level="beginner", available_equipment=["dumbbell"], limitations=["knee"], fitness_goals=["strength"]
    )
    workout = recommend_workout(WorkoutRequest(days_per_week=2), user=alice, language="en")

    assert workout["fitness_level"] == "beginner"
    assert workout["goal"] == "strength"
    assert any("Filled in from your profile" in note for note in workout["notes"])
    for exercise in _exercises(workout):
        assert set(exercise.equipments) <= {"dumbbell", "body weight"}
        assert exercise.difficulty != "advanced"
        assert exercise.category != "plyometrics"
    assert Recommendation.objects.get(id=workout["recommendation_id"]).user == alice


def test_history_suggests_the_next_load_and_spares_muscles_trained_yesterday():
    bench = PlanExercise.objects.filter(exercise__exercise_en="Dumbbell Bench Press", plan__is_template=True).first()
    assert bench is not None
    user_plan = UserPlanFactory.create(plan=bench.plan)
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    WorkoutLogFactory(
        user_plan=user_plan, plan_exercise=bench, date_performed=yesterday, weight_kg=20, reps_completed=8
    )

    workout = recommend_workout(_request(days_per_week=4), user=user_plan.user, language="en")

    assert any("You trained chest in the last two days" in note for note in workout["notes"])
    first = _training(workout)[0]
    assert "chest" not in first["focus"]
    reasons = [item["reason"] for item in _items(workout) if item["name"] == "Dumbbell Bench Press"]
    assert reasons
    assert f"Last time ({yesterday.isoformat()}): 3 x 8 at 20 kg; go for 21 kg" in reasons[0]


def test_pain_in_the_preferences_brings_the_medical_notice():
    workout = recommend_workout(_request(preferences="my shoulder hurts when I press"), user=None, language="en")
    assert any("doctor" in warning for warning in workout["warnings"])
    assert not any("press" in e.exercise_en.lower() and "shoulders" in e.muscles for e in _exercises(workout))


# ---- the model's week ------------------------------------------------------------------------------


def _model_week(**changes: Any) -> dict[str, Any]:
    """A week a model could write for DUMBBELLS, from staples the candidates always hold."""

    def item(name: str, **extra: Any) -> dict[str, Any]:
        return {
            "exercise_id": Exercise.objects.get(exercise_en=name).id,
            "sets": 4,
            "reps": "5",
            "rest_seconds": 150,
            "reason": f"{name} builds strength with your dumbbells.",
            **extra,
        }

    week = {
        "title": "Three heavy dumbbell days",
        "summary": "Full body three times a week.",
        "training_days": [
            {"name": "Day A", "exercises": [item("Dumbbell Squat"), item("Dumbbell Bench Press")]},
            {
                "name": "Day B",
                "exercises": [item("Stiff-Legged Dumbbell Deadlift"), item("Bent Over Two-Dumbbell Row")],
            },
            {"name": "Day C", "exercises": [item("Dumbbell Squat"), item("Incline Dumbbell Press", reps=6)]},
        ],
        "notes": ["Add 1 kg when every set feels easy."],
    }
    return {**week, **changes}


def test_a_valid_model_week_is_used_and_placed_on_the_calendar(monkeypatch):
    model = ScriptedChatModel(script=[structured("WorkoutWeek", _model_week())])
    use_model(monkeypatch, model)

    workout = recommend_workout(DUMBBELLS, user=None, language="en")

    assert workout["engine"] == "llm"
    assert workout["fallback_reason"] is None
    assert workout["title"] == "Three heavy dumbbell days"
    assert [day["name"] for day in workout["days"]] == ["Day A", "Rest", "Day B", "Rest", "Day C", "Rest", "Rest"]
    assert _items(workout)[0] == {
        "exercise_id": Exercise.objects.get(exercise_en="Dumbbell Squat").id,
        "name": "Dumbbell Squat",
        "sets": 4,
        "reps": "5",
        "duration_seconds": None,
        "rest_seconds": 150,
        "reason": "Dumbbell Squat builds strength with your dumbbells.",
    }
    assert _items(workout)[-1]["reps"] == "6"
    assert workout["notes"][0] == "Add 1 kg when every set feels easy."
    assert validate_workout(workout, workouts.read_request(DUMBBELLS, user=None, language="en").request) == []
    prompt = model.prompt_text()
    assert "Dumbbell Bench Press" in prompt
    assert "Barbell Bench Press" not in prompt
    assert Recommendation.objects.get(id=workout["recommendation_id"]).engine == "llm"


@pytest.mark.parametrize(
    "answer",
    [
        # an exercise outside the candidates (a barbell lift for a dumbbell user)
        lambda: _model_week(
            training_days=[
                {
                    "name": "Day A",
                    "exercises": [
                        {
                            "exercise_id": Exercise.objects.get(exercise_en="Barbell Squat").id,
                            "sets": 4,
                            "reps": "5",
                            "rest_seconds": 150,
                            "reason": "Squat heavy.",
                        }
                    ],
                }
            ]
        ),
        # an id that does not exist
        lambda: _model_week(
            training_days=[
                {
                    "name": "A",
                    "exercises": [{"exercise_id": 987654, "sets": 3, "reps": 8, "rest_seconds": 60, "reason": "x"}],
                }
            ]
        ),
        # unrealistic dosing: 20 sets, 5 s rest
        lambda: _model_week(
            training_days=[
                {
                    "name": "A",
                    "exercises": [
                        {
                            "exercise_id": Exercise.objects.get(exercise_en="Dumbbell Squat").id,
                            "sets": 20,
                            "reps": "5",
                            "rest_seconds": 5,
                            "reason": "More is better.",
                        }
                    ],
                }
            ]
        ),
        # more training days than asked
        lambda: _model_week(training_days=_model_week()["training_days"] * 2),
        # not the schema at all
        lambda: {"title": "Week", "days": "every day"},
    ],
)
def test_an_invalid_model_week_falls_back_to_the_rules(monkeypatch, answer):
    use_model(monkeypatch, ScriptedChatModel(script=[structured("WorkoutWeek", answer())]))

    workout = recommend_workout(DUMBBELLS, user=None, language="en")

    assert workout["engine"] == "rules"
    assert workout["fallback_reason"] == "invalid_output"
    assert workout["fallback_detail"]
    assert validate_workout(workout, workouts.read_request(DUMBBELLS, user=None, language="en").request) == []


def test_a_model_error_falls_back_to_the_rules(monkeypatch):
    use_model(monkeypatch, ScriptedChatModel(script=[RuntimeError("boom")]))
    workout = recommend_workout(DUMBBELLS, user=None, language="fr")
    assert (workout["engine"], workout["fallback_reason"]) == ("rules", "model_error")
    assert workout["title"].startswith("Programme")


def test_a_plain_text_answer_is_invalid_output(monkeypatch):
    use_model(monkeypatch, ScriptedChatModel(script=[AIMessage(content="Do squats.")]))
    workout = recommend_workout(DUMBBELLS, user=None, language="en")
    assert (workout["engine"], workout["fallback_reason"]) == ("rules", "invalid_output")


# ---- the real ChatOpenAI client against the stub server -------------------------------------------


def test_the_real_client_reads_a_structured_week_and_records_the_call(openai_stub: OpenAIStub):
    openai_stub.reply_tool_call("WorkoutWeek", _model_week())
    alice = UserFactory.create()

    workout = recommend_workout(DUMBBELLS, user=alice, language="en")

    assert workout["engine"] == "llm"
    assert len(_training(workout)) == 3
    call = LLMCall.objects.get(user=alice)
    assert (call.purpose, call.model, call.succeeded) == ("recommend", "coach-large", True)
    assert call.input_tokens == 120
    assert call.output_tokens == 30
    request = openai_stub.requests[0]
    assert request["response_format"]["json_schema"]["name"] == "WorkoutWeek"
    assert request["max_tokens"] == 256  # capped by LLM_MAX_TOKENS


def test_a_model_timeout_falls_back_to_the_rules(openai_stub: OpenAIStub):
    openai_stub.hang(3.0)
    workout = recommend_workout(DUMBBELLS, user=None, language="en")
    assert (workout["engine"], workout["fallback_reason"]) == ("rules", "timeout")
    assert LLMCall.objects.get().succeeded is False


def test_a_server_error_falls_back_to_the_rules(openai_stub: OpenAIStub):
    openai_stub.fail(500)
    workout = recommend_workout(DUMBBELLS, user=None, language="en")
    assert (workout["engine"], workout["fallback_reason"]) == ("rules", "model_error")
    assert len(_training(workout)) == 3


def test_broken_json_from_the_server_is_invalid_output(openai_stub: OpenAIStub):
    openai_stub.reply_raw('{"title": "Week", "training_days": [')
    workout = recommend_workout(DUMBBELLS, user=None, language="en")
    assert (workout["engine"], workout["fallback_reason"]) == ("rules", "invalid_output")
