"""Semantic and hybrid search on the real library (926 exercises, 14 template plans) with the real
local model: what a user typing into the coach would get."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coach import semantic
from coach.embeddings import EmbeddingModelError
from coach.safety import KNEE, exercise_exclusions
from coach.semantic import ExerciseMatch, semantic_exercise_search, semantic_plan_search
from exercises.models import Exercise
from exercises.selectors import exercise_filter, exercise_list, exercise_search

pytestmark = pytest.mark.django_db

JUMPING = re.compile(r"jump|hop|bound|plyo|burpee", re.IGNORECASE)


def names(matches: list[ExerciseMatch]) -> list[str]:
    return [match.exercise.exercise_en for match in matches]


def assert_ranked(matches: list[ExerciseMatch]) -> None:
    scores = [match.score for match in matches]
    assert all(0.0 < score <= 1.0 for score in scores)
    assert scores == sorted(scores, reverse=True)


def test_stretch_for_tight_hamstrings_finds_hamstring_stretches() -> None:
    matches = semantic_exercise_search(exercise_list(), text="stretch for tight hamstrings", limit=5)

    assert len(matches) == 5
    for match in matches:
        assert match.exercise.category == "stretching", names(matches)
        assert "hamstrings" in match.exercise.muscles, names(matches)
    assert_ranked(matches)


def test_knee_friendly_leg_exercises_with_the_knee_exclusions_has_no_jumps() -> None:
    # what suggest-exercises does: the safety rules filter, the vectors rank what is left
    # ("Kneeling Jump Squat" is not a plyometric in the dataset, and "kneeling" is close to "knee")
    knee_safe = exercise_list().exclude(exercise_exclusions([KNEE], "advanced"))

    matches = semantic_exercise_search(knee_safe, text="knee friendly leg exercises", limit=5)

    assert len(matches) == 5
    assert not [name for name in names(matches) if JUMPING.search(name)], names(matches)


def test_knee_friendly_leg_exercises_do_not_start_with_a_jump() -> None:
    matches = semantic_exercise_search(exercise_list(), text="knee friendly leg exercises", limit=5)

    assert not JUMPING.search(matches[0].exercise.exercise_en), names(matches)
    assert matches[0].exercise.category != "plyometrics"


def test_every_result_matches_the_structured_filters() -> None:
    filtered = exercise_filter(
        exercise_list(), muscles=["hamstrings"], equipment=["body weight"], difficulty="beginner"
    )
    allowed = set(filtered.values_list("id", flat=True))

    matches = semantic_exercise_search(filtered, text="gentle stretch after running", limit=10)

    assert matches
    assert {match.exercise.id for match in matches} <= allowed
    for match in matches:
        assert "hamstrings" in match.exercise.muscles
        assert "body weight" in match.exercise.equipments
        assert match.exercise.difficulty == "beginner"


def test_a_filter_never_starves_the_vector_index_of_rows() -> None:
    # Force the HNSW index (the planner prefers other plans at this size): an index scan stops
    # after ef_search neighbours, none of them cardio, unless the iterative scan keeps going.
    cardio = exercise_list().filter(category="cardio")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off")

    matches = semantic_exercise_search(cardio, text="stretch for tight hamstrings", limit=100)

    assert len(matches) == cardio.count()
    assert all(match.lexical_rank is None for match in matches)  # every one came from the vector side


def test_the_filters_the_vector_order_and_the_limit_are_one_query() -> None:
    filtered = exercise_filter(exercise_list(), muscles=["chest"], difficulty="beginner")

    with CaptureQueriesContext(connection) as queries:
        semantic_exercise_search(filtered, text="push with the chest", limit=5)

    # the lexical query also reports each match's distance; the other one is ordered by it
    semantic_queries = [
        q["sql"] for q in queries.captured_queries if "<=>" in q["sql"] and "search_key" not in q["sql"]
    ]
    assert len(semantic_queries) == 1
    (sql,) = semantic_queries
    assert '"exercises"."muscles" &&' in sql
    assert '"exercises"."difficulty" =' in sql
    assert re.search(r'AS "embedding_distance" FROM .* ORDER BY 2 ASC, 1 ASC LIMIT 50$', sql)


def test_an_exact_name_comes_first() -> None:
    matches = semantic_exercise_search(exercise_list(), text="Dumbbell Bench Press", limit=5)

    assert matches[0].exercise.exercise_en == "Dumbbell Bench Press"
    assert matches[0].score == 1.0
    assert matches[0].lexical_rank == 1
    assert_ranked(matches)


def test_an_exact_name_wins_over_closer_meanings() -> None:
    # "Plank" is an exact name; semantically, other core holds come close to the word.
    matches = semantic_exercise_search(exercise_list(), text="plank", limit=5)

    assert matches[0].exercise.exercise_en == "Plank"


def test_a_french_query_finds_the_dumbbell_bench_press() -> None:
    matches = semantic_exercise_search(exercise_list(), text="développé couché haltères", limit=5, language="fr")

    assert "Dumbbell Bench Press" in names(matches)[:3]
    top = next(match for match in matches if match.exercise.exercise_en == "Dumbbell Bench Press")
    assert top.lexical_rank is not None


def test_a_french_query_with_taxonomy_words_reaches_the_english_meaning() -> None:
    matches = semantic_exercise_search(exercise_list(), text="étirement des ischios", limit=5, language="fr")

    assert all("hamstrings" in match.exercise.muscles for match in matches), names(matches)


def test_a_misspelt_name_is_still_found() -> None:
    matches = semantic_exercise_search(exercise_list(), text="dumbell bicep curl", limit=5)

    assert "Dumbbell Bicep Curl" in names(matches)


def test_similarity_is_the_cosine_to_the_text_and_higher_for_better_matches() -> None:
    matches = semantic_exercise_search(exercise_list(), text="hamstring stretch", limit=50)
    by_name = {match.exercise.exercise_en: match for match in matches}

    assert by_name["Hamstring Stretch"].similarity is not None
    assert all(-1.0 <= (match.similarity or 0.0) <= 1.0 for match in matches)
    assert by_name["Hamstring Stretch"].similarity > max(
        match.similarity or -1.0 for match in matches if "hamstrings" not in match.exercise.muscles
    )


def test_without_text_the_staples_come_first() -> None:
    chest = exercise_filter(exercise_list(), muscles=["chest"])

    matches = semantic_exercise_search(chest, text="  ", limit=5)

    assert matches[0].exercise.exercise_en == "Barbell Bench Press - Medium Grip"
    assert all(match.similarity is None and match.lexical_rank is None for match in matches)
    assert_ranked(matches)


def test_a_row_without_a_vector_comes_only_from_the_words() -> None:
    squat = Exercise.objects.get(exercise_en="Barbell Squat")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE exercises SET embedding = NULL, embedding_model = NULL WHERE id = %s", [squat.id])

    by_words = semantic_exercise_search(exercise_list(), text="Barbell Squat", limit=5)
    by_meaning = semantic_exercise_search(exercise_list(), text="heavy leg strength with a bar on the back", limit=50)

    assert by_words[0].exercise == squat
    assert by_words[0].similarity is None
    assert squat not in [match.exercise for match in by_meaning]


def test_vectors_of_another_model_are_never_compared() -> None:
    squat = Exercise.objects.get(exercise_en="Barbell Squat")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE exercises SET embedding_model = 'openai:other:384' WHERE id = %s", [squat.id])

    matches = semantic_exercise_search(exercise_list(), text="heavy leg strength with a bar on the back", limit=50)

    assert squat not in [match.exercise for match in matches]


def test_without_a_working_model_the_search_is_lexical(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(text: str) -> list[float]:
        raise EmbeddingModelError("model file missing")

    monkeypatch.setattr(semantic, "embed_query", broken)

    matches = semantic_exercise_search(exercise_list(), text="bench press", limit=5)

    lexical = list(exercise_search(exercise_list(), query="bench press")[:5])
    assert [match.exercise for match in matches] == lexical
    assert all(match.similarity is None for match in matches)
    assert_ranked(matches)


def test_the_limit_is_respected_and_bounded() -> None:
    assert len(semantic_exercise_search(exercise_list(), text="squat", limit=3)) == 3
    assert len(semantic_exercise_search(exercise_list(), text="squat", limit=0)) == 1


# ---- plans --------------------------------------------------------------------------------------


def test_plan_search_finds_plans_by_meaning() -> None:
    mobility = semantic_plan_search(text="stretching and flexibility", limit=2)
    dumbbells = semantic_plan_search(text="build muscle with dumbbells", limit=2)
    running = semantic_plan_search(text="improve my stamina for running", limit=2)

    assert {match.plan.goal for match in mobility} == {"mobility"}
    assert {match.plan.equipment_setting for match in dumbbells} == {"dumbbells"}
    assert dumbbells[0].plan.goal == "muscle_gain"
    assert running[0].plan.goal == "endurance"
    for matches in (mobility, dumbbells, running):
        assert all(match.similarity is not None for match in matches)
        assert [match.score for match in matches] == sorted((match.score for match in matches), reverse=True)


def test_plan_search_without_text_lists_the_featured_plans_first() -> None:
    matches = semantic_plan_search(text="", limit=3)

    assert [match.plan.featured_order for match in matches] == [1, 2, 3]
    assert all(match.similarity is None for match in matches)


def test_plan_search_only_returns_templates() -> None:
    matches = semantic_plan_search(text="a plan", limit=100)

    assert matches
    assert all(match.plan.is_template for match in matches)
