"""Two retries of one offline write racing each other store one log.

These tests commit for real (each thread has its own connection), so the rows they make are removed
at the end: the user tables are not Django's to flush.
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from accounts.tests.factories import UserFactory
from movoai.tests.concurrency import race as race_at_once
from plans.models import PlanExercise, WorkoutPlan
from tracking import services
from tracking.models import UserPlan, UserWorkoutLog
from tracking.tests.factories import UserPlanFactory
from tracking.tests.support import log_body, logs_path, plans_path

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 5


@pytest.fixture
def racers(hiit_plan: WorkoutPlan) -> Iterator[list[User]]:
    """Carol and Dave, who both follow the HIIT plan; removed afterwards with all they made."""
    users = [UserFactory.create(display_name=name) for name in ("Carol", "Dave")]
    for user in users:
        UserPlanFactory.create(user=user, plan=hiit_plan)
    yield users
    User.objects.filter(id__in=[user.id for user in users]).delete()


@pytest.fixture
def first_exercise(hiit_plan: WorkoutPlan) -> PlanExercise:
    return hiit_plan.plan_exercises.get(week_number=1, day_number=1, order_in_day=1)


def race(*calls: Callable[[], Any]) -> list[Any]:
    """The calls run at once (movoai.tests.concurrency.race); none of them may fail."""
    results = race_at_once(*calls)
    errors = [result for result in results if isinstance(result, Exception)]
    assert not errors, errors
    return results


def post_log(user: User, body: dict[str, Any]) -> Callable[[], int]:
    def post() -> int:
        response = Client().post(logs_path(user), json.dumps(body), content_type="application/json")
        return int(response.status_code)

    return post


def test_two_concurrent_posts_of_one_id_store_one_log(racers, first_exercise):
    carol = racers[0]
    for round_ in range(ROUNDS):
        body = log_body(first_exercise, datetime.date.today() - datetime.timedelta(days=round_))

        statuses = race(post_log(carol, body), post_log(carol, body))

        assert sorted(statuses) == [200, 201]
        assert UserWorkoutLog.objects.filter(id=body["id"]).count() == 1
    assert UserWorkoutLog.objects.filter(user=carol).count() == ROUNDS


def test_two_concurrent_records_of_one_id_return_the_same_log(racers, first_exercise):
    carol = racers[0]
    for round_ in range(ROUNDS):
        body = log_body(first_exercise, datetime.date.today() - datetime.timedelta(days=round_))
        data = services.LogInput(
            id=body["id"],
            plan_exercise_id=first_exercise.id,
            date_performed=datetime.date.fromisoformat(body["date_performed"]),
        )

        def record(data: services.LogInput = data) -> tuple[UserWorkoutLog, bool]:
            return services.workout_log_record(user=carol, data=data)

        results = race(record, record)

        assert sorted(created for _, created in results) == [False, True]
        assert {str(log.id) for log, _ in results} == {body["id"]}
    assert UserWorkoutLog.objects.filter(user=carol).count() == ROUNDS


def test_one_id_raced_by_two_users_belongs_to_the_first(racers, first_exercise):
    carol, dave = racers
    body = log_body(first_exercise, datetime.date.today())

    statuses = race(post_log(carol, body), post_log(dave, body))

    assert sorted(statuses) == [201, 409]
    winner = carol if statuses[0] == 201 else dave
    assert list(UserWorkoutLog.objects.filter(id=body["id"]).values_list("user_id", flat=True)) == [winner.id]


def test_two_concurrent_assignments_of_one_id_store_one(racers, hiit_plan):
    """An offline queue that resends an assignment while the first request is still running."""
    carol = racers[0]
    for _ in range(ROUNDS):
        body = {"id": str(uuid.uuid4()), "plan_id": hiit_plan.id}

        def post(body: dict[str, Any] = body) -> int:
            response = Client().post(plans_path(carol), json.dumps(body), content_type="application/json")
            return int(response.status_code)

        statuses = race(post, post)

        assert sorted(statuses) == [200, 201]
        assert UserPlan.objects.filter(user=carol, client_id=body["id"]).count() == 1
    assert UserPlan.objects.filter(user=carol).count() == 1 + ROUNDS  # the racers fixture's own, and one a round
