"""/api/v1/users/{user_id}/workout-logs: logging with client ids (idempotent retries), validation,
the date rule in the user's time zone, the history and its filters, edits and deletions, and other
users' logs.

Alice follows the HIIT template from today (and the strength template since 2024); Bob follows the
strength template from today. Both live in UTC.
"""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

import pytest

from accounts.tests.factories import UserFactory
from plans.tests.factories import PlanExerciseFactory, WorkoutPlanFactory
from tracking.models import UserWorkoutLog
from tracking.tests.factories import UserPlanFactory, WorkoutLogFactory
from tracking.tests.support import assert_problem, log_body, log_path, logs_path

pytestmark = pytest.mark.django_db


def days_after(day: datetime.date, n: int) -> datetime.date:
    return day + datetime.timedelta(days=n)


def without_id(body: dict[str, object]) -> dict[str, object]:
    return {name: value for name, value in body.items() if name != "id"}


# ---- create and retry -----------------------------------------------------------------------------


def test_a_log_is_stored_under_the_client_id(api, alice, alices_hiit, hiit_day_one, today):
    squat = hiit_day_one[1]
    body = log_body(squat, today, sets_completed=4, reps_completed=12, weight_kg=12.5, duration_seconds=90)

    response = api.post(logs_path(alice), body, format="json")

    assert response.status_code == 201, response.content
    log = response.json()
    assert log["id"] == body["id"]
    assert log["user_plan_id"] == alices_hiit.id
    assert log["plan_exercise_id"] == squat.id
    assert log["exercise_id"] == squat.exercise_id
    assert log["exercise_name"] == squat.exercise.exercise_en
    assert (log["date_performed"], log["sets_completed"], log["reps_completed"]) == (today.isoformat(), 4, 12)
    assert (log["weight_kg"], log["duration_seconds"], log["rpe"], log["notes"]) == (12.5, 90, 7, "felt solid")
    stored = UserWorkoutLog.objects.get(id=body["id"])
    assert (stored.user_id, stored.user_plan_id, stored.weight_kg) == (alice.id, alices_hiit.id, Decimal("12.50"))


def test_a_log_without_a_client_id_gets_one(api, alice, alices_hiit, hiit_day_one, today):
    response = api.post(logs_path(alice), without_id(log_body(hiit_day_one[0], today)), format="json")

    assert response.status_code == 201
    assert uuid.UUID(response.json()["id"]).version == 4
    assert UserWorkoutLog.objects.filter(user=alice).count() == 1


def test_posting_the_same_id_again_returns_the_stored_log_and_creates_nothing(
    api, alice, alices_hiit, hiit_day_one, today
):
    body = log_body(hiit_day_one[0], today, reps_completed=10)
    created = api.post(logs_path(alice), body, format="json")

    retried = api.post(logs_path(alice), {**body, "reps_completed": 11}, format="json")

    assert retried.status_code == 200
    assert retried.json() == created.json()
    assert retried.json()["reps_completed"] == 10
    assert UserWorkoutLog.objects.filter(user=alice).count() == 1


def test_another_users_id_is_a_409_and_leaves_their_log_alone(api, alice, bob, bobs_plan, alices_hiit, today):
    bobs = log_body(bobs_plan.plan.plan_exercises.get(week_number=1, day_number=1, order_in_day=1), today)
    api.post(logs_path(bob), bobs, format="json")

    response = api.post(
        logs_path(alice), {**log_body(alices_hiit.plan.plan_exercises.first(), today), "id": bobs["id"]}, format="json"
    )

    assert_problem(response, 409)
    assert not UserWorkoutLog.objects.filter(user=alice).exists()
    assert UserWorkoutLog.objects.get(id=bobs["id"]).user_id == bob.id


def test_logging_for_an_unknown_user_is_a_404(api, hiit_day_one, today):
    assert_problem(api.post(logs_path(uuid.uuid4()), log_body(hiit_day_one[0], today), format="json"), 404)


# ---- which plan exercises a user may log ----------------------------------------------------------


def test_a_plan_exercise_of_a_plan_the_user_does_not_follow_is_a_400(api, alice, alices_hiit, bobs_plan, today):
    bobs_exercise = bobs_plan.plan.plan_exercises.first()

    response = api.post(logs_path(alice), log_body(bobs_exercise, today), format="json")

    assert_problem(response, 400, "plan_exercise_id")
    assert not UserWorkoutLog.objects.filter(user=alice).exists()


