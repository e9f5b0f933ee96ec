"""/api/v1/users/{user_id}/plans: assigning plans, listing them, the detail with its progress, status
changes, removal and the copy into a custom plan.

Alice and Bob live in UTC; the HIIT template trains on days 1, 3 and 5 of its 4 weeks, six plan
exercises a day.
"""

from __future__ import annotations

import datetime
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from plans.models import WorkoutPlan
from tracking.models import UserPlan, UserWorkoutLog
from tracking.tests.factories import UserPlanFactory, WorkoutLogFactory
from tracking.tests.support import (
    TEMPLATES,
    assert_problem,
    day_of,
    entry_of,
    log_body,
    logs_path,
    plan_path,
    plans_path,
)

pytestmark = pytest.mark.django_db

HIIT_TOTAL = 72  # 4 weeks x 3 days x 6 plan exercises
TRAINING_DAYS = (1, 3, 5)
MISSING = object()


def days_after(day: datetime.date, n: int) -> datetime.date:
    return day + datetime.timedelta(days=n)


def copy_of(api, user_plan: UserPlan) -> WorkoutPlan:
    response = api.post(f"{plan_path(user_plan.user, user_plan.id)}/copy", format="json")
    assert response.status_code == 201, response.content
    return WorkoutPlan.objects.get(id=response.json()["plan_id"])


# ---- assign ---------------------------------------------------------------------------------------


