"""Hand-written bad input that a schema fuzzer misses, sent to three representative endpoints: a
public search (GET with a query string), an anonymous write (a workout log posted on the legacy
/users/{id} route) and an authenticated JSON write (PATCH /users/me with a bearer token).

Every answer is a problem (application/problem+json) naming what is wrong, never a 500, and a
refused write stores nothing. SQL and HTML in text are data: stored and returned exactly as sent."""

from __future__ import annotations

import datetime
import json
import uuid
from typing import Any

import pytest
from django.conf import settings
from django.http import HttpResponse
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.tokens import token_pair_for
from plans.models import PlanExercise, WorkoutPlan
from tracking.models import UserPlan, UserWorkoutLog
from tracking.tests.factories import UserPlanFactory

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/exercises/search"
ME = "/api/v1/users/me"
JSON = "application/json"
HOSTILE_TEXT = "'); DROP TABLE users;-- <script>alert(1)</script> \" & é 💪"


@pytest.fixture
def alice(db: None) -> User:
    """An anonymous app user (no login method): the legacy /users/{id} routes serve her without a token."""
    user: User = UserFactory.create(display_name="Alice", time_zone="UTC")
    return user


@pytest.fixture
def plan_exercise(alice: User) -> PlanExercise:
    plan = WorkoutPlan.objects.get(slug="beginner-full-body-strength", is_template=True)
    user_plan: UserPlan = UserPlanFactory.create(user=alice, plan=plan, start_date=datetime.date(2024, 1, 1))
    found = user_plan.plan.plan_exercises.filter(reps__isnull=False).order_by("id").first()
    assert found is not None
    return found


@pytest.fixture
def logs_path(alice: User) -> str:
    return f"/api/v1/users/{alice.id}/workout-logs"


@pytest.fixture
def bob_api(db: None) -> APIClient:
    """Bob, signed in: a client that sends his access token."""
    bob: User = UserFactory.create(display_name="Bob")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_for(bob)['access']}")
    return client


def log_body(plan_exercise: PlanExercise, **changes: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "plan_exercise_id": plan_exercise.id,
        "date_performed": "2024-01-01",
        "sets_completed": 3,
        "reps_completed": 10,
        "weight_kg": 40.0,
        "notes": "felt solid",
        **changes,
    }


