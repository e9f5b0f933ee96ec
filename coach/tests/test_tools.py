"""The coach's tools on the real library and real logs: what they return, that they are bound to
the request's user, and that they answer every failure with {"error": ...}."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool

from accounts.tests.factories import UserFactory
from coach import metrics, tools
from coach.tools import MAX_EXERCISES, MAX_LOGS, TOOL_NAMES, call_tool, coach_tools
from exercises.models import Exercise
from tracking.tests.factories import WorkoutLogFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.datetime.now(datetime.UTC).date()  # the cast's time zone is UTC
THIS_MONDAY = metrics.week_start(TODAY)


def days_ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


@pytest.fixture
def bench_press() -> Exercise:
    return Exercise.objects.get(exercise_en="Dumbbell Bench Press")


@pytest.fixture
def squat() -> Exercise:
    return Exercise.objects.filter(exercise_en__icontains="squat", exercise_fr__isnull=False).order_by("id")[0]


@pytest.fixture
def alice():
    return UserFactory(
        display_name="alice",
        preferred_language="fr",
        gender="male",
        age=30,
        weight_kg=Decimal("80.00"),
        height_cm=Decimal("180.0"),
        daily_activity="moderately_active",
        fitness_level="intermediate",
        available_equipment=["dumbbell", "bench"],
        limitations=["genou droit"],
    )


@pytest.fixture
def bob():
    return UserFactory(display_name="bob", preferred_language="en")


def log(user, exercise, date, *, sets=3, reps=10, weight_kg=40, notes=""):
    return WorkoutLogFactory(
        user=user, exercise=exercise, date_performed=date, sets_completed=sets, reps_completed=reps,
        weight_kg=weight_kg, notes=notes,
    )  # fmt: skip


def tool_named(tool_list: list[BaseTool], name: str) -> BaseTool:
    return next(tool for tool in tool_list if tool.name == name)


def run(user, name, args=None, **options):
    """A tool called as a model calls it: a tool call in, a tool message (JSON text) out."""
    tool = tool_named(coach_tools(user=user, **options), name)
    message = tool.invoke({"type": "tool_call", "id": "call-1", "name": name, "args": args or {}})
    assert isinstance(message, ToolMessage)
    assert isinstance(message.content, str)
    return json.loads(message.content)


# The tool set and what the model sees


def test_the_four_tools_are_built_for_a_user_and_for_nobody(alice):
    expected = ["get_user_profile", "search_exercises", "get_workout_history", "calculate_fitness_metrics"]
    assert [tool.name for tool in coach_tools(user=alice)] == expected
    assert [tool.name for tool in coach_tools(user=None)] == expected
    assert list(TOOL_NAMES) == expected


def test_no_schema_the_model_sees_has_a_user_id(alice):
    for tool in coach_tools(user=alice):
        schema = json.dumps(convert_to_openai_tool(tool)).lower()
        assert "user_id" not in schema
        assert not any("user" in argument for argument in tool.args)
        assert all("user" not in field for field in tool.tool_call_schema.model_json_schema()["properties"])  # type: ignore[union-attr]


def test_the_search_schema_offers_the_filters(alice):
    arguments = tool_named(coach_tools(user=alice), "search_exercises").args
    assert set(arguments) == {"query", "muscles", "equipment", "difficulty", "limit"}
    assert "chest" in arguments["muscles"]["description"]


# get_user_profile


def test_the_profile_is_the_users_own(alice):
    log(alice, None, TODAY)

    profile = run(alice, "get_user_profile")

    assert profile["display_name"] == "alice"
    assert (profile["age"], profile["weight_kg"], profile["height_cm"]) == (30, 80.0, 180.0)
    assert profile["available_equipment"] == ["dumbbell", "bench"]
    assert profile["limitations"] == ["genou droit"]
    assert profile["workout_count"] == 1


def test_without_a_user_the_user_tools_say_so_politely():
    for name in ("get_user_profile", "get_workout_history", "calculate_fitness_metrics"):
        answer = run(None, name)
        assert list(answer) == ["error"]
        assert answer["error"].startswith("No user is known in this conversation")


# search_exercises


def test_search_in_french_finds_bench_presses_named_in_french(alice):
    answer = run(alice, "search_exercises", {"query": "développé couché"})

    exercises = answer["exercises"]
    assert answer["language"] == "fr"
    assert 1 <= len(exercises) <= MAX_EXERCISES
    assert all(exercise["name"].lower().startswith("développé couché") for exercise in exercises[:3])
    english = Exercise.objects.in_bulk([exercise["id"] for exercise in exercises])
    assert all("bench press" in english[exercise["id"]].exercise_en.lower() for exercise in exercises[:3])
    assert set(exercises[0]) == {"id", "name", "muscles", "equipment", "difficulty"}


def test_an_english_user_gets_english_names(bob, bench_press):
    answer = run(bob, "search_exercises", {"query": "Développé couché avec haltères"})

    assert answer["exercises"][0] == {
        "id": bench_press.id,
        "name": "Dumbbell Bench Press",
        "muscles": bench_press.muscles,
        "equipment": bench_press.equipments,
        "difficulty": bench_press.difficulty,
    }


def test_anyone_can_search_and_choose_the_language(bench_press):
    answer = run(None, "search_exercises", {"query": "dumbbell bench press"}, language="fr")

    assert answer["exercises"][0]["id"] == bench_press.id
    assert answer["exercises"][0]["name"] == bench_press.exercise_fr


def test_search_respects_every_filter(bob):
    filters = {"muscles": ["chest"], "equipment": ["dumbbell"], "difficulty": "beginner"}
    answer = run(bob, "search_exercises", {"query": "press", **filters})

    assert answer["exercises"]
    found = Exercise.objects.in_bulk([exercise["id"] for exercise in answer["exercises"]])
    for exercise in found.values():
        assert "chest" in exercise.muscles
        assert "dumbbell" in exercise.equipments
        assert exercise.difficulty == "beginner"


def test_filters_alone_and_in_french_words_work_and_are_bounded(alice):
    answer = run(alice, "search_exercises", {"muscles": ["Pectoraux"], "equipment": ["haltère"], "limit": 50})

    assert len(answer["exercises"]) == MAX_EXERCISES
    assert all("chest" in e["muscles"] and "dumbbell" in e["equipment"] for e in answer["exercises"])
    assert len(run(alice, "search_exercises", {"query": "squat", "limit": 3})["exercises"]) == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"query": "curl", "muscles": ["wings"]}, "Unknown muscle 'wings'"),
        ({"query": "curl", "difficulty": "legendary"}, "Unknown difficulty 'legendary'"),
        ({"query": "  "}, "Give a query, or at least one filter"),
    ],
)
def test_unusable_search_arguments_come_back_as_errors(bob, args, message):
    answer = run(bob, "search_exercises", args)
    assert list(answer) == ["error"]
    assert message in answer["error"]


# get_workout_history


def test_history_is_the_users_recent_logs_newest_first(alice, bob, squat):
    log(alice, squat, days_ago(2), weight_kg=Decimal("62.5"), notes="facile")
    log(alice, squat, days_ago(0), weight_kg=65)
    log(alice, squat, days_ago(45))  # outside the 30 days
    log(bob, squat, days_ago(1), weight_kg=200)

    answer = run(alice, "get_workout_history", {"days": 30})

    assert answer["end_date"] == TODAY.isoformat()
    assert answer["start_date"] == days_ago(29).isoformat()
    assert (answer["count"], answer["truncated"]) == (2, False)
    first, second = answer["logs"]
    assert (first["date"], first["weight_kg"], first["volume_kg"]) == (TODAY.isoformat(), 65.0, 1950.0)
    assert first["exercise_id"] == squat.id
    assert first["exercise_name"] == squat.exercise_fr
    assert (second["weight_kg"], second["volume_kg"], second["notes"]) == (62.5, 1875.0, "facile")
    assert len(run(alice, "get_workout_history", {"days": 60})["logs"]) == 3


def test_history_is_bounded_and_says_when_it_was_cut(alice, squat):
    for day in range(MAX_LOGS + 5):
        log(alice, squat, days_ago(day % 20))

    answer = run(alice, "get_workout_history", {"limit": 500})

    assert (answer["count"], answer["truncated"]) == (MAX_LOGS, True)
    assert len(answer["logs"]) == MAX_LOGS


def test_a_tool_built_for_alice_never_returns_bobs_logs(alice, bob, squat, bench_press):
    log(alice, squat, days_ago(1), weight_kg=50)
    for day in range(5):
        log(bob, bench_press, days_ago(day), weight_kg=111)

    alice_tools = coach_tools(user=alice)
    history = tool_named(alice_tools, "get_workout_history")
    # A model inventing a user_id (or any other argument) reads alice's logs all the same.
    for args in ({}, {"user_id": str(bob.id)}, {"user": str(bob.id), "days": 365}):
        answer = history.invoke(args)
        assert [entry["weight_kg"] for entry in answer["logs"]] == [50.0]
    profile = tool_named(alice_tools, "get_user_profile").invoke({"user_id": str(bob.id)})
    assert profile["display_name"] == "alice"
    volume = tool_named(alice_tools, "calculate_fitness_metrics").invoke({"user_id": str(bob.id)})
    assert sum(week["volume_kg"] for week in volume["weekly_volume"]) == 1500.0


# calculate_fitness_metrics


def test_metrics_from_the_profile_and_the_logs(alice, squat):
    # four complete weeks of rising volume: 1200, 1350, 1500, 1650 kg, then this week so far
    for weeks_back, weight in ((4, 40), (3, 45), (2, 50), (1, 55)):
        log(alice, squat, THIS_MONDAY - datetime.timedelta(weeks=weeks_back), weight_kg=weight)
    log(alice, squat, TODAY, sets=1, reps=1, weight_kg=20)

    answer = run(alice, "calculate_fitness_metrics")

    assert answer["bmi"] == {"value": 24.7, "category": "normal", "obesity_class": None}
    assert answer["bmr"]["kcal"] == 1780
    assert (answer["daily_energy_need_kcal"], answer["activity_factor"]) == (2759, 1.55)
    assert answer["missing_profile_fields"] == {}
    assert [week["volume_kg"] for week in answer["weekly_volume"]] == [1200.0, 1350.0, 1500.0, 1650.0, 20.0]
    assert answer["weekly_volume"][0]["week_start"] == (THIS_MONDAY - datetime.timedelta(weeks=4)).isoformat()
    # the current, unfinished week is not a fall
    assert answer["volume_trend"]["label"] == "improving"
    assert (answer["volume_trend"]["slope_per_week"], answer["volume_trend"]["weeks"]) == (150.0, 4)


def test_metrics_say_what_the_profile_lacks(bob):
    answer = run(bob, "calculate_fitness_metrics")

    assert (answer["bmi"], answer["bmr"], answer["daily_energy_need_kcal"]) == (None, None, None)
    assert answer["missing_profile_fields"] == {
        "bmi": ["weight_kg", "height_cm"],
        "bmr": ["weight_kg", "height_cm", "age"],
    }
    assert (answer["weekly_volume"], answer["volume_trend"]) == ([], None)


def test_metrics_for_an_unspecified_gender_say_the_average_is_used(bob):
    bob.gender, bob.age, bob.weight_kg, bob.height_cm = "prefer_not_to_say", 30, Decimal(80), Decimal(180)
    bob.save()

    answer = run(bob, "calculate_fitness_metrics")

    assert answer["bmr"]["kcal"] == 1697
    assert "average" in answer["bmr"]["note"]
    assert answer["missing_profile_fields"] == {"daily_energy_need": ["daily_activity"]}


# Errors never raise


def test_arguments_failing_the_schema_come_back_as_an_error(alice):
    history = tool_named(coach_tools(user=alice), "get_workout_history")

    message = history.invoke({"type": "tool_call", "id": "call-2", "name": history.name, "args": {"days": "lots"}})

    assert message.status == "error"
    assert json.loads(message.content)["error"].startswith("Invalid arguments: days:")
    assert call_tool("get_workout_history", {"days": "lots"}, user=alice)["error"].startswith("Invalid arguments")


def test_a_failure_inside_a_tool_comes_back_as_an_error(alice, monkeypatch, caplog):
    def broken_search(*args, **kwargs):
        raise RuntimeError("search index unavailable")

    monkeypatch.setattr(tools, "exercise_search", broken_search)

    answer = run(alice, "search_exercises", {"query": "squat"})

    assert answer == {"error": "The search_exercises tool could not answer just now. Try again or answer without it."}
    assert "search index unavailable" in caplog.text  # logged for us, not shown to the model


# call_tool, for the rules engine


def test_call_tool_runs_the_same_code_as_the_tools(alice, squat):
    log(alice, squat, days_ago(3))
    cases: list[tuple[str, dict[str, object]]] = [
        ("get_user_profile", {}),
        ("search_exercises", {"query": "développé couché", "equipment": ["dumbbell"]}),
        ("get_workout_history", {"days": 7}),
        ("calculate_fitness_metrics", {"weeks": 4}),
    ]
    alice_tools = coach_tools(user=alice)
    for name, args in cases:
        direct = call_tool(name, args, user=alice)
        assert "error" not in direct
        assert direct == tool_named(alice_tools, name).invoke(args)
        json.dumps(direct)  # JSON-serialisable as it is


def test_call_tool_answers_errors_too(alice):
    assert call_tool("drop_tables", {}, user=alice)["error"].startswith("Unknown tool 'drop_tables'")
    assert call_tool("get_user_profile", None, user=None)["error"].startswith("No user is known")
    assert call_tool("search_exercises", {"query": "squat"}, user=None)["language"] == "en"
