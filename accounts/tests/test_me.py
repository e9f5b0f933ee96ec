"""/api/v1/users/me: the token's user read, its profile changed (never its ids, identities or
rights), the account deleted with everything of it; POST /api/v1/users answering a working token
pair; the tracking routes under /users/me."""

from __future__ import annotations

import datetime
import json
import uuid
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.identity import Identity, identity_link
from accounts.models import AuthMethod, User, VerificationCode
from accounts.tests.factories import UserFactory
from accounts.tokens import token_pair_for
from plans.models import WorkoutPlan
from tracking.models import UserPlan, UserWorkoutLog
from tracking.tests.factories import UserPlanFactory, WorkoutLogFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/users/me"
USERS = "/api/v1/users"


@pytest.fixture
def dave(db: None) -> User:
    """A Telegram user with a profile."""
    user: User = UserFactory.create(display_name="Dave", telegram_id=5_550_000_001, age=34, time_zone="Europe/Paris")
    identity_link(user=user, identity=Identity(provider="telegram", identifier="5550000001"))
    return user


@pytest.fixture
def erin(db: None) -> User:
    user: User = UserFactory.create(display_name="Erin")
    return user


@pytest.fixture
def strength_plan(db: None) -> WorkoutPlan:
    return WorkoutPlan.objects.get(slug="beginner-full-body-strength", is_template=True)


def client_of(user: User) -> tuple[APIClient, dict[str, Any]]:
    pair = token_pair_for(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
    return client, pair


def assert_401(response: Any) -> None:
    assert response.status_code == 401, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert json.loads(response.content)["status"] == 401


# ---- GET -------------------------------------------------------------------------------------------
def test_the_token_reads_its_own_user(dave, erin, strength_plan):
    UserPlanFactory.create(user=dave, plan=strength_plan)
    UserPlanFactory.create(user=erin, plan=strength_plan)
    client, _ = client_of(dave)

    response = client.get(ME)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["user_id"] == str(dave.id)
    assert body["profile"]["display_name"] == "Dave"
    assert body["profile"]["age"] == 34
    assert body["plan_count"] == 1
    assert body["last_active"] is not None
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_without_a_token_me_is_a_401(api, dave, method):
    assert_401(getattr(api, method)(ME, {"display_name": "x"}, format="json"))

    assert User.objects.filter(id=dave.id, display_name="Dave").exists()


def test_a_token_of_a_deactivated_user_is_a_401(dave):
    client, _ = client_of(dave)
    User.objects.filter(id=dave.id).update(is_active=False)

    assert_401(client.get(ME))


# ---- PUT / PATCH -----------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["put", "patch"])
def test_the_profile_is_changed_and_the_user_answered(dave, method):
    client, _ = client_of(dave)

    response = getattr(client, method)(
        ME, {"display_name": "David", "weight_kg": 80.5, "fitness_goals": ["strength"]}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["user_id"] == str(dave.id)
    assert response.json()["profile"]["display_name"] == "David"
    dave.refresh_from_db()
    assert (dave.display_name, float(dave.weight_kg or 0), dave.fitness_goals) == ("David", 80.5, ["strength"])
    assert dave.age == 34  # not sent: kept


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", str(uuid.uuid4())),
        ("user_id", str(uuid.uuid4())),
        ("is_staff", True),
        ("is_superuser", True),
        ("is_active", False),
        ("telegram_id", 4242),
        ("guest_id", "guest-stolen"),
        ("email", "boss@movoai.test"),
        ("password", "hunter2hunter2"),
        ("created_at", "2020-01-01T00:00:00Z"),
        ("last_active", "2020-01-01T00:00:00Z"),
    ],
)
@pytest.mark.parametrize("method", ["put", "patch"])
def test_a_field_that_is_not_in_the_profile_is_a_400_and_nothing_is_applied(dave, method, field, value):
    client, _ = client_of(dave)
    client.get(ME)  # last_active written: the first request of the window
    before = User.objects.filter(id=dave.id).values().get()

    response = getattr(client, method)(ME, {"display_name": "David", field: value}, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert User.objects.filter(id=dave.id).values().get() == before
    assert client.get(ME).json()["user_id"] == str(dave.id)


def test_a_bad_profile_value_is_a_400_naming_it(dave):
    client, _ = client_of(dave)

    response = client.put(ME, {"age": 7}, format="json")

    assert response.status_code == 400
    assert "age" in response.json()["errors"]
    dave.refresh_from_db()
    assert dave.age == 34


# ---- DELETE ----------------------------------------------------------------------------------------
@pytest.fixture
def daves_history(dave: User, strength_plan: WorkoutPlan) -> None:
    """Dave follows a template and a copy of it he owns, logged a workout, asked for a code to link
    his phone and has a second login method."""
    assigned = UserPlanFactory.create(user=dave, plan=strength_plan)
    WorkoutLogFactory.create(user_plan=assigned, plan_exercise=strength_plan.plan_exercises.first())
    client, _ = client_of(dave)
    copied = client.post(f"{ME}/plans/{assigned.id}/copy")
    assert copied.status_code == 201, copied.content
    own_plan = copied.json()["plan_id"]
    assert client.post(f"{ME}/plans", {"plan_id": own_plan}, format="json").status_code == 201
    identity_link(user=dave, identity=Identity(provider="email", identifier="dave@example.com"))
    VerificationCode.objects.create(
        identifier="sms:+33612345678",
        purpose=VerificationCode.Purpose.LINK,
        code_hmac="0" * 64,
        user=dave,
        expires_at=datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=5),
    )


