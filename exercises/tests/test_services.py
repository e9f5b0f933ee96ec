"""Writes to the library: the loader (idempotent, staff names kept, translations credited) and the
back-office save, each invalidating the cached pages on commit."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.conf import settings
from django.db.models import Q

from exercises.models import Exercise
from exercises.services import LoadResult, exercise_curated_saved, exercise_library_load, read_library_files
from exercises.tests.factories import ExerciseFactory
from exercises.tests.support import (
    EXERCISES,
    FILTER,
    LIBRARY_SIZE,
    SEARCH,
    all_results,
    project_french_names,
    source_records,
)

pytestmark = pytest.mark.django_db


def library_files() -> tuple[list[dict[str, Any]], dict[str, str]]:
    return read_library_files(settings.EXERCISES_DATA_FILE, settings.EXERCISES_FR_NAMES_FILE)


def first_page_names(api: Any, **params: Any) -> list[str]:
    return [item["name"] for item in api.get(EXERCISES, {"page_size": 5, **params}).json()["results"]]


# ---- exercise_library_load ------------------------------------------------------------------------


def test_loading_the_library_again_changes_nothing(django_capture_on_commit_callbacks):
    records, fr_names = library_files()
    before = {e.slug: e.updated_at for e in Exercise.objects.all()}

    with django_capture_on_commit_callbacks() as callbacks:
        result = exercise_library_load(records=records, fr_names=fr_names)

    assert result == LoadResult(created=0, updated=0, unchanged=LIBRARY_SIZE)
    assert {e.slug: e.updated_at for e in Exercise.objects.all()} == before
    assert callbacks == []  # nothing changed, so the cached pages stay valid


def test_a_changed_record_is_updated_and_a_new_one_created():
    records, fr_names = library_files()
    changed = copy.deepcopy(records)
    sit_up = next(r for r in changed if r["slug"] == "3-4-sit-up")
    sit_up["difficulty"] = "intermediate"
    changed.append({**copy.deepcopy(sit_up), "slug": "full-sit-up", "exercise_en": "Full Sit-Up"})

    result = exercise_library_load(records=changed, fr_names=fr_names)

    assert result == LoadResult(created=1, updated=1, unchanged=LIBRARY_SIZE - 1)
    assert Exercise.objects.get(slug="3-4-sit-up").difficulty == "intermediate"
    assert Exercise.objects.get(slug="full-sit-up").exercise_en == "Full Sit-Up"


def test_a_french_name_written_by_staff_survives_a_reload(sit_up):
    sit_up.exercise_fr = "Relevé de buste 3/4"
    exercise_curated_saved(exercise=sit_up, changed_fields=["exercise_fr"])
    records, fr_names = library_files()

    result = exercise_library_load(records=records, fr_names=fr_names)

    sit_up.refresh_from_db()
    assert (sit_up.exercise_fr, sit_up.exercise_fr_source) == ("Relevé de buste 3/4", "staff")
    assert result.updated == 0


def test_a_staff_name_survives_even_when_the_rest_of_the_record_changes(sit_up):
    sit_up.exercise_fr = "Relevé de buste 3/4"
    exercise_curated_saved(exercise=sit_up, changed_fields=["exercise_fr"])
    records, fr_names = library_files()
    next(r for r in records if r["slug"] == "3-4-sit-up")["instructions_en"] = ["Sit up, three quarters."]

    assert exercise_library_load(records=records, fr_names=fr_names).updated == 1

    sit_up.refresh_from_db()
    assert sit_up.instructions_en == ["Sit up, three quarters."]
    assert (sit_up.exercise_fr, sit_up.exercise_fr_source) == ("Relevé de buste 3/4", "staff")


def test_the_projects_translations_are_marked_credited_and_licensed():
    translated = Exercise.objects.filter(exercise_fr_source=Exercise.FrenchNameSource.PROJECT)

    assert (
        translated.count()
        == len(project_french_names())
        == sum(not r["exercise_fr"] for r in source_records().values())
    )
    for exercise in translated:
        assert exercise.exercise_fr == project_french_names()[exercise.slug]
        credit = [c for c in exercise.attribution if c["source"] == "movoai"]
        assert len(credit) == 1
        assert credit[0]["part"] == "exercise_fr"
        assert credit[0]["license"] == "CC0-1.0"
        assert "CC0-1.0" in exercise.license.split(" AND ")


def test_the_datasets_french_names_are_kept_and_marked_as_such():
    from_dataset = Exercise.objects.filter(exercise_fr_source=Exercise.FrenchNameSource.DATASET)

    published = {slug: r["exercise_fr"] for slug, r in source_records().items() if r["exercise_fr"]}
    assert {e.slug: e.exercise_fr for e in from_dataset} == published
    assert not any(c["source"] == "movoai" for e in from_dataset for c in e.attribution)
    assert all(e.license == source_records()[e.slug]["license"] for e in from_dataset)


def test_every_exercise_has_a_french_name_after_loading():
    assert Exercise.objects.count() == LIBRARY_SIZE
    assert not Exercise.objects.filter(Q(exercise_fr__isnull=True) | Q(exercise_fr__regex=r"^\s*$")).exists()


def test_a_reload_refreshes_the_search_fields(api):
    records, fr_names = library_files()
    next(r for r in records if r["slug"] == "3-4-sit-up")["exercise_en"] = "Three Quarter Sit-Up"

    exercise_library_load(records=records, fr_names=fr_names)

    assert api.get(SEARCH, {"q": "three quarter sit-up"}).json()["results"][0]["slug"] == "3-4-sit-up"


# ---- exercise_curated_saved -----------------------------------------------------------------------


def test_a_french_name_changed_by_staff_is_marked_staff(dumbbell_bench_press):
    dumbbell_bench_press.exercise_fr = "Développé couché aux haltères"

    exercise_curated_saved(exercise=dumbbell_bench_press, changed_fields=["exercise_fr"])

    dumbbell_bench_press.refresh_from_db()
    assert dumbbell_bench_press.exercise_fr_source == "staff"


def test_other_changes_keep_the_french_names_source(dumbbell_bench_press):
    dumbbell_bench_press.difficulty = "intermediate"

    exercise_curated_saved(exercise=dumbbell_bench_press, changed_fields=["difficulty"])

    dumbbell_bench_press.refresh_from_db()
    assert (dumbbell_bench_press.difficulty, dumbbell_bench_press.exercise_fr_source) == ("intermediate", "dataset")


def test_a_french_name_cleared_by_staff_has_no_source():
    exercise = ExerciseFactory.create()
    exercise.exercise_fr = None

    exercise_curated_saved(exercise=exercise, changed_fields=["exercise_fr"])

    exercise.refresh_from_db()
    assert (exercise.exercise_fr, exercise.exercise_fr_source) == (None, None)


def test_empty_french_instructions_are_stored_as_missing(api):
    exercise = ExerciseFactory.create(instructions_fr=None)
    exercise.instructions_fr = []  # what an emptied form field gives

    exercise_curated_saved(exercise=exercise, changed_fields=["instructions_fr"])

    exercise.refresh_from_db()
    assert exercise.instructions_fr is None
    without_french = all_results(api, FILTER, {"has_french_instructions": "false"})
    assert exercise.slug in {item["slug"] for item in without_french}


# ---- cache invalidation ---------------------------------------------------------------------------


def test_a_curated_save_refreshes_the_cached_pages_on_commit(api, sit_up, django_capture_on_commit_callbacks):
    assert first_page_names(api, lang="fr")[0] == "Redressement assis 3/4"

    sit_up.exercise_fr = "Relevé de buste 3/4"
    with django_capture_on_commit_callbacks(execute=True):
        exercise_curated_saved(exercise=sit_up, changed_fields=["exercise_fr"])
        # Not committed yet: the cached page is still served.
        assert first_page_names(api, lang="fr")[0] == "Redressement assis 3/4"

    assert first_page_names(api, lang="fr")[0] == "Relevé de buste 3/4"


def test_a_reload_with_a_changed_record_refreshes_the_cached_pages(api, django_capture_on_commit_callbacks):
    assert first_page_names(api)[0] == "3/4 Sit-Up"
    assert api.get(SEARCH, {"q": "three quarter sit up"}).json()["count"] == 0
    records, fr_names = library_files()
    next(r for r in records if r["slug"] == "3-4-sit-up")["exercise_en"] = "Three Quarter Sit-Up"

    with django_capture_on_commit_callbacks(execute=True):
        exercise_library_load(records=records, fr_names=fr_names)

    assert first_page_names(api)[0] == "Three Quarter Sit-Up"
    assert api.get(SEARCH, {"q": "three quarter sit up"}).json()["results"][0]["slug"] == "3-4-sit-up"


def test_a_deletion_refreshes_the_cached_pages(api, django_capture_on_commit_callbacks):
    exercise = ExerciseFactory.create(exercise_en="Quokka Hop")
    assert api.get(SEARCH, {"q": "Quokka Hop"}).json()["count"] == 1

    with django_capture_on_commit_callbacks(execute=True):
        exercise.delete()
        exercise_curated_saved(exercise=None, changed_fields=[])

    assert api.get(SEARCH, {"q": "Quokka Hop"}).json()["count"] == 0


# ---- the search fields' trigger (db/schema.sql, migration 0006) -----------------------------------


def _search_fields(exercise: Exercise) -> tuple[str, str, str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_name_en, search_name_fr, search_vector::text FROM exercises WHERE id = %s", [exercise.id]
        )
        row = cursor.fetchone()
    assert row is not None
    return row[0], row[1], row[2]


@pytest.mark.parametrize(
    ("field", "value", "expected_word"),
    [
        ("exercise_en", "Zercher Squat", "zercher"),
        ("exercise_fr", "Squat Zercher à la barre", "zercher"),
        ("muscles", ["glutes"], "glute"),
        ("secondary_muscles", ["hamstrings"], "hamstr"),
        ("equipments", ["kettlebell"], "kettlebel"),
    ],
)
def test_the_search_fields_follow_each_column_they_are_made_of(field, value, expected_word):
    exercise = ExerciseFactory.create()

    Exercise.objects.filter(id=exercise.id).update(**{field: value})  # one column in the SET list

    assert expected_word in _search_fields(exercise)[2]


def test_an_embedding_write_leaves_the_search_fields_alone():
    """The trigger runs only for the columns the search fields are made of: an embedding written
    as coach/embedding_index.py writes it does not recompute them (set to a marker by hand first)."""
    from django.db import connection

    exercise = ExerciseFactory.create(exercise_en="Sissy Squat")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE exercises SET search_vector = 'marker'::tsvector, search_name_en = 'marker' WHERE id = %s",
            [exercise.id],
        )
        cursor.execute(
            "UPDATE exercises SET embedding = array_fill(0.05, ARRAY[384])::vector, embedding_model = 'test', "
            "embedding_hash = 'test' WHERE id = %s",
            [exercise.id],
        )

    name_en, _name_fr, vector = _search_fields(exercise)
    assert (name_en, vector) == ("marker", "'marker'")
    Exercise.objects.filter(id=exercise.id).update(exercise_en="Sissy Squat")  # a name write recomputes them
    name_en, _name_fr, vector = _search_fields(exercise)
    assert name_en == "sissy squat"
    assert "sissi" in vector
