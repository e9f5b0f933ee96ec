"""Database queries per request of the tracking reads: fixed, whatever the number of logs or the page
size."""

from __future__ import annotations

import datetime

import pytest

from tracking.models import UserPlan, UserWorkoutLog
from tracking.tests.factories import UserPlanFactory
from tracking.tests.support import log_body, logs_path, plan_path, plans_path

pytestmark = pytest.mark.django_db

# Each request also looks the user up; last_active is written at most every few minutes, so the
# requests measured here come after a first one that wrote it.
DETAIL_QUERIES = 5  # the user, the assignment, the plan, its plan exercises with their exercises, the logs
HISTORY_QUERIES = 3  # the user, the total, the page with the logs' exercises
LIST_QUERIES = 3  # the user, the total, the page with each plan and its completion
# the user, the plan exercise with its exercise's names and the assignment the log is filed under,
# the insert (ON CONFLICT DO NOTHING: no transaction, no savepoint, no look-up before)
NEW_LOG_QUERIES = 3
RETRIED_LOG_QUERIES = 4  # the same, the insert finds the id taken, then the stored log is read


def add_logs(user_plan: UserPlan, count: int) -> None:
    """`count` logs of the assignment, spread over its plan exercises and the days before today."""
    plan_exercises = list(user_plan.plan.plan_exercises.all())
    today = datetime.date.today()
    UserWorkoutLog.objects.bulk_create(
        UserWorkoutLog(
            user=user_plan.user,
            user_plan=user_plan,
            plan_exercise=plan_exercises[index % len(plan_exercises)],
            exercise_id=plan_exercises[index % len(plan_exercises)].exercise_id,
            date_performed=today - datetime.timedelta(days=index // 5),
            sets_completed=3,
            reps_completed=10,
        )
        for index in range(count)
    )


@pytest.mark.parametrize("log_count", [5, 200])
def test_the_plan_detail_costs_the_same_queries_for_any_number_of_logs(
    api, alice, alices_hiit, django_assert_num_queries, log_count
):
    add_logs(alices_hiit, log_count)
    api.get(plans_path(alice))  # Alice is seen: last_active written

    with django_assert_num_queries(DETAIL_QUERIES):
        response = api.get(plan_path(alice, alices_hiit.id))

    logs = [
        log
        for week in response.json()["schedule"]
        for day in week["days"]
        for pe in day["exercises"]
        for log in pe["logs"]
    ]
    assert len(logs) == log_count
    assert all(log["exercise_name"] for log in logs)


@pytest.mark.parametrize("page_size", [5, 100])
def test_the_history_costs_the_same_queries_for_any_page_size(
    api, alice, alices_hiit, django_assert_num_queries, page_size
):
    add_logs(alices_hiit, 150)
    api.get(plans_path(alice))

    with django_assert_num_queries(HISTORY_QUERIES):
        response = api.get(logs_path(alice), {"page_size": page_size, "lang": "fr"})

    assert len(response.json()["results"]) == page_size
    assert all(log["exercise_name"] for log in response.json()["results"])


@pytest.mark.parametrize("page_size", [1, 30])
def test_the_plan_list_costs_the_same_queries_for_any_page_size(
    api, alice, hiit_plan, django_assert_num_queries, page_size
):
    for _ in range(30):
        add_logs(UserPlanFactory.create(user=alice, plan=hiit_plan), 3)
    api.get(logs_path(alice))

    with django_assert_num_queries(LIST_QUERIES):
        response = api.get(plans_path(alice), {"page_size": page_size})

    assert len(response.json()["results"]) == page_size
    assert {item["completion"]["logged_plan_exercises"] for item in response.json()["results"]} == {3}


def test_the_first_request_of_a_while_records_last_active_once(api, alice, alices_hiit, django_assert_num_queries):
    with django_assert_num_queries(DETAIL_QUERIES + 1):  # + the last_active write
        api.get(plan_path(alice, alices_hiit.id), {"lang": "fr"})
    with django_assert_num_queries(DETAIL_QUERIES):
        api.get(plan_path(alice, alices_hiit.id))


def test_a_new_log_costs_three_queries_and_a_retry_four(
    api, alice, alices_hiit, hiit_day_one, today, django_assert_num_queries
):
    api.get(plans_path(alice))
    body = log_body(hiit_day_one[0], today)

    with django_assert_num_queries(NEW_LOG_QUERIES):
        created = api.post(logs_path(alice), body, format="json")
    with django_assert_num_queries(RETRIED_LOG_QUERIES):
        retried = api.post(logs_path(alice), body, format="json")

    assert (created.status_code, retried.status_code) == (201, 200)
    assert created.json()["user_plan_id"] == alices_hiit.id
    assert retried.json() == created.json()
    assert UserWorkoutLog.objects.filter(user=alice).count() == 1
