"""Database queries per request: fixed, whatever the page size or the plan length, and none at all
once the answer is cached."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

LIST_QUERIES = 2  # the total, then the page with its exercise counts
DETAIL_QUERIES = 2  # the plan, its plan exercises with their exercises


@pytest.mark.parametrize("page_size", [1, 100])
def test_the_plan_list_costs_the_same_queries_for_any_page_size(api, django_assert_num_queries, page_size):
    with django_assert_num_queries(LIST_QUERIES):
        response = api.get("/api/v1/workout-plans", {"page_size": page_size})

    assert len(response.json()["results"]) == min(page_size, 14)


def test_the_featured_list_costs_the_same_queries(api, django_assert_num_queries):
    with django_assert_num_queries(LIST_QUERIES):
        api.get("/api/v1/workout-plans/featured")


@pytest.mark.parametrize("plan_fixture", ["four_week_plan", "twelve_week_plan"])
def test_a_plan_detail_costs_the_same_queries_for_any_plan_length(
    api, django_assert_num_queries, request, plan_fixture
):
    plan = request.getfixturevalue(plan_fixture)

    with django_assert_num_queries(DETAIL_QUERIES):
        response = api.get(f"/api/v1/workout-plans/{plan.id}", {"lang": "fr"})

    assert len(response.json()["schedule"]) == plan.weeks


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/workout-plans?page_size=100",
        "/api/v1/workout-plans?goal=strength&lang=fr",
        "/api/v1/workout-plans/featured",
    ],
)
def test_a_repeated_list_request_is_served_from_the_cache(api, django_assert_num_queries, path):
    first = api.get(path)

    with django_assert_num_queries(0):
        again = api.get(path)

    assert again.status_code == 200
    assert again.content == first.content


def test_a_repeated_detail_request_is_served_from_the_cache(api, django_assert_num_queries, twelve_week_plan):
    path = f"/api/v1/workout-plans/{twelve_week_plan.id}"
    first = api.get(path)

    with django_assert_num_queries(0):
        again = api.get(path)

    assert again.content == first.content
