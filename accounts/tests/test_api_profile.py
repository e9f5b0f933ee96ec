"""PATCH /api/v1/users/{user_id}: validated profile edits, all or nothing."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from accounts.models import User
from accounts.tests.support import get_user, user_url
from exercises.tests.support import assert_problem

pytestmark = pytest.mark.django_db

FULL_PROFILE = {
    "display_name": "Bobby",
    "preferred_language": "fr",
    "time_zone": "Asia/Tokyo",
    "gender": "prefer_not_to_say",
    "age": 100,
    "weight_kg": 25,
    "height_cm": 250,
    "fitness_level": "advanced",
    "fitness_goals": ["muscle_gain", "endurance"],
    "workout_style": "outdoor",
    "daily_activity": "extra_active",
    "available_equipment": ["pull-up bar", "resistance band"],
    "limitations": ["Asthma", "x" * 100],
}


def patch(api, user, changes):
    return api.patch(user_url(user), changes, format="json")


def test_every_profile_field_can_be_set(api, bob):
    response = patch(api, bob, FULL_PROFILE)

    assert response.status_code == 200, response.content
    assert response.json()["profile"] == FULL_PROFILE
    assert get_user(api, bob)["profile"] == FULL_PROFILE


def test_fields_not_sent_keep_their_values(api, alice):
    response = patch(api, alice, {"age": 30, "weight_kg": 60.25})

    profile = response.json()["profile"]
    assert (profile["age"], profile["weight_kg"]) == (30, 60.25)
    assert profile["display_name"] == "Alice"
    assert profile["fitness_goals"] == ["strength", "mobility"]
    assert response.json()["telegram_id"] == alice.telegram_id


def test_null_clears_a_nullable_field_and_an_empty_list_clears_a_list(api, alice):
    response = patch(api, alice, {"weight_kg": None, "gender": None, "limitations": [], "fitness_goals": []})

    assert response.status_code == 200, response.content
    alice.refresh_from_db()
    assert alice.weight_kg is None
    assert alice.gender is None
    assert alice.limitations == []
    assert alice.fitness_goals == []
    assert alice.age == 29


def test_repeated_codes_are_kept_once(api, bob):
    response = patch(api, bob, {"available_equipment": ["dumbbell", "bench", "dumbbell"]})

    assert response.json()["profile"]["available_equipment"] == ["dumbbell", "bench"]


def test_an_empty_patch_changes_nothing(api, alice):
    before = get_user(api, alice)["profile"]

    response = patch(api, alice, {})

    assert response.status_code == 200
    assert response.json()["profile"] == before


BAD_VALUES = [
    ("age", 12),
    ("age", 101),
    ("age", 30.5),
    ("age", "thirty"),
    ("age", True),
    ("weight_kg", 24.99),
    ("weight_kg", 350.01),
    ("weight_kg", 70.125),
    ("weight_kg", "heavy"),
    ("height_cm", 99.9),
    ("height_cm", 250.1),
    ("height_cm", 180.25),
    ("gender", "man"),
    ("gender", ""),
    ("fitness_level", "expert"),
    ("fitness_goals", ["strength", "yoga"]),
    ("fitness_goals", "strength"),
    ("fitness_goals", None),
    ("workout_style", "pool"),
    ("daily_activity", "active"),
    ("available_equipment", ["treadmill"]),
    ("available_equipment", "dumbbell"),
    ("limitations", ["x" * 101]),
    ("limitations", [f"injury {n}" for n in range(21)]),
    ("limitations", [""]),
    ("limitations", "bad knee"),
    ("preferred_language", "de"),
    ("preferred_language", None),
    ("time_zone", "Mars/Olympus_Mons"),
    ("time_zone", "europe/paris"),
    ("time_zone", ""),
    ("time_zone", None),
    ("display_name", "x" * 151),
    ("display_name", None),
]


@pytest.mark.parametrize(("field", "value"), BAD_VALUES, ids=[f"{field}={value!r:.20}" for field, value in BAD_VALUES])
def test_a_bad_value_is_a_400_naming_the_field_and_stores_nothing(api, alice, field, value):
    before = get_user(api, alice)["profile"]

    # a good change alongside the bad one is not stored either
    other: dict[str, Any] = {"display_name": "Alicia"} if field != "display_name" else {"age": 31}
    response = patch(api, alice, {**other, field: value})

    body = assert_problem(response, 400, field)
    assert list(body["errors"]) == [field]
    assert get_user(api, alice)["profile"] == before


def test_the_error_says_which_item_of_a_list_is_wrong_and_what_is_allowed(api, bob):
    body = assert_problem(patch(api, bob, {"fitness_goals": ["strength", "yoga"]}), 400, "fitness_goals")

    message = body["errors"]["fitness_goals"][0]
    assert "Item 1" in message
    assert "yoga" in message
    assert "muscle_gain" in message


def test_unknown_and_read_only_fields_are_400s_naming_them(api, alice):
    response = patch(api, alice, {"age": 40, "weigth_kg": 70, "telegram_id": 1, "user_id": str(uuid.uuid4())})

    body = assert_problem(response, 400, "weigth_kg")
    assert {"telegram_id", "user_id"} <= set(body["errors"])
    alice.refresh_from_db()
    assert alice.age == 29
    assert alice.telegram_id != 1


def test_another_users_profile_is_untouched(api, alice, bob):
    patch(api, bob, {"display_name": "Robert"})

    alice.refresh_from_db()
    assert alice.display_name == "Alice"
    assert User.objects.get(id=bob.id).display_name == "Robert"


def test_patching_an_unknown_user_is_a_404(api):
    assert_problem(api.patch(user_url(str(uuid.uuid4())), {"age": 30}, format="json"), 404)


def test_the_patch_answer_carries_the_counts(api, alice):
    body = patch(api, alice, {"age": 35}).json()

    assert body["workout_count"] == 0
    assert body["plan_count"] == 0
    assert body["last_active"] is not None
