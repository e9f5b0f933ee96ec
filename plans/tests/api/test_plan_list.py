"""GET /api/v1/workout-plans: the template plans, paginated, filtered, in English or French."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from plans.models import PlanExercise, WorkoutPlan

pytestmark = pytest.mark.django_db

URL = "/api/v1/workout-plans"
TEMPLATE_COUNT = 14


def listed(api: APIClient, **params: Any) -> dict[str, Any]:
    response = api.get(URL, {"page_size": 100, **params})
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def assert_bad_request_naming(response: Any, parameter: str) -> None:
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 400
    assert parameter in body["errors"]
    assert parameter in body["detail"]


def test_lists_the_template_plans_20_a_page(api):
    response = api.get(URL)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == TEMPLATE_COUNT
    assert len(body["results"]) == TEMPLATE_COUNT
    assert body["next"] is None
    assert body["previous"] is None


def test_pages_do_not_overlap(api):
    first = api.get(URL, {"page_size": 5}).json()
    second = api.get(URL, {"page_size": 5, "page": 2}).json()
    last = api.get(URL, {"page_size": 5, "page": 3}).json()

    ids = [plan["id"] for page in (first, second, last) for plan in page["results"]]
    assert len(ids) == TEMPLATE_COUNT
    assert len(set(ids)) == TEMPLATE_COUNT
    assert first["next"] is not None
    assert second["previous"] is not None
    assert last["next"] is None


def test_a_users_own_plan_is_not_listed(api, alices_plan):
    body = listed(api)

    assert body["count"] == TEMPLATE_COUNT
    assert alices_plan.id not in {plan["id"] for plan in body["results"]}
    assert all(plan["is_template"] is True for plan in body["results"])


def test_each_plan_has_its_fields_and_counts_its_plan_exercises(api):
    plans = {plan["id"]: plan for plan in listed(api)["results"]}

    for template in WorkoutPlan.objects.filter(is_template=True):
        plan = plans[template.id]
        assert plan["slug"] == template.slug
        assert plan["name"] == template.name_en
        assert plan["description"] == template.description_en
        assert plan["language"] == "en"
        assert plan["name_en"] == template.name_en
        assert plan["name_fr"] == template.name_fr
        assert plan["description_en"] == template.description_en
        assert plan["description_fr"] == template.description_fr
        assert plan["goal"] == template.goal
        assert plan["difficulty"] == template.difficulty
        assert plan["weeks"] == template.weeks
        assert plan["days_per_week"] == template.days_per_week
        assert plan["equipment_setting"] == template.equipment_setting
        assert plan["exercise_count"] == PlanExercise.objects.filter(plan=template).count()
        assert plan["exercise_count"] > 0


def test_lang_fr_gives_the_french_name_and_description(api):
    plans = listed(api, lang="fr")["results"]

    for plan in plans:
        assert plan["name"] == plan["name_fr"] != plan["name_en"]
        assert plan["description"] == plan["description_fr"] != plan["description_en"]
        assert plan["language"] == "fr"
    strength = next(plan for plan in plans if plan["goal"] == "strength")
    assert strength["goal_label"] == "Force"


def test_accept_language_fr_gives_french_and_says_so(api):
    response = api.get(URL, HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9,en;q=0.5")

    assert response["Content-Language"] == "fr"
    assert all(plan["name"] == plan["name_fr"] for plan in response.json()["results"])


def test_a_missing_french_name_falls_back_to_english(api):
    template = WorkoutPlan.objects.get(slug="home-hiit-fat-burner")
    template.name_fr = ""
    template.save()

    plan = next(plan for plan in listed(api, lang="fr")["results"] if plan["id"] == template.id)

    assert plan["name"] == template.name_en
    assert plan["description"] == template.description_fr
    assert plan["language"] == "en"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("goal", "strength"),
        ("goal", "mobility"),
        ("difficulty", "beginner"),
        ("difficulty", "advanced"),
        ("equipment_setting", "home"),
        ("equipment_setting", "dumbbells"),
        ("days_per_week", 3),
        ("days_per_week", 4),
    ],
)
def test_filters_keep_only_the_matching_plans(api, name, value):
    expected = {plan.id for plan in WorkoutPlan.objects.filter(is_template=True, **{name: value})}

    body = listed(api, **{name: value})

    assert 0 < len(expected) < TEMPLATE_COUNT
    assert body["count"] == len(expected)
    assert {plan["id"] for plan in body["results"]} == expected
    assert all(plan[name] == value for plan in body["results"])


def test_filters_combine(api):
    body = listed(api, goal="strength", equipment_setting="gym")

    assert {plan["slug"] for plan in body["results"]} == {
        "beginner-full-body-strength",
        "advanced-strength-squat-bench-deadlift",
    }


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("goal", "flying"),
        ("difficulty", "superhuman"),
        ("equipment_setting", "spaceship"),
        ("days_per_week", "often"),
        ("days_per_week", "8"),
        ("days_per_week", "0"),
        ("lang", "de"),
        ("page", "abc"),
        ("page", "0"),
        ("page_size", "101"),
    ],
)
def test_a_bad_parameter_value_is_a_400_problem_naming_it(api, name, value):
    assert_bad_request_naming(api.get(URL, {name: value}), name)


def test_an_unknown_parameter_is_a_400_problem_naming_it(api):
    response = api.get(URL, {"goal": "strength", "colour": "red"})

    assert_bad_request_naming(response, "colour")
    assert "goal" not in response.json()["errors"]


def test_a_page_past_the_end_is_a_404_problem(api):
    response = api.get(URL, {"page": 99})

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
