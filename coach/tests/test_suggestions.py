"""Exercise suggestions on the real library and its embeddings: hard filters (muscles, equipment,
difficulty, limitations named in the context), semantic ranking with a score and a reason for each,
English and French, and the model re-ranking the retrieved candidates only."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.tests.factories import UserFactory
from coach.models import LLMCall, Recommendation
from coach.suggestions import SuggestRequest, suggest_exercises
from coach.tests.fakes import ScriptedChatModel, structured, use_model
from coach.tests.openai_stub import OpenAIStub
from exercises.models import Exercise

pytestmark = pytest.mark.django_db

CHEST = SuggestRequest(target_muscles=["chest"], equipment=["dumbbell"])
LEGS = ["quadriceps", "glutes", "hamstrings"]
RESULT = ("exercise_id", "name", "muscles", "equipment", "difficulty", "similarity", "reason")


def _exercises(answer: dict[str, Any]) -> list[Exercise]:
    by_id = Exercise.objects.in_bulk([item["exercise_id"] for item in answer["results"]])
    return [by_id[item["exercise_id"]] for item in answer["results"]]


def test_chest_with_dumbbells_gives_dumbbell_chest_exercises_with_scores_and_reasons():
    answer = suggest_exercises(CHEST, user=None, language="en")

    assert (answer["engine"], answer["fallback_reason"]) == ("rules", "not_configured")
    assert len(answer["results"]) == 10
    for item, exercise in zip(answer["results"], _exercises(answer), strict=True):
        assert tuple(item) == RESULT
        assert "chest" in exercise.muscles
        assert "dumbbell" in exercise.equipments
        assert 0 <= item["similarity"] <= 1
        assert item["reason"].startswith("Works the chest (primary); equipment: dumbbell")
    # the common lifts of the template plans lead
    assert "a staple of our template plans" in answer["results"][0]["reason"]
    assert "Dumbbell Bench Press" in [item["name"] for item in answer["results"][:5]]
    saved = Recommendation.objects.get(id=answer["recommendation_id"])
    assert (saved.recommendation_type, saved.engine) == ("exercise_suggestions", "rules")


def test_knee_friendly_leg_exercises_hold_no_jump_and_nothing_that_loads_the_knee():
    answer = suggest_exercises(
        SuggestRequest(target_muscles=LEGS, context="knee friendly leg exercises"), user=None, language="en"
    )

    exercises = _exercises(answer)
    assert len(exercises) == 10
    assert not [e.exercise_en for e in exercises[:5] if "jump" in e.exercise_en.lower()]
    assert not [e.exercise_en for e in exercises if e.category == "plyometrics" or "lunge" in e.exercise_en.lower()]
    assert all(set(e.muscles) & set(LEGS) for e in exercises)
    assert answer["filters"]["avoid"] == ["knee"]
    assert answer["query"] == "leg exercises"  # ranked by what is wanted; the exclusions handle the knee
    assert "fits 'knee friendly leg exercises': nothing that loads your knee" in answer["results"][0]["reason"]
    # mostly training exercises, not stretches named after the knee
    assert sum(e.category != "stretching" for e in exercises[:5]) >= 4


def test_no_jumping_leaves_out_plyometrics_and_a_difficulty_is_a_hard_filter():
    answer = suggest_exercises(
        SuggestRequest(target_muscles=["quadriceps"], difficulty="beginner", context="no jumping", limit=20),
        user=None,
        language="en",
    )
    exercises = _exercises(answer)
    assert exercises
    assert {e.difficulty for e in exercises} == {"beginner"}
    assert not [e for e in exercises if e.category == "plyometrics" or "jump" in e.exercise_en.lower()]
    assert "no jumping or running" in answer["results"][0]["reason"]


def test_a_posture_context_ranks_by_meaning():
    answer = suggest_exercises(SuggestRequest(context="posture", limit=5), user=None, language="en")
    assert answer["filters"]["avoid"] == []
    assert answer["results"]
    assert any("close to 'posture'" in item["reason"] for item in answer["results"])


def test_suggestions_read_in_french():
    answer = suggest_exercises(
        SuggestRequest(target_muscles=LEGS, context="sans sauts, genoux fragiles"), user=None, language="fr"
    )
    assert answer["language"] == "fr"
    assert set(answer["filters"]["avoid"]) == {"knee", "no_impact"}
    first = answer["results"][0]
    exercise = Exercise.objects.get(id=first["exercise_id"])
    assert first["name"] == (exercise.exercise_fr or exercise.exercise_en)
    assert first["reason"].startswith("Travaille : ")
    assert "rien qui sollicite votre genou et ni saut ni course" in first["reason"]


def test_pain_in_the_context_brings_the_medical_notice_and_the_users_limitations_count():
    hurt = suggest_exercises(
        SuggestRequest(target_muscles=["shoulders"], context="my shoulder hurts"), user=None, language="en"
    )
    assert any("doctor" in warning for warning in hurt["warnings"])
    assert not [e for e in _exercises(hurt) if "press" in e.exercise_en.lower()]

    bob = UserFactory.create(limitations=["knee"], available_equipment=["dumbbell"])
    answer = suggest_exercises(SuggestRequest(target_muscles=LEGS), user=bob, language="en")
    assert answer["filters"]["avoid"] == ["knee"]
    for exercise in _exercises(answer):
        assert set(exercise.equipments) <= {"dumbbell", "body weight"}
        assert "lunge" not in exercise.exercise_en.lower()
    assert Recommendation.objects.get(id=answer["recommendation_id"]).user == bob


def test_filters_that_match_nothing_say_so():
    answer = suggest_exercises(
        SuggestRequest(target_muscles=["neck"], equipment=["kettlebell"]), user=None, language="en"
    )
    assert answer["results"] == []
    assert any("No exercise matches every filter" in warning for warning in answer["warnings"])


# ---- the model re-ranks the candidates -----------------------------------------------------------


def _pick(name: str, reason: str) -> dict[str, Any]:
    return {"exercise_id": Exercise.objects.get(exercise_en=name).id, "reason": reason}


def test_the_models_ranking_and_reasons_are_used_over_the_candidates(monkeypatch):
    picks = [_pick("Incline Dumbbell Press", "Upper chest focus."), _pick("Dumbbell Bench Press", "The basic press.")]
    model = ScriptedChatModel(script=[structured("ExerciseSuggestions", {"exercises": picks})])
    use_model(monkeypatch, model)

    answer = suggest_exercises(CHEST, user=None, language="en")

    assert (answer["engine"], answer["fallback_reason"]) == ("llm", None)
    assert [item["name"] for item in answer["results"]] == ["Incline Dumbbell Press", "Dumbbell Bench Press"]
    assert answer["results"][0]["reason"] == "Upper chest focus."
    assert 0 < answer["results"][0]["similarity"] <= 1
    assert "Barbell Bench Press" not in model.prompt_text()  # only the filtered candidates are offered


@pytest.mark.parametrize(
    "answer",
    [
        {"exercises": [{"exercise_id": 987654, "reason": "Made up."}]},
        {"exercises": []},
        {"picks": "whatever"},
    ],
)
def test_an_answer_outside_the_candidates_falls_back_to_the_rules(monkeypatch, answer):
    use_model(monkeypatch, ScriptedChatModel(script=[structured("ExerciseSuggestions", answer)]))
    result = suggest_exercises(CHEST, user=None, language="en")
    assert (result["engine"], result["fallback_reason"]) == ("rules", "invalid_output")
    assert len(result["results"]) == 10


def test_a_barbell_exercise_from_the_model_is_refused(monkeypatch):
    picks = [_pick("Barbell Bench Press - Medium Grip", "Heavier.")]
    use_model(monkeypatch, ScriptedChatModel(script=[structured("ExerciseSuggestions", {"exercises": picks})]))
    result = suggest_exercises(CHEST, user=None, language="en")
    assert (result["engine"], result["fallback_reason"]) == ("rules", "invalid_output")
    assert all("dumbbell" in e.equipments for e in _exercises(result))


def test_a_model_error_falls_back_to_the_rules(monkeypatch):
    use_model(monkeypatch, ScriptedChatModel(script=[RuntimeError("boom")]))
    result = suggest_exercises(CHEST, user=None, language="en")
    assert (result["engine"], result["fallback_reason"]) == ("rules", "model_error")


def test_the_real_client_reads_the_ranking_and_records_the_call(openai_stub: OpenAIStub):
    openai_stub.reply_tool_call("ExerciseSuggestions", {"exercises": [_pick("Dumbbell Flyes", "Stretch the chest.")]})
    alice = UserFactory.create()
    answer = suggest_exercises(CHEST, user=alice, language="en")
    assert answer["engine"] == "llm"
    assert [item["name"] for item in answer["results"]] == ["Dumbbell Flyes"]
    call = LLMCall.objects.get(user=alice)
    assert (call.purpose, call.model, call.succeeded) == ("suggest", "coach-large", True)


def test_a_model_timeout_or_server_error_falls_back_to_the_rules(openai_stub: OpenAIStub):
    openai_stub.hang(3.0).fail(500)
    assert suggest_exercises(CHEST, user=None, language="en")["fallback_reason"] == "timeout"
    failed = suggest_exercises(CHEST, user=None, language="en")
    assert (failed["engine"], failed["fallback_reason"]) == ("rules", "model_error")
    assert len(failed["results"]) == 10
