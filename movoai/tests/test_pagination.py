"""Page numbers: a bad page or page size is a 400 naming the parameter, never a silent clamp."""

from __future__ import annotations

import pytest
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from movoai.pagination import PageNumberPagination


def page_and_size(query: str) -> tuple[int, int]:
    request = Request(APIRequestFactory().get(f"/api/v1/exercises?{query}"))
    return PageNumberPagination().validate(request)


@pytest.mark.parametrize(
    ("query", "expected"),
    [("", (1, 20)), ("page=3", (3, 20)), ("page_size=100", (1, 100)), ("page=&page_size=", (1, 20))],
)
def test_valid_page_parameters(query, expected):
    assert page_and_size(query) == expected


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("page=abc", "page"),
        ("page=0", "page"),
        ("page=-2", "page"),
        ("page=1.5", "page"),
        ("page_size=0", "page_size"),
        ("page_size=101", "page_size"),
        ("page_size=100000", "page_size"),
        ("page_size=ten", "page_size"),
    ],
)
def test_invalid_page_parameters_are_refused_by_name(query, name):
    with pytest.raises(ValidationError) as refused:
        page_and_size(query)

    assert isinstance(refused.value.detail, dict)
    assert list(refused.value.detail) == [name]


@pytest.mark.django_db
def test_the_last_page_links_back_and_not_forward(api):
    body = api.get("/api/v1/exercises", {"page_size": 100, "page": 10}).json()

    assert body["count"] == 926
    assert len(body["results"]) == 26
    assert body["next"] is None
    assert "page=9" in body["previous"]