def rows_of(user_id: uuid.UUID) -> dict[str, int]:
    """Every row that references the user, counted table by table in SQL."""
    tables = {
        "users": "id",
        "user_plans": "user_id",
        "user_workout_logs": "user_id",
        "workout_plans": "created_by",
        "auth_methods": "user_id",
        "verification_codes": "user_id",
    }
    counts = {}
    with connection.cursor() as cursor:
        for table, column in tables.items():
            cursor.execute(f"SELECT count(*) FROM {table} WHERE {column} = %s", [user_id])  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


def test_delete_removes_the_account_and_every_row_of_it(dave, erin, strength_plan, daves_history):
    erins_plan = UserPlanFactory.create(user=erin, plan=strength_plan)
    WorkoutLogFactory.create(user_plan=erins_plan, plan_exercise=strength_plan.plan_exercises.first())
    client, _ = client_of(dave)
    assert all(rows_of(dave.id).values()), rows_of(dave.id)

    response = client.delete(ME)

    assert response.status_code == 204, response.content
    assert rows_of(dave.id) == dict.fromkeys(rows_of(dave.id), 0)
    # Erin and the template are untouched
    assert UserWorkoutLog.objects.filter(user=erin).count() == 1
    assert UserPlan.objects.filter(user=erin).count() == 1
    assert WorkoutPlan.objects.filter(id=strength_plan.id).exists()


def test_after_delete_the_tokens_of_the_account_stop_working(dave):
    client, pair = client_of(dave)
    _, other_pair = client_of(dave)  # a second session

    assert client.delete(ME).status_code == 204

    assert_401(client.get(ME))
    assert_401(client.get(f"{ME}/plans"))
    assert_401(client.get(f"{USERS}/{dave.id}"))
    for refresh in (pair["refresh"], other_pair["refresh"]):
        jti = RefreshToken(refresh, verify=False)["jti"]
        assert BlacklistedToken.objects.filter(token__jti=jti).exists()


def test_after_delete_the_id_is_unknown_without_a_token(api, erin):
    client, _ = client_of(erin)

    assert client.delete(ME).status_code == 204

    assert api.get(f"{USERS}/{erin.id}/plans").status_code == 404


# ---- POST /users answers a token pair ---------------------------------------------------------------
def test_a_new_user_gets_a_working_token_pair(api):
    response = api.post(USERS, {"display_name": "Fay"}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["access_expires_in"] == 15 * 60
    assert body["refresh_expires_in"] == 30 * 24 * 3600
    refresh = RefreshToken(body["refresh"])  # valid, not blacklisted
    assert refresh["user_id"] == body["user_id"]
    assert OutstandingToken.objects.filter(jti=refresh["jti"], user_id=body["user_id"]).exists()

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    me = client.get(ME)
    assert me.status_code == 200
    assert me.json()["user_id"] == body["user_id"]
    assert me.json()["profile"]["display_name"] == "Fay"


def test_a_new_user_has_no_login_method_so_its_id_still_works_without_a_token(api):
    user_id = api.post(USERS).json()["user_id"]

    assert not AuthMethod.objects.filter(user_id=user_id).exists()
    assert api.get(f"{USERS}/{user_id}/plans").status_code == 200


# ---- the tracking routes under /users/me -------------------------------------------------------------
def test_the_tracking_routes_under_me_serve_the_tokens_user(dave, erin, strength_plan):
    daves, _ = client_of(dave)
    erins, _ = client_of(erin)
    plan_exercise = strength_plan.plan_exercises.order_by("week_number", "day_number", "order_in_day").first()
    assert plan_exercise is not None

    assigned = daves.post(f"{ME}/plans", {"plan_id": strength_plan.id, "start_date": "2026-01-05"}, format="json")
    assert assigned.status_code == 201, assigned.content
    log = {
        "id": str(uuid.uuid4()),
        "plan_exercise_id": plan_exercise.id,
        "date_performed": "2026-01-05",
        "sets_completed": 3,
        "reps_completed": 10,
        "weight_kg": 40,
    }
    assert daves.post(f"{ME}/workout-logs", log, format="json").status_code == 201

    assert [p["user_plan_id"] for p in daves.get(f"{ME}/plans").json()["results"]] == [assigned.json()["user_plan_id"]]
    assert [entry["id"] for entry in daves.get(f"{ME}/workout-logs").json()["results"]] == [log["id"]]
    assert daves.get(f"{ME}/progress").json()["user_id"] == str(dave.id)
    assert daves.get(f"{ME}/progress").json()["totals"]["exercises_completed"] == 1
    # Erin's /users/me is Erin's: none of Dave's data, and Dave's ids are 404s
    assert erins.get(f"{ME}/plans").json()["results"] == []
    assert erins.get(f"{ME}/progress").json()["totals"]["exercises_completed"] == 0
    assert erins.get(f"{ME}/plans/{assigned.json()['user_plan_id']}").status_code == 404
    assert erins.get(f"{ME}/workout-logs/{log['id']}").status_code == 404
    assert erins.delete(f"{ME}/workout-logs/{log['id']}").status_code == 404
    assert UserWorkoutLog.objects.filter(id=log["id"]).exists()
