"""Motivation coach: the tone from adherence patterns (welcome, celebrate, encourage, re-engage), a
message quoting the person's own numbers, 2 to 3 concrete next actions, French, and the model path
(checked message, fallbacks)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from pydantic import ValidationError

from accounts.models import User
from accounts.tests.factories import UserFactory
from coach.agents import agent
from coach.agents.base import AgentContext
from coach.agents.motivation_coach import AGENT, MAX_MESSAGE_CHARS, MotivationInput, MotivationMessage
from coach.tests.fakes import ScriptedChatModel, structured, use_model
from exercises.models import Exercise
from tracking.selectors import user_today
from tracking.tests.factories import WorkoutLogFactory

pytestmark = pytest.mark.django_db

WEEKDAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def _analysis(**changes: Any) -> dict[str, Any]:
    """An analysis as the progress analyst writes it: training, streak 1, adherence 0.5."""
    today = datetime.date.today()
    analysis: dict[str, Any] = {
        "has_history": True,
        "workouts_count": 6,
        "sessions_per_week": 1.5,
        "adherence": 0.5,
        "planned_days_per_week": 3,
        "streak_days": 1,
        "workouts_this_week": 1,
        "last_workout_date": today.isoformat(),
        "days_since_last_workout": 0,
        "trends": [
            {
                "exercise_id": 1,
                "name": "Barbell Squat",
                "metric": "estimated_1rm_kg",
                "direction": "up",
                "change_pct": 12.5,
                "first_value": 100,
                "last_value": 112.5,
                "sessions": 6,
            },
            {"exercise_id": 2, "name": "Plank", "metric": "reps", "direction": "down", "change_pct": -20.0},
        ],
        "plateaus": [],
        "recovery": {"recent_muscles": ["quadriceps"], "fatigue": "low", "avg_rpe": None, "rest_recommended": False},
        "recommendations": [],
    }
    return {**analysis, **changes}


def _coach(analysis: dict[str, Any] | None, language: str = "en", user: User | None = None) -> MotivationMessage:
    return AGENT.rules(MotivationInput(analysis=analysis), AgentContext(user=user, language=language))


def _tomorrow(days: int = 1) -> str:
    return (datetime.date.today() + datetime.timedelta(days=days)).strftime("%A")


def test_no_history_is_a_welcome_with_a_first_step():
    message = _coach(_analysis(has_history=False, workouts_count=0, streak_days=0, adherence=None))

    assert message.tone == "welcome"
    assert message.message.startswith("Welcome to MovoAI")
    assert 2 <= len(message.accountability) <= 3
    assert message.accountability[0] == f"Book {_tomorrow()} 18:00 (or your usual time) for your next session."
    assert (message.streak_days, message.adherence) == (0, None)


def test_a_new_user_without_an_analysis_is_welcomed_from_their_empty_logs():
    bob = UserFactory.create(display_name="bob")

    result = agent("motivation_coach").run_rules(MotivationInput(), AgentContext(user=bob))

    assert result.output["tone"] == "welcome"
    assert result.engine == "rules"


def test_a_streak_of_three_days_is_celebrated_with_the_persons_numbers():
    message = _coach(_analysis(streak_days=4, workouts_this_week=3, adherence=0.75))

    assert message.tone == "celebrate"
    assert "a 4-day streak" in message.message
    assert "3 of your 3 planned workouts done this week" in message.message
    assert "75%" in message.message
    assert "Barbell Squat estimated max is up 12.5%" in message.message  # the best rising lift, not the plank
    assert (message.streak_days, message.adherence) == (4, 0.75)


def test_adherence_of_80_percent_is_celebrated_and_less_is_encouraged():
    assert _coach(_analysis(adherence=0.8)).tone == "celebrate"

    message = _coach(_analysis(adherence=0.5))

    assert message.tone == "encourage"
    assert "1 of your 3 planned workouts done this week" in message.message
    assert "Do 2 more session(s) by Sunday to reach your 3 this week." in message.accountability


def test_a_week_without_training_is_a_re_engagement():
    ten_days_ago = (datetime.date.today() - datetime.timedelta(days=10)).isoformat()

    message = _coach(
        _analysis(last_workout_date=ten_days_ago, days_since_last_workout=10, streak_days=0, adherence=0.1)
    )

    assert message.tone == "re_engage"
    assert "10 days since your last workout" in message.message
    assert any("70%" in action for action in message.accountability)


def test_the_days_since_the_last_workout_are_read_from_its_date_when_missing():
    eight_days_ago = (datetime.date.today() - datetime.timedelta(days=8)).isoformat()
    analysis = _analysis(last_workout_date=eight_days_ago)
    del analysis["days_since_last_workout"]

    assert _coach(analysis).tone == "re_engage"


def test_rest_comes_first_when_recovery_calls_for_it():
    tired = {"rest_recommended": True, "fatigue": "high"}
    yesterday = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()

    trained_today = _coach(_analysis(recovery=tired))
    trained_yesterday = _coach(_analysis(recovery=tired, last_workout_date=yesterday, days_since_last_workout=1))

    assert trained_today.accountability[0].startswith("Take tomorrow off")
    assert trained_today.accountability[1].startswith(f"Book {_tomorrow(2)} 18:00")
    assert trained_yesterday.accountability[0].startswith("Rest today")
    assert trained_yesterday.accountability[1].startswith(f"Book {_tomorrow()} 18:00")
    assert len(trained_today.accountability) == len(trained_yesterday.accountability) == 3


def test_a_plateau_gets_an_action():
    plateau = {"exercise_id": 1, "name": "Barbell Squat", "weeks_flat": 4, "suggestion": "..."}

    message = _coach(_analysis(plateaus=[plateau], planned_days_per_week=None, adherence=None))

    assert "On Barbell Squat, switch to another rep range for 3 weeks." in message.accountability


def test_a_planned_target_given_here_measures_adherence_when_the_analysis_had_none():
    message = AGENT.rules(
        MotivationInput(analysis=_analysis(adherence=None, planned_days_per_week=None), planned_days_per_week=2),
        AgentContext(user=None),
    )

    assert message.adherence == 0.75  # 1.5 sessions a week for 2 planned


def test_one_workout_in_french_from_the_users_logs():
    dana = UserFactory.create(display_name="dana", preferred_language="fr")
    WorkoutLogFactory.create(
        user=dana,
        exercise=Exercise.objects.get(exercise_en="Barbell Squat"),
        date_performed=user_today(user=dana),
        sets_completed=3,
        reps_completed=5,
        weight_kg=60,
    )

    message = _coach(None, language="fr", user=dana)

    assert message.tone == "encourage"
    assert message.message.startswith("Vous êtes en route : 1 séance(s) cette semaine.")
    assert "Votre série est de 1 jour(s)." in message.message
    tomorrow = WEEKDAYS_FR[(user_today(user=dana) + datetime.timedelta(days=1)).weekday()]
    assert (
        message.accountability[0]
        == f"Réservez {tomorrow} 18h00 (ou votre heure habituelle) pour votre prochaine séance."
    )
    assert message.reasoning[0].decision == "Ton : encourage"


@pytest.mark.parametrize(
    "analysis",
    [
        None,
        _analysis(),
        _analysis(streak_days=40, adherence=1.0, workouts_this_week=7),
        _analysis(days_since_last_workout=300, streak_days=0),
    ],
)
@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_message_is_short_and_has_two_or_three_actions(analysis, language):
    message = _coach(analysis, language=language)

    assert 0 < len(message.message) <= MAX_MESSAGE_CHARS
    assert 2 <= len(message.accountability) <= 3


def test_bad_input_names_the_field():
    with pytest.raises(ValidationError) as error:
        MotivationInput(planned_days_per_week=0)

    assert error.value.errors()[0]["loc"] == ("planned_days_per_week",)


# ---------------------------------------------------------------- the model path


def _answer(**changes: Any) -> dict[str, Any]:
    answer = {
        "message": "Four days in a row and your Barbell Squat is up 12.5%: that is what consistency looks like.",
        "tone": "celebrate",
        "accountability": ["Book tomorrow 18:00 for your next session.", "Add one rep on the squat."],
        "streak_days": 4,
        "adherence": 0.5,
        "reasoning": [{"decision": "Celebrate", "why": "A 4-day streak.", "data": {"streak_days": 4}}],
    }
    return {**answer, **changes}


def _run(monkeypatch: pytest.MonkeyPatch, script: list[Any]) -> Any:
    model = ScriptedChatModel(script=script)
    use_model(monkeypatch, model)
    return AGENT.run(MotivationInput(analysis=_analysis(streak_days=4)), AgentContext(user=None)), model


def test_a_valid_model_answer_is_used(monkeypatch):
    result, model = _run(monkeypatch, [structured("MotivationMessage", _answer())])

    assert (result.engine, result.fallback_reason) == ("llm", None)
    assert result.output["message"].startswith("Four days in a row")
    assert "Tone: celebrate" in model.prompt_text()


@pytest.mark.parametrize(
    "changes",
    [
        {"message": ""},
        {"message": "x" * (MAX_MESSAGE_CHARS + 1)},
        {"message": "A 25-day streak: amazing!"},  # not their number
        {"tone": "re_engage"},
        {"streak_days": 5},
        {"accountability": ["Train."]},
    ],
)
def test_an_invalid_model_answer_falls_back_to_the_rules(monkeypatch, changes):
    result, _model = _run(monkeypatch, [structured("MotivationMessage", _answer(**changes))])

    assert (result.engine, result.fallback_reason) == ("rules", "invalid_output")
    assert result.output["tone"] == "celebrate"
    assert "a 4-day streak" in result.output["message"]


def test_a_model_error_falls_back_to_the_rules(monkeypatch):
    result, _model = _run(monkeypatch, [TimeoutError()])

    assert (result.engine, result.fallback_reason) == ("rules", "timeout")
    assert result.output["streak_days"] == 4
