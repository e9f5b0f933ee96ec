"""tracking.services: what the writes promise beyond one endpoint. Cached pages of a user are
invalidated once per write that changed something, after it commits; retries of stored logs are
answered whatever happened since; an assignment's removal keeps its logs."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.core.exceptions import ValidationError

from movoai import cache_keys
from movoai.errors import Conflict
from tracking import selectors, services
from tracking.models import UserPlan, UserWorkoutLog
from tracking.tests.factories import UserPlanFactory, WorkoutLogFactory

pytestmark = pytest.mark.django_db

COMPLETED_AT = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)


def log_input(plan_exercise, day: datetime.date, **fields) -> services.LogInput:
    return services.LogInput(plan_exercise_id=plan_exercise.id, date_performed=day, id=uuid.uuid4(), **fields)


def user_version_key(user) -> str:
    return cache_keys.user_plan_detail(user.id, 0, "en", "")


def test_a_log_write_invalidates_the_users_cache_once_it_commits(
    alice, alices_hiit, hiit_day_one, today, django_capture_on_commit_callbacks
):
    before = user_version_key(alice)

    with django_capture_on_commit_callbacks() as callbacks:
        services.workout_log_record(user=alice, data=log_input(hiit_day_one[0], today))
        assert user_version_key(alice) == before  # not yet: the write is not committed

    assert len(callbacks) == 1
    callbacks[0]()
    assert user_version_key(alice) != before


def test_a_retry_or_a_refused_write_invalidates_nothing(
    alice, alices_hiit, hiit_day_one, today, django_capture_on_commit_callbacks
):
    data = log_input(hiit_day_one[0], today)
    services.workout_log_record(user=alice, data=data)

    with django_capture_on_commit_callbacks() as callbacks:
        services.workout_log_record(user=alice, data=data)
        with pytest.raises(ValidationError):
            services.workout_log_record(user=alice, data=log_input(hiit_day_one[0], today + datetime.timedelta(days=2)))
        with pytest.raises(services.BatchInvalid):
            services.workout_log_record_batch(
                user=alice,
                items=[log_input(hiit_day_one[1], today), log_input(hiit_day_one[2], datetime.date(1999, 1, 1))],
            )

    assert callbacks == []
    assert UserWorkoutLog.objects.filter(user=alice).count() == 1


def test_other_users_caches_are_left_alone(
    alice, bob, alices_hiit, hiit_day_one, today, django_capture_on_commit_callbacks
):
    bobs_before = user_version_key(bob)

    with django_capture_on_commit_callbacks(execute=True):
        services.workout_log_record(user=alice, data=log_input(hiit_day_one[0], today))
        services.user_plan_set_status(user_plan=alices_hiit, status=UserPlan.Status.PAUSED)

    assert user_version_key(bob) == bobs_before


def test_a_stored_log_is_answered_even_after_its_assignment_was_removed(alice, alices_hiit, hiit_day_one, today):
    data = log_input(hiit_day_one[0], today)
    log, _ = services.workout_log_record(user=alice, data=data)
    services.user_plan_remove(user_plan=alices_hiit)

    again, created = services.workout_log_record(user=alice, data=data)

    assert (again.id, created) == (log.id, False)
    assert again.user_plan_id is None
    with pytest.raises(ValidationError) as refused:  # a new log of that plan is refused now
        services.workout_log_record(user=alice, data=log_input(hiit_day_one[0], today))
    assert list(refused.value.message_dict) == ["plan_exercise_id"]


def test_another_users_id_is_a_conflict(alice, bob, alices_hiit, bobs_plan, hiit_day_one, today):
    data = log_input(hiit_day_one[0], today)
    services.workout_log_record(user=alice, data=data)
    bobs_exercise = bobs_plan.plan.plan_exercises.first()

    with pytest.raises(Conflict):
        services.workout_log_record(
            user=bob, data=services.LogInput(id=data.id, plan_exercise_id=bobs_exercise.id, date_performed=today)
        )


def test_removing_an_assignment_keeps_every_log(alice, alices_hiit, hiit_day_one, today):
    logs = [WorkoutLogFactory.create(user_plan=alices_hiit, plan_exercise=pe) for pe in hiit_day_one]

    services.user_plan_remove(user_plan=alices_hiit)

    kept = UserWorkoutLog.objects.filter(id__in=[log.id for log in logs])
    assert kept.count() == len(hiit_day_one)
    assert set(kept.values_list("user_plan_id", flat=True)) == {None}
    assert set(kept.values_list("plan_exercise_id", flat=True)) == {pe.id for pe in hiit_day_one}


@pytest.mark.parametrize(
    ("statuses", "chosen"),
    [
        (["completed", "paused", "active"], "active"),
        (["completed", "paused"], "paused"),
        (["completed"], "completed"),
    ],
)
def test_an_unnamed_assignment_is_the_active_one_else_paused_else_completed(alice, hiit_plan, today, statuses, chosen):
    made = {
        status: UserPlanFactory.create(
            user=alice, plan=hiit_plan, status=status, completed_at=COMPLETED_AT if status == "completed" else None
        )
        for status in statuses
    }

    assert selectors.user_plan_for_plan(user=alice, plan_id=hiit_plan.id) == made[chosen]


def test_of_two_assignments_with_one_status_the_latest_started_is_chosen(alice, hiit_plan, today):
    UserPlanFactory.create(user=alice, plan=hiit_plan, start_date=today - datetime.timedelta(days=30))
    latest = UserPlanFactory.create(user=alice, plan=hiit_plan, start_date=today - datetime.timedelta(days=3))
    UserPlanFactory.create(user=alice, plan=hiit_plan, start_date=today - datetime.timedelta(days=10))

    assert selectors.user_plan_for_plan(user=alice, plan_id=hiit_plan.id) == latest


def test_a_copy_of_a_copy_is_the_users_too(alice, alices_hiit, hiit_plan):
    copy = services.user_plan_copy(user_plan=alices_hiit)
    follows_copy = services.user_plan_assign(user=alice, plan_id=copy.id, start_date=datetime.date(2025, 1, 6))

    second = services.user_plan_copy(user_plan=follows_copy)

    assert (second.created_by_id, second.copied_from_id, second.is_template) == (alice.id, copy.id, False)
    assert second.plan_exercises.count() == hiit_plan.plan_exercises.count()


def test_a_guest_migration_reports_what_it_merged(alice, hiit_plan, hiit_day_one, today):
    client_plan_id = uuid.uuid4()
    plans = [services.GuestPlan(client_id=client_plan_id, plan_id=hiit_plan.id, start_date=today)]
    logs: list[tuple[services.LogInput, uuid.UUID | None]] = [
        (log_input(pe, today), client_plan_id) for pe in hiit_day_one[:3]
    ]

    first = services.guest_data_migrate(user=alice, plans=plans, logs=logs)
    second = services.guest_data_migrate(user=alice, plans=plans, logs=logs)

    assert first == services.MigrationReport(plans_created=1, plans_existing=0, logs_created=3, logs_existing=0)
    assert second == services.MigrationReport(plans_created=0, plans_existing=1, logs_created=0, logs_existing=3)
    merged = UserPlan.objects.get(user=alice, client_id=client_plan_id)
    assert set(UserWorkoutLog.objects.filter(user=alice).values_list("user_plan_id", flat=True)) == {merged.id}
