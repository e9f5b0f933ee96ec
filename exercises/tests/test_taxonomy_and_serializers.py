"""The vocabulary (endpoint, data, labels, normalisation) and the rendered shapes versus the documented ones."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework import serializers

from exercises.api.serializers import (
    AttributionSerializer,
    ExerciseDetailSerializer,
    ExerciseItemSerializer,
    ExerciseLabelsSerializer,
    ExerciseMediaSerializer,
)
from exercises.models import Exercise
from exercises.taxonomy import CATEGORIES, DIFFICULTIES, EQUIPMENT, GOALS, MUSCLES, label, normalize
from exercises.tests.factories import ExerciseFactory
from exercises.tests.support import EXERCISES, FILTER, TAXONOMY, assert_problem

pytestmark = pytest.mark.django_db


# ---- the taxonomy endpoint ------------------------------------------------------------------------


def test_the_taxonomy_lists_every_vocabulary_with_both_labels(api):
    response = api.get(TAXONOMY)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"muscles", "equipment", "difficulty", "goal", "category"}
    for entries in body.values():
        assert entries
        for entry in entries:
            assert set(entry) == {"code", "label", "en", "fr"}
            assert entry["code"]
            assert entry["en"].strip()
            assert entry["fr"].strip()
            assert entry["label"] == entry["en"]  # English by default
    assert {"code": "chest", "label": "Chest", "en": "Chest", "fr": "Pectoraux"} in body["muscles"]
    assert {"code": "resistance band", "label": "Resistance band", "en": "Resistance band", "fr": "Élastique"} in (
        body["equipment"]
    )


def test_the_taxonomy_labels_follow_the_requested_language(api):
    by_lang = api.get(TAXONOMY, {"lang": "fr"})
    by_header = api.get(TAXONOMY, HTTP_ACCEPT_LANGUAGE="fr-CA,fr;q=0.9,en;q=0.5")

    for response in (by_lang, by_header):
        assert response.status_code == 200
        assert response["Content-Language"] == "fr"
        muscles = response.json()["muscles"]
        assert {"code": "chest", "label": "Pectoraux", "en": "Chest", "fr": "Pectoraux"} in muscles
        assert all(entry["label"] == entry["fr"] for entry in muscles)
    assert "Accept-Language" in by_header["Vary"]


@pytest.mark.parametrize(
    ("params", "named"), [({"lang": "de"}, "lang"), ({"locale": "fr"}, "locale"), ({"lang": "fr", "q": "x"}, "q")]
)
def test_the_taxonomy_names_a_wrong_or_unknown_parameter(api, params, named):
    assert_problem(api.get(TAXONOMY, params), 400, named)


def test_every_code_the_taxonomy_lists_is_accepted_by_the_filters(api):
    body = api.get(TAXONOMY).json()
    parameters = {
        "muscles": "secondary_muscles",
        "equipment": "exclude_equipment",
        "difficulty": "difficulty",
        "goal": "goal",
        "category": "category",
    }
    for vocabulary, parameter in parameters.items():
        for entry in body[vocabulary]:
            response = api.get(FILTER, {parameter: entry["code"], "page_size": 1})
            assert response.status_code == 200, (parameter, entry["code"], response.content)


def test_every_code_used_in_the_library_is_in_the_vocabulary():
    muscles: set[str] = set()
    equipment: set[str] = set()
    difficulties: set[str | None] = set()
    goals: set[str | None] = set()
    categories: set[str] = set()
    for exercise in Exercise.objects.all():
        muscles |= {*exercise.muscles, *exercise.secondary_muscles}
        equipment |= set(exercise.equipments)
        difficulties.add(exercise.difficulty)
        goals.add(exercise.goal)
        categories.add(exercise.category)

    assert muscles <= set(MUSCLES)
    assert equipment <= set(EQUIPMENT)
    assert difficulties - {None} == set(DIFFICULTIES)
    assert goals - {None} <= set(GOALS)
    assert categories <= set(CATEGORIES)  # every exercise has one: "" is not a category


def test_labels_fall_back_to_the_code():
    assert label(MUSCLES, "chest", "fr") == "Pectoraux"
    assert label(MUSCLES, "chest", "en") == "Chest"
    assert label(MUSCLES, "wings", "fr") == "wings"
    assert label(MUSCLES, None, "fr") is None


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("Développé Couché", "developpe couche"),
        ("Push-Ups - Close Triceps Position", "push ups close triceps position"),
        ("  Lever du mollet,  droit ", "lever du mollet droit"),
        ("Écarté incliné", "ecarte incline"),
        ("¿%!", ""),
    ],
)
def test_normalize_ignores_case_accents_and_punctuation(text, normalized):
    assert normalize(text) == normalized


# ---- rendered keys versus declared fields ---------------------------------------------------------


def rendered(serializer_class: Any, exercise: Exercise, lang: str) -> dict[str, Any]:
    data: dict[str, Any] = serializer_class(exercise, context={"lang": lang}).data
    return data


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("slug", ["dumbbell-bench-press", "3-4-sit-up", "side-plank", "burpees"])
def test_the_item_renders_exactly_its_declared_fields(slug, lang):
    item = rendered(ExerciseItemSerializer, Exercise.objects.get(slug=slug), lang)

    assert set(item) == set(ExerciseItemSerializer().fields)
    assert set(item["labels"]) == set(ExerciseLabelsSerializer().fields)
    assert set(item["media"]) == set(ExerciseMediaSerializer().fields)


@pytest.mark.parametrize("slug", ["dumbbell-bench-press", "3-4-sit-up"])
def test_the_detail_renders_exactly_its_declared_fields(slug):
    body = rendered(ExerciseDetailSerializer, Exercise.objects.get(slug=slug), "fr")

    assert set(body) == set(ExerciseDetailSerializer().fields)
    assert set(ExerciseItemSerializer().fields) < set(body)
    for credit in body["attribution"]:
        assert set(credit) == set(AttributionSerializer().fields)


def test_every_credit_in_the_library_has_the_documented_shape():
    declared = set(AttributionSerializer().fields)

    for exercise in Exercise.objects.all():
        assert exercise.attribution, exercise.slug
        for credit in exercise.attribution:
            assert set(credit) == declared, exercise.slug


def test_the_rendered_choices_are_among_the_declared_ones():
    declared = ExerciseItemSerializer().fields
    media = ExerciseMediaSerializer().fields
    exercises = [
        *Exercise.objects.filter(slug__in=["3-4-sit-up", "side-plank", "burpees"]),
        ExerciseFactory.create(female_gif_only=True),
        ExerciseFactory.create(both_gifs=True),
    ]

    for exercise in exercises:
        item = rendered(ExerciseItemSerializer, exercise, "fr")
        for name in ("name_language", "instructions_language", "difficulty", "goal", "category"):
            field = declared[name]
            assert isinstance(field, serializers.ChoiceField)
            assert item[name] is None or item[name] in field.choices, (name, item[name])
        for name in ("male_source", "female_source"):
            field = media[name]
            assert isinstance(field, serializers.ChoiceField)
            assert item["media"][name] in field.choices


def test_the_openapi_schema_documents_the_rendered_fields(api):
    schema = api.get("/api/schema", {"format": "json"}).json()
    components = schema["components"]["schemas"]
    detail = next(body for name, body in components.items() if name.startswith("ExerciseDetail"))
    item = api.get(EXERCISES, {"page_size": 1}).json()["results"][0]

    assert set(item) < set(detail["properties"])
