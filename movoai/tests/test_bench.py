"""Benchmark mode (MOVOAI_BENCH=1, movoai/bench.py): the ceiling route exists only in it, answers
a constant body of the asked size, and an X-SQL-Queries header counts each request's SQL."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.urls import clear_url_caches
from rest_framework.test import APIClient

import movoai.urls
from movoai.bench import SQL_QUERIES_HEADER, SQLQueryCountMiddleware

pytestmark = pytest.mark.django_db

CEILING = "/api/v1/bench/ceiling"


def _reload_urls() -> None:
    clear_url_caches()
    importlib.reload(movoai.urls)


@pytest.fixture
def bench_mode(settings: Any) -> Iterator[None]:
    """Settings as MOVOAI_BENCH=1 makes them: the flag, the middleware first, the URLconf rebuilt."""
    settings.BENCH = True
    settings.MIDDLEWARE = ["movoai.bench.SQLQueryCountMiddleware", *settings.MIDDLEWARE]
    _reload_urls()
    yield
    settings.BENCH = False
    _reload_urls()


def test_the_ceiling_route_does_not_exist_outside_benchmark_mode(api: APIClient) -> None:
    response = api.get(CEILING, {"bytes": "500"})

    assert response.status_code == 404
    assert SQL_QUERIES_HEADER not in response


@pytest.mark.usefixtures("bench_mode")
def test_the_ceiling_answers_a_constant_json_body_of_the_asked_size() -> None:
    first = APIClient().get(CEILING, {"bytes": "44373"})
    second = APIClient().get(CEILING, {"bytes": "44373"})

    assert first.status_code == 200
    assert first["Content-Type"] == "application/json"
    assert len(first.content) == 44373
    assert first.content == second.content
    assert json.loads(first.content)["padding"].strip("x") == ""
    assert first[SQL_QUERIES_HEADER] == "0"


@pytest.mark.usefixtures("bench_mode")
def test_a_request_for_an_uncached_page_reports_its_queries_and_the_cached_one_none() -> None:
    api = APIClient()

    cold = api.get("/api/v1/exercises")
    warm = api.get("/api/v1/exercises")

    assert cold.status_code == warm.status_code == 200
    assert int(cold[SQL_QUERIES_HEADER]) >= 1
    assert warm.content == cold.content
    assert int(warm[SQL_QUERIES_HEADER]) < int(cold[SQL_QUERIES_HEADER])


def test_the_header_counts_every_statement_the_request_ran() -> None:
    def view(request: HttpRequest) -> HttpResponse:
        with connection.cursor() as cursor:
            for _ in range(3):
                cursor.execute("SELECT 1")
        return HttpResponse("ok")

    response = SQLQueryCountMiddleware(view)(RequestFactory().get("/"))

    assert response[SQL_QUERIES_HEADER] == "3"