def test_assigning_a_template_makes_an_active_assignment(api, alice, hiit_plan, today):
    start = days_after(today, 2)

    response = api.post(plans_path(alice), {"plan_id": hiit_plan.id, "start_date": start.isoformat()}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "active"
    assert body["start_date"] == start.isoformat()
    assert body["completed_at"] is None
    assert body["plan_id"] == body["plan"]["id"] == hiit_plan.id
    assert body["plan"]["is_template"] is True
    assert body["completion"] == {
        "logged_plan_exercises": 0,
        "total_plan_exercises": HIIT_TOTAL,
        "completion_percent": 0,
    }
    stored = UserPlan.objects.get(id=body["id"])
    assert (stored.user_id, stored.plan_id, stored.start_date, stored.status) == (
        alice.id,
        hiit_plan.id,
        start,
        "active",
    )


def test_an_assignment_sent_again_with_its_id_is_stored_once(api, alice, hiit_plan, today):
    body = {"id": str(uuid.uuid4()), "plan_id": hiit_plan.id, "start_date": today.isoformat()}

    first = api.post(plans_path(alice), body, format="json")
    again = api.post(plans_path(alice), body, format="json")
    without_date = api.post(plans_path(alice), {"id": body["id"], "plan_id": hiit_plan.id}, format="json")

    assert first.status_code == 201, first.content
    assert again.status_code == without_date.status_code == 200
    assert again.json()["id"] == without_date.json()["id"] == first.json()["id"]
    assert UserPlan.objects.filter(user=alice).count() == 1
    assert UserPlan.objects.get(user=alice).client_id == uuid.UUID(body["id"])


def test_an_assignment_id_is_per_user(api, alice, bob, hiit_plan):
    body = {"id": str(uuid.uuid4()), "plan_id": hiit_plan.id}

    for_alice = api.post(plans_path(alice), body, format="json")
    for_bob = api.post(plans_path(bob), body, format="json")

    assert for_alice.status_code == for_bob.status_code == 201
    assert for_alice.json()["id"] != for_bob.json()["id"]


@pytest.mark.parametrize("change", ["plan", "start_date"])
def test_an_assignment_id_reused_for_another_assignment_is_a_conflict(
    api, alice, hiit_plan, strength_plan, today, change
):
    body = {"id": str(uuid.uuid4()), "plan_id": hiit_plan.id, "start_date": today.isoformat()}
    stored_id = api.post(plans_path(alice), body, format="json").json()["id"]
    other = {"plan_id": strength_plan.id} if change == "plan" else {"start_date": days_after(today, 7).isoformat()}

    problem = assert_problem(api.post(plans_path(alice), {**body, **other}, format="json"), 409)

    assert body["id"] in problem["detail"]
    assert list(UserPlan.objects.filter(user=alice).values_list("id", "plan_id", "start_date")) == [
        (stored_id, hiit_plan.id, today)
    ]


@pytest.mark.parametrize("bad_id", ["not-a-uuid", 12, ""])
def test_an_assignment_id_that_is_not_a_uuid_is_named(api, alice, hiit_plan, bad_id):
    assert_problem(api.post(plans_path(alice), {"id": bad_id, "plan_id": hiit_plan.id}, format="json"), 400, "id")
    assert not UserPlan.objects.filter(user=alice).exists()


@pytest.mark.parametrize("time_zone", ["UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_the_start_date_defaults_to_the_users_today(api, hiit_plan, time_zone):
    user = UserFactory.create(time_zone=time_zone)

    response = api.post(plans_path(user), {"plan_id": hiit_plan.id}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["start_date"] == timezone.now().astimezone(ZoneInfo(time_zone)).date().isoformat()


@pytest.mark.parametrize("plan_id", [999_999_999, 2**63])
def test_assigning_an_unknown_plan_is_a_404_problem(api, alice, plan_id):
    response = api.post(plans_path(alice), {"plan_id": plan_id}, format="json")

    assert_problem(response, 404)
    assert not UserPlan.objects.filter(user=alice).exists()


def test_assigning_to_an_unknown_user_is_a_404_problem(api, hiit_plan):
    response = api.post(plans_path(uuid.uuid4()), {"plan_id": hiit_plan.id}, format="json")

    assert_problem(response, 404)


def test_another_users_custom_plan_cannot_be_assigned(api, alice, bobs_plan):
    bobs_copy = copy_of(api, bobs_plan)

    response = api.post(plans_path(alice), {"plan_id": bobs_copy.id}, format="json")

    assert_problem(response, 404)
    assert not UserPlan.objects.filter(user=alice).exists()


def test_a_users_own_custom_plan_can_be_assigned(api, alice, alices_hiit):
    alices_copy = copy_of(api, alices_hiit)

    response = api.post(plans_path(alice), {"plan_id": alices_copy.id}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["plan"]["is_template"] is False
    assert response.json()["plan"]["created_by"] == str(alice.id)
    assert response.json()["completion"]["total_plan_exercises"] == HIIT_TOTAL


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"plan_id": MISSING}, "plan_id"),
        ({"plan_id": "the hiit one"}, "plan_id"),
        ({"plan_id": 0}, "plan_id"),
        ({"plan_id": None}, "plan_id"),
        ({"start_date": "2025-13-01"}, "start_date"),
        ({"start_date": "tomorrow"}, "start_date"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_assignment_is_a_400_naming_the_field(api, alice, hiit_plan, body, field):
    request = {name: value for name, value in {"plan_id": hiit_plan.id, **body}.items() if value is not MISSING}

    response = api.post(plans_path(alice), request, format="json")

    assert_problem(response, 400, field)
    assert not UserPlan.objects.filter(user=alice).exists()


# ---- list -----------------------------------------------------------------------------------------


@pytest.fixture
def three_assignments(alice, hiit_plan, strength_plan, today) -> dict[str, UserPlan]:
    """Alice's assignments, made in this order: a completed one, a paused one, an active one."""
    return {
        "completed": UserPlanFactory.create(
            user=alice, plan=strength_plan, start_date=days_after(today, -70), status="completed",
            completed_at=timezone.now(),
        ),
        "paused": UserPlanFactory.create(user=alice, plan=strength_plan, start_date=today, status="paused"),
        "active": UserPlanFactory.create(user=alice, plan=hiit_plan, start_date=today),
    }  # fmt: skip


def test_the_plans_are_listed_newest_first(api, alice, bobs_plan, three_assignments):
    response = api.get(plans_path(alice))

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [item["id"] for item in body["results"]] == [
        three_assignments[status].id for status in ("active", "paused", "completed")
    ]


@pytest.mark.parametrize("status", ["active", "paused", "completed"])
def test_the_status_filter_lists_the_plans_of_that_status_only(api, alice, three_assignments, status):
    body = api.get(plans_path(alice), {"status": status}).json()

    assert body["count"] == 1
    assert [(item["id"], item["status"]) for item in body["results"]] == [(three_assignments[status].id, status)]


def test_the_plans_are_paginated(api, alice, three_assignments):
    first = api.get(plans_path(alice), {"page_size": 2}).json()
    second = api.get(plans_path(alice), {"page_size": 2, "page": 2}).json()

    assert first["count"] == second["count"] == 3
    assert len(first["results"]) == 2
    assert first["next"]
    assert len(second["results"]) == 1
    assert second["next"] is None
    listed = [item["id"] for item in first["results"] + second["results"]]
    assert sorted(listed) == sorted(up.id for up in three_assignments.values())


@pytest.mark.parametrize(
    ("params", "field"),
    [({"status": "finished"}, "status"), ({"page_size": 0}, "page_size"), ({"sort": "name"}, "sort")],
)
def test_a_bad_list_parameter_is_a_400_naming_it(api, alice, three_assignments, params, field):
    assert_problem(api.get(plans_path(alice), params), 400, field)


def test_the_list_shows_each_plans_completion(api, alice, alices_hiit, hiit_day_one):
    WorkoutLogFactory.create(user_plan=alices_hiit, plan_exercise=hiit_day_one[0])
    WorkoutLogFactory.create(user_plan=alices_hiit, plan_exercise=hiit_day_one[0])  # the same one again

    (item,) = api.get(plans_path(alice)).json()["results"]

    assert item["completion"] == {
        "logged_plan_exercises": 1,
        "total_plan_exercises": HIIT_TOTAL,
        "completion_percent": round(100 / HIIT_TOTAL, 1),
    }


def test_an_unknown_users_plans_are_a_404_problem(api):
    assert_problem(api.get(plans_path(uuid.uuid4())), 404)


# ---- detail ---------------------------------------------------------------------------------------


def test_the_detail_shows_the_schedule_with_dates_and_rest_days(api, alice, alices_hiit, hiit_plan, today):
    detail = api.get(plan_path(alice, alices_hiit.id)).json()

    assert detail["id"] == alices_hiit.id
    assert detail["plan"]["name"] == hiit_plan.name_en
    assert [week["week_number"] for week in detail["schedule"]] == [1, 2, 3, 4]
    for week in detail["schedule"]:
        assert [day["day_number"] for day in week["days"]] == [1, 2, 3, 4, 5, 6, 7]
        for day in week["days"]:
            offset = (week["week_number"] - 1) * 7 + day["day_number"] - 1
            assert day["date"] == days_after(today, offset).isoformat()
            assert day["is_rest_day"] is (day["day_number"] not in TRAINING_DAYS)
            assert len(day["exercises"]) == (6 if day["day_number"] in TRAINING_DAYS else 0)
    assert day_of(detail, 1, 1)["date"] == alices_hiit.start_date.isoformat()
    week_two_day_three = day_of(detail, 2, 3)
    assert week_two_day_three["date"] == days_after(today, 9).isoformat()
    scheduled = hiit_plan.plan_exercises.filter(week_number=2, day_number=3).order_by("order_in_day")
    assert [entry["plan_exercise_id"] for entry in week_two_day_three["exercises"]] == [pe.id for pe in scheduled]


def test_the_detail_in_french(api, alice, alices_hiit, hiit_plan):
    detail = api.get(plan_path(alice, alices_hiit.id), {"lang": "fr"}).json()

    assert detail["plan"]["name"] == hiit_plan.name_fr
    assert detail["plan"]["description"] == hiit_plan.description_fr


def test_nothing_is_complete_before_the_first_log(api, alice, alices_hiit, today):
    detail = api.get(plan_path(alice, alices_hiit.id)).json()

    assert detail["completion"] == {
        "logged_plan_exercises": 0,
        "total_plan_exercises": HIIT_TOTAL,
        "completion_percent": 0,
    }
    for week in detail["schedule"]:
        assert week["completion_percent"] == 0
        for day in week["days"]:
            assert day["completion_percent"] == (None if day["is_rest_day"] else 0)
            assert all(entry["logged"] is False and entry["logs"] == [] for entry in day["exercises"])
    assert detail["next_workout"] == {"week_number": 1, "day_number": 1, "date": today.isoformat()}


def test_completion_rises_with_each_log_per_day_week_and_plan(
    api, alice, alices_hiit, hiit_day_one, today, django_capture_on_commit_callbacks
):
    path = plan_path(alice, alices_hiit.id)
    assert api.get(path).json()["completion"]["completion_percent"] == 0  # now cached

    with django_capture_on_commit_callbacks(execute=True):
        posted = api.post(logs_path(alice), log_body(hiit_day_one[0], today, reps_completed=12), format="json")
    assert posted.status_code == 201, posted.content

    detail = api.get(path).json()
    assert detail["completion"] == {
        "logged_plan_exercises": 1,
        "total_plan_exercises": HIIT_TOTAL,
        "completion_percent": round(100 / HIIT_TOTAL, 1),
    }
    assert detail["schedule"][0]["completion_percent"] == round(100 / 18, 1)
    assert day_of(detail, 1, 1)["completion_percent"] == round(100 / 6, 1)
    assert day_of(detail, 1, 3)["completion_percent"] == 0
    assert detail["schedule"][1]["completion_percent"] == 0
    logged = entry_of(detail, hiit_day_one[0])
    assert logged["logged"] is True
    assert [(log["id"], log["reps_completed"], log["date_performed"]) for log in logged["logs"]] == [
        (posted.json()["id"], 12, today.isoformat())
    ]
    assert entry_of(detail, hiit_day_one[1])["logged"] is False
    assert detail["next_workout"] == {"week_number": 1, "day_number": 1, "date": today.isoformat()}


def test_a_finished_day_moves_the_next_workout_to_the_next_training_day(
    api, alice, alices_hiit, hiit_day_one, today, django_capture_on_commit_callbacks
):
    path = plan_path(alice, alices_hiit.id)
    api.get(path)  # cached

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"{logs_path(alice)}/batch", {"logs": [log_body(pe, today) for pe in hiit_day_one]}, format="json"
        )
    assert response.status_code == 201, response.content

    detail = api.get(path).json()
    assert day_of(detail, 1, 1)["completion_percent"] == 100
    assert detail["schedule"][0]["completion_percent"] == round(100 * 6 / 18, 1)
    assert detail["completion"]["logged_plan_exercises"] == 6
    assert detail["next_workout"] == {"week_number": 1, "day_number": 3, "date": days_after(today, 2).isoformat()}


def test_the_next_workout_is_the_first_training_day_from_today_on(api, alice, hiit_plan, today):
    # Started 10 days ago: today is week 2 day 4, a rest day; the missed days lie behind.
    user_plan = UserPlanFactory.create(user=alice, plan=hiit_plan, start_date=days_after(today, -10))

    detail = api.get(plan_path(alice, user_plan.id)).json()

    assert detail["next_workout"] == {"week_number": 2, "day_number": 5, "date": days_after(today, 1).isoformat()}


def test_a_plan_starting_later_begins_with_week_one_day_one(api, alice, hiit_plan, today):
    user_plan = UserPlanFactory.create(user=alice, plan=hiit_plan, start_date=days_after(today, 5))

    detail = api.get(plan_path(alice, user_plan.id)).json()

    assert detail["next_workout"] == {"week_number": 1, "day_number": 1, "date": days_after(today, 5).isoformat()}


def test_a_completed_plan_has_no_next_workout(api, alice, alices_hiit):
    api.put(plan_path(alice, alices_hiit.id), {"status": "completed"}, format="json")

    assert api.get(plan_path(alice, alices_hiit.id)).json()["next_workout"] is None


def test_only_this_assignments_logs_count(api, alice, alices_hiit, hiit_plan, hiit_day_one, today):
    earlier = UserPlanFactory.create(user=alice, plan=hiit_plan, start_date=days_after(today, -60), status="paused")
    WorkoutLogFactory.create(user_plan=earlier, plan_exercise=hiit_day_one[0], date_performed=days_after(today, -60))

    detail = api.get(plan_path(alice, alices_hiit.id)).json()

    assert detail["completion"]["logged_plan_exercises"] == 0
    assert entry_of(detail, hiit_day_one[0])["logs"] == []


def test_a_repeated_detail_request_is_served_from_the_cache(api, alice, alices_hiit, django_assert_num_queries):
    path = plan_path(alice, alices_hiit.id)
    first = api.get(path)

    with django_assert_num_queries(2):  # the user and the assignment, which decide who may see it
        again = api.get(path)

    assert again.status_code == 200
    assert again.content == first.content


@pytest.mark.parametrize("write", ["edit", "delete", "status"])
def test_every_write_is_shown_at_once_although_the_detail_is_cached(
    api, alice, alices_hiit, hiit_day_one, today, django_capture_on_commit_callbacks, write
):
    path = plan_path(alice, alices_hiit.id)
    with django_capture_on_commit_callbacks(execute=True):
        log_id = api.post(logs_path(alice), log_body(hiit_day_one[0], today), format="json").json()["id"]
    assert entry_of(api.get(path).json(), hiit_day_one[0])["logged"] is True  # now cached

    with django_capture_on_commit_callbacks(execute=True):
        if write == "edit":
            edit = {k: v for k, v in log_body(hiit_day_one[1], today).items() if k != "id"}
            response = api.put(f"{logs_path(alice)}/{log_id}", edit, format="json")
        elif write == "delete":
            response = api.delete(f"{logs_path(alice)}/{log_id}")
        else:
            response = api.put(path, {"status": "paused"}, format="json")
    assert response.status_code in (200, 204), response.content

    detail = api.get(path).json()
    if write == "edit":  # the log moved to the second plan exercise
        assert entry_of(detail, hiit_day_one[0])["logged"] is False
        assert [log["id"] for log in entry_of(detail, hiit_day_one[1])["logs"]] == [log_id]
    elif write == "delete":
        assert entry_of(detail, hiit_day_one[0])["logged"] is False
        assert detail["completion"]["logged_plan_exercises"] == 0
    else:
        assert detail["status"] == "paused"


def test_another_users_assignment_is_a_404(api, alice, bob, alices_hiit):
    assert_problem(api.get(plan_path(bob, alices_hiit.id)), 404)
    assert_problem(api.get(plan_path(alice, 999_999_999)), 404)
    assert_problem(api.get(plan_path(alice, 2**63)), 404)


# ---- status ---------------------------------------------------------------------------------------


def put_status(api, user_plan: UserPlan, status: str):
    return api.put(plan_path(user_plan.user, user_plan.id), {"status": status}, format="json")


def test_an_active_plan_can_be_paused_resumed_and_completed(api, alices_hiit):
    for status in ("paused", "active"):
        response = put_status(api, alices_hiit, status)
        assert response.status_code == 200, response.content
        assert response.json()["status"] == status
        assert response.json()["completed_at"] is None

    before = timezone.now()
    response = put_status(api, alices_hiit, "completed")

    assert response.status_code == 200
    assert response.json()["status"] == "completed"
    alices_hiit.refresh_from_db()
    assert alices_hiit.status == "completed"
    assert alices_hiit.completed_at is not None
    assert alices_hiit.completed_at >= before
    assert response.json()["completed_at"] == alices_hiit.completed_at.isoformat()


def test_a_paused_plan_can_be_completed(api, alices_hiit):
    put_status(api, alices_hiit, "paused")

    response = put_status(api, alices_hiit, "completed")

    assert response.status_code == 200
    assert response.json()["completed_at"]


@pytest.mark.parametrize("status", ["paused", "active"])
def test_a_completed_plan_cannot_change_again(api, alices_hiit, status):
    put_status(api, alices_hiit, "completed")
    alices_hiit.refresh_from_db()

    body = assert_problem(put_status(api, alices_hiit, status), 409)

    assert "completed" in body["detail"]
    completed_at = alices_hiit.completed_at
    alices_hiit.refresh_from_db()
    assert (alices_hiit.status, alices_hiit.completed_at) == ("completed", completed_at)


@pytest.mark.parametrize("status", ["active", "completed"])
def test_setting_the_status_a_plan_has_changes_nothing(api, alices_hiit, status):
    if status == "completed":
        put_status(api, alices_hiit, "completed")
    alices_hiit.refresh_from_db()

    response = put_status(api, alices_hiit, status)

    assert response.status_code == 200
    assert response.json()["status"] == status
    before = (alices_hiit.completed_at, alices_hiit.updated_at)
    alices_hiit.refresh_from_db()
    assert (alices_hiit.completed_at, alices_hiit.updated_at) == before


@pytest.mark.parametrize(
    ("body", "field"), [({"status": "finished"}, "status"), ({}, "status"), ({"status": "paused", "note": "x"}, "note")]
)
def test_a_bad_status_change_is_a_400_naming_the_field(api, alice, alices_hiit, body, field):
    assert_problem(api.put(plan_path(alice, alices_hiit.id), body, format="json"), 400, field)
    alices_hiit.refresh_from_db()
    assert alices_hiit.status == "active"


def test_another_users_assignment_cannot_change_status(api, bob, alices_hiit):
    assert_problem(api.put(plan_path(bob, alices_hiit.id), {"status": "paused"}, format="json"), 404)
    alices_hiit.refresh_from_db()
    assert alices_hiit.status == "active"


# ---- removal --------------------------------------------------------------------------------------


def test_removing_an_assignment_keeps_the_logs_in_the_history(api, alice, alices_hiit, hiit_day_one, today):
    for plan_exercise in hiit_day_one[:2]:
        api.post(logs_path(alice), log_body(plan_exercise, today), format="json")
    assert api.get(logs_path(alice)).json()["count"] == 2

    response = api.delete(plan_path(alice, alices_hiit.id))

    assert response.status_code == 204
    history = api.get(logs_path(alice)).json()
    assert history["count"] == 2
    assert [log["user_plan_id"] for log in history["results"]] == [None, None]
    assert {log["plan_exercise_id"] for log in history["results"]} == {pe.id for pe in hiit_day_one[:2]}
    assert_problem(api.get(plan_path(alice, alices_hiit.id)), 404)
    assert api.get(plans_path(alice)).json()["count"] == 0
    assert_problem(api.delete(plan_path(alice, alices_hiit.id)), 404)


def test_another_users_assignment_cannot_be_removed(api, bob, alices_hiit):
    assert_problem(api.delete(plan_path(bob, alices_hiit.id)), 404)
    assert UserPlan.objects.filter(id=alices_hiit.id).exists()


# ---- copy -----------------------------------------------------------------------------------------


def test_a_copy_is_a_custom_plan_of_the_user_with_the_same_plan_exercises(api, alice, alices_hiit, hiit_plan):
    response = api.post(f"{plan_path(alice, alices_hiit.id)}/copy", format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    copy = WorkoutPlan.objects.get(id=body["plan_id"])
    assert copy.id != hiit_plan.id
    assert body["id"] == copy.id
    assert body["is_template"] is False
    assert body["created_by"] == str(alice.id)
    assert (copy.is_template, copy.created_by_id, copy.copied_from_id) == (False, alice.id, hiit_plan.id)
    assert (copy.name_en, copy.weeks, copy.days_per_week) == (
        hiit_plan.name_en,
        hiit_plan.weeks,
        hiit_plan.days_per_week,
    )

    def dose(plan: WorkoutPlan) -> list[tuple[object, ...]]:
        return list(
            plan.plan_exercises.order_by("week_number", "day_number", "order_in_day").values_list(
                "exercise_id", "week_number", "day_number", "order_in_day", "sets", "reps", "duration_seconds"
            )
        )

    assert dose(copy) == dose(hiit_plan)
    assert len(body["schedule"]) == hiit_plan.weeks
    assert hiit_plan.plan_exercises.count() == HIIT_TOTAL  # the template is untouched


def test_a_copy_is_never_listed_nor_served_as_a_template(api, alices_hiit):
    copy = copy_of(api, alices_hiit)

    listed = api.get(TEMPLATES, {"page_size": 100}).json()
    assert copy.id not in [plan["id"] for plan in listed["results"]]
    assert listed["count"] == 14
    assert_problem(api.get(f"{TEMPLATES}/{copy.id}"), 404)


def test_another_users_assignment_cannot_be_copied(api, bob, alices_hiit):
    assert_problem(api.post(f"{plan_path(bob, alices_hiit.id)}/copy", format="json"), 404)
    assert not WorkoutPlan.objects.filter(created_by=bob).exists()


def test_the_copy_can_be_followed_and_logged(api, alice, alices_hiit, today):
    copy = copy_of(api, alices_hiit)
    assigned = api.post(plans_path(alice), {"plan_id": copy.id}, format="json").json()
    first = copy.plan_exercises.get(week_number=1, day_number=1, order_in_day=1)

    response = api.post(logs_path(alice), log_body(first, today), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["user_plan_id"] == assigned["id"]
    log = UserWorkoutLog.objects.get(id=response.json()["id"])
    assert (log.plan_exercise_id, log.exercise_id) == (first.id, first.exercise_id)
