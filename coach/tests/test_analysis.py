"""Progress analysis: the numbers the acceptance check expects from a user's logs and from inline
workouts, the insights and suggestions built on them (English and French), the empty case, and the
model writing the words over numbers it may not change."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from accounts.tests.factories import UserFactory
from coach.analysis import WorkoutEntry, analyze_progress, workouts_for_user
from coach.models import LLMCall, Recommendation
from coach.tests.fakes import ScriptedChatModel, structured, use_model
from coach.tests.openai_stub import OpenAIStub
from exercises.models import Exercise
from plans.models import PlanExercise
from tracking.tests.factories import UserPlanFactory, WorkoutLogFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
MONDAY = TODAY - datetime.timedelta(days=TODAY.weekday())
INSIGHT_TYPES = ["consistency", "volume_trend", "muscle_balance", "plateaus", "personal_records"]


def _ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


def _id(name: str) -> int:
    return Exercise.objects.get(exercise_en=name).id


def _entry(days_ago: int, name: str | None, sets: int, reps: int | None, kg: float | None) -> WorkoutEntry:
    exercise_id = _id(name) if name else None
    return WorkoutEntry(TODAY - datetime.timedelta(days=days_ago), exercise_id, sets, reps, kg, None)


def _insight(analysis: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(insight for insight in analysis["insights"] if insight["type"] == kind)


def _inline() -> list[WorkoutEntry]:
    """The acceptance check's inline workouts: 3 sets each on six days three days apart."""
    sessions = [(20.5, 10), (20.5, 10), (23, 8), (23, 8), (25.5, 8), (25.5, 6)]
    return [_entry(20 - 3 * i, "Dumbbell Bench Press", 3, reps, kg) for i, (kg, reps) in enumerate(sessions)]


def test_a_users_logs_give_the_numbers_of_the_acceptance_check():
    bench = PlanExercise.objects.filter(plan__is_template=True).select_related("plan").first()
    assert bench is not None
    user_plan = UserPlanFactory.create(plan=bench.plan)
    for i, (sets, reps, kg) in enumerate([(3, 10, 21), (4, 8, 26), (5, 6, 31)]):
        WorkoutLogFactory(
            user_plan=user_plan,
            plan_exercise=bench,
            date_performed=TODAY - datetime.timedelta(days=6 - 2 * i),
            sets_completed=sets,
            reps_completed=reps,
            weight_kg=kg,
        )
    user = user_plan.user

    analysis = analyze_progress(workouts_for_user(user, None, None), user=user, language="en")

    assert analysis["totals"] == {
        "workouts": 3,
        "entries": 3,
        "sets": 12,
        "reps": 24,
        "set_reps": 92,
        "volume_kg": 2392,
        "best_weight_kg": 31,
        "estimated_1rm_kg": 36,
        "duration_minutes": 0,
    }
    assert [insight["type"] for insight in analysis["insights"]] == INSIGHT_TYPES
    assert all(insight["numbers"] and insight["detail"] for insight in analysis["insights"])
    assert "31 kg x 6" in _insight(analysis, "personal_records")["detail"]
    assert "estimated 1RM 36 kg" in _insight(analysis, "personal_records")["detail"]
    assert analysis["suggestions"]
    assert (analysis["engine"], analysis["fallback_reason"]) == ("rules", "not_configured")
    saved = Recommendation.objects.get(id=analysis["recommendation_id"])
    assert (saved.recommendation_type, saved.user) == ("progress_analysis", user)


def test_a_date_range_narrows_the_users_logs():
    bench = PlanExercise.objects.filter(plan__is_template=True).select_related("plan").first()
    assert bench is not None
    user_plan = UserPlanFactory.create(plan=bench.plan)
    for days_ago in (40, 10, 5):
        WorkoutLogFactory(
            user_plan=user_plan, plan_exercise=bench, date_performed=TODAY - datetime.timedelta(days=days_ago)
        )
    recent = workouts_for_user(user_plan.user, TODAY - datetime.timedelta(days=14), TODAY)
    assert [entry.date for entry in recent] == [TODAY - datetime.timedelta(days=10), TODAY - datetime.timedelta(days=5)]
    assert recent[0] == WorkoutEntry(recent[0].date, bench.exercise_id, 3, 10, 40.0, None)


