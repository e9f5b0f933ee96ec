"""GET /api/v1/exercises: pagination, filters, languages, fields, media and the cache."""

from __future__ import annotations

from typing import Any

import pytest

from exercises.tests.factories import ExerciseFactory
from exercises.tests.support import (
    EXERCISES,
    LIBRARY_SIZE,
    all_results,
    assert_problem,
    source_count,
    source_records,
)

pytestmark = pytest.mark.django_db


def listed(api: Any, slug: str, **params: Any) -> dict[str, Any]:
    """The list entry of one exercise (found by walking the pages)."""
    for item in all_results(api, EXERCISES, params):
        if item["slug"] == slug:
            return item
    raise AssertionError(f"{slug} is not listed")


# ---- pagination -----------------------------------------------------------------------------------


def test_the_first_page_holds_20_exercises_and_links_to_the_next(api):
    body = api.get(EXERCISES).json()

    assert body["count"] == LIBRARY_SIZE
    assert len(body["results"]) == 20
    assert body["previous"] is None
    assert body["next"] == "http://testserver/api/v1/exercises?page=2"
    assert [item["id"] for item in body["results"]] == sorted(item["id"] for item in body["results"])


def test_pages_of_100_follow_each_other_without_overlap(api):
    first = api.get(EXERCISES, {"page_size": 100}).json()
    second = api.get(EXERCISES, {"page_size": 100, "page": 2}).json()

    first_ids = [item["id"] for item in first["results"]]
    second_ids = [item["id"] for item in second["results"]]
    assert len(first_ids) == len(second_ids) == 100
    assert not set(first_ids) & set(second_ids)
    assert max(first_ids) < min(second_ids)
    assert second["previous"] == "http://testserver/api/v1/exercises?page_size=100"
    assert second["next"] == "http://testserver/api/v1/exercises?page=3&page_size=100"


def test_the_last_page_holds_the_rest_and_no_next_link(api):
    body = api.get(EXERCISES, {"page_size": 100, "page": 10}).json()

    assert len(body["results"]) == LIBRARY_SIZE - 900
    assert body["next"] is None
    assert body["previous"]


def test_walking_every_page_gives_every_exercise_once(api):
    items = all_results(api, EXERCISES)

    assert len({item["id"] for item in items}) == LIBRARY_SIZE
    assert {item["slug"] for item in items} == set(source_records())


@pytest.mark.parametrize("page_size", ["101", "0", "100000", "abc", "-5"])
def test_a_page_size_outside_1_to_100_is_a_problem_naming_it(api, page_size):
    assert_problem(api.get(EXERCISES, {"page_size": page_size}), 400, "page_size")


@pytest.mark.parametrize("page", ["abc", "0", "-1"])
def test_a_page_that_is_not_a_positive_integer_is_a_problem_naming_it(api, page):
    assert_problem(api.get(EXERCISES, {"page": page}), 400, "page")


def test_a_page_past_the_end_is_a_not_found_problem(api):
    last = api.get(EXERCISES, {"page": 47}).json()  # 926 items make 47 pages of 20

    assert len(last["results"]) == 6
    assert_problem(api.get(EXERCISES, {"page": 48}), 404)


def test_a_misspelt_query_parameter_is_a_problem_naming_it(api):
    body = assert_problem(api.get(EXERCISES, {"muscle": "chest"}), 400, "muscle")

    assert "muscles" in body["errors"]["muscle"][0]  # the message lists what is allowed


def test_the_advanced_filters_are_not_taken_silently_by_the_plain_list(api):
    assert_problem(api.get(EXERCISES, {"exclude_equipment": "barbell"}), 400, "exclude_equipment")


# ---- filters --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parameter", "value", "field"),
    [
        ("difficulty", "beginner", "difficulty"),
        ("difficulty", "advanced", "difficulty"),
        ("goal", "mobility", "goal"),
        ("goal", "power", "goal"),
        ("equipment", "dumbbell", "equipments"),
        ("equipment", "resistance band", "equipments"),
    ],
)
def test_a_filter_keeps_exactly_the_matching_exercises(api, parameter, value, field):
    items = all_results(api, EXERCISES, {parameter: value})

    assert len(items) == source_count(**{field: value}) > 0
    for item in items:
        held = item[field] if isinstance(item[field], list) else [item[field]]
        assert value in held


def test_filters_combine(api):
    items = all_results(api, EXERCISES, {"difficulty": "beginner", "equipment": "dumbbell", "goal": "strength"})

    assert len(items) == source_count(difficulty="beginner", equipments="dumbbell", goal="strength") > 0
    assert all(
        (i["difficulty"], i["goal"]) == ("beginner", "strength") and "dumbbell" in i["equipments"] for i in items
    )


