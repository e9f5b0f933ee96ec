"""The back-office's view of assigned plans and workout logs: staff look up what a user follows and
logged, by user and by date, and cannot change it (the app's services own those writes)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from plans.models import WorkoutPlan
from tracking.models import UserPlan, UserWorkoutLog
from tracking.tests.factories import UserPlanFactory, WorkoutLogFactory

pytestmark = pytest.mark.django_db

LOGS = "/admin/tracking/userworkoutlog/"
USER_PLANS = "/admin/tracking/userplan/"


@pytest.fixture
def charlie(db: None) -> User:
    """Charlie works in the back-office."""
    return User.objects.create_user(
        email="charlie@movoai.test", password="correct horse battery", display_name="Charlie", is_staff=True
    )


@pytest.fixture
def staff_client(charlie: User) -> Client:
    client = Client()
    client.force_login(charlie)
    return client


@pytest.fixture
def alices_week(log_workout: Callable[..., UserWorkoutLog]) -> list[UserWorkoutLog]:
    """Alice logged on Monday 3, Wednesday 5 and Friday 7 March 2025."""
    return [log_workout(datetime.date(2025, 3, day)) for day in (3, 5, 7)]


@pytest.fixture
def bobs_log(bob: User, hiit_plan: WorkoutPlan) -> UserWorkoutLog:
    bobs_plan = UserPlanFactory.create(user=bob, plan=hiit_plan)
    log: UserWorkoutLog = WorkoutLogFactory.create(
        user_plan=bobs_plan, plan_exercise=hiit_plan.plan_exercises.first(), date_performed=datetime.date(2025, 3, 5)
    )
    return log


def listed(response: Any) -> list[Any]:
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def test_staff_find_a_users_logs_by_their_id(staff_client, alice, alices_week, bobs_log):
    logs = listed(staff_client.get(LOGS, {"q": str(alice.id)}))

    assert logs == sorted(alices_week, key=lambda log: log.date_performed, reverse=True)


def test_the_users_page_link_lists_their_logs(staff_client, alice, alices_week, bobs_log):
    # the link on the user's admin page
    logs = listed(staff_client.get(LOGS, {"user__id__exact": str(alice.id)}))

    assert {log.id for log in logs} == {log.id for log in alices_week}


def test_staff_filter_logs_by_date(staff_client, alice, alices_week, bobs_log):
    logs = listed(staff_client.get(LOGS, {"date_performed__gte": "2025-03-04", "date_performed__lt": "2025-03-07"}))

    assert {(log.user.display_name, log.date_performed.day) for log in logs} >= {("Alice", 5), ("Bob", 5)}
    assert all(log.date_performed == datetime.date(2025, 3, 5) for log in logs)


def test_the_log_list_shows_who_did_what_of_which_plan(staff_client, alice, alices_week):
    html = staff_client.get(LOGS, {"q": str(alice.id)}).content.decode()

    assert f'href="/admin/accounts/user/{alice.id}/change/"' in html
    assert alices_week[0].exercise.exercise_en in html
    assert "Beginner Full-Body Strength" in html


def test_the_log_list_costs_the_same_few_queries_for_many_logs(
    staff_client, log_workout, strength_plan_exercises, django_assert_max_num_queries
):
    for number, plan_exercise in enumerate(strength_plan_exercises[:15]):
        log_workout(datetime.date(2025, 3, 1) + datetime.timedelta(days=number), plan_exercise=plan_exercise)

    # session, staff user, the page of logs with their users, exercises and plans, the count, the
    # date hierarchy's dates
    with django_assert_max_num_queries(7):
        assert len(listed(staff_client.get(LOGS))) >= 15


def test_staff_find_a_users_plans(staff_client, alice, alices_plan, bob, hiit_plan):
    UserPlanFactory.create(user=bob, plan=hiit_plan)

    assert listed(staff_client.get(USER_PLANS, {"q": str(alice.id)})) == [alices_plan]
    assert alices_plan in listed(staff_client.get(USER_PLANS, {"q": "Alice"}))
    assert alices_plan not in listed(staff_client.get(USER_PLANS, {"status__exact": "completed"}))


def test_plans_and_logs_are_view_only(staff_client, alices_plan, alices_week):
    log = alices_week[0]

    view = staff_client.get(f"{LOGS}{log.id}/change/")
    assert view.status_code == 200
    assert 'name="_save"' not in view.content.decode()

    assert staff_client.post(f"{LOGS}{log.id}/change/", {"sets_completed": "9"}).status_code == 403
    assert staff_client.get(f"{LOGS}add/").status_code == 403
    assert staff_client.post(f"{LOGS}{log.id}/delete/", {"post": "yes"}).status_code == 403
    assert staff_client.post(f"{USER_PLANS}{alices_plan.id}/change/", {"status": "paused"}).status_code == 403
    log.refresh_from_db()
    alices_plan.refresh_from_db()
    assert log.sets_completed == 3
    assert alices_plan.status == UserPlan.Status.ACTIVE
