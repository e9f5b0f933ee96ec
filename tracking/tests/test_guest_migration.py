"""POST /api/v1/users/{user_id}/migrate: what a guest kept in localStorage (assigned plans and logs,
with client ids) merged into the user, all or nothing, and idempotently: running it twice changes
nothing the second time."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import pytest

from plans.models import WorkoutPlan
from tracking.models import UserPlan, UserWorkoutLog
from tracking.tests.support import assert_problem, log_body, logs_path, migrate_path, plan_path, plans_path

pytestmark = pytest.mark.django_db


def days_after(day: datetime.date, n: int) -> datetime.date:
    return day + datetime.timedelta(days=n)


@pytest.fixture
def guest_payload(hiit_plan, hiit_day_one, today) -> dict[str, Any]:
    """A guest who assigned the HIIT plan three days ago and logged its first two exercises on day 1."""
    client_plan_id = str(uuid.uuid4())
    return {
        "plans": [{"id": client_plan_id, "plan_id": hiit_plan.id, "start_date": days_after(today, -3).isoformat()}],
        "workout_logs": [
            {**log_body(plan_exercise, days_after(today, -3)), "client_plan_id": client_plan_id}
            for plan_exercise in hiit_day_one[:2]
        ],
    }


def report(response) -> tuple[int, int, int, int]:
    body = response.json()
    return (
        body["plans"]["created"],
        body["plans"]["existing"],
        body["workout_logs"]["created"],
        body["workout_logs"]["existing"],
    )


def stored(user) -> tuple[list[UserPlan], list[UserWorkoutLog]]:
    return list(UserPlan.objects.filter(user=user)), list(UserWorkoutLog.objects.filter(user=user).order_by("id"))


def test_the_guests_plans_and_logs_are_merged(api, alice, guest_payload, hiit_plan, today):
    response = api.post(migrate_path(alice), guest_payload, format="json")

    assert response.status_code == 201, response.content
    assert report(response) == (1, 0, 2, 0)
    (user_plan,) = api.get(plans_path(alice)).json()["results"]
    assert (user_plan["plan_id"], user_plan["status"]) == (hiit_plan.id, "active")
    assert user_plan["start_date"] == days_after(today, -3).isoformat()
    assert str(UserPlan.objects.get(id=user_plan["id"]).client_id) == guest_payload["plans"][0]["id"]
    history = api.get(logs_path(alice)).json()["results"]
    assert {log["id"] for log in history} == {log["id"] for log in guest_payload["workout_logs"]}
    assert {log["user_plan_id"] for log in history} == {user_plan["id"]}
    detail = api.get(plan_path(alice, user_plan["id"])).json()
    assert detail["completion"]["logged_plan_exercises"] == 2


def test_the_same_payload_again_changes_nothing(api, alice, guest_payload):
    api.post(migrate_path(alice), guest_payload, format="json")
    before = stored(alice)

    response = api.post(migrate_path(alice), guest_payload, format="json")

    assert response.status_code == 200
    assert report(response) == (0, 1, 0, 2)
    after = stored(alice)
    assert [up.id for up in after[0]] == [up.id for up in before[0]]
    assert [(log.id, log.user_plan_id, log.updated_at) for log in after[1]] == [
        (log.id, log.user_plan_id, log.updated_at) for log in before[1]
    ]


def test_a_later_payload_adds_logs_to_a_plan_merged_before(api, alice, guest_payload, hiit_day_one, today):
    api.post(migrate_path(alice), guest_payload, format="json")
    client_plan_id = guest_payload["plans"][0]["id"]
    later = {**log_body(hiit_day_one[2], today), "client_plan_id": client_plan_id}

    response = api.post(migrate_path(alice), {"workout_logs": [*guest_payload["workout_logs"], later]}, format="json")

    assert response.status_code == 201
    assert report(response) == (0, 0, 1, 2)
    merged = UserPlan.objects.get(user=alice, client_id=client_plan_id)
    assert UserWorkoutLog.objects.get(id=later["id"]).user_plan_id == merged.id


def test_a_log_without_its_plan_goes_to_the_assignment_of_its_plan(api, alice, guest_payload):
    del guest_payload["workout_logs"][1]["client_plan_id"]

    api.post(migrate_path(alice), guest_payload, format="json")

    merged = UserPlan.objects.get(user=alice)
    assert {log.user_plan_id for log in UserWorkoutLog.objects.filter(user=alice)} == {merged.id}


def test_a_completed_guest_plan_keeps_its_status(api, alice, guest_payload):
    guest_payload["plans"][0]["status"] = "completed"

    api.post(migrate_path(alice), guest_payload, format="json")

    merged = UserPlan.objects.get(user=alice)
    assert merged.status == "completed"
    assert merged.completed_at is not None


def test_an_empty_payload_changes_nothing(api, alice):
    response = api.post(migrate_path(alice), {}, format="json")

    assert response.status_code == 200
    assert report(response) == (0, 0, 0, 0)


def test_an_unknown_client_plan_id_stores_nothing(api, alice, guest_payload):
    guest_payload["workout_logs"][1]["client_plan_id"] = str(uuid.uuid4())

    body = assert_problem(
        api.post(migrate_path(alice), guest_payload, format="json"), 400, "workout_logs.1.client_plan_id"
    )

    assert [(item["index"], item["id"]) for item in body["items"]] == [(1, guest_payload["workout_logs"][1]["id"])]
    assert stored(alice) == ([], [])


def test_an_unknown_plan_id_is_a_400_naming_the_item(api, alice, guest_payload):
    guest_payload["plans"][0]["plan_id"] = 999_999_999

    body = assert_problem(api.post(migrate_path(alice), guest_payload, format="json"), 400, "plans.0.plan_id")

    assert [(item["index"], item["id"]) for item in body["items"]] == [(0, guest_payload["plans"][0]["id"])]
    assert stored(alice) == ([], [])


def test_another_users_custom_plan_cannot_be_merged(api, alice, bob, guest_payload, hiit_plan):
    bobs_copy = WorkoutPlan.objects.create(
        slug="bobs-copy", name_en="Bob's", goal="strength", difficulty="beginner", weeks=1, days_per_week=1,
        created_by=bob, source="copy",
    )  # fmt: skip
    guest_payload["plans"][0]["plan_id"] = bobs_copy.id

    assert_problem(api.post(migrate_path(alice), guest_payload, format="json"), 400, "plans.0.plan_id")
    assert stored(alice) == ([], [])


def test_a_log_id_already_another_users_stores_nothing(api, alice, bob, bobs_plan, guest_payload, today):
    bobs = log_body(bobs_plan.plan.plan_exercises.first(), today)
    api.post(logs_path(bob), bobs, format="json")
    guest_payload["workout_logs"][0]["id"] = bobs["id"]

    body = assert_problem(api.post(migrate_path(alice), guest_payload, format="json"), 400, "workout_logs.0.id")

    assert [item["index"] for item in body["items"]] == [0]
    assert stored(alice) == ([], [])
    assert UserWorkoutLog.objects.get(id=bobs["id"]).user_id == bob.id


def test_a_log_of_another_plan_than_its_assignment_names_client_plan_id(api, alice, guest_payload, bobs_plan):
    strength_exercise = bobs_plan.plan.plan_exercises.first()  # the strength plan, assigned to Alice below
    api.post(plans_path(alice), {"plan_id": bobs_plan.plan_id}, format="json")
    guest_payload["workout_logs"][0]["plan_exercise_id"] = strength_exercise.id

    body = assert_problem(api.post(migrate_path(alice), guest_payload, format="json"), 400)

    assert list(body["errors"]) == ["workout_logs.0.client_plan_id"]
    assert UserPlan.objects.filter(user=alice).count() == 1  # only the one assigned before
    assert not UserWorkoutLog.objects.filter(user=alice).exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"plans": [{"plan_id": 1, "start_date": "2025-01-01"}]}, "plans.0.id"),
        ({"plans": [{"id": "x", "plan_id": 1, "start_date": "2025-01-01"}]}, "plans.0.id"),
        ({"plans": [{"id": str(uuid.uuid4()), "plan_id": 1, "start_date": "2025-01-01", "status": "done"}]},
         "plans.0.status"),
        ({"workout_logs": [{"plan_exercise_id": 1, "date_performed": "2025-01-01"}]}, "workout_logs.0.id"),
        ({"settings": {"theme": "dark"}}, "settings"),
    ],
)  # fmt: skip
def test_a_malformed_payload_is_a_400_naming_the_field(api, alice, guest_payload, change, field):
    assert_problem(api.post(migrate_path(alice), {**guest_payload, **change}, format="json"), 400, field)
    assert stored(alice) == ([], [])


def test_a_bad_log_in_the_payload_stores_nothing(api, alice, guest_payload):
    guest_payload["workout_logs"][1]["reps_completed"] = -5

    assert_problem(api.post(migrate_path(alice), guest_payload, format="json"), 400, "workout_logs.1.reps_completed")
    assert stored(alice) == ([], [])


def test_migrating_into_an_unknown_user_is_a_404(api, guest_payload):
    assert_problem(api.post(f"/api/v1/users/{uuid.uuid4()}/migrate", guest_payload, format="json"), 404)


def test_a_guest_log_names_its_assignment_by_client_id_only(api):
    # A guest never saw a server id: a client building the payload from the schema must find no
    # integer `user_plan_id` to fill with the assignment's client id.
    schema = api.get("/api/schema", {"format": "json"}).json()
    content = schema["paths"]["/api/v1/users/{user_id}/migrate"]["post"]["requestBody"]["content"]
    body = content["application/json"]["schema"]
    components = schema["components"]["schemas"]

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        return components[node["$ref"].rsplit("/", 1)[1]] if "$ref" in node else node

    log_properties = resolve(resolve(body)["properties"]["workout_logs"]["items"])["properties"]
    assert log_properties["client_plan_id"]["format"] == "uuid"
    assert "user_plan_id" not in log_properties