def test_muscles_match_all_asks_for_every_muscle_and_any_for_one(api):
    wanted = {"glutes", "quadriceps"}
    any_items = all_results(api, EXERCISES, {"muscles": "glutes,quadriceps"})
    all_items = all_results(api, EXERCISES, {"muscles": "glutes,quadriceps", "muscles_match": "all"})

    assert all(wanted & set(item["muscles"]) for item in any_items)
    assert all(wanted <= set(item["muscles"]) for item in all_items)
    assert 0 < len(all_items) < len(any_items)
    assert len(any_items) == sum(bool(wanted & set(r["muscles"])) for r in source_records().values())
    assert {i["id"] for i in all_items} < {i["id"] for i in any_items}


def test_muscle_and_equipment_codes_ignore_case_and_spaces(api):
    assert api.get(EXERCISES, {"muscles": " Lower Back "}).json()["count"] == source_count(muscles="lower back")


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("difficulty", "superhuman"),
        ("goal", "bulk"),
        ("muscles", "chest,wings"),
        ("equipment", "spaceship"),
        ("muscles_match", "most"),
        ("lang", "de"),
    ],
)
def test_an_unknown_filter_value_is_a_problem_naming_the_filter(api, parameter, value):
    assert_problem(api.get(EXERCISES, {parameter: value}), 400, parameter)


def test_an_unknown_muscle_is_named_in_the_problem(api):
    body = assert_problem(api.get(EXERCISES, {"muscles": "chest,wings"}), 400, "muscles")

    assert "wings" in body["errors"]["muscles"][0]
    assert "chest'" not in body["errors"]["muscles"][0].split("Known")[0]


# ---- languages ------------------------------------------------------------------------------------


def test_lang_fr_names_every_exercise_in_french(api):
    items = all_results(api, EXERCISES, {"lang": "fr"})

    assert len(items) == LIBRARY_SIZE
    for item in items:
        assert item["exercise_fr"].strip()
        assert item["name"] == item["exercise_fr"]
        assert item["name_language"] == "fr"


def test_the_published_french_names_are_served_as_published(api):
    by_slug = {item["slug"]: item for item in all_results(api, EXERCISES, {"lang": "fr"})}

    for slug, record in source_records().items():
        if record["exercise_fr"]:
            assert by_slug[slug]["name"] == record["exercise_fr"]


