"""The OpenAPI documentation of the user endpoints."""

from __future__ import annotations

import json
from typing import Any

import pytest

from movoai.tests.test_urls import has_example

pytestmark = pytest.mark.django_db

USERS = "/api/v1/users"
USER = "/api/v1/users/{user_id}"


@pytest.fixture
def paths(api: Any) -> dict[str, Any]:
    response = api.get("/api/schema", {"format": "json"})
    assert response.status_code == 200
    paths: dict[str, Any] = json.loads(response.content)["paths"]
    return paths


def test_the_user_operations_are_documented_with_their_responses(paths):
    operations = {
        ("post", USERS): {"201", "400", "409"},
        ("get", USER): {"200", "404"},
        ("patch", USER): {"200", "400", "404"},
    }
    for (method, path), statuses in operations.items():
        operation = paths[path][method]
        assert operation["description"], (method, path)
        assert has_example(operation), (method, path)
        assert statuses <= set(operation["responses"]), (method, path)
        assert "only key" in operation["description"], (method, path)
        assert "tokens" in operation["description"], (method, path)


def test_the_create_description_shows_the_local_storage_flow(paths):
    description = paths[USERS]["post"]["description"]

    assert "localStorage" in description
    for step in (
        "POST /api/v1/users/{user_id}/plans",
        "POST /api/v1/users/{user_id}/workout-logs",
        "GET /api/v1/users/{user_id}/progress",
    ):
        assert step in description
    assert "Safe to retry" in description


def test_the_user_id_is_documented_as_a_uuid(paths):
    parameter = next(p for p in paths[USER]["get"]["parameters"] if p["name"] == "user_id")

    assert parameter["schema"]["format"] == "uuid"
    assert "secret" in parameter["description"].lower()
