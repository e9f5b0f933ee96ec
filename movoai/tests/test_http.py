"""HTTP behaviour set up in settings: CORS for the frontend only, conditional GET, gzip."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest

pytestmark = pytest.mark.django_db

FRONTEND = "https://app.movoai.test"
ELSEWHERE = "https://evil.example"
LIST = "/api/v1/workout-plans"


@pytest.fixture(autouse=True)
def _frontend_origin(settings: Any) -> None:
    settings.CORS_ALLOWED_ORIGINS = [FRONTEND]


def preflight(api: Any, origin: str) -> Any:
    return api.options(LIST, HTTP_ORIGIN=origin, HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET")


def test_the_frontend_origin_may_read_the_api(api):
    response = api.get(LIST, HTTP_ORIGIN=FRONTEND)

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == FRONTEND


def test_the_frontend_origin_passes_the_preflight(api):
    response = preflight(api, FRONTEND)

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == FRONTEND
    assert "GET" in response["Access-Control-Allow-Methods"]


def test_the_frontend_origin_may_read_health(api):
    assert api.get("/health", HTTP_ORIGIN=FRONTEND)["Access-Control-Allow-Origin"] == FRONTEND


def test_an_unknown_origin_gets_no_cors_header(api):
    response = api.get(LIST, HTTP_ORIGIN=ELSEWHERE)

    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response


def test_an_unknown_origin_fails_the_preflight(api):
    assert "Access-Control-Allow-Origin" not in preflight(api, ELSEWHERE)


def test_the_back_office_sends_no_cors_header(api):
    assert "Access-Control-Allow-Origin" not in api.get("/admin/login/", HTTP_ORIGIN=FRONTEND)


def test_a_matching_etag_answers_304_without_a_body(api):
    first = api.get(LIST, {"page_size": 5})
    etag = first["ETag"]

    again = api.get(LIST, {"page_size": 5}, HTTP_IF_NONE_MATCH=etag)

    assert etag
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag


def test_a_stale_etag_gets_the_full_page(api):
    etag = api.get(LIST, {"page_size": 5})["ETag"]

    other_page = api.get(LIST, {"page_size": 5, "page": 2}, HTTP_IF_NONE_MATCH=etag)

    assert other_page.status_code == 200
    assert other_page["ETag"] != etag
    assert len(other_page.json()["results"]) == 5


def test_the_etag_follows_the_language(api):
    english = api.get(LIST, {"lang": "en"})
    french = api.get(LIST, {"lang": "fr"}, HTTP_IF_NONE_MATCH=english["ETag"])

    assert french.status_code == 200
    assert "Accept-Language" in french["Vary"]


def test_gzip_is_used_when_the_client_accepts_it(api):
    response = api.get("/api/v1/exercises", {"page_size": 100}, HTTP_ACCEPT_ENCODING="gzip")

    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    body = json.loads(gzip.decompress(response.content))
    assert len(body["results"]) == 100
    assert int(response["Content-Length"]) == len(response.content)


def test_no_gzip_for_a_client_that_does_not_accept_it(api):
    response = api.get("/api/v1/exercises", {"page_size": 100})

    assert "Content-Encoding" not in response
    assert len(response.json()["results"]) == 100


def test_a_gzipped_page_still_answers_304_to_its_etag(api):
    first = api.get(LIST, HTTP_ACCEPT_ENCODING="gzip")

    again = api.get(LIST, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=first["ETag"])

    assert first["Content-Encoding"] == "gzip"
    assert again.status_code == 304
