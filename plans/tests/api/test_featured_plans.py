"""GET /api/v1/workout-plans/featured: the templates staff feature, in their order, and a change of
that order is served at once although the page is cached."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from plans.models import WorkoutPlan
from plans.services import plan_featured_order_set

pytestmark = pytest.mark.django_db

URL = "/api/v1/workout-plans/featured"
# featured_order in the demo content
FEATURED_SLUGS = [
    "beginner-full-body-strength",
    "home-hiit-fat-burner",
    "dumbbell-upper-lower-hypertrophy",
    "daily-mobility-flow",
    "beginner-cardio-endurance",
]


def featured_slugs(api: APIClient, **params: str) -> list[str]:
    response = api.get(URL, params)
    assert response.status_code == 200
    return [plan["slug"] for plan in response.json()["results"]]


def test_featured_plans_come_in_featured_order(api):
    response = api.get(URL)

    plans = response.json()["results"]
    assert [plan["slug"] for plan in plans] == FEATURED_SLUGS
    assert [plan["featured_order"] for plan in plans] == [1, 2, 3, 4, 5]
    assert all(plan["is_featured"] and plan["is_template"] for plan in plans)
    assert response.json()["count"] == len(FEATURED_SLUGS)


def test_featured_plans_speak_french(api):
    plans = api.get(URL, {"lang": "fr"}).json()["results"]

    assert plans[0]["name"] == "Force full-body débutant"


def test_a_new_featured_order_is_served_through_the_cache(api, django_capture_on_commit_callbacks):
    assert featured_slugs(api) == FEATURED_SLUGS  # now cached
    cardio = WorkoutPlan.objects.get(slug="beginner-cardio-endurance")

    with django_capture_on_commit_callbacks(execute=True):
        plan_featured_order_set(plan=cardio, featured_order=0)

    assert featured_slugs(api) == ["beginner-cardio-endurance", *FEATURED_SLUGS[:-1]]


def test_a_plan_no_longer_featured_leaves_the_featured_list(api, django_capture_on_commit_callbacks):
    assert featured_slugs(api) == FEATURED_SLUGS
    strength = WorkoutPlan.objects.get(slug="beginner-full-body-strength")

    with django_capture_on_commit_callbacks(execute=True):
        plan_featured_order_set(plan=strength, featured_order=None)

    assert featured_slugs(api) == FEATURED_SLUGS[1:]
    strength.refresh_from_db()
    assert strength.is_featured is False
    assert strength.featured_order is None


def test_a_newly_featured_plan_joins_the_featured_list(api, django_capture_on_commit_callbacks):
    assert featured_slugs(api) == FEATURED_SLUGS
    squat = WorkoutPlan.objects.get(slug="advanced-strength-squat-bench-deadlift")

    with django_capture_on_commit_callbacks(execute=True):
        plan_featured_order_set(plan=squat, featured_order=6)

    assert featured_slugs(api) == [*FEATURED_SLUGS, squat.slug]
    assert squat.slug in featured_slugs(api, goal="strength")
