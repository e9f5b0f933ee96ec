"""Every recommended workout is checked before it is shown: these tests break a valid week one rule at
a time and expect the problem to be named. The request's words are read into the library's codes."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from coach.validation import (
    allowed_equipment,
    equipment_codes,
    goal_codes,
    level_code,
    muscle_codes,
    parse_reps,
    validate_workout,
)
from coach.workouts import WorkoutRequest
from exercises.models import Exercise

pytestmark = pytest.mark.django_db

REQUEST = WorkoutRequest(
    goals=["strength"], available_equipment=["dumbbell"], days_per_week=3, fitness_level="intermediate"
)


def _id(name: str) -> int:
    return Exercise.objects.get(exercise_en=name).id


def _item(name: str, **changes: Any) -> dict[str, Any]:
    item = {
        "exercise_id": _id(name),
        "name": name,
        "sets": 4,
        "reps": "8-12",
        "duration_seconds": None,
        "rest_seconds": 90,
        "reason": "Horizontal press for the chest.",
    }
    return {**item, **changes}


def _rest(day: int) -> dict[str, Any]:
    return {"day": day, "name": "Rest", "rest": True, "focus": [], "estimated_minutes": 0, "exercises": []}


def _week() -> dict[str, Any]:
    """Three dumbbell sessions on days 1, 3 and 5."""
    training = {
        1: [_item("Dumbbell Bench Press"), _item("Dumbbell Squat")],
        3: [_item("One-Arm Dumbbell Row"), _item("Stiff-Legged Dumbbell Deadlift")],
        5: [_item("Seated Dumbbell Press"), _item("Plank", reps=None, duration_seconds=45)],
    }
    return {
        "days": [
            {"day": day, "name": "Full body", "rest": False, "focus": [], "estimated_minutes": 40, "exercises": items}
            if (items := training.get(day))
            else _rest(day)
            for day in range(1, 8)
        ]
    }


def _problems(workout: dict[str, Any], request: WorkoutRequest = REQUEST) -> list[str]:
    return validate_workout(workout, request)


def test_a_sound_week_has_no_problem():
    assert _problems(_week()) == []


def test_reps_may_be_a_number_a_range_or_a_duration():
    week = _week()
    week["days"][0]["exercises"][0]["reps"] = 10
    week["days"][0]["exercises"][1]["reps"] = "12"
    week["days"][2]["exercises"][0]["reps"] = "6 - 8"
    assert _problems(week) == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"exercise_id": 987654}, "does not exist"),
        ({"sets": 0}, "sets 0 outside 1-10"),
        ({"sets": 11}, "sets 11 outside 1-10"),
        ({"sets": "4"}, "sets '4' outside 1-10"),
        ({"reps": 60}, "reps 60 is not 1-50"),
        ({"reps": "12-8"}, "reps '12-8' is not 1-50"),
        ({"reps": "as many as possible"}, "is not 1-50"),
        ({"reps": None}, "neither reps nor a duration"),
        ({"reps": None, "duration_seconds": 2}, "duration 2 s outside 5-3600"),
        ({"rest_seconds": 10}, "rest 10 s outside 15-300"),
        ({"rest_seconds": 600}, "rest 600 s outside 15-300"),
        ({"reason": "  "}, "no reason given"),
    ],
)
def test_each_broken_prescription_is_named(change, problem):
    week = _week()
    week["days"][0]["exercises"][0].update(change)
    problems = _problems(week)
    assert len(problems) == 1
    assert problem in problems[0]
    assert problems[0].startswith("day 1, exercise 1")


def test_more_training_days_than_asked_is_a_problem():
    week = _week()
    week["days"][1] = {**week["days"][0], "day": 2}
    assert _problems(week) == ["week 1 has 4 training days, 3 asked"]


def test_a_week_without_a_rest_day_is_a_problem():
    week = _week()
    for index in (1, 3, 5, 6):
        week["days"][index] = {**week["days"][0], "day": index + 1}
    request = WorkoutRequest(available_equipment=["dumbbell"], days_per_week=7, fitness_level="intermediate")
    assert _problems(week, request) == ["week 1 has no rest day"]


def test_days_must_make_whole_numbered_weeks():
    week = _week()
    del week["days"][6]
    assert _problems(week) == ["6 days do not make whole weeks"]
    assert validate_workout({"days": []}, REQUEST) == ["no days"]


def test_an_exercise_twice_in_a_day_and_an_empty_training_day_are_problems():
    week = _week()
    week["days"][0]["exercises"].append(copy.deepcopy(week["days"][0]["exercises"][0]))
    week["days"][2]["exercises"] = []
    problems = _problems(week)
    assert f"day 1: exercise {_id('Dumbbell Bench Press')} twice" in problems
    assert "day 3: a training day with no exercise" in problems


def test_equipment_that_is_not_available_is_a_problem():
    week = _week()
    week["days"][0]["exercises"][0] = _item("Barbell Bench Press - Medium Grip")
    assert _problems(week) == [
        "day 1, exercise 1 (Barbell Bench Press - Medium Grip): needs ['barbell'], not in the available equipment"
    ]
    # body weight is always available; with no equipment given, anything goes
    week["days"][0]["exercises"][0] = _item("Pushups")
    assert _problems(week) == []
    barbell = _week()
    barbell["days"][0]["exercises"][0] = _item("Barbell Bench Press - Medium Grip")
    assert _problems(barbell, WorkoutRequest(days_per_week=3, fitness_level="intermediate")) == []


def test_an_exercise_a_limitation_rules_out_is_a_problem():
    week = _week()
    week["days"][0]["exercises"][1] = _item("Freehand Jump Squat")
    knee = WorkoutRequest(
        available_equipment=["dumbbell"], days_per_week=3, fitness_level="intermediate", limitations=["knee"]
    )
    assert _problems(week) == []
    assert _problems(week, knee) == [
        "day 1, exercise 2 (Freehand Jump Squat): ruled out (jumps, lunges and deep knee bends load the knee)"
    ]


def test_pain_mentioned_in_the_preferences_counts_as_a_limitation():
    week = _week()  # day 5 has the seated dumbbell (overhead) press
    hurt = WorkoutRequest(
        available_equipment=["dumbbell"], days_per_week=3, fitness_level="intermediate", preferences="my shoulder hurts"
    )
    assert any("Seated Dumbbell Press" in problem and "shoulder" in problem for problem in _problems(week, hurt))


def test_an_advanced_exercise_is_a_problem_for_a_beginner():
    week = _week()
    week["days"][0]["exercises"][0] = _item("Hanging Leg Raise")
    beginner = WorkoutRequest(available_equipment=["dumbbell"], days_per_week=3, fitness_level="beginner")
    assert _problems(week) == []
    assert _problems(week, beginner) == [
        "day 1, exercise 1 (Hanging Leg Raise): ruled out (an advanced exercise for a beginner)"
    ]


# ---- reading the request -------------------------------------------------------------------------


def test_equipment_words_become_codes():
    assert equipment_codes(["Dumbbells", "haltères", "bodyweight", "bands", "Banc"]) == (
        ["dumbbell", "body weight", "resistance band", "bench"],
        [],
    )
    assert equipment_codes(["a spaceship"]) == ([], ["a spaceship"])
    assert "barbell" in equipment_codes(["full gym"])[0]
    assert allowed_equipment(["dumbbell"]) == frozenset({"dumbbell", "body weight"})
    assert allowed_equipment([]) is None


def test_muscle_words_goals_and_levels_become_codes():
    assert muscle_codes(["pecs", "Épaules", "legs", "abdos"]) == (
        ["chest", "shoulders", "quadriceps", "hamstrings", "abdominals"],
        [],
    )
    assert goal_codes(["muscle_gain", "Perte de poids", "power", "unknown"]) == [
        "hypertrophy",
        "weight_loss",
        "strength",
    ]
    assert [level_code(v) for v in ("Débutant", "intermediate", "Avancé", "guru", None)] == [
        "beginner",
        "intermediate",
        "advanced",
        None,
        None,
    ]
    assert [parse_reps(v) for v in (10, "8-12", "15", "8 to 12", True, "x")] == [
        (10, 10),
        (8, 12),
        (15, 15),
        (8, 12),
        None,
        None,
    ]
