"""GET /api/v1/users/{user_id}/progress: the user's dates, the cache and its invalidation, the
query count, errors and the documented shape."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import pytest
from django.core.cache import cache
from django.test import override_settings
from rest_framework import serializers

from accounts.models import User
from accounts.tests.factories import UserFactory
from movoai import cache_keys
from plans.models import WorkoutPlan
from tracking import progress
from tracking.api.progress import ProgressSerializer
from tracking.models import UserWorkoutLog
from tracking.tests.factories import UserPlanFactory, WorkoutLogFactory

pytestmark = pytest.mark.django_db

# The access rule runs on every request, cached or not: without a token it reads the user and whether
# they have a login method (with a token, TokenAuthentication reads the token's user instead).
ACCESS_QUERIES = 1
# The access rule (1, which loads the user), last_active written at most once every few minutes (1, on a
# first request), then the figures: the same whatever the number of logs.
COLD_QUERIES = ACCESS_QUERIES + 1 + progress.PROGRESS_QUERIES
UTC = datetime.UTC


def url(user_id: uuid.UUID | str) -> str:
    return f"/api/v1/users/{user_id}/progress"


def get_progress(api: Any, user: User, **params: str) -> dict[str, Any]:
    response = api.get(url(user.id), params)
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


# ---- the user's own dates -------------------------------------------------------------------
def test_today_is_the_users_date_ahead_of_utc(api, freeze_now, strength_plan, strength_plan_exercises):
    # Noon UTC on 10 June is 2 a.m. on 11 June in Kiritimati (UTC+14).
    freeze_now(datetime.datetime(2025, 6, 10, 12, 0, tzinfo=UTC))
    kiritimati = UserFactory.create(time_zone="Pacific/Kiritimati")
    in_utc = UserFactory.create(time_zone="UTC")
    for user in (kiritimati, in_utc):
        user_plan = UserPlanFactory.create(user=user, plan=strength_plan)
        for day in (8, 9):
            WorkoutLogFactory.create(
                user_plan=user_plan,
                plan_exercise=strength_plan_exercises[0],
                date_performed=datetime.date(2025, 6, day),
            )

    ahead, same = get_progress(api, kiritimati), get_progress(api, in_utc)

    # For the user in Kiritimati yesterday (the 10th) passed without training: the streak is broken.
    assert (ahead["time_zone"], ahead["today"], ahead["streaks"]["current_days"]) == (
        "Pacific/Kiritimati",
        "2025-06-11",
        0,
    )
    assert (same["today"], same["streaks"]["current_days"]) == ("2025-06-10", 2)


def test_today_is_the_users_date_behind_utc(api, freeze_now, log_workout, alice):
    # 3 a.m. UTC on Monday 9 June is 8 p.m. on Sunday 8 June in Los Angeles (UTC-7 in summer).
    freeze_now(datetime.datetime(2025, 6, 9, 3, 0, tzinfo=UTC))
    User.objects.filter(id=alice.id).update(time_zone="America/Los_Angeles")
    log_workout(datetime.date(2025, 6, 7))
    log_workout(datetime.date(2025, 6, 6))

    body = get_progress(api, alice)

    # Saturday and Friday: still a streak on Sunday evening; UTC's Monday would have broken it.
    assert (body["today"], body["streaks"]["current_days"]) == ("2025-06-08", 2)
    # And the current week is the one that Sunday closes, not UTC's new week.
    assert body["weekly_summary"][-1]["week_start"] == "2025-06-02"
    assert body["weekly_summary"][-1]["workouts"] == 2


def test_an_unknown_time_zone_counts_as_utc(api, freeze_now, alice):
    freeze_now(datetime.datetime(2025, 6, 10, 23, 30, tzinfo=UTC))
    User.objects.filter(id=alice.id).update(time_zone="Mars/Olympus_Mons")

    assert get_progress(api, alice)["today"] == "2025-06-10"


def test_the_day_turning_moves_the_streak_without_any_write(api, freeze_now, log_workout, alice):
    freeze_now(datetime.datetime(2025, 6, 10, 20, 0, tzinfo=UTC))
    log_workout(datetime.date(2025, 6, 9))
    log_workout(datetime.date(2025, 6, 10))
    assert get_progress(api, alice)["streaks"]["current_days"] == 2

    freeze_now(datetime.datetime(2025, 6, 12, 0, 30, tzinfo=UTC))

    assert get_progress(api, alice)["streaks"] == {"current_days": 0, "longest_days": 2}


# ---- edits, deletions and the cache ---------------------------------------------------------
def test_progress_follows_an_edit_and_a_deletion(api, alice, log_workout, frozen_today):
    kept = log_workout(frozen_today - datetime.timedelta(days=1), sets=3, reps=10, weight="50")
    dropped = log_workout(frozen_today, sets=2, reps=5, weight="100")
    before = get_progress(api, alice)
    assert (before["totals"]["volume_kg"], before["streaks"]["current_days"]) == (2500.0, 2)

    # What the tracking services do: change the log, then bump the user's data version.
    UserWorkoutLog.objects.filter(id=kept.id).update(weight_kg="60.5", reps_completed=8)
    cache_keys.user_data_changed(alice.id)
    edited = get_progress(api, alice)
    dropped.delete()
    cache_keys.user_data_changed(alice.id)
    after = get_progress(api, alice)

    assert edited["totals"]["volume_kg"] == 3 * 8 * 60.5 + 1000
    assert edited["personal_records"][0]["best_weight_kg"] == 100.0
    assert after["totals"] == {
        **edited["totals"],
        "workouts": 1,
        "exercises_completed": 1,
        "sets": 3,
        "reps": 24,
        "volume_kg": 1452.0,
        "last_workout": kept.date_performed.isoformat(),
    }
    # Today's log gone, today is not over: the streak still runs up to yesterday.
    assert after["streaks"] == {"current_days": 1, "longest_days": 1}
    assert after["personal_records"][0]["best_weight_kg"] == 60.5


def test_a_repeated_request_is_served_from_the_cache_with_only_the_access_check(
    api, alice, log_workout, django_assert_num_queries, frozen_today
):
    log_workout(frozen_today)
    first = api.get(url(alice.id))

    with django_assert_num_queries(ACCESS_QUERIES):
        second = api.get(url(alice.id))

    assert second.status_code == 200
    assert second.content == first.content


def test_a_write_to_the_users_data_invalidates_the_cached_answer(api, alice, log_workout, frozen_today):
    log_workout(frozen_today)
    assert get_progress(api, alice)["totals"]["exercises_completed"] == 1

    log_workout(frozen_today)  # written behind the services' back: the cached answer stands
    assert get_progress(api, alice)["totals"]["exercises_completed"] == 1
    cache_keys.user_data_changed(alice.id)  # as every tracking service does after a write

    assert get_progress(api, alice)["totals"]["exercises_completed"] == 2


def test_another_users_write_leaves_the_cached_answer_alone(
    api, alice, log_workout, django_assert_num_queries, frozen_today
):
    log_workout(frozen_today)
    get_progress(api, alice)

    cache_keys.user_data_changed(UserFactory.create().id)

    with django_assert_num_queries(ACCESS_QUERIES):
        get_progress(api, alice)


def test_each_language_is_cached_on_its_own(api, alice, log_workout, frozen_today):
    log_workout(frozen_today)

    english = get_progress(api, alice, lang="en")
    french = get_progress(api, alice, lang="fr")

    assert (english["muscles"][0]["label"], french["muscles"][0]["label"]) == ("Quadriceps", "Quadriceps")
    assert (english["personal_records"][0]["exercise_name"], french["personal_records"][0]["exercise_name"]) == (
        "Barbell Squat",
        "Squat à la barre",
    )
    assert (english["plans"][0]["name_language"], french["plans"][0]["name_language"]) == ("en", "fr")


@pytest.mark.parametrize("log_count", [5, 500])
def test_the_query_count_does_not_grow_with_the_logs(
    api, alice, alices_plan, strength_plan_exercises, log_count, django_assert_num_queries, frozen_today
):
    UserWorkoutLog.objects.bulk_create(
        WorkoutLogFactory.build(
            user_plan=alices_plan,
            plan_exercise=strength_plan_exercises[n % len(strength_plan_exercises)],
            date_performed=frozen_today - datetime.timedelta(days=n // 3),
            reps_completed=1 + n % 20,
        )
        for n in range(log_count)
    )

    with django_assert_num_queries(COLD_QUERIES):
        body = get_progress(api, alice)

    assert body["totals"]["exercises_completed"] == log_count
    assert body["streaks"]["current_days"] == (log_count + 2) // 3


def test_with_redis_down_the_progress_is_still_answered(api, alice, log_workout, settings, frozen_today):
    log_workout(frozen_today)
    unreachable = {"default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}}

    with override_settings(CACHES=unreachable):
        body = get_progress(api, alice)

    assert body["totals"]["exercises_completed"] == 1


# ---- the request ----------------------------------------------------------------------------
def test_an_unknown_user_is_a_404_problem(api):
    unknown = uuid.uuid4()

    response = api.get(url(unknown))

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert str(unknown) in response.json()["detail"]


def test_a_deactivated_user_is_a_404_problem(api):
    gone = UserFactory.create(is_active=False)

    assert api.get(url(gone.id)).status_code == 404


def test_a_malformed_user_id_is_a_404_problem(api):
    response = api.get("/api/v1/users/not-a-uuid/progress")

    assert (response.status_code, response["Content-Type"]) == (404, "application/problem+json")


@pytest.mark.parametrize(("params", "field"), [({"lang": "de"}, "lang"), ({"week": "1"}, "week")])
def test_a_bad_query_parameter_is_a_400_naming_it(api, alice, params, field):
    response = api.get(url(alice.id), params)

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_the_language_comes_from_accept_language_too(api, alice, log_workout, frozen_today):
    log_workout(frozen_today)

    response = api.get(url(alice.id), HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")

    assert response["Content-Language"] == "fr"
    assert response.json()["personal_records"][0]["exercise_name"] == "Squat à la barre"


def test_reading_the_progress_marks_the_user_active(api, alice):
    assert cache.get(cache_keys.user_last_active(alice.id)) is None

    get_progress(api, alice)
    get_progress(api, alice)  # served from the cache: still a sign of life

    assert cache.get(cache_keys.user_last_active(alice.id)) is not None
    alice.refresh_from_db()
    assert alice.last_active is not None


# ---- the documented shape -------------------------------------------------------------------
def documented_keys(serializer: serializers.Serializer[Any]) -> dict[str, Any]:
    keys: dict[str, Any] = {}
    for name, field in serializer.fields.items():
        child = field.child if isinstance(field, serializers.ListSerializer) else field
        keys[name] = documented_keys(child) if isinstance(child, serializers.Serializer) else None
    return keys


def served_keys(value: Any) -> Any:
    if isinstance(value, list):
        return served_keys(value[0])
    if isinstance(value, dict):
        return {key: served_keys(item) for key, item in value.items()}
    return None


def test_the_answer_has_the_documented_shape(api, alice, alices_plan, log_workout, frozen_today):
    log_workout(frozen_today)

    body = get_progress(api, alice)

    assert served_keys(body) == documented_keys(ProgressSerializer())
    assert len(body["weekly_summary"]) == progress.SUMMARY_WEEKS


def test_a_template_plan_assigned_but_never_logged_shows_no_completion(api, alice):
    plan = WorkoutPlan.objects.filter(is_template=True).order_by("id").first()
    assert plan is not None
    UserPlanFactory.create(user=alice, plan=plan)

    (only,) = get_progress(api, alice)["plans"]

    assert (only["plan_id"], only["logged_plan_exercises"], only["completion_percent"]) == (plan.id, 0, 0.0)