def test_inline_workouts_give_the_numbers_of_the_acceptance_check():
    analysis = analyze_progress(_inline(), user=None, language="en")

    totals = analysis["totals"]
    assert (totals["sets"], totals["reps"], totals["set_reps"]) == (18, 50, 150)
    assert (totals["best_weight_kg"], totals["volume_kg"]) == (25.5, 3405)
    assert totals["estimated_1rm_kg"] == pytest.approx(31.66, abs=0.05)
    consistency = _insight(analysis, "consistency")["numbers"]
    assert (consistency["sessions"], consistency["longest_gap_days"]) == (6, 3)
    assert analysis["period"] == {"from": _ago(20).isoformat(), "to": _ago(5).isoformat()}


def test_muscle_balance_spots_pressing_without_pulling():
    analysis = analyze_progress(_inline(), user=None, language="en")
    balance = _insight(analysis, "muscle_balance")
    assert balance["numbers"]["sets_per_muscle"] == {"chest": 18}
    assert (balance["numbers"]["push_sets"], balance["numbers"]["pull_sets"]) == (18, 0)
    assert "back" in balance["numbers"]["untrained_groups"]
    assert any(
        "pulling" in s["text"] and "18 pushing sets for 0 pulling sets" in s["reason"] for s in analysis["suggestions"]
    )


def test_the_same_best_load_three_sessions_running_is_a_plateau_and_more_reps_is_not():
    stuck = [_entry(d, "Barbell Squat", 3, 5, 100) for d in (12, 8, 4)]
    analysis = analyze_progress(stuck, user=None, language="en")
    plateau = _insight(analysis, "plateaus")
    assert plateau["numbers"]["plateaus"] == [
        {
            "exercise_id": _id("Barbell Squat"),
            "name": "Barbell Squat",
            "weight_kg": 100,
            "sessions": 3,
            "since": (TODAY - datetime.timedelta(days=12)).isoformat(),
        }
    ]
    assert any("Barbell Squat" in s["text"] for s in analysis["suggestions"])

    more_reps = [_entry(d, "Barbell Squat", 3, reps, 100) for d, reps in ((12, 5), (8, 6), (4, 7))]
    assert _insight(analyze_progress(more_reps, user=None, language="en"), "plateaus")["numbers"]["plateaus"] == []


def test_falling_weekly_volume_is_a_declining_trend():
    entries = [
        WorkoutEntry(MONDAY - datetime.timedelta(weeks=weeks), _id("Barbell Squat"), sets, 5, 100, None)
        for weeks, sets in ((4, 6), (3, 5), (2, 4), (1, 3))
    ]
    trend = _insight(analyze_progress(entries, user=None, language="en"), "volume_trend")
    assert trend["numbers"]["trend"] == "declining"
    assert [week["volume_kg"] for week in trend["numbers"]["weeks"]] == [3000, 2500, 2000, 1500]
    assert trend["numbers"]["slope_kg_per_week"] == -500
    assert "from 3000 kg" in trend["detail"]


def test_the_analysis_reads_in_french_with_french_numbers():
    analysis = analyze_progress(_inline(), user=None, language="fr")
    assert analysis["language"] == "fr"
    records = _insight(analysis, "personal_records")
    assert records["title"] == "Records personnels"
    assert "Développé couché avec haltères 25,5 kg x 8" in records["detail"]
    assert "séances par semaine" in _insight(analysis, "consistency")["detail"]


def test_nothing_logged_is_an_answer_with_starter_suggestions_not_an_error():
    for language, title in (("en", "Nothing to analyse yet"), ("fr", "Rien à analyser pour l'instant")):
        analysis = analyze_progress([], user=UserFactory.create(), language=language)
        assert [insight["type"] for insight in analysis["insights"]] == ["no_data"]
        assert analysis["insights"][0]["title"] == title
        assert analysis["totals"]["workouts"] == 0
        assert len(analysis["suggestions"]) == 2


