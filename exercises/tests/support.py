"""What the exercise tests share: the source data as an oracle, page walking and problem checks."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from rest_framework.test import APIClient

EXERCISES = "/api/v1/exercises"
SEARCH = "/api/v1/exercises/search"
FILTER = "/api/v1/exercises/filter"
TAXONOMY = "/api/v1/exercises/taxonomy"
LIBRARY_SIZE = 926


@cache
def source_records() -> dict[str, dict[str, Any]]:
    """The open dataset the library is loaded from, by slug: what the API must serve."""
    records = json.loads(settings.EXERCISES_DATA_FILE.read_text(encoding="utf-8"))
    return {record["slug"]: record for record in records}


@cache
def project_french_names() -> dict[str, str]:
    names: dict[str, str] = json.loads(settings.EXERCISES_FR_NAMES_FILE.read_text(encoding="utf-8"))
    return names


def source_count(**wanted: str) -> int:
    """How many records of the dataset hold every given value (in a list field or as the value)."""

    def holds(record: dict[str, Any], field: str, value: str) -> bool:
        held = record[field]
        return value in held if isinstance(held, list) else held == value

    return sum(all(holds(r, f, v) for f, v in wanted.items()) for r in source_records().values())


def all_results(api: APIClient, path: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every item of a paginated endpoint, walking the pages 100 at a time."""
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        response = api.get(path, {**(params or {}), "page_size": 100, "page": page})
        assert response.status_code == 200, response.content
        body = response.json()
        items += body["results"]
        if not body["next"]:
            assert len(items) == body["count"]
            return items
        page += 1


def assert_problem(response: HttpResponse, status: int, field: str | None = None) -> dict[str, Any]:
    """An RFC 9457 problem with the given status, naming `field` in `errors` when given."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = json.loads(response.content)
    assert body["status"] == status
    assert body["type"].startswith("https://")
    assert body["title"]
    assert body["detail"]
    if field is not None:
        assert field in body["errors"], body
        assert body["errors"][field]
        assert all(body["errors"][field])
        assert field in body["detail"]
    return body