def test_an_unknown_plan_exercise_is_a_400(api, alice, alices_hiit, today):
    body = {**log_body(alices_hiit.plan.plan_exercises.first(), today), "plan_exercise_id": 999_999_999}

    assert_problem(api.post(logs_path(alice), body, format="json"), 400, "plan_exercise_id")


def test_a_plan_of_a_paused_or_completed_assignment_can_still_be_logged(api, alice, hiit_plan, hiit_day_one, today):
    paused = UserPlanFactory.create(user=alice, plan=hiit_plan, status="paused")

    response = api.post(logs_path(alice), log_body(hiit_day_one[0], today), format="json")

    assert response.status_code == 201
    assert response.json()["user_plan_id"] == paused.id


def test_a_log_goes_to_the_active_assignment_of_its_plan(api, alice, hiit_plan, hiit_day_one, today):
    UserPlanFactory.create(user=alice, plan=hiit_plan, status="paused", start_date=days_after(today, -30))
    active = UserPlanFactory.create(user=alice, plan=hiit_plan, start_date=days_after(today, -40))
    UserPlanFactory.create(user=alice, plan=hiit_plan, status="paused", start_date=today)

    response = api.post(logs_path(alice), log_body(hiit_day_one[0], today), format="json")

    assert response.json()["user_plan_id"] == active.id


def test_a_plan_exercise_of_the_users_own_plan_can_be_logged_unassigned(api, alice, today):
    own = WorkoutPlanFactory.create(is_template=False, source="custom", created_by=alice)
    plan_exercise = PlanExerciseFactory.create(plan=own)

    response = api.post(logs_path(alice), log_body(plan_exercise, today), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["user_plan_id"] is None


def test_the_assignment_can_be_named(api, alice, hiit_plan, alices_hiit, hiit_day_one, today):
    other = UserPlanFactory.create(user=alice, plan=hiit_plan, status="paused", start_date=days_after(today, -60))

    response = api.post(logs_path(alice), log_body(hiit_day_one[0], today, user_plan_id=other.id), format="json")

    assert response.status_code == 201
    assert response.json()["user_plan_id"] == other.id


@pytest.mark.parametrize("whose", ["alices_plan", "bobs_plan"])
def test_an_assignment_of_another_plan_is_a_400(api, request, alice, alices_hiit, hiit_day_one, today, whose):
    # alices_plan: Alice's assignment of the strength plan; bobs_plan: Bob's.
    other = request.getfixturevalue(whose)

    response = api.post(logs_path(alice), log_body(hiit_day_one[0], today, user_plan_id=other.id), format="json")

    assert_problem(response, 400, "user_plan_id")
    assert not UserWorkoutLog.objects.filter(user=alice).exists()


# ---- dates and time zones -------------------------------------------------------------------------


@pytest.mark.parametrize("offset", [-400, -1, 0, 1])
def test_a_log_may_be_dated_up_to_tomorrow(api, alice, alices_hiit, hiit_day_one, today, offset):
    response = api.post(logs_path(alice), log_body(hiit_day_one[0], days_after(today, offset)), format="json")

    assert response.status_code == 201, response.content


@pytest.mark.parametrize("offset", [2, 3, 365])
def test_a_log_dated_after_tomorrow_is_a_400(api, alice, alices_hiit, hiit_day_one, today, offset):
    response = api.post(logs_path(alice), log_body(hiit_day_one[0], days_after(today, offset)), format="json")

    assert_problem(response, 400, "date_performed")
    assert not UserWorkoutLog.objects.filter(user=alice).exists()


def test_a_log_before_2000_is_a_400(api, alice, alices_hiit, hiit_day_one):
    body = log_body(hiit_day_one[0], datetime.date(1999, 12, 31))

    assert_problem(api.post(logs_path(alice), body, format="json"), 400, "date_performed")


# 2026-03-10 at 09:59:59 UTC is 23:59:59 on the 10th in Kiritimati (UTC+14), 22:59:59 on the 9th in
# Pago Pago (UTC-11); one second later Kiritimati is at midnight on the 11th.
BEFORE_KIRITIMATI_MIDNIGHT = datetime.datetime(2026, 3, 10, 9, 59, 59, tzinfo=datetime.UTC)
KIRITIMATI_MIDNIGHT = datetime.datetime(2026, 3, 10, 10, 0, 0, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("time_zone", "now", "latest_allowed"),
    [
        ("Pacific/Kiritimati", BEFORE_KIRITIMATI_MIDNIGHT, datetime.date(2026, 3, 11)),
        ("Pacific/Kiritimati", KIRITIMATI_MIDNIGHT, datetime.date(2026, 3, 12)),  # the UTC day after tomorrow
        ("UTC", KIRITIMATI_MIDNIGHT, datetime.date(2026, 3, 11)),
        ("Pacific/Pago_Pago", KIRITIMATI_MIDNIGHT, datetime.date(2026, 3, 10)),  # the UTC today
        ("Europe/Paris", datetime.datetime(2026, 3, 10, 23, 0, tzinfo=datetime.UTC), datetime.date(2026, 3, 12)),
        ("Not/A_Zone", KIRITIMATI_MIDNIGHT, datetime.date(2026, 3, 11)),  # unknown: UTC
    ],
)
def test_tomorrow_is_the_day_after_the_users_own_today(api, freeze_now, hiit_plan, time_zone, now, latest_allowed):
    user = UserFactory.create(time_zone=time_zone)
    UserPlanFactory.create(user=user, plan=hiit_plan, start_date=datetime.date(2026, 3, 1))
    plan_exercise = hiit_plan.plan_exercises.first()
    freeze_now(now)

    allowed = api.post(logs_path(user), log_body(plan_exercise, latest_allowed), format="json")
    refused = api.post(logs_path(user), log_body(plan_exercise, days_after(latest_allowed, 1)), format="json")

    assert allowed.status_code == 201, allowed.content
    body = assert_problem(refused, 400, "date_performed")
    assert latest_allowed.isoformat() in body["errors"]["date_performed"][0]


# ---- validation -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"reps_completed": -1}, "reps_completed"),
        ({"reps_completed": 1001}, "reps_completed"),
        ({"reps_completed": "ten"}, "reps_completed"),
        ({"sets_completed": 51}, "sets_completed"),
        ({"sets_completed": -1}, "sets_completed"),
        ({"rpe": 0}, "rpe"),
        ({"rpe": 11}, "rpe"),
        ({"weight_kg": 1000.01}, "weight_kg"),
        ({"weight_kg": -0.5}, "weight_kg"),
        ({"weight_kg": 12.345}, "weight_kg"),
        ({"duration_seconds": 86401}, "duration_seconds"),
        ({"duration_seconds": -1}, "duration_seconds"),
        ({"notes": "x" * 2001}, "notes"),
        ({"date_performed": "yesterday"}, "date_performed"),
        ({"date_performed": None}, "date_performed"),
        ({"plan_exercise_id": None}, "plan_exercise_id"),
        ({"plan_exercise_id": "squat"}, "plan_exercise_id"),
        ({"id": "not-a-uuid"}, "id"),
        ({"id": 12}, "id"),  # not made a UUID 00000000-...-00000000000c
        ({"mood": "great"}, "mood"),
    ],
)
def test_a_bad_log_is_a_400_naming_the_field(api, alice, alices_hiit, hiit_day_one, today, change, field):
    response = api.post(logs_path(alice), log_body(hiit_day_one[0], today, **change), format="json")

    assert_problem(response, 400, field)
    assert not UserWorkoutLog.objects.filter(user=alice).exists()


