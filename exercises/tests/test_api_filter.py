"""GET /api/v1/exercises/filter: several muscles and equipment at once, exclusions, and flags."""

from __future__ import annotations

import pytest

from exercises.tests.support import FILTER, LIBRARY_SIZE, all_results, assert_problem, source_records

pytestmark = pytest.mark.django_db


def source_slugs(predicate) -> set[str]:
    return {slug for slug, record in source_records().items() if predicate(record)}


def test_several_muscles_and_several_equipment_at_once(api):
    muscles, equipment = {"chest", "triceps"}, {"dumbbell", "barbell"}

    items = all_results(api, FILTER, {"muscles": "chest,triceps", "equipment": "dumbbell,barbell"})

    assert {i["slug"] for i in items} == source_slugs(
        lambda r: muscles & set(r["muscles"]) and equipment & set(r["equipments"])
    )
    assert items


def test_muscles_match_all_with_equipment(api):
    params = {"muscles": "glutes,quadriceps", "equipment": "dumbbell,barbell"}

    any_items = all_results(api, FILTER, params)
    all_items = all_results(api, FILTER, {**params, "muscles_match": "all"})

    assert all({"glutes", "quadriceps"} <= set(i["muscles"]) for i in all_items)
    assert 0 < len(all_items) < len(any_items)


def test_equipment_match_all_needs_every_piece(api):
    both = all_results(api, FILTER, {"equipment": "bench,dumbbell", "equipment_match": "all"})
    either = all_results(api, FILTER, {"equipment": "bench,dumbbell"})

    assert [i["slug"] for i in both] == ["seated-w-curl"]  # the one exercise using a bench and dumbbells
    assert {i["slug"] for i in either} == source_slugs(lambda r: {"bench", "dumbbell"} & set(r["equipments"]))


def test_exclude_equipment_leaves_out_what_needs_it(api):
    excluded = {"barbell", "machine", "cable"}

    items = all_results(api, FILTER, {"muscles": "chest", "exclude_equipment": "barbell,machine,cable"})

    assert items
    assert not any(excluded & set(i["equipments"]) for i in items)
    assert {i["slug"] for i in items} == source_slugs(
        lambda r: "chest" in r["muscles"] and not excluded & set(r["equipments"])
    )


def test_secondary_muscles_filter_on_the_secondary_muscles(api):
    items = all_results(api, FILTER, {"secondary_muscles": "lower back"})

    assert items
    assert all("lower back" in i["secondary_muscles"] for i in items)
    assert len(items) == len(source_slugs(lambda r: "lower back" in r["secondary_muscles"]))


def test_has_french_instructions(api):
    with_french = all_results(api, FILTER, {"has_french_instructions": "true", "lang": "fr"})
    without = api.get(FILTER, {"has_french_instructions": "false", "lang": "fr", "page_size": 100}).json()

    assert len(with_french) == len(source_slugs(lambda r: r["instructions_fr"])) > 0
    assert all(i["instructions_language"] == "fr" for i in with_french)
    assert without["count"] == LIBRARY_SIZE - len(with_french)
    assert all(i["instructions_language"] == "en" for i in without["results"])


def test_has_media_splits_the_library_by_what_the_api_would_show(api):
    with_media = all_results(api, FILTER, {"has_media": "true"})
    without = all_results(api, FILTER, {"has_media": "false"})

    assert len(with_media) + len(without) == LIBRARY_SIZE
    assert all(i["male_gif_urls"] and i["female_gif_urls"] for i in with_media)
    # Side Plank has only the openly licensed illustrations: those are media too.
    assert "side-plank" in {i["slug"] for i in with_media}
    for item in without:
        assert item["male_gif_urls"] == item["female_gif_urls"] == []
        assert item["media"]["male_source"] == "none"


def test_category(api):
    items = all_results(api, FILTER, {"category": "stretching", "difficulty": "beginner"})

    assert items
    assert all((i["category"], i["difficulty"]) == ("stretching", "beginner") for i in items)
    assert len(items) == len(source_slugs(lambda r: (r["category"], r["difficulty"]) == ("stretching", "beginner")))


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("category", "yoga"),
        ("secondary_muscles", "wings"),
        ("exclude_equipment", "spaceship"),
        ("equipment_match", "some"),
        ("has_media", "yes"),
        ("has_french_instructions", "1"),
        ("muscle", "chest"),
    ],
)
def test_a_bad_filter_is_a_problem_naming_it(api, parameter, value):
    assert_problem(api.get(FILTER, {parameter: value}), 400, parameter)


def test_the_filter_endpoint_pages_like_the_list(api):
    body = api.get(FILTER, {"equipment": "dumbbell"}).json()

    assert len(body["results"]) == 20
    assert body["next"] == "http://testserver/api/v1/exercises/filter?equipment=dumbbell&page=2"
    assert_problem(api.get(FILTER, {"page_size": 101}), 400, "page_size")


def test_a_filtered_page_costs_two_queries_then_none(api, django_assert_num_queries):
    params = {"muscles": "chest", "exclude_equipment": "barbell", "has_media": "true", "page_size": 50}
    with django_assert_num_queries(2):  # the total, then the page
        first = api.get(FILTER, params)
    with django_assert_num_queries(0):
        again = api.get(FILTER, params)

    assert again.content == first.content