def test_accept_language_fr_gives_french_names(api):
    response = api.get(EXERCISES, HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9,en;q=0.5")

    assert response["Content-Language"] == "fr"
    assert all(item["name"] == item["exercise_fr"] for item in response.json()["results"])


def test_accept_language_picks_the_preferred_supported_language(api):
    assert api.get(EXERCISES, HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9,fr;q=0.8,en;q=0.5")["Content-Language"] == "fr"
    assert api.get(EXERCISES, HTTP_ACCEPT_LANGUAGE="en-GB,fr;q=0.9")["Content-Language"] == "en"
    assert api.get(EXERCISES, HTTP_ACCEPT_LANGUAGE="fr-CA")["Content-Language"] == "fr"


def test_lang_en_wins_over_accept_language_fr(api):
    response = api.get(EXERCISES, {"lang": "en"}, HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")

    assert response["Content-Language"] == "en"
    assert all(item["name"] == item["exercise_en"] for item in response.json()["results"])


def test_without_lang_or_header_names_are_english(api):
    response = api.get(EXERCISES)

    assert response["Content-Language"] == "en"
    for item in response.json()["results"]:
        assert item["name"] == item["exercise_en"]
        assert item["name_language"] == "en"


def test_the_taxonomy_labels_follow_the_language(api, dumbbell_bench_press):
    french = listed(api, "dumbbell-bench-press", lang="fr")["labels"]
    english = listed(api, "dumbbell-bench-press")["labels"]

    assert french == {
        "difficulty": "Débutant",
        "goal": "Force",
        "category": "Musculation",
        "muscles": ["Pectoraux"],
        "secondary_muscles": ["Épaules", "Triceps"],
        "equipments": ["Haltère"],
    }
    assert english["muscles"] == ["Chest"]
    assert english["equipments"] == ["Dumbbell"]


def test_responses_say_their_language_and_vary_on_accept_language(api):
    response = api.get(EXERCISES, {"lang": "fr"})

    assert response["Content-Language"] == "fr"
    assert "Accept-Language" in [part.strip() for part in response["Vary"].split(",")]


def test_the_next_link_keeps_the_language_asked_for(api):
    api.get(EXERCISES, {"page_size": 5})  # an English reader without `lang` fills the cache first
    french_browser = {"HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9"}
    first = api.get(EXERCISES, {"page_size": 5, "lang": "en"}, **french_browser).json()

    second = api.get(first["next"], **french_browser)

    assert second["Content-Language"] == "en"


# ---- fields, instructions and media ---------------------------------------------------------------

DOCUMENTED_FIELDS = {
    "id",
    "slug",
    "name",
    "name_language",
    "instructions",
    "instructions_language",
    "exercise_en",
    "exercise_fr",
    "difficulty",
    "goal",
    "category",
    "muscles",
    "secondary_muscles",
    "equipments",
    "labels",
    "male_gif_urls",
    "female_gif_urls",
    "media",
    "license",
}


def test_every_item_carries_every_documented_field(api):
    for item in api.get(EXERCISES, {"page_size": 100}).json()["results"]:
        assert set(item) == DOCUMENTED_FIELDS
        for field in ("muscles", "secondary_muscles", "equipments", "instructions", "male_gif_urls"):
            assert isinstance(item[field], list)
        assert item["license"].strip()


def test_items_match_the_source_record(api):
    record = source_records()["barbell-bench-press-medium-grip"]
    item = listed(api, "barbell-bench-press-medium-grip")

    for field in ("exercise_en", "difficulty", "goal", "category", "muscles", "secondary_muscles", "equipments"):
        assert item[field] == record[field]
    assert item["instructions"] == record["instructions_en"]


def test_french_instructions_fall_back_to_english_and_say_so(api):
    item = listed(api, "3-4-sit-up", lang="fr")

    assert item["name_language"] == "fr"
    assert item["instructions"] == source_records()["3-4-sit-up"]["instructions_en"]
    assert item["instructions_language"] == "en"


def test_french_instructions_are_served_where_they_exist(api):
    item = listed(api, "dumbbell-bench-press", lang="fr")

    assert item["instructions"] == source_records()["dumbbell-bench-press"]["instructions_fr"]
    assert item["instructions_language"] == "fr"


def test_without_gifs_both_genders_get_the_still_frames(api):
    item = listed(api, "3-4-sit-up")
    frames = source_records()["3-4-sit-up"]["image_urls"]

    assert item["male_gif_urls"] == item["female_gif_urls"] == frames
    assert item["media"]["fallback"] is True
    assert item["media"]["male_source"] == item["media"]["female_source"] == "frames"
    assert item["media"]["frames"] == frames
    assert "still frames" in item["media"]["note"]


def test_without_frames_the_openly_licensed_illustrations_are_used(api):
    item = listed(api, "side-plank")

    assert item["male_gif_urls"] == source_records()["side-plank"]["alt_image_urls"]
    assert item["media"]["male_source"] == "alt_frames"


def test_a_male_animation_is_borrowed_from_the_female_one(api):
    exercise = ExerciseFactory.create(female_gif_only=True)

    item = listed(api, exercise.slug)

    assert item["male_gif_urls"] == item["female_gif_urls"] == ["https://example.org/female.gif"]
    assert item["media"]["male_source"] == "female"
    assert item["media"]["female_source"] == "own"
    assert item["media"]["fallback"] is True
    assert "one gender" in item["media"]["note"]


def test_own_animations_are_no_fallback(api):
    exercise = ExerciseFactory.create(both_gifs=True)

    item = listed(api, exercise.slug)

    assert item["male_gif_urls"] == ["https://example.org/male.gif"]
    assert item["female_gif_urls"] == ["https://example.org/female.gif"]
    assert item["media"]["fallback"] is False
    assert item["media"]["note"] is None


def test_an_exercise_without_media_says_so(api):
    exercise = ExerciseFactory.create(no_media=True)

    item = listed(api, exercise.slug)

    assert item["male_gif_urls"] == item["female_gif_urls"] == []
    assert item["media"]["male_source"] == "none"
    assert item["media"]["note"] == "No media exists for this exercise yet."


# ---- queries and cache ----------------------------------------------------------------------------


@pytest.mark.parametrize("page_size", [5, 100])
def test_a_page_costs_two_queries_whatever_its_size(api, django_assert_num_queries, page_size):
    with django_assert_num_queries(2):  # the total, then the page from the index: no query per exercise
        response = api.get(EXERCISES, {"page_size": page_size, "lang": "fr", "equipment": "dumbbell,barbell"})
    assert len(response.json()["results"]) == page_size


@pytest.mark.parametrize("path", [EXERCISES, f"{EXERCISES}/search"])
def test_a_searched_page_carries_its_total_in_one_query(api, django_assert_num_queries, path):
    params = {"search": "curl"} if path == EXERCISES else {"q": "curl"}
    with django_assert_num_queries(1):  # COUNT(*) OVER (): the ranking is evaluated once
        response = api.get(path, {"page_size": 5, **params})
    body = response.json()
    assert len(body["results"]) == 5
    assert body["count"] > 5
    assert all("curl" in item["name"].lower() for item in body["results"])


def test_the_same_page_again_is_served_from_the_cache_without_a_query(api, django_assert_num_queries):
    first = api.get(EXERCISES, {"page_size": 100, "muscles": "chest"})

    with django_assert_num_queries(0):
        again = api.get(EXERCISES, {"page_size": 100, "muscles": "chest"})

    assert again.content == first.content


def test_pages_in_other_languages_or_filters_are_cached_apart(api):
    english = api.get(EXERCISES, {"page_size": 5}).json()
    french = api.get(EXERCISES, {"page_size": 5, "lang": "fr"}).json()
    filtered = api.get(EXERCISES, {"page_size": 5, "difficulty": "advanced"}).json()

    assert english["results"][0]["name_language"] == "en"
    assert french["results"][0]["name_language"] == "fr"
    assert filtered["count"] == source_count(difficulty="advanced")