@pytest.mark.parametrize("missing", ["plan_exercise_id", "date_performed"])
def test_a_log_without_its_required_fields_is_a_400(api, alice, alices_hiit, hiit_day_one, today, missing):
    body = {name: value for name, value in log_body(hiit_day_one[0], today).items() if name != missing}

    assert_problem(api.post(logs_path(alice), body, format="json"), 400, missing)


def test_the_limits_themselves_are_accepted(api, alice, alices_hiit, hiit_day_one, today):
    extremes: list[dict[str, object]] = [
        {"sets_completed": 50, "reps_completed": 1000, "weight_kg": 1000, "rpe": 10, "duration_seconds": 86400},
        {
            "sets_completed": 0,
            "reps_completed": 0,
            "weight_kg": 0,
            "rpe": 1,
            "duration_seconds": 0,
            "notes": "x" * 2000,
        },
        {"sets_completed": None, "reps_completed": None, "weight_kg": None, "rpe": None, "notes": ""},
    ]
    for change in extremes:
        response = api.post(logs_path(alice), log_body(hiit_day_one[0], today, **change), format="json")
        assert response.status_code == 201, response.content
    assert UserWorkoutLog.objects.filter(user=alice).count() == 3


# ---- history --------------------------------------------------------------------------------------


@pytest.fixture
def alices_history(alice, alices_hiit, hiit_day_one, today) -> list[UserWorkoutLog]:
    """Six logs of Alice on the first two plan exercises of day 1, over the last five days."""
    first, second = hiit_day_one[:2]
    return [
        WorkoutLogFactory.create(user_plan=alices_hiit, plan_exercise=pe, date_performed=days_after(today, offset))
        for pe, offset in [(first, -3), (second, 0), (first, -1), (second, -3), (first, -4), (second, -1)]
    ]


