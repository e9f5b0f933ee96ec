"""The OpenAPI documentation of the user endpoints."""

from __future__ import annotations

import json
from typing import Any

import pytest

from movoai.tests.test_urls import has_example

pytestmark = pytest.mark.django_db

USERS = "/api/v1/users"
USER = "/api/v1/users/{user_id}"
ME = "/api/v1/users/me"


@pytest.fixture
def paths(api: Any) -> dict[str, Any]:
    response = api.get("/api/schema", {"format": "json"})
    assert response.status_code == 200
    paths: dict[str, Any] = json.loads(response.content)["paths"]
    return paths


def test_the_user_operations_are_documented_with_their_responses(paths):
    operations = {
        ("post", USERS): {"201", "400", "409"},
        ("get", USER): {"200", "401", "404"},
        ("patch", USER): {"200", "400", "401", "404"},
        ("get", ME): {"200", "401"},
        ("put", ME): {"200", "400", "401"},
        ("patch", ME): {"200", "400", "401"},
        ("delete", ME): {"204", "401"},
    }
    for (method, path), statuses in operations.items():
        operation = paths[path][method]
        assert operation["description"], (method, path)
        assert has_example(operation), (method, path)
        assert statuses <= set(operation["responses"]), (method, path)
    for method in ("get", "put", "patch", "delete"):
        assert "Bearer" in paths[ME][method]["description"], method
        assert paths[ME][method]["security"] == [{"jwtAuth": []}], method  # no token-less access


def test_the_create_answer_documents_the_token_pair(paths):
    created = paths[USERS]["post"]["responses"]["201"]["content"]["application/json"]
    schema_name = created["schema"]["$ref"].rsplit("/", 1)[-1]
    example = next(iter(created["examples"].values()))["value"]

    assert {"user_id", "access", "refresh", "token_type"} <= set(example)
    assert schema_name == "UserCreated"


def test_the_create_description_shows_the_token_flow(paths):
    description = paths[USERS]["post"]["description"]

    for step in (
        "POST /api/v1/users/me/plans",
        "POST /api/v1/users/me/workout-logs",
        "GET /api/v1/users/me/progress",
        "Authorization: Bearer",
        "POST /api/v1/auth/refresh",
    ):
        assert step in description
    assert "Safe to retry" in description


def test_the_profile_update_by_id_is_deprecated_for_the_one_of_me(paths):
    assert paths[USER]["patch"]["deprecated"] is True
    assert f"PATCH {ME}" in paths[USER]["patch"]["description"]
    # reading a user by id stays: it is how staff read any user
    assert not paths[USER]["get"].get("deprecated")
    assert "staff" in paths[USER]["get"]["description"]


def test_the_user_id_is_documented_as_a_uuid(paths):
    parameter = next(p for p in paths[USER]["get"]["parameters"] if p["name"] == "user_id")

    assert parameter["schema"]["format"] == "uuid"
    assert "secret" in parameter["description"].lower()
