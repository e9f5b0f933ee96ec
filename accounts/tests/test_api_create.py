"""POST /api/v1/users: an anonymous user in one call, identities that cannot be taken twice, and
strict input."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from accounts.tests.conftest import ALICE_GUEST_ID, ALICE_TELEGRAM_ID
from accounts.tests.support import USERS, get_user
from exercises.tests.support import assert_problem

pytestmark = pytest.mark.django_db


def test_an_empty_body_creates_an_anonymous_user(api):
    response = api.post(USERS)

    assert response.status_code == 201, response.content
    body = response.json()
    user_id = uuid.UUID(body["user_id"])
    assert user_id.version == 4
    assert response["Location"] == f"/api/v1/users/{user_id}"
    assert response["Cache-Control"] == "no-store"
    assert abs(timezone.now() - datetime.fromisoformat(body["created_at"])) < timedelta(minutes=1)
    assert body["workout_count"] == 0
    assert body["plan_count"] == 0
    assert body["telegram_id"] is None
    assert body["guest_id"] is None
    assert body["profile"]["preferred_language"] == "en"
    assert body["profile"]["time_zone"] == "UTC"
    assert body["profile"]["fitness_goals"] == []
    assert body["profile"]["weight_kg"] is None
    user = User.objects.get(id=user_id)
    assert user.password is None
    assert user.email is None
    assert not user.is_staff


def test_an_empty_json_object_creates_a_user_too(api):
    response = api.post(USERS, {}, format="json")

    assert response.status_code == 201, response.content
    assert User.objects.filter(id=response.json()["user_id"]).exists()


def test_two_users_get_different_random_ids(api):
    first = api.post(USERS).json()["user_id"]
    second = api.post(USERS).json()["user_id"]

    assert first != second
    assert {uuid.UUID(first).version, uuid.UUID(second).version} == {4}


def test_a_user_is_created_with_identities_language_time_zone_and_profile(api):
    payload = {
        "telegram_id": 777_000_111,
        "guest_id": "guest-charlie",
        "display_name": "Charlie",
        "preferred_language": "fr",
        "time_zone": "America/Montreal",
        "age": 41,
        "weight_kg": 88.4,
        "height_cm": 181.5,
        "fitness_goals": ["fat_loss"],
        "available_equipment": ["kettlebell"],
    }

    response = api.post(USERS, payload, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["telegram_id"] == 777_000_111
    assert body["guest_id"] == "guest-charlie"
    profile = body["profile"]
    assert profile["display_name"] == "Charlie"
    assert profile["preferred_language"] == "fr"
    assert profile["time_zone"] == "America/Montreal"
    assert profile["weight_kg"] == 88.4
    assert profile["height_cm"] == 181.5
    assert profile["fitness_goals"] == ["fat_loss"]
    # what was answered is what was stored
    charlie = User.objects.get(id=body["user_id"])
    assert get_user(api, charlie)["profile"] == profile
    assert charlie.telegram_id == 777_000_111


def test_a_taken_telegram_id_is_a_conflict_not_a_merge(api, alice):
    users_before = User.objects.count()

    response = api.post(USERS, {"telegram_id": ALICE_TELEGRAM_ID, "display_name": "Mallory"}, format="json")

    body = assert_problem(response, 409)
    assert "telegram_id" in body["detail"]
    assert str(alice.id) not in response.content.decode()  # Alice's key is never revealed
    # refused by the database's unique constraint (there is no pre-check), and the connection's
    # transaction is still usable afterwards
    assert User.objects.count() == users_before
    alice.refresh_from_db()
    assert alice.display_name == "Alice"


def test_a_taken_guest_id_is_a_conflict(api, alice):
    response = api.post(USERS, {"guest_id": ALICE_GUEST_ID}, format="json")

    body = assert_problem(response, 409)
    assert "guest_id" in body["detail"]
    assert User.objects.filter(guest_id=ALICE_GUEST_ID).count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("telegram_id", 0),
        ("telegram_id", -42),
        ("telegram_id", "not-a-number"),
        ("telegram_id", 2**63),
        ("guest_id", ""),
        ("guest_id", "g" * 65),
        ("preferred_language", "de"),
        ("time_zone", "Mars/Olympus_Mons"),
        ("age", 12),
        ("weight_kg", 400),
    ],
)
def test_a_bad_value_is_a_400_naming_the_field_and_creates_nothing(api, field, value):
    users_before = User.objects.count()

    response = api.post(USERS, {field: value}, format="json")

    assert_problem(response, 400, field)
    assert User.objects.count() == users_before


def test_unknown_fields_are_a_400_naming_each(api):
    users_before = User.objects.count()

    response = api.post(USERS, {"display_name": "Dana", "user_id": str(uuid.uuid4()), "is_staff": True}, format="json")

    body = assert_problem(response, 400, "user_id")
    assert "is_staff" in body["errors"]
    assert User.objects.count() == users_before


def test_a_body_that_is_not_an_object_is_a_400(api):
    response = api.post(USERS, [1, 2], format="json")

    assert_problem(response, 400)
