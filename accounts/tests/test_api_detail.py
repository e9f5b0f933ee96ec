"""GET /api/v1/users/{user_id}: counts, last_active without a write per request, a fixed number of
queries, and 404 problems."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from accounts.models import User
from accounts.tests.support import capture, get_user, updates_of_users, user_url
from accounts.tokens import token_pair_for
from exercises.tests.support import assert_problem
from movoai import cache_keys
from plans.models import WorkoutPlan
from tracking.models import UserPlan
from tracking.tests.factories import UserPlanFactory, WorkoutLogFactory

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 11, 2)


@pytest.fixture
def alices_history(alice: User, bob: User) -> None:
    """Alice follows two template plans (one completed) and trained on three days, twice on one of
    them; Bob trained once, which is none of Alice's business."""
    first, second = WorkoutPlan.objects.filter(is_template=True).order_by("id")[:2]
    done = UserPlanFactory.create(user=alice, plan=first, status=UserPlan.Status.COMPLETED, completed_at=timezone.now())
    current = UserPlanFactory.create(user=alice, plan=second, start_date=MONDAY)
    squat, press = second.plan_exercises.order_by("week_number", "day_number", "order_in_day")[:2]
    for day in (MONDAY, MONDAY + datetime.timedelta(days=2)):
        WorkoutLogFactory.create(user_plan=current, plan_exercise=squat, date_performed=day)
        WorkoutLogFactory.create(user_plan=current, plan_exercise=press, date_performed=day)
    WorkoutLogFactory.create(
        user_plan=done, plan_exercise=first.plan_exercises.first(), date_performed=MONDAY - datetime.timedelta(days=30)
    )
    bobs_plan = UserPlanFactory.create(user=bob, plan=second)
    WorkoutLogFactory.create(
        user_plan=bobs_plan, plan_exercise=squat, date_performed=MONDAY + datetime.timedelta(days=5)
    )


def test_a_user_with_their_profile(api, alice):
    body = get_user(api, alice)

    assert body["user_id"] == str(alice.id)
    assert datetime.datetime.fromisoformat(body["created_at"]) == alice.created_at
    assert body["telegram_id"] == alice.telegram_id
    assert body["profile"] == {
        "display_name": "Alice",
        "preferred_language": "fr",
        "time_zone": "Europe/Paris",
        "gender": "female",
        "age": 29,
        "weight_kg": 61.5,
        "height_cm": 168.0,
        "fitness_level": "beginner",
        "fitness_goals": ["strength", "mobility"],
        "workout_style": "home",
        "daily_activity": "lightly_active",
        "available_equipment": ["dumbbell", "gym mat"],
        "limitations": ["Sore left knee"],
    }


def test_decimals_are_json_numbers(api, alice):
    User.objects.filter(id=alice.id).update(weight_kg=Decimal("72.35"), height_cm=Decimal("180.5"))

    response = api.get(user_url(alice))

    assert b'"weight_kg":72.35' in response.content
    assert b'"height_cm":180.5' in response.content


def test_counts_are_training_days_and_assigned_plans(api, alice, bob, alices_history):
    body = get_user(api, alice)

    assert body["workout_count"] == 3  # four logs on two days of the current plan, one on the old plan
    assert body["plan_count"] == 2  # the completed plan counts too
    bobs = get_user(api, bob)
    assert (bobs["workout_count"], bobs["plan_count"]) == (1, 1)


def test_a_new_user_counts_nothing(api, bob):
    body = get_user(api, bob)

    assert (body["workout_count"], body["plan_count"]) == (0, 0)


@pytest.mark.parametrize("cast", ["alice", "bob"])
def test_the_query_count_is_fixed_whatever_the_history(api, request, alices_history, django_assert_num_queries, cast):
    user = request.getfixturevalue(cast)
    get_user(api, user)  # the first request of the flush window also writes last_active

    # the user and whether they have a login method (the access rule, without a token), then the
    # user with both counts
    with django_assert_num_queries(2):
        get_user(api, user)


@pytest.mark.parametrize("cast", ["alice", "bob"])
def test_with_a_token_the_query_count_is_fixed_too(api, request, alices_history, django_assert_num_queries, cast):
    user = request.getfixturevalue(cast)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_for(user)['access']}")
    get_user(api, user)

    with django_assert_num_queries(2):  # the token's user, then the user with both counts
        get_user(api, user)


def test_last_active_moves_on_each_request_but_the_table_is_written_once_per_window(api, bob):
    assert bob.last_active is None

    with capture() as first_queries:
        first = datetime.datetime.fromisoformat(get_user(api, bob)["last_active"])
    with capture() as later_queries:
        second = datetime.datetime.fromisoformat(get_user(api, bob)["last_active"])
        third = datetime.datetime.fromisoformat(get_user(api, bob)["last_active"])

    assert updates_of_users(first_queries) == 1
    assert updates_of_users(later_queries) == 0
    assert first < second < third <= timezone.now()
    bob.refresh_from_db()
    assert bob.last_active == first  # the table keeps the flushed time; Redis has the latest


def test_last_active_is_written_again_once_the_window_has_passed(api, bob):
    get_user(api, bob)
    cache.delete(cache_keys.user_last_active_flushed(bob.id))  # five minutes later

    with capture() as queries:
        seen = datetime.datetime.fromisoformat(get_user(api, bob)["last_active"])

    assert updates_of_users(queries) == 1
    bob.refresh_from_db()
    assert bob.last_active == seen


def test_an_unknown_user_is_a_404_problem(api):
    body = assert_problem(api.get(user_url(str(uuid.uuid4()))), 404)

    assert "user" in body["detail"].lower()


@pytest.mark.parametrize("malformed", ["not-a-uuid", "123", "3f0c9a57-8d1e-4b7a-9c2d"])
def test_a_malformed_user_id_is_a_404_problem(api, malformed):
    assert_problem(api.get(user_url(malformed)), 404)


def test_a_deactivated_user_is_not_found(api, bob):
    User.objects.filter(id=bob.id).update(is_active=False)

    assert_problem(api.get(user_url(bob)), 404)
    assert_problem(api.patch(user_url(bob), {"age": 30}, format="json"), 404)


def test_an_unknown_query_parameter_is_a_400(api, bob):
    assert_problem(api.get(user_url(bob), {"expand": "logs"}), 400, "expand")
