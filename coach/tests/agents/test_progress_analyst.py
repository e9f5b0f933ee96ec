"""Progress analyst on a small cast: alice trains three days a week and gets stronger, bob has no
history, charlie's squat has been stuck for five weeks, dana did one workout (in French), erin
trained hard the last two days in a time zone a day ahead of UTC. Workouts given inline, bad input,
and the model path (tools, checked numbers, fallbacks)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from pydantic import ValidationError

from accounts.models import User
from accounts.tests.factories import UserFactory
from coach import metrics
from coach.agents import agent
from coach.agents.base import AgentContext
from coach.agents.progress_analyst import AGENT, AnalystInput, AnalystOutput
from coach.tests.fakes import ScriptedChatModel, structured, tool_call, use_model
from exercises.models import Exercise
from plans.tests.factories import WorkoutPlanFactory
from tracking.selectors import user_today
from tracking.tests.factories import UserPlanFactory, WorkoutLogFactory

pytestmark = pytest.mark.django_db

BENCH = "Dumbbell Bench Press"
SQUAT = "Barbell Squat"
# three days a week for four weeks, oldest block first: (days ago, kg)
ALICE_DAYS = [(25, 50), (23, 50), (21, 50), (18, 52.5), (16, 52.5), (14, 52.5)]
ALICE_DAYS += [(11, 55), (9, 55), (7, 55), (4, 57.5), (2, 57.5), (0, 57.5)]


def _exercise(name: str) -> Exercise:
    return Exercise.objects.get(exercise_en=name)


def _log(
    user: User, name: str, days_ago: int, kg: float, *, sets: int = 3, reps: int = 5, rpe: int | None = None
) -> None:
    WorkoutLogFactory.create(
        user=user,
        exercise=_exercise(name),
        date_performed=user_today(user=user) - datetime.timedelta(days=days_ago),
        sets_completed=sets,
        reps_completed=reps,
        weight_kg=kg,
        rpe=rpe,
    )


@pytest.fixture
def alice() -> User:
    user = UserFactory.create(display_name="alice")
    UserPlanFactory.create(user=user, plan=WorkoutPlanFactory.create(days_per_week=3))
    for days_ago, kg in ALICE_DAYS:
        _log(user, BENCH, days_ago, kg, rpe=7)
    return user


@pytest.fixture
def bob() -> User:
    return UserFactory.create(display_name="bob")


@pytest.fixture
def charlie() -> User:
    user = UserFactory.create(display_name="charlie")
    for days_ago in (45, 38, 31, 24, 17, 10):
        _log(user, SQUAT, days_ago, 100)
    return user


@pytest.fixture
def dana() -> User:
    user = UserFactory.create(display_name="dana", preferred_language="fr")
    _log(user, BENCH, 0, 40, reps=8)
    return user


@pytest.fixture
def erin() -> User:
    user = UserFactory.create(display_name="erin", time_zone="Pacific/Kiritimati")  # UTC+14
    for days_ago in (21, 14, 7):
        _log(user, BENCH, days_ago, 40, rpe=7)
    _log(user, SQUAT, 2, 60, rpe=7)
    _log(user, SQUAT, 1, 80, rpe=9)
    _log(user, SQUAT, 0, 80, rpe=9)
    return user


def _analyse(user: User | None, language: str = "en", **fields: Any) -> AnalystOutput:
    return AGENT.rules(AnalystInput(**fields), AgentContext(user=user, language=language))


def test_a_regular_lifter_gets_frequency_adherence_streak_and_a_rising_trend(alice):
    today = user_today(user=alice)
    analysis = _analyse(alice)

    assert analysis.has_history
    assert analysis.workouts_count == 12
    assert analysis.sessions_per_week == 3.2  # 12 sessions over the 26 days since the first
    assert (analysis.adherence, analysis.planned_days_per_week) == (1.0, 3)  # the active plan's 3 days
    assert analysis.streak_days == 1  # trained today, not yesterday
    assert analysis.last_workout_date == today.isoformat()
    assert analysis.days_since_last_workout == 0
    this_week = sum(
        1 for d, _ in ALICE_DAYS if metrics.week_start(today - datetime.timedelta(d)) == metrics.week_start(today)
    )
    assert analysis.workouts_this_week == this_week
    (trend,) = analysis.trends
    assert (trend.exercise_id, trend.name, trend.metric, trend.direction) == (
        _exercise(BENCH).id,
        BENCH,
        "estimated_1rm_kg",
        "up",
    )
    # Brzycki: 50 kg x 5 = 56.3 kg, 57.5 kg x 5 = 64.7 kg
    assert (trend.first_value, trend.last_value, trend.change_pct) == (56.3, 64.7, 14.9)
    assert analysis.plateaus == []
    assert analysis.recovery.model_dump() == {
        "recent_muscles": ["chest"],
        "fatigue": "low",
        "avg_rpe": 7.0,
        "volume_change_pct": 0.0,  # 9 sets this week, 9 a week before
        "consecutive_days": 1,
        "rest_recommended": False,
    }
    assert analysis.recommendations
    # a new best every week: no plateau advice, although the same load was lifted 3 sessions in a row
    assert not any("rep range" in text for text in analysis.recommendations)
    assert [step.decision for step in analysis.reasoning] == [
        "Read the workouts",
        "Measured the training frequency",
        "Measured adherence",
        "Followed each exercise",
        "Fatigue low",
        "Wrote the recommendations",
    ]


def test_adherence_falls_when_fewer_sessions_than_planned(alice):
    analysis = _analyse(alice, planned_days_per_week=5)

    # 12 sessions in the 26 days since the first, for 5 a week planned: 12 / (5 x 26 / 7)
    assert (analysis.adherence, analysis.planned_days_per_week) == (0.65, 5)
    assert any("5 training days" in text for text in analysis.recommendations)


def test_no_history_says_so_and_suggests_a_start(bob):
    analysis = _analyse(bob)

    assert not analysis.has_history
    assert (analysis.workouts_count, analysis.sessions_per_week, analysis.streak_days) == (0, 0.0, 0)
    assert (analysis.adherence, analysis.last_workout_date, analysis.days_since_last_workout) == (None, None, None)
    assert analysis.trends == []
    assert analysis.plateaus == []
    assert analysis.recovery.fatigue == "low"
    assert not analysis.recovery.rest_recommended
    assert analysis.recommendations[0].startswith("Start with 2 to 3 full-body sessions")


def test_an_anonymous_caller_without_workouts_gets_no_history():
    assert not _analyse(None).has_history


def test_a_squat_stuck_for_five_weeks_is_a_plateau(charlie):
    analysis = _analyse(charlie)

    (plateau,) = analysis.plateaus
    assert (plateau.exercise_id, plateau.name, plateau.weeks_flat, plateau.best_value) == (
        _exercise(SQUAT).id,
        SQUAT,
        5,  # 35 days from the first 100 kg to the last
        112.5,  # Brzycki of 100 kg x 5
    )
    assert "rep range" in plateau.suggestion
    assert analysis.trends[0].direction == "flat"
    assert analysis.trends[0].change_pct == 0.0
    assert plateau.suggestion in analysis.recommendations
    assert analysis.days_since_last_workout == 10
    assert analysis.streak_days == 0


def test_two_weeks_without_a_new_best_is_not_yet_a_plateau(bob):
    for days_ago in (14, 7, 0):
        _log(bob, SQUAT, days_ago, 100)

    assert _analyse(bob).plateaus == []


def test_one_workout_in_french(dana):
    analysis = _analyse(dana, language="fr")

    assert analysis.has_history
    assert analysis.workouts_count == 1
    assert (analysis.sessions_per_week, analysis.streak_days, analysis.adherence) == (1.0, 1, None)
    assert analysis.trends == []  # one day is no trend
    assert analysis.recovery.recent_muscles == ["chest"]
    assert analysis.reasoning[0].decision == "Lecture des séances"
    assert "jours d'entraînement" in analysis.reasoning[0].why
    assert analysis.recommendations
    assert all("the" not in text.split() for text in analysis.recommendations)


def test_hard_days_in_the_users_time_zone_call_for_rest(erin):
    analysis = _analyse(erin)
    recovery = analysis.recovery

    # today and yesterday in Kiritimati (a day ahead of UTC for most of the day): the squats, not the bench
    assert recovery.recent_muscles == ["quadriceps"]
    assert recovery.avg_rpe == 8.3  # (7 + 9 + 9) / 3 over the last 7 days
    # 9 sets this week against 3 a week over the three weeks before
    assert recovery.volume_change_pct == 200.0
    assert (recovery.fatigue, recovery.rest_recommended) == ("high", True)
    assert analysis.streak_days == 3
    assert recovery.consecutive_days == 3
    assert analysis.recommendations[0].startswith("Take a rest day (or an easy mobility session)")


def test_inline_workouts_are_analysed_without_reading_logs(charlie):
    today = datetime.date.today()
    squat = _exercise(SQUAT).id
    workouts: list[dict[str, Any]] = [
        {
            "date": (today - datetime.timedelta(days=d)).isoformat(),
            "exercises": [{"exercise_id": squat, "sets": 3, "reps": 5, "weight_kg": 90, "rpe": 8}],
        }
        for d in (28, 21, 14, 7)
    ]
    workouts.append({"date": today.isoformat(), "exercise_id": squat, "sets": 3, "reps": 5, "weight_kg": 100, "rpe": 8})

    analysis = _analyse(None, workouts=workouts, planned_days_per_week=2)

    assert analysis.workouts_count == 5  # charlie's own logs are not read
    assert analysis.trends[0].direction == "up"
    assert analysis.plateaus == []
    # adherence over the last 4 weeks: the 4 sessions since 27 days ago, for 2 x 4 planned
    assert analysis.planned_days_per_week == 2
    assert analysis.adherence == 0.5
    assert analysis.streak_days == 1
    assert analysis.recovery.avg_rpe == 8.0
    assert analysis.recovery.recent_muscles == ["quadriceps"]


def test_inline_workouts_outside_the_period_are_left_out():
    old = (datetime.date.today() - datetime.timedelta(days=200)).isoformat()

    analysis = _analyse(None, workouts=[{"date": old, "exercises": [{"sets": 3, "reps": 10}]}], days=30)

    assert not analysis.has_history


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"workouts": [{"date": "yesterday", "exercises": [{"sets": 3}]}]}, "workouts"),
        ({"workouts": [{"date": "2025-01-01", "exercises": [{"sets": -1}]}]}, "workouts"),
        ({"days": 0}, "days"),
        ({"planned_days_per_week": 8}, "planned_days_per_week"),
    ],
)
def test_bad_input_names_the_field(fields, where):
    with pytest.raises(ValidationError) as error:
        AnalystInput(**fields)

    assert error.value.errors()[0]["loc"][0] == where


def test_the_output_is_json(alice):
    result = agent("progress_analyst").run_rules(AnalystInput(), AgentContext(user=alice))

    assert result.engine == "rules"
    assert result.output["trends"][0]["direction"] == "up"
    assert isinstance(result.output["reasoning"][0]["data"], dict)


# ---------------------------------------------------------------- the model path


def _answer(user: User, **changes: Any) -> dict[str, Any]:
    answer = _analyse(user).model_dump(mode="json")
    answer["recommendations"] = ["Keep your three sessions a week; your bench is up 14.9%."]
    answer["reasoning"] = [{"decision": "Copied the summary", "why": "The numbers are computed.", "data": {}}]
    return {**answer, **changes}


def test_the_model_reads_the_summary_through_its_tools_and_its_answer_is_used(monkeypatch, alice):
    model = ScriptedChatModel(
        script=[tool_call("get_progress_summary", {}), structured("AnalystOutput", _answer(alice))]
    )
    use_model(monkeypatch, model)

    result = AGENT.run(AnalystInput(), AgentContext(user=alice))

    assert (result.engine, result.fallback_reason) == ("llm", None)
    assert result.output["recommendations"] == ["Keep your three sessions a week; your bench is up 14.9%."]
    assert {"get_progress_summary", "get_workout_history"} <= set(model.bound_tools)
    assert '"streak_days": 1' in model.prompt_text(1)  # the summary reached the model


@pytest.mark.parametrize(
    "changes",
    [
        {"streak_days": 9},
        {"recommendations": ["Your bench went up 37% this month."]},
        {
            "trends": [
                {
                    "exercise_id": 999999,
                    "name": "Moon Press",
                    "metric": "volume_kg",
                    "direction": "up",
                    "change_pct": 14.9,
                    "first_value": 1,
                    "last_value": 2,
                    "sessions": 2,
                }
            ]
        },
    ],
)
def test_a_model_answer_with_numbers_or_ids_not_in_the_data_falls_back(monkeypatch, alice, changes):
    use_model(monkeypatch, ScriptedChatModel(script=[structured("AnalystOutput", _answer(alice, **changes))]))

    result = AGENT.run(AnalystInput(), AgentContext(user=alice))

    assert (result.engine, result.fallback_reason) == ("rules", "invalid_output")
    assert result.output["streak_days"] == 1
    assert result.output["trends"][0]["exercise_id"] == _exercise(BENCH).id


def test_a_model_error_falls_back_to_the_rules(monkeypatch, charlie):
    use_model(monkeypatch, ScriptedChatModel(script=[ConnectionError("down")]))

    result = AGENT.run(AnalystInput(), AgentContext(user=charlie, language="fr"))

    assert result.engine == "rules"
    assert result.fallback_reason == "model_error"
    assert result.output["plateaus"][0]["weeks_flat"] == 5
    assert "fourchette" in result.output["plateaus"][0]["suggestion"]
