"""The API's documentation: the OpenAPI 3 schema and the Swagger UI page, served by us (no CDN)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

pytestmark = pytest.mark.django_db

CDN_HOSTS = re.compile(r"cdn\.jsdelivr\.net|unpkg\.com|cdnjs\.cloudflare\.com|fonts\.googleapis\.com")
PUBLIC_ENDPOINTS = [
    "/api/v1/exercises",
    "/api/v1/exercises/{exercise_id}",
    "/api/v1/exercises/search",
    "/api/v1/exercises/filter",
    "/api/v1/workout-plans",
    "/api/v1/workout-plans/{plan_id}",
    "/api/v1/workout-plans/featured",
]


@pytest.fixture
def schema(api: Any) -> dict[str, Any]:
    response = api.get("/api/schema", {"format": "json"})
    assert response.status_code == 200
    spec: dict[str, Any] = json.loads(response.content)
    return spec


def operations(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        f"{method.upper()} {path}": operation
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    }


def has_example(node: Any) -> bool:
    if isinstance(node, dict):
        if node.get("example") is not None or node.get("examples"):
            return True
        return any(has_example(value) for value in node.values())
    if isinstance(node, list):
        return any(has_example(value) for value in node)
    return False


def test_the_schema_is_openapi_3_with_every_public_endpoint(schema):
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "MovoAI API"
    assert set(PUBLIC_ENDPOINTS) <= set(schema["paths"])


def test_every_operation_has_a_description(schema):
    undescribed = [name for name, operation in operations(schema).items() if not operation.get("description")]

    assert undescribed == []


def test_every_operation_has_an_example(schema):
    without_example = [name for name, operation in operations(schema).items() if not has_example(operation)]

    assert without_example == []


def test_the_schema_says_the_api_is_public(schema):
    description = schema["info"]["description"].lower()

    assert "public" in description
    assert "no login" in description
    for path in PUBLIC_ENDPOINTS:
        assert "public" in schema["paths"][path]["get"]["description"].lower(), path


def test_the_schema_documents_the_lang_parameter(schema):
    parameters = {parameter["name"] for parameter in schema["paths"]["/api/v1/workout-plans"]["get"]["parameters"]}

    assert {"lang", "page", "page_size", "goal", "difficulty", "equipment_setting", "days_per_week"} <= parameters


def test_the_docs_page_loads_swagger_ui_from_our_static_files(client):
    response = client.get("/docs", HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "swagger-ui" in page
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "/api/schema" in page
    assert not CDN_HOSTS.search(page)
    assert not re.search(r"(src|href)=\"https?://", page)


def test_the_swagger_ui_script_is_served(client):
    response = client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")

    assert response.status_code == 200
    assert b"SwaggerUI" in b"".join(response.streaming_content)