def test_workouts_without_a_weight_or_an_exercise_still_count():
    entries = [_entry(3, None, 3, 15, None), _entry(1, "Pushups", 4, 20, None)]
    analysis = analyze_progress(entries, user=None, language="en")
    assert (analysis["totals"]["sets"], analysis["totals"]["set_reps"], analysis["totals"]["volume_kg"]) == (7, 125, 0)
    assert _insight(analysis, "personal_records")["title"] == "No weighted lifts yet"
    assert any("without a weight" in warning for warning in analysis["warnings"])


# ---- the model writes the words --------------------------------------------------------------------


ADD_ROWS = {"text": "Add a row to every session.", "reason": "18 pressing sets, 0 pulling sets."}


def _narrative(**changes: Any) -> dict[str, Any]:
    answer = {
        "insights": [
            {"type": "consistency", "title": "Steady", "detail": "Six sessions in 16 days: 2.6 a week, nice rhythm."},
            {
                "type": "personal_records",
                "title": "New best",
                "detail": "25.5 kg for 8 reps, about 31.7 kg estimated max.",
            },
        ],
        "suggestions": [ADD_ROWS],
    }
    return {**answer, **changes}


def test_the_models_words_go_over_the_computed_numbers(monkeypatch):
    model = ScriptedChatModel(script=[structured("ProgressNarrative", _narrative())])
    use_model(monkeypatch, model)

    analysis = analyze_progress(_inline(), user=None, language="en")

    assert (analysis["engine"], analysis["fallback_reason"]) == ("llm", None)
    consistency = _insight(analysis, "consistency")
    assert consistency["title"] == "Steady"
    assert consistency["numbers"]["sessions"] == 6  # the numbers stay computed
    assert _insight(analysis, "plateaus")["title"] == "No plateau"  # not rewritten: the rules' words stay
    assert analysis["suggestions"] == [
        {"text": "Add a row to every session.", "reason": "18 pressing sets, 0 pulling sets."}
    ]
    assert analysis["totals"]["volume_kg"] == 3405
    assert '"volume_kg": 3405' in model.prompt_text()


@pytest.mark.parametrize(
    "answer",
    [
        # a number the data does not hold
        _narrative(insights=[{"type": "consistency", "title": "Wow", "detail": "You trained 47 times this month."}]),
        # an insight that was not computed
        _narrative(insights=[{"type": "sleep", "title": "Sleep", "detail": "Sleep more."}]),
        # no suggestion
        _narrative(suggestions=[]),
        # not the schema
        {"summary": "Great job"},
    ],
)
def test_a_narrative_that_does_not_fit_the_numbers_falls_back_to_the_rules(monkeypatch, answer):
    use_model(monkeypatch, ScriptedChatModel(script=[structured("ProgressNarrative", answer)]))
    analysis = analyze_progress(_inline(), user=None, language="en")
    assert (analysis["engine"], analysis["fallback_reason"]) == ("rules", "invalid_output")
    assert _insight(analysis, "consistency")["title"] == "Fairly regular training"


def test_a_model_error_falls_back_to_the_rules(monkeypatch):
    use_model(monkeypatch, ScriptedChatModel(script=[ConnectionError("down")]))
    analysis = analyze_progress(_inline(), user=None, language="en")
    assert (analysis["engine"], analysis["fallback_reason"]) == ("rules", "model_error")
    assert analysis["totals"]["set_reps"] == 150


def test_the_real_client_reads_a_narrative_and_records_the_call(openai_stub: OpenAIStub):
    openai_stub.reply_tool_call("ProgressNarrative", _narrative())
    alice = UserFactory.create()
    analysis = analyze_progress(_inline(), user=alice, language="en")
    assert analysis["engine"] == "llm"
    call = LLMCall.objects.get(user=alice)
    assert (call.purpose, call.succeeded, call.input_tokens, call.output_tokens) == ("analysis", True, 120, 30)


def test_a_model_timeout_and_a_server_error_fall_back_to_the_rules(openai_stub: OpenAIStub):
    openai_stub.hang(3.0).fail(500)
    assert analyze_progress(_inline(), user=None, language="en")["fallback_reason"] == "timeout"
    failed = analyze_progress(_inline(), user=None, language="en")
    assert (failed["engine"], failed["fallback_reason"]) == ("rules", "model_error")
