"""One error format everywhere under /api: RFC 9457 problem details, never an HTML page, never a
stack trace.

This module is also the URLconf of the crash tests: the project's routes plus views that fail.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path
from rest_framework.request import Request
from rest_framework.test import APIClient
from rest_framework.views import APIView

from movoai.urls import urlpatterns as project_urlpatterns

pytestmark = pytest.mark.django_db

SECRET_IN_THE_CRASH = "the-crash-message-must-not-leak"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


class CrashingApiView(APIView):
    def get(self, request: Request) -> HttpResponse:
        raise RuntimeError(SECRET_IN_THE_CRASH)


class DatabaseDownApiView(APIView):
    def get(self, request: Request) -> HttpResponse:
        raise OperationalError("connection to server on socket failed")


class BrokenRuleApiView(APIView):
    def get(self, request: Request) -> HttpResponse:
        raise IntegrityError('new row for relation "workout_plans" violates check constraint')


def broken_rule_django_view(request: HttpRequest) -> HttpResponse:
    raise IntegrityError('new row for relation "workout_plans" violates check constraint')


def crashing_django_view(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(SECRET_IN_THE_CRASH)


def database_down_django_view(request: HttpRequest) -> HttpResponse:
    raise OperationalError("connection to server on socket failed")


urlpatterns = [
    path("api/v1/test/crash", CrashingApiView.as_view()),
    path("api/v1/test/crash-plain", crashing_django_view),
    path("api/v1/test/database-down", DatabaseDownApiView.as_view()),
    path("api/v1/test/database-down-plain", database_down_django_view),
    path("api/v1/test/broken-rule", BrokenRuleApiView.as_view()),
    path("api/v1/test/broken-rule-plain", broken_rule_django_view),
    *project_urlpatterns,
]
handler400 = "movoai.errors.bad_request"
handler403 = "movoai.errors.permission_denied"
handler404 = "movoai.errors.not_found"
handler500 = "movoai.errors.server_error"


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"].startswith("https://movoai.app/problems/")
    assert body["title"]
    assert body["detail"]
    return body


@pytest.fixture
def crash_urls(settings: Any) -> None:
    settings.ROOT_URLCONF = __name__


@pytest.fixture
def browser_like() -> Client:
    """A client that gets the 500 page instead of the view's exception, as a real client does."""
    return Client(raise_request_exception=False, HTTP_ACCEPT=BROWSER_ACCEPT)


@pytest.mark.parametrize(
    "path",
    ["/api/v1/no-such-endpoint", "/api/v1/exercises/", "/api/v2/exercises", "/api/", "/health/"],
)
def test_an_unknown_api_path_is_a_404_problem(api, path):
    body = assert_problem(api.get(path, HTTP_ACCEPT=BROWSER_ACCEPT), 404)

    assert path in body["detail"]


def test_an_unknown_path_outside_the_api_stays_a_plain_404(client):
    response = client.get("/no-such-page")

    assert response.status_code == 404
    assert response["Content-Type"] != "application/problem+json"


def test_a_client_that_accepts_only_html_gets_a_406_problem_not_a_page(api):
    response = api.get("/api/v1/workout-plans", HTTP_ACCEPT="text/html")

    assert_problem(response, 406)
    assert "<html" not in response.content.decode().lower()


@pytest.mark.parametrize("path", ["/api/v1/exercises", "/api/v1/workout-plans", "/api/v1/workout-plans/featured"])
def test_a_write_to_a_read_only_endpoint_is_a_405_problem_with_allow(api, path):
    response = api.post(path, {"slug": "x"}, format="json")

    body = assert_problem(response, 405)
    assert "POST" in body["detail"]
    allowed = {method.strip() for method in response["Allow"].split(",")}
    assert "GET" in allowed
    assert "POST" not in allowed


def test_a_delete_on_a_plan_is_a_405_problem(api):
    response = api.delete("/api/v1/workout-plans/1")

    assert_problem(response, 405)
    assert "DELETE" not in response["Allow"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": "abc"}, "page"),
        ({"page_size": "100000"}, "page_size"),
        ({"difficulty": "superhuman"}, "difficulty"),
        ({"lang": "klingon"}, "lang"),
        ({"sort": "name"}, "sort"),
    ],
)
def test_malformed_parameters_are_a_400_problem_with_errors_per_field(api, params, field):
    body = assert_problem(api.get("/api/v1/exercises", params), 400)

    assert list(body["errors"]) == [field]
    assert all(isinstance(message, str) and message for message in body["errors"][field])
    assert field in body["detail"]


def test_a_crash_in_an_api_view_is_a_500_problem_without_the_trace(crash_urls, browser_like):
    response = browser_like.get("/api/v1/test/crash")

    body = assert_problem(response, 500)
    text = response.content.decode()
    assert SECRET_IN_THE_CRASH not in text
    assert "Traceback" not in text
    assert "<html" not in text.lower()
    assert set(body) == {"type", "title", "status", "detail"}


def test_a_crash_in_a_plain_view_under_api_is_a_500_problem_too(crash_urls, browser_like):
    response = browser_like.get("/api/v1/test/crash-plain")

    assert_problem(response, 500)
    text = response.content.decode()
    assert SECRET_IN_THE_CRASH not in text
    assert "<html" not in text.lower()


@pytest.mark.parametrize("path", ["/api/v1/test/database-down", "/api/v1/test/database-down-plain"])
def test_a_database_outage_is_a_503_problem(crash_urls, browser_like, path):
    response = browser_like.get(path)

    assert_problem(response, 503)
    assert "socket" not in response.content.decode()
    assert int(response["Retry-After"]) > 0


@pytest.mark.parametrize("path", ["/api/v1/test/broken-rule", "/api/v1/test/broken-rule-plain"])
def test_a_refused_write_is_a_500_problem_not_an_outage(crash_urls, browser_like, path):
    """A violated constraint is a bug to fix, not a database to wait for: no 503, no Retry-After."""
    response = browser_like.get(path)

    assert_problem(response, 500)
    assert "Retry-After" not in response
    assert "workout_plans" not in response.content.decode()


def test_the_crash_is_logged_with_its_request_id(crash_urls, caplog):
    client = APIClient(raise_request_exception=False)

    response = client.get("/api/v1/test/crash", HTTP_X_REQUEST_ID="crash-42")

    assert response["X-Request-ID"] == "crash-42"
    errors = [record for record in caplog.records if record.levelname == "ERROR" and record.exc_info]
    assert errors
    assert any(SECRET_IN_THE_CRASH in str(record.exc_info[1]) for record in errors if record.exc_info)
    assert all(getattr(record, "request_id", None) == "crash-42" for record in errors)