def test_the_history_is_newest_first(api, alice, bob, bobs_plan, alices_history, today):
    WorkoutLogFactory.create(user_plan=bobs_plan, plan_exercise=bobs_plan.plan.plan_exercises.first())

    body = api.get(logs_path(alice)).json()

    assert body["count"] == 6
    dates = [log["date_performed"] for log in body["results"]]
    assert dates == sorted(dates, reverse=True)
    assert {log["id"] for log in body["results"]} == {str(log.id) for log in alices_history}


def test_logs_of_one_day_come_in_the_order_they_were_logged_newest_first(api, alice, alices_hiit, hiit_day_one, today):
    ids = [api.post(logs_path(alice), log_body(pe, today), format="json").json()["id"] for pe in hiit_day_one[:3]]

    listed = [log["id"] for log in api.get(logs_path(alice)).json()["results"]]

    assert listed == ids[::-1]


def test_the_history_filters_by_dates_inclusive(api, alice, alices_history, today):
    body = api.get(
        logs_path(alice),
        {"start_date": days_after(today, -3).isoformat(), "end_date": days_after(today, -1).isoformat()},
    ).json()

    assert body["count"] == 4
    assert sorted(log["date_performed"] for log in body["results"]) == [
        days_after(today, offset).isoformat() for offset in (-3, -3, -1, -1)
    ]
    assert api.get(logs_path(alice), {"start_date": today.isoformat()}).json()["count"] == 1
    assert api.get(logs_path(alice), {"end_date": days_after(today, -4).isoformat()}).json()["count"] == 1


def test_the_history_filters_by_plan_exercise(api, alice, alices_history, hiit_day_one):
    body = api.get(logs_path(alice), {"plan_exercise_id": hiit_day_one[0].id}).json()

    assert body["count"] == 3
    assert {log["plan_exercise_id"] for log in body["results"]} == {hiit_day_one[0].id}


def test_the_history_filters_by_assignment(
    api, alice, alices_plan, alices_hiit, alices_history, strength_plan_exercises
):
    WorkoutLogFactory.create(user_plan=alices_plan, plan_exercise=strength_plan_exercises[0])

    hiit = api.get(logs_path(alice), {"user_plan_id": alices_hiit.id}).json()
    strength = api.get(logs_path(alice), {"user_plan_id": alices_plan.id}).json()

    assert hiit["count"] == 6
    assert {log["user_plan_id"] for log in hiit["results"]} == {alices_hiit.id}
    assert strength["count"] == 1
    assert strength["results"][0]["plan_exercise_id"] == strength_plan_exercises[0].id


def test_the_history_filters_combine(api, alice, alices_history, alices_hiit, hiit_day_one, today):
    params = {
        "plan_exercise_id": hiit_day_one[1].id,
        "user_plan_id": alices_hiit.id,
        "start_date": days_after(today, -1).isoformat(),
        "end_date": today.isoformat(),
    }

    body = api.get(logs_path(alice), params).json()

    assert [log["date_performed"] for log in body["results"]] == [today.isoformat(), days_after(today, -1).isoformat()]


def test_the_history_is_paginated(api, alice, alices_history):
    pages = [api.get(logs_path(alice), {"page_size": 4, "page": page}).json() for page in (1, 2)]

    assert [len(page["results"]) for page in pages] == [4, 2]
    assert pages[0]["count"] == 6
    assert pages[1]["next"] is None
    everything = api.get(logs_path(alice)).json()["results"]
    assert [log["id"] for page in pages for log in page["results"]] == [log["id"] for log in everything]


def test_the_history_speaks_french(api, alice, alices_history, hiit_day_one):
    body = api.get(logs_path(alice), {"lang": "fr", "plan_exercise_id": hiit_day_one[0].id})

    assert body.status_code == 200, body.content
    exercise = hiit_day_one[0].exercise
    assert {log["exercise_name"] for log in body.json()["results"]} == {exercise.exercise_fr or exercise.exercise_en}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start_date": "2025-03-10", "end_date": "2025-03-09"}, "end_date"),
        ({"start_date": "last week"}, "start_date"),
        ({"end_date": "2025-02-30"}, "end_date"),
        ({"plan_exercise_id": "squat"}, "plan_exercise_id"),
        ({"user_plan_id": 0}, "user_plan_id"),
        ({"page_size": 101}, "page_size"),
        ({"page": 0}, "page"),
        ({"order": "oldest"}, "order"),
        ({"lang": "de"}, "lang"),
    ],
)
def test_a_bad_history_parameter_is_a_400_naming_it(api, alice, params, field):
    assert_problem(api.get(logs_path(alice), params), 400, field)


