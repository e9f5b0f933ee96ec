"""accounts.services: user creation and profile updates below the API."""

from __future__ import annotations

from decimal import Decimal
from typing import cast

import pytest

from accounts.models import User
from accounts.services import ProfileChanges, user_create, user_update_profile
from accounts.tests.conftest import ALICE_TELEGRAM_ID
from movoai import cache_keys
from movoai.errors import Conflict

pytestmark = pytest.mark.django_db


def test_user_create_makes_an_anonymous_user_active_now():
    user = user_create(guest_id="guest-dana", profile={"display_name": "Dana", "age": 33})

    stored = User.objects.get(id=user.id)
    assert stored.guest_id == "guest-dana"
    assert stored.age == 33
    assert stored.password is None
    assert stored.last_active is not None


def test_a_taken_telegram_id_is_refused_by_the_database_and_the_transaction_survives(alice):
    # Two concurrent creations would both pass any check made before the insert: the unique
    # constraint is what refuses the second one.
    with pytest.raises(Conflict, match="telegram_id"):
        user_create(telegram_id=ALICE_TELEGRAM_ID)

    assert User.objects.filter(telegram_id=ALICE_TELEGRAM_ID).count() == 1  # a usable connection


def test_user_create_refuses_a_field_that_is_not_in_the_profile():
    with pytest.raises(ValueError, match="is_staff"):
        user_create(profile=cast(ProfileChanges, {"is_staff": True}))


def test_user_update_profile_stores_only_the_given_fields(alice):
    user_update_profile(user=alice, changes={"weight_kg": Decimal("59.90"), "limitations": []})

    stored = User.objects.get(id=alice.id)
    assert stored.weight_kg == Decimal("59.90")
    assert stored.limitations == []
    assert stored.height_cm == Decimal("168.0")
    assert stored.updated_at > stored.created_at


def test_a_profile_change_invalidates_what_is_cached_for_the_user(alice, bob, django_capture_on_commit_callbacks):
    alices_key, bobs_key = cache_keys.user_progress(alice.id, "2026-12-01"), cache_keys.user_progress(bob.id, "x")

    with django_capture_on_commit_callbacks(execute=True):
        user_update_profile(user=alice, changes={"time_zone": "Asia/Tokyo"})  # her days start elsewhere now

    assert cache_keys.user_progress(alice.id, "2026-12-01") != alices_key
    assert cache_keys.user_progress(bob.id, "x") == bobs_key


def test_user_update_profile_refuses_a_field_that_is_not_in_the_profile(alice):
    with pytest.raises(ValueError, match="email"):
        user_update_profile(user=alice, changes=cast(ProfileChanges, {"email": "a@b.c"}))
