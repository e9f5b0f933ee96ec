"""What the tracking API tests share: the paths, a workout log as the frontend sends it, problem checks
and finders in the user plan detail."""

from __future__ import annotations

import datetime
import json
import uuid
from typing import Any

from django.http import HttpResponse

from accounts.models import User
from plans.models import PlanExercise

USERS = "/api/v1/users"
TEMPLATES = "/api/v1/workout-plans"


def plans_path(user: User | uuid.UUID) -> str:
    return f"{USERS}/{getattr(user, 'id', user)}/plans"


def plan_path(user: User, user_plan_id: int) -> str:
    return f"{plans_path(user)}/{user_plan_id}"


def logs_path(user: User | uuid.UUID) -> str:
    return f"{USERS}/{getattr(user, 'id', user)}/workout-logs"


def log_path(user: User, log_id: str | uuid.UUID) -> str:
    return f"{logs_path(user)}/{log_id}"


def batch_path(user: User) -> str:
    return f"{logs_path(user)}/batch"


def migrate_path(user: User) -> str:
    return f"{USERS}/{user.id}/migrate"


def log_body(plan_exercise: PlanExercise, day: datetime.date, **changes: Any) -> dict[str, Any]:
    """A workout log as the frontend posts it, with a client-made id."""
    return {
        "id": str(uuid.uuid4()),
        "plan_exercise_id": plan_exercise.id,
        "date_performed": day.isoformat(),
        "sets_completed": 3,
        "reps_completed": 10,
        "weight_kg": 40.0,
        "rpe": 7,
        "notes": "felt solid",
        **changes,
    }


def assert_problem(response: HttpResponse, status: int, *fields: str) -> dict[str, Any]:
    """An RFC 9457 problem with this status, naming each of `fields` in `errors`."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = json.loads(response.content)
    assert body["status"] == status
    assert body["type"].startswith("https://")
    assert body["title"]
    assert body["detail"]
    for field in fields:
        assert body["errors"].get(field), body
    return body


def day_of(detail: dict[str, Any], week: int, day: int) -> dict[str, Any]:
    """A day of the user plan detail's schedule."""
    found: dict[str, Any] = detail["schedule"][week - 1]["days"][day - 1]
    assert (detail["schedule"][week - 1]["week_number"], found["day_number"]) == (week, day)
    return found


def entry_of(detail: dict[str, Any], plan_exercise: PlanExercise) -> dict[str, Any]:
    """A plan exercise as the user plan detail shows it (with `logged` and its `logs`)."""
    day = day_of(detail, plan_exercise.week_number, plan_exercise.day_number)
    entries: list[dict[str, Any]] = [e for e in day["exercises"] if e["plan_exercise_id"] == plan_exercise.id]
    assert len(entries) == 1, day
    return entries[0]
