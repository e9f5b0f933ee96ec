"""POST /api/v1/users/{user_id}/workout-logs/batch: logs kept offline, sent at once. All or nothing,
with a report naming each bad item; idempotent per log id."""

from __future__ import annotations

import datetime

import pytest

from tracking.models import UserWorkoutLog
from tracking.tests.support import assert_problem, batch_path, log_body, logs_path

pytestmark = pytest.mark.django_db


def days_after(day: datetime.date, n: int) -> datetime.date:
    return day + datetime.timedelta(days=n)


@pytest.fixture
def three_logs(hiit_day_one, today) -> list[dict[str, object]]:
    """Three logs of Alice's last three days, as the frontend kept them offline."""
    return [log_body(hiit_day_one[index], days_after(today, -index)) for index in range(3)]


def alices_log_ids(alice) -> set[str]:
    return {str(log_id) for log_id in UserWorkoutLog.objects.filter(user=alice).values_list("id", flat=True)}


def test_a_batch_of_valid_logs_is_stored(api, alice, alices_hiit, three_logs):
    response = api.post(batch_path(alice), {"logs": three_logs}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["created"], body["existing"]) == (3, 0)
    assert [log["id"] for log in body["logs"]] == [log["id"] for log in three_logs]
    assert {log["user_plan_id"] for log in body["logs"]} == {alices_hiit.id}
    assert alices_log_ids(alice) == {log["id"] for log in three_logs}
    assert api.get(logs_path(alice)).json()["count"] == 3


def test_a_replayed_batch_stores_nothing_new(api, alice, alices_hiit, three_logs):
    first = api.post(batch_path(alice), {"logs": three_logs}, format="json").json()

    response = api.post(batch_path(alice), {"logs": three_logs}, format="json")

    assert response.status_code == 200
    assert (response.json()["created"], response.json()["existing"]) == (0, 3)
    assert response.json()["logs"] == first["logs"]
    assert UserWorkoutLog.objects.filter(user=alice).count() == 3


def test_a_batch_mixing_replays_and_new_logs_stores_the_new_ones(
    api, alice, alices_hiit, three_logs, hiit_day_one, today
):
    api.post(batch_path(alice), {"logs": three_logs[:2]}, format="json")
    newer = log_body(hiit_day_one[3], today)

    response = api.post(batch_path(alice), {"logs": [*three_logs, newer]}, format="json")

    assert response.status_code == 201
    assert (response.json()["created"], response.json()["existing"]) == (2, 2)
    assert alices_log_ids(alice) == {log["id"] for log in [*three_logs, newer]}


def test_a_replay_keeps_the_stored_log_as_it_was(api, alice, alices_hiit, three_logs):
    api.post(batch_path(alice), {"logs": three_logs}, format="json")
    changed = [{**log, "reps_completed": 99} for log in three_logs]

    response = api.post(batch_path(alice), {"logs": changed}, format="json")

    assert {log["reps_completed"] for log in response.json()["logs"]} == {10}
    assert set(UserWorkoutLog.objects.filter(user=alice).values_list("reps_completed", flat=True)) == {10}


def test_one_id_twice_in_a_batch_is_stored_once(api, alice, alices_hiit, three_logs):
    response = api.post(batch_path(alice), {"logs": [three_logs[0], three_logs[0]]}, format="json")

    assert response.status_code == 201
    assert (response.json()["created"], response.json()["existing"]) == (1, 1)
    assert UserWorkoutLog.objects.filter(user=alice).count() == 1


def test_an_item_refused_by_its_fields_rejects_the_whole_batch(api, alice, alices_hiit, three_logs):
    three_logs[1]["reps_completed"] = -1

    response = api.post(batch_path(alice), {"logs": three_logs}, format="json")

    body = assert_problem(response, 400, "logs.1.reps_completed")
    assert list(body["errors"]) == ["logs.1.reps_completed"]
    assert [(item["index"], item["id"], list(item["errors"])) for item in body["items"]] == [
        (1, three_logs[1]["id"], ["reps_completed"])
    ]
    assert not UserWorkoutLog.objects.filter(user=alice).exists()