def assert_problem(response: HttpResponse, status: int, *named: str) -> dict[str, Any]:
    """A problem with this status whose detail names each of `named` (a field, a limit...)."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = json.loads(response.content)
    assert body["status"] == status
    assert body["type"].startswith("https://")
    assert body["title"]
    assert body["detail"]
    for word in named:
        assert word in body["detail"], body
    return body


def raw(client: APIClient, method: str, path: str, data: bytes | str, content_type: str = JSON) -> HttpResponse:
    # DRF's stubs say str; bytes are sent exactly as they are (the invalid UTF-8 cases need that)
    response: HttpResponse = client.generic(method, path, data=data, content_type=content_type)  # type: ignore[arg-type]
    return response


# ---- huge bodies ---------------------------------------------------------------------------------


def test_a_body_over_the_limit_is_a_413_naming_the_limit_and_stores_nothing(
    api: APIClient, logs_path: str, plan_exercise: PlanExercise
) -> None:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body = json.dumps(log_body(plan_exercise, notes="x" * (limit + 1)))

    response = raw(api, "POST", logs_path, body)

    assert_problem(response, 413, str(limit))
    assert not UserWorkoutLog.objects.exists()


def test_a_profile_update_over_the_limit_is_a_413(bob_api: APIClient) -> None:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = raw(bob_api, "PATCH", ME, json.dumps({"display_name": "B" * (limit + 1)}))

    assert_problem(response, 413)
    assert json.loads(bob_api.get(ME).content)["profile"]["display_name"] == "Bob"


# ---- deeply nested JSON ----------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), [("POST", "logs"), ("PATCH", ME)])
def test_deeply_nested_json_is_a_400(
    api: APIClient, bob_api: APIClient, logs_path: str, method: str, path: str
) -> None:
    depth = 100_000
    client, target = (api, logs_path) if path == "logs" else (bob_api, path)

    response = raw(client, method, target, "[" * depth + "]" * depth)

    assert_problem(response, 400, "JSON")


def test_nesting_inside_a_field_is_a_400_naming_the_field(api: APIClient, logs_path: str) -> None:
    depth = 100_000
    response = raw(api, "POST", logs_path, '{"notes": ' + "[" * depth + "]" * depth + "}")

    assert_problem(response, 400, "JSON")
    assert not UserWorkoutLog.objects.exists()


# ---- invalid UTF-8 -----------------------------------------------------------------------------------


def test_invalid_utf8_in_a_body_is_a_400(api: APIClient, logs_path: str, plan_exercise: PlanExercise) -> None:
    body = json.dumps(log_body(plan_exercise, notes="NOTES")).encode().replace(b"NOTES", b"caf\xc3\x28 \xff")

    response = raw(api, "POST", logs_path, body)

    assert_problem(response, 400, "UTF-8")
    assert not UserWorkoutLog.objects.exists()


def test_invalid_utf8_in_a_profile_update_is_a_400(bob_api: APIClient) -> None:
    response = raw(bob_api, "PATCH", ME, b'{"display_name": "\xff\xfe"}')

    assert_problem(response, 400, "UTF-8")


def test_invalid_utf8_in_a_query_parameter_is_a_400(api: APIClient) -> None:
    response = api.get(SEARCH, QUERY_STRING="q=squat%FF%FE")

    assert_problem(response, 400, "q")


# ---- NUL bytes -------------------------------------------------------------------------------------


def test_a_nul_byte_in_a_logged_text_is_a_400_naming_the_field(
    api: APIClient, logs_path: str, plan_exercise: PlanExercise
) -> None:
    response = api.post(logs_path, log_body(plan_exercise, notes="good\u0000set"), format="json")

    assert_problem(response, 400, "notes")
    assert not UserWorkoutLog.objects.exists()


def test_a_nul_byte_in_a_profile_field_is_a_400_naming_the_field(bob_api: APIClient) -> None:
    response = bob_api.patch(ME, {"display_name": "Bob\u0000", "limitations": ["knee\u0000"]}, format="json")

    assert_problem(response, 400, "display_name", "limitations")
    assert json.loads(bob_api.get(ME).content)["profile"]["display_name"] == "Bob"


@pytest.mark.parametrize("query_string", ["q=squat%00", "q=%00", "q=squat&lang=en%00"])
def test_a_nul_byte_in_a_search_query_is_a_400(api: APIClient, query_string: str) -> None:
    response = api.get(SEARCH, QUERY_STRING=query_string)

    assert_problem(response, 400, query_string.rsplit("&", 1)[-1].split("=")[0])


# ---- negative and huge numbers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("sets_completed", -1),
        ("sets_completed", 10**30),
        ("reps_completed", 2**63),
        ("plan_exercise_id", 2**64),
        ("weight_kg", 1e308),
        ("weight_kg", -0.5),
        ("rpe", 10**1000),
    ],
)
def test_negative_or_huge_numbers_are_a_400_naming_the_field(
    api: APIClient, logs_path: str, plan_exercise: PlanExercise, field: str, value: float
) -> None:
    response = api.post(logs_path, log_body(plan_exercise, **{field: value}), format="json")

    assert_problem(response, 400, field)
    assert not UserWorkoutLog.objects.exists()


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
@pytest.mark.parametrize("field", ["weight_kg", "sets_completed"])
def test_nan_and_infinity_literals_are_a_400(
    api: APIClient, logs_path: str, plan_exercise: PlanExercise, field: str, literal: str
) -> None:
    body = json.dumps(log_body(plan_exercise, **{field: "LITERAL"})).replace('"LITERAL"', literal)

    response = raw(api, "POST", logs_path, body)

    assert_problem(response, 400)
    assert not UserWorkoutLog.objects.exists()


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-1", "1e308"])
def test_nan_infinity_and_out_of_range_weights_in_a_profile_are_a_400(bob_api: APIClient, literal: str) -> None:
    response = raw(bob_api, "PATCH", ME, '{"weight_kg": ' + literal + "}")

    assert_problem(response, 400)
    assert json.loads(bob_api.get(ME).content)["profile"]["weight_kg"] is None


# ---- wrong content types -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=XyZ", "application/xml"],
)
def test_a_write_in_another_content_type_is_a_415(
    api: APIClient, bob_api: APIClient, logs_path: str, plan_exercise: PlanExercise, content_type: str
) -> None:
    body = json.dumps(log_body(plan_exercise))
    if content_type.startswith("multipart"):
        body = f'--XyZ\r\nContent-Disposition: form-data; name="notes"\r\n\r\n{body}\r\n--XyZ--\r\n'

    for response in (
        raw(api, "POST", logs_path, body, content_type),
        raw(bob_api, "PATCH", ME, '{"display_name": "Robert"}', content_type),
    ):
        assert_problem(response, 415, content_type.split(";")[0])
    assert not UserWorkoutLog.objects.exists()
    assert json.loads(bob_api.get(ME).content)["profile"]["display_name"] == "Bob"


def test_a_json_body_that_is_not_an_object_is_a_400(api: APIClient, logs_path: str) -> None:
    for body in ('"a string"', "[1, 2]", "42", "null", ""):
        response = raw(api, "POST", logs_path, body)
        assert response.status_code == 400, (body, response.content)
        assert response["Content-Type"] == "application/problem+json"


# ---- SQL and HTML are data -----------------------------------------------------------------------


def test_sql_and_html_in_notes_are_stored_and_returned_exactly_as_sent(
    api: APIClient, logs_path: str, plan_exercise: PlanExercise
) -> None:
    sent = log_body(plan_exercise, notes=HOSTILE_TEXT)

    created = api.post(logs_path, sent, format="json")

    assert created.status_code == 201, created.content
    assert created["Content-Type"] == JSON
    assert json.loads(created.content)["notes"] == HOSTILE_TEXT
    assert UserWorkoutLog.objects.get(id=sent["id"]).notes == HOSTILE_TEXT
    listed = json.loads(api.get(logs_path).content)["results"]
    assert [log["notes"] for log in listed] == [HOSTILE_TEXT]
    assert User.objects.exists()  # the users table is still there


def test_sql_and_html_in_a_profile_and_a_search_are_plain_data(bob_api: APIClient, api: APIClient) -> None:
    updated = bob_api.patch(ME, {"display_name": HOSTILE_TEXT[:150], "limitations": [HOSTILE_TEXT]}, format="json")

    assert updated.status_code == 200, updated.content
    profile = json.loads(bob_api.get(ME).content)["profile"]
    assert (profile["display_name"], profile["limitations"]) == (HOSTILE_TEXT[:150], [HOSTILE_TEXT])

    searched = api.get(SEARCH, {"q": HOSTILE_TEXT})
    assert searched.status_code == 200, searched.content
    assert searched["Content-Type"] == JSON


def test_valid_utf8_in_a_query_and_a_body_is_still_accepted(api: APIClient, bob_api: APIClient) -> None:
    searched = api.get(SEARCH, QUERY_STRING="q=d%C3%A9velopp%C3%A9+couch%C3%A9&lang=fr")
    assert searched.status_code == 200, searched.content

    updated = raw(bob_api, "PATCH", ME, '{"display_name": "Bérénice 💪"}'.encode(), "application/json; charset=utf-8")
    assert updated.status_code == 200, updated.content
    assert json.loads(bob_api.get(ME).content)["profile"]["display_name"] == "Bérénice 💪"
