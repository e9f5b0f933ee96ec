"""Schemathesis against every operation of /api/schema, in process (WSGI), on the test database;
and the schema itself: valid OpenAPI 3, built without a warning.

Each operation gets up to 50 generated requests (fewer only where the schema allows fewer distinct
ones, e.g. no parameter at all) on top of the schema's examples and Schemathesis' coverage cases
(boundaries, wrong types, missing fields, other methods), valid and invalid, from a fixed seed.
Every answer must be one the schema documents (status, content type, body), and none a 5xx.

Each request runs as the disposable user of its operation (movoai.tests.schema_fuzz_cast), in a
savepoint rolled back after it: a destructive request (deleting the account, unlinking a method,
logging out) is undone before the next, which gets the user afresh. Each request also starts with
an empty cache, so rate limits (documented 429s, tested in test_throttling) never block the run.
No language model: the AI endpoints answer from their rules engine, as everywhere in the tests.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from django.core.cache import cache
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.providers.google import verify
from accounts.providers.google.pipeline import GoogleRedirectBackend
from accounts.providers.google.tests.conftest import WEB_CLIENT_ID as GOOGLE_CLIENT_ID
from accounts.providers.google.tests.conftest import FakeGoogleCerts
from movoai.tests.schema_fuzz_cast import disposable_user
from movoai.wsgi import application

SEED = 20_260_309
EXAMPLES_PER_OPERATION = 50
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

schema = schemathesis.openapi.from_wsgi("/api/schema", application)
schema.config.seed = SEED


@pytest.fixture
def _connection_kept() -> Iterator[None]:
    """The database connection outlives each request, as under Django's test client: Django closes
    it when a request ends, which would end the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


class UnknownCodeGoogle:
    """Google's token endpoint as it answers a code it never issued (every fuzzed one)."""

    def __call__(self, backend: Any, url: str, **kwargs: Any) -> requests.Response:
        response = requests.Response()
        response.status_code = 400
        response._content = json.dumps({"error": "invalid_grant", "error_description": "Bad Request"}).encode()
        response.headers["Content-Type"] = "application/json"
        response.url = url
        response.raise_for_status()
        return response


@pytest.fixture
def _google_faked(monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    """Google sign-in configured (so that its routes are fuzzed past "not configured"), with Google
    itself faked at the HTTP boundary: its certificates, and its token endpoint refusing the codes."""
    settings.SOCIAL_AUTH_GOOGLE_OAUTH2_KEY = GOOGLE_CLIENT_ID
    settings.SOCIAL_AUTH_GOOGLE_OAUTH2_SECRET = "fuzz-client-secret"
    monkeypatch.setattr(verify, "certificate_transport", FakeGoogleCerts)
    monkeypatch.setattr(GoogleRedirectBackend, "request", UnknownCodeGoogle())


@pytest.fixture
def fuzz_user(db: None, _connection_kept: None, _google_faked: None) -> dict[str, Any]:
    return disposable_user()


def _pick(value: Any) -> bool:
    """Deterministically, about half the generated values of a path parameter are replaced by the id
    of a real resource of the disposable user, so that the 200 paths are fuzzed as well as the 404s."""
    return zlib.crc32(repr(value).encode()) % 2 == 0


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_answer_is_documented(case: Any, fuzz_user: dict[str, Any]) -> None:
    for name, real in fuzz_user["path"].items():
        if name in (case.path_parameters or {}) and _pick(case.path_parameters[name]):
            case.path_parameters[name] = real
    # identity: the in-process client hands back the raw body, where an HTTP client would gunzip it
    headers = {"Authorization": f"Bearer {fuzz_user['access']}", "Accept-Encoding": "identity"}
    cache.clear()  # every request starts with fresh rate-limit counters, as every test does
    with transaction.atomic():
        case.call_and_validate(headers=headers, checks=CHECKS)
        transaction.set_rollback(True)


def test_the_schema_is_valid_openapi_3() -> None:
    validate(schema.raw_schema)  # raises, naming the first error, when it is not
    assert schema.raw_schema["openapi"].startswith("3.")


def test_the_schema_builds_without_a_warning(tmp_path: Path) -> None:
    # --fail-on-warn: any drf-spectacular warning or error (an unresolvable type, a name clash) fails
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "schema.yaml"))
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3")


def test_every_error_answer_is_a_problem() -> None:
    problem_ref = "#/components/schemas/Problem"
    statuses_by_operation = {}
    for path, path_item in schema.raw_schema["paths"].items():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation["responses"]
            statuses_by_operation[f"{method.upper()} {path}"] = set(responses)
            for status, response in responses.items():
                if int(status) >= 400:
                    assert response["content"] == {
                        "application/problem+json": response["content"]["application/problem+json"]
                    }, (method, path, status)
                    assert response["content"]["application/problem+json"]["schema"] == {"$ref": problem_ref}
    assert all({"400", "429", "503"} <= statuses for statuses in statuses_by_operation.values())
    assert {"401", "413", "415"} <= statuses_by_operation["POST /api/v1/users/me/workout-logs"]
    assert "404" in statuses_by_operation["GET /api/v1/exercises"]  # a page past the last