def test_an_item_refused_by_the_rules_rejects_the_whole_batch(api, alice, alices_hiit, bobs_plan, three_logs, today):
    three_logs[2]["plan_exercise_id"] = bobs_plan.plan.plan_exercises.first().id

    response = api.post(batch_path(alice), {"logs": three_logs}, format="json")

    body = assert_problem(response, 400, "logs.2.plan_exercise_id")
    assert [(item["index"], item["id"], list(item["errors"])) for item in body["items"]] == [
        (2, three_logs[2]["id"], ["plan_exercise_id"])
    ]
    assert not UserWorkoutLog.objects.filter(user=alice).exists()


def test_every_bad_item_is_reported(api, alice, alices_hiit, bobs_plan, three_logs, today):
    three_logs[0]["date_performed"] = days_after(today, 3).isoformat()
    three_logs[2]["plan_exercise_id"] = bobs_plan.plan.plan_exercises.first().id

    body = assert_problem(api.post(batch_path(alice), {"logs": three_logs}, format="json"), 400)

    assert set(body["errors"]) == {"logs.0.date_performed", "logs.2.plan_exercise_id"}
    assert [(item["index"], item["id"]) for item in body["items"]] == [
        (0, three_logs[0]["id"]),
        (2, three_logs[2]["id"]),
    ]
    assert "2 of 3" in body["detail"]
    assert not UserWorkoutLog.objects.filter(user=alice).exists()


def test_a_batch_with_a_bad_item_after_a_replay_stores_nothing(
    api, alice, alices_hiit, three_logs, hiit_day_one, today
):
    api.post(batch_path(alice), {"logs": three_logs[:1]}, format="json")
    newer = log_body(hiit_day_one[3], today, rpe=0)

    body = assert_problem(api.post(batch_path(alice), {"logs": [*three_logs, newer]}, format="json"), 400)

    assert [item["index"] for item in body["items"]] == [3]
    assert alices_log_ids(alice) == {three_logs[0]["id"]}


def test_an_id_of_another_users_log_rejects_the_batch(api, alice, bob, bobs_plan, alices_hiit, three_logs, today):
    bobs = log_body(bobs_plan.plan.plan_exercises.first(), today)
    api.post(logs_path(bob), bobs, format="json")
    three_logs[1]["id"] = bobs["id"]

    body = assert_problem(api.post(batch_path(alice), {"logs": three_logs}, format="json"), 400, "logs.1.id")

    assert [(item["index"], item["id"]) for item in body["items"]] == [(1, bobs["id"])]
    assert not UserWorkoutLog.objects.filter(user=alice).exists()
    assert UserWorkoutLog.objects.get(id=bobs["id"]).user_id == bob.id


def test_more_than_500_logs_are_refused(api, alice, alices_hiit, hiit_day_one, today):
    logs = [log_body(hiit_day_one[0], today) for _ in range(501)]

    body = assert_problem(api.post(batch_path(alice), {"logs": logs}, format="json"), 400)

    assert any(field.startswith("logs") for field in body["errors"])
    assert "500" in body["detail"]
    assert not UserWorkoutLog.objects.filter(user=alice).exists()


def test_500_logs_are_accepted(api, alice, alices_hiit, hiit_day_one, today):
    logs = [log_body(hiit_day_one[index % 6], days_after(today, -(index // 6))) for index in range(500)]

    response = api.post(batch_path(alice), {"logs": logs}, format="json")

    assert response.status_code == 201
    assert response.json()["created"] == 500
    assert UserWorkoutLog.objects.filter(user=alice).count() == 500


@pytest.mark.parametrize(
    ("body", "field"),
    [({"logs": []}, "logs"), ({}, "logs"), ({"logs": "many"}, "logs"), ({"logs": [], "user": "alice"}, "user")],
)
def test_a_malformed_batch_is_a_400(api, alice, alices_hiit, body, field):
    problem = assert_problem(api.post(batch_path(alice), body, format="json"), 400)

    assert [name for name in problem["errors"] if name == field or name.startswith(f"{field}.")], problem


def test_a_bare_list_is_a_400(api, alice, alices_hiit, three_logs):
    assert_problem(api.post(batch_path(alice), three_logs, format="json"), 400)
    assert not UserWorkoutLog.objects.filter(user=alice).exists()
