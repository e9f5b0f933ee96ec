"""Request logging: one JSON line per request, with a request id echoed in X-Request-ID."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest
from rest_framework.test import APIClient

from movoai.logging import JsonFormatter

pytestmark = pytest.mark.django_db

HEX_ID = re.compile(r"^[0-9a-f]{32}$")


def request_lines(caplog: Any) -> list[dict[str, Any]]:
    formatter = JsonFormatter()
    lines = [formatter.format(record) for record in caplog.records if record.name == "movoai.request"]
    assert all("\n" not in line for line in lines)
    return [json.loads(line) for line in lines]


@pytest.fixture(autouse=True)
def _capture_request_log(caplog: Any) -> None:
    caplog.set_level(logging.INFO, logger="movoai.request")


def test_each_request_logs_one_json_line(api, caplog):
    response = api.get("/api/v1/workout-plans", {"page_size": 2}, REMOTE_ADDR="203.0.113.9")

    [line] = request_lines(caplog)
    assert line["logger"] == "movoai.request"
    assert line["level"] == "INFO"
    assert line["method"] == "GET"
    assert line["path"] == "/api/v1/workout-plans"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float | int)
    assert line["duration_ms"] >= 0
    assert line["client_ip"] == "203.0.113.9"
    assert line["request_id"] == response["X-Request-ID"]
    assert HEX_ID.match(line["request_id"])
    assert line["time"].endswith("+00:00")


def test_two_requests_log_two_lines_with_different_ids(api, caplog):
    api.get("/api/v1/health")
    api.get("/api/v1/no-such-endpoint")

    first, second = request_lines(caplog)
    assert (first["status"], second["status"]) == (200, 404)
    assert first["request_id"] != second["request_id"]


def test_a_server_error_is_logged_at_error_level(caplog, settings):
    settings.ROOT_URLCONF = "movoai.tests.test_errors"
    client = APIClient(raise_request_exception=False)

    client.get("/api/v1/test/crash")

    [line] = request_lines(caplog)
    assert line["status"] == 500
    assert line["level"] == "ERROR"


@pytest.mark.parametrize("incoming", ["telegram-update-8812", "A1b2.C3_d4-e5", "x" * 64])
def test_a_valid_incoming_request_id_is_echoed(api, caplog, incoming):
    response = api.get("/api/v1/health", HTTP_X_REQUEST_ID=incoming)

    assert response["X-Request-ID"] == incoming
    assert request_lines(caplog)[0]["request_id"] == incoming


@pytest.mark.parametrize(
    "incoming",
    ["has spaces", "x" * 65, "<script>alert(1)</script>", "line\\nbreak", "", "naïve"],
)
def test_an_invalid_incoming_request_id_is_replaced(api, caplog, incoming):
    response = api.get("/api/v1/health", HTTP_X_REQUEST_ID=incoming)

    assert response["X-Request-ID"] != incoming
    assert HEX_ID.match(response["X-Request-ID"])
    assert request_lines(caplog)[0]["request_id"] == response["X-Request-ID"]


def test_the_request_id_is_on_error_responses_too(api):
    response = api.get("/api/v1/workout-plans", {"page": "abc"}, HTTP_X_REQUEST_ID="bad-page-1")

    assert response.status_code == 400
    assert response["X-Request-ID"] == "bad-page-1"


@pytest.mark.django_db
def test_a_not_found_page_of_the_admin_is_answered_not_logged_as_a_crash(client, caplog):
    from accounts.models import User

    staff = User.objects.create_user(email="sam@movoai.test", password="correct horse battery", is_staff=True)
    client.force_login(staff)
    caplog.set_level(logging.INFO, logger="movoai.request")

    response = client.get("/admin/no-such-page/")

    assert response.status_code == 404
    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR] == []
    [line] = request_lines(caplog)
    assert line["status"] == 404