def test_an_unknown_users_history_is_a_404(api):
    assert_problem(api.get(logs_path(uuid.uuid4())), 404)


# ---- one log: read, edit, delete ------------------------------------------------------------------


@pytest.fixture
def alices_log(api, alice, alices_hiit, hiit_day_one, today) -> dict[str, object]:
    body = log_body(hiit_day_one[0], days_after(today, -1))
    response = api.post(logs_path(alice), body, format="json")
    assert response.status_code == 201
    return dict(response.json())


def test_a_log_can_be_read(api, alice, alices_log):
    response = api.get(log_path(alice, str(alices_log["id"])))

    assert response.status_code == 200
    assert response.json() == alices_log


def test_put_replaces_the_logs_content(api, alice, alices_log, alices_hiit, hiit_day_one, today):
    edit = without_id(log_body(hiit_day_one[2], today, sets_completed=5, reps_completed=8, notes="heavier"))
    del edit["rpe"]  # not sent: no longer known

    response = api.put(log_path(alice, str(alices_log["id"])), edit, format="json")

    assert response.status_code == 200, response.content
    log = response.json()
    assert log["id"] == alices_log["id"]
    assert log["plan_exercise_id"] == hiit_day_one[2].id
    assert log["exercise_id"] == hiit_day_one[2].exercise_id
    assert log["user_plan_id"] == alices_hiit.id
    assert (log["date_performed"], log["sets_completed"], log["reps_completed"]) == (today.isoformat(), 5, 8)
    assert (log["notes"], log["rpe"]) == ("heavier", None)
    assert log["created_at"] == alices_log["created_at"]
    assert api.get(log_path(alice, str(alices_log["id"]))).json() == log
    assert UserWorkoutLog.objects.filter(user=alice).count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"reps_completed": -3}, "reps_completed"),
        ({"rpe": 11}, "rpe"),
        ({"date_performed": "in-3-days"}, "date_performed"),
        ({"plan_exercise_id": "bobs"}, "plan_exercise_id"),
        ({"id": "6c7d7a4e-3a0b-4d0e-9d3c-2f4a5b6c7d8e"}, "id"),
    ],
)
def test_an_edit_is_checked_like_a_new_log(
    api, alice, alices_log, bobs_plan, hiit_day_one, today, change, field
):  # fmt: skip
    if change.get("date_performed") == "in-3-days":
        change = {"date_performed": days_after(today, 3).isoformat()}
    if change.get("plan_exercise_id") == "bobs":
        change = {"plan_exercise_id": bobs_plan.plan.plan_exercises.first().id}
    edit = {**without_id(log_body(hiit_day_one[0], today)), **change}

    response = api.put(log_path(alice, str(alices_log["id"])), edit, format="json")

    assert_problem(response, 400, field)
    assert api.get(log_path(alice, str(alices_log["id"]))).json() == alices_log


def test_a_deleted_log_is_gone(api, alice, alices_log):
    path = log_path(alice, str(alices_log["id"]))

    response = api.delete(path)

    assert response.status_code == 204
    assert_problem(api.get(path), 404)
    assert_problem(api.delete(path), 404)
    assert api.get(logs_path(alice)).json()["count"] == 0


def test_an_unknown_or_malformed_log_id_is_a_404(api, alice, alices_log):
    assert_problem(api.get(log_path(alice, uuid.uuid4())), 404)
    assert_problem(api.get(log_path(alice, "not-a-uuid")), 404)


def test_another_users_log_is_a_404_and_stays_as_it_was(api, alice, bob, bobs_plan, alices_hiit, today):
    bobs_exercise = bobs_plan.plan.plan_exercises.get(week_number=1, day_number=1, order_in_day=1)
    bobs = api.post(logs_path(bob), log_body(bobs_exercise, today), format="json").json()
    path = log_path(alice, bobs["id"])
    edit = without_id(log_body(alices_hiit.plan.plan_exercises.first(), today, reps_completed=1))

    assert_problem(api.get(path), 404)
    assert_problem(api.put(path, edit, format="json"), 404)
    assert_problem(api.delete(path), 404)

    assert api.get(log_path(bob, bobs["id"])).json() == bobs
    assert UserWorkoutLog.objects.get(id=bobs["id"]).user_id == bob.id
