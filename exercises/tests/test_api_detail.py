"""GET /api/v1/exercises/{id}: both languages, licences and credits, not-found problems, cache."""

from __future__ import annotations

from typing import Any

import pytest

from exercises.services import exercise_curated_saved
from exercises.tests.support import EXERCISES, assert_problem, source_records

pytestmark = pytest.mark.django_db


def detail(api: Any, exercise_id: int, **params: Any) -> dict[str, Any]:
    response = api.get(f"{EXERCISES}/{exercise_id}", params)
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def credited_sources(body: dict[str, Any]) -> set[str]:
    return {credit["source"] for credit in body["attribution"]}


def test_both_instructions_and_the_wger_credit(api, dumbbell_bench_press):
    record = source_records()["dumbbell-bench-press"]

    body = detail(api, dumbbell_bench_press.id)

    assert body["instructions_en"] == record["instructions_en"]
    assert body["instructions_fr"] == record["instructions_fr"]
    assert body["exercise_fr"] == record["exercise_fr"]
    assert body["exercise_fr_source"] == "dataset"
    assert body["license"] == record["license"] == "Unlicense AND CC-BY-SA-4.0"
    assert {"wger", "free-exercise-db"} <= credited_sources(body)
    wger = next(credit for credit in body["attribution"] if credit["source"] == "wger")
    assert wger["license"] == "CC-BY-SA-4.0"
    assert wger["url"].startswith("https://wger.de/")
    assert "movoai" not in credited_sources(body)  # the French name is wger's, not the project's


def test_an_english_only_exercise_credits_the_dataset_and_the_project_translation(api, sit_up):
    body = detail(api, sit_up.id)

    assert body["instructions_en"] == source_records()["3-4-sit-up"]["instructions_en"]
    assert body["instructions_fr"] is None
    assert "free-exercise-db" in credited_sources(body)
    assert body["exercise_fr"] == "Redressement assis 3/4"
    assert body["exercise_fr_source"] == "project"
    movoai = next(credit for credit in body["attribution"] if credit["source"] == "movoai")
    assert movoai["part"] == "exercise_fr"
    assert movoai["license"] == "CC0-1.0"
    # Every licence of the credits is in the record's licence expression.
    assert body["license"] == "Unlicense AND CC0-1.0"
    assert {credit["license"] for credit in body["attribution"]} <= set(body["license"].split(" AND "))


def test_the_detail_in_french_falls_back_to_english_instructions(api, sit_up, dumbbell_bench_press):
    sit_up_fr = detail(api, sit_up.id, lang="fr")
    bench_fr = detail(api, dumbbell_bench_press.id, lang="fr")

    assert (sit_up_fr["name"], sit_up_fr["name_language"]) == ("Redressement assis 3/4", "fr")
    assert sit_up_fr["instructions"] == sit_up_fr["instructions_en"]
    assert sit_up_fr["instructions_language"] == "en"
    assert bench_fr["instructions"] == bench_fr["instructions_fr"]
    assert bench_fr["instructions_language"] == "fr"


def test_the_detail_says_its_language(api, sit_up):
    english = api.get(f"{EXERCISES}/{sit_up.id}")
    french = api.get(f"{EXERCISES}/{sit_up.id}", HTTP_ACCEPT_LANGUAGE="fr")

    assert english["Content-Language"] == "en"
    assert french["Content-Language"] == "fr"
    assert "Accept-Language" in french["Vary"]
    assert french.json()["name"] == "Redressement assis 3/4"
    assert english.json()["name"] == "3/4 Sit-Up"


def test_the_detail_carries_the_item_fields_and_more(api, sit_up):
    item = next(i for i in api.get(EXERCISES).json()["results"] if i["slug"] == "3-4-sit-up")
    body = detail(api, sit_up.id)

    assert {key: body[key] for key in item} == item
    assert body["source"] == "free-exercise-db"
    assert (body["force"], body["mechanic"]) == ("pull", "compound")


@pytest.mark.parametrize("exercise_id", ["999999999", "99999999999999999999", "0"])
def test_an_unknown_id_is_a_not_found_problem(api, exercise_id):
    body = assert_problem(api.get(f"{EXERCISES}/{exercise_id}"), 404)

    assert exercise_id in body["detail"]


@pytest.mark.parametrize("path", ["abc", "-1", "1.5", "12abc"])
def test_an_id_that_is_not_a_number_is_a_not_found_problem(api, path):
    assert_problem(api.get(f"{EXERCISES}/{path}"), 404)


def test_detail_parameters_are_checked(api, sit_up):
    assert_problem(api.get(f"{EXERCISES}/{sit_up.id}", {"lang": "de"}), 400, "lang")
    assert_problem(api.get(f"{EXERCISES}/{sit_up.id}", {"expand": "all"}), 400, "expand")


def test_the_detail_is_served_from_the_cache_until_the_exercise_changes(
    api, sit_up, django_assert_num_queries, django_capture_on_commit_callbacks
):
    detail(api, sit_up.id, lang="fr")
    with django_assert_num_queries(0):
        detail(api, sit_up.id, lang="fr")

    sit_up.exercise_fr = "Relevé de buste aux trois quarts"
    with django_capture_on_commit_callbacks(execute=True):
        exercise_curated_saved(exercise=sit_up, changed_fields=["exercise_fr"])

    body = detail(api, sit_up.id, lang="fr")
    assert body["name"] == "Relevé de buste aux trois quarts"
    assert body["exercise_fr_source"] == "staff"
