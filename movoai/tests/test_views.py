"""Health: whether the database and the cache answer. A cache outage degrades, never breaks, the
public reads."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def unreachable_cache(settings: Any) -> dict[str, Any]:
    """CACHES pointing at a port nothing listens on."""
    return {"default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}}


@pytest.mark.parametrize("path", ["/api/v1/health", "/health"])
def test_health_says_database_and_cache_are_ok(api, path):
    response = api.get(path)

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/api/v1/health", "/health"])
def test_with_the_cache_down_health_is_degraded_but_answers_200(api, unreachable_cache, path):
    with override_settings(CACHES=unreachable_cache):
        response = api.get(path)

    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "cache": "down"}


@pytest.mark.parametrize(
    "path",
    ["/api/v1/exercises?page_size=5", "/api/v1/workout-plans", "/api/v1/workout-plans/featured?lang=fr"],
)
def test_with_the_cache_down_public_reads_still_answer(api, unreachable_cache, path):
    expected = api.get(path).content

    with override_settings(CACHES=unreachable_cache):
        response = api.get(path)

    assert response.status_code == 200
    assert response.content == expected


def test_with_the_cache_down_a_plan_detail_still_answers(api, unreachable_cache):
    with override_settings(CACHES=unreachable_cache):
        plans = api.get("/api/v1/workout-plans").json()["results"]
        response = api.get(f"/api/v1/workout-plans/{plans[0]['id']}")

    assert response.status_code == 200
    assert response.json()["schedule"]


def test_health_probes_the_database_on_every_request(api, django_assert_num_queries):
    api.get("/api/v1/health")

    with django_assert_num_queries(1):
        response = api.get("/api/v1/health")

    assert response.json()["database"] == "ok"
