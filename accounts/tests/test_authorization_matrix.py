"""The authorization matrix: every route that takes a user id or acts on a user, found by walking the
URL resolver, called as its owner, as another user and without a token, each with the status the
table below expects.

The owner and the other user both have a login method (claimed accounts: without a token their data
needs their token). Path parameters are the owner's real objects: their id, an assigned plan, a
workout log, a login method, an agent execution. A route the resolver serves but the table does not
list fails the suite: adding a user route means deciding, here, who may call it.
"""

from __future__ import annotations

import datetime
import json
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from accounts.identity import Identity, identity_link
from accounts.models import AuthMethod, User
from accounts.tests.factories import UserFactory
from accounts.tokens import token_pair_for
from coach.models import AgentExecution
from plans.models import PlanExercise, WorkoutPlan
from tracking.models import UserPlan, UserWorkoutLog
from tracking.tests.factories import UserPlanFactory, WorkoutLogFactory

METHODS = ("get", "post", "put", "patch", "delete")
CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")
# Routes that take a user id or act on a user: the users routes (the user's own, and by id), the
# login methods of the current user, the multi-agent planner's executions and the agents' feedback
# (the token's user's), and any route with a user_id in it wherever it is mounted.
USER_ROUTE = re.compile(r"^/api/v1/(users(/|$)|auth/methods(/|$)|ai/agents/|ai/feedback(/|$))|\{user_id\}")


@dataclass(frozen=True)
class Cast:
    owner: User
    other: User
    owner_plan: UserPlan
    owner_log: UserWorkoutLog
    owner_second_method: AuthMethod
    template: WorkoutPlan
    plan_exercise: PlanExercise
    owner_execution: AgentExecution


Body = Callable[[Cast], dict[str, Any]] | None


Status = int | str  # an exact status, or "2xx" for any success


@dataclass(frozen=True)
class Expect:
    owner: Status
    other: Status
    no_token: Status
    body: Body = None


def _matches(status: int, expected: Status) -> bool:
    return 200 <= status < 300 if expected == "2xx" else status == expected


def _log(cast: Cast) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "plan_exercise_id": cast.plan_exercise.id,
        "date_performed": datetime.date.today().isoformat(),
        "sets_completed": 3,
        "reps_completed": 10,
        "weight_kg": 40,
    }


def _log_fields(cast: Cast) -> dict[str, Any]:
    return {key: value for key, value in _log(cast).items() if key != "id"}


def _assign(cast: Cast) -> dict[str, Any]:
    return {"plan_id": cast.template.id}


def _profile(cast: Cast) -> dict[str, Any]:
    return {"display_name": "Renamed"}


def _status(cast: Cast) -> dict[str, Any]:
    return {"status": "paused"}


def _batch(cast: Cast) -> dict[str, Any]:
    return {"logs": [_log(cast)]}


def _migrate(cast: Cast) -> dict[str, Any]:
    return {"plans": [], "workout_logs": []}


def _no_body(cast: Cast) -> dict[str, Any]:
    return {}


def _planned(cast: Cast) -> dict[str, Any]:
    return {"exercises": [{"exercise_id": cast.plan_exercise.exercise_id, "sets": 3, "reps": 10}]}


def _nutrition(cast: Cast) -> dict[str, Any]:
    return {"age": 30, "sex": "female", "weight_kg": 60, "height_cm": 165, "activity_level": "moderate"}


def _approve(cast: Cast) -> dict[str, Any]:
    return {"approve": True}


def _feedback(cast: Cast) -> dict[str, Any]:
    return {"agent_type": "workout_planner", "rating": "positive", "execution_id": str(cast.owner_execution.id)}


LEGACY = "/api/v1/users/{user_id}"
ME = "/api/v1/users/me"
METHODS_ROUTE = "/api/v1/auth/methods"
AGENTS = "/api/v1/ai/agents"
EXECUTION = f"{AGENTS}/executions/{{execution_id}}"

# (METHOD, route as the OpenAPI schema writes it) -> statuses as the owner, another user, no token.
# Under /users/me another user's token acts on their own account: 2xx on the collections, 404 on the
# owner's objects. Under the id routes another user's token is a 404 and no token a 401 (claimed).
MATRIX: dict[tuple[str, str], Expect] = {
    ("POST", "/api/v1/users"): Expect(201, 201, 201, _no_body),
    # the user
    ("GET", ME): Expect(200, 200, 401),
    ("PUT", ME): Expect(200, 200, 401, _profile),
    ("PATCH", ME): Expect(200, 200, 401, _profile),
    ("DELETE", ME): Expect(204, 204, 401),
    ("GET", LEGACY): Expect(200, 404, 401),
    ("PATCH", LEGACY): Expect(200, 404, 401, _profile),
    # assigned plans
    ("GET", f"{ME}/plans"): Expect(200, 200, 401),
    ("POST", f"{ME}/plans"): Expect(201, 201, 401, _assign),
    ("GET", f"{ME}/plans/{{user_plan_id}}"): Expect(200, 404, 401),
    ("PUT", f"{ME}/plans/{{user_plan_id}}"): Expect(200, 404, 401, _status),
    ("DELETE", f"{ME}/plans/{{user_plan_id}}"): Expect(204, 404, 401),
    ("POST", f"{ME}/plans/{{user_plan_id}}/copy"): Expect(201, 404, 401),
    ("GET", f"{LEGACY}/plans"): Expect(200, 404, 401),
    ("POST", f"{LEGACY}/plans"): Expect(201, 404, 401, _assign),
    ("GET", f"{LEGACY}/plans/{{user_plan_id}}"): Expect(200, 404, 401),
    ("PUT", f"{LEGACY}/plans/{{user_plan_id}}"): Expect(200, 404, 401, _status),
    ("DELETE", f"{LEGACY}/plans/{{user_plan_id}}"): Expect(204, 404, 401),
    ("POST", f"{LEGACY}/plans/{{user_plan_id}}/copy"): Expect(201, 404, 401),
    # workout logs
    ("GET", f"{ME}/workout-logs"): Expect(200, 200, 401),
    ("POST", f"{ME}/workout-logs"): Expect(201, 201, 401, _log),
    ("POST", f"{ME}/workout-logs/batch"): Expect(201, 201, 401, _batch),
    ("GET", f"{ME}/workout-logs/{{log_id}}"): Expect(200, 404, 401),
    ("PUT", f"{ME}/workout-logs/{{log_id}}"): Expect(200, 404, 401, _log_fields),
    ("DELETE", f"{ME}/workout-logs/{{log_id}}"): Expect(204, 404, 401),
    ("GET", f"{LEGACY}/workout-logs"): Expect(200, 404, 401),
    ("POST", f"{LEGACY}/workout-logs"): Expect(201, 404, 401, _log),
    ("POST", f"{LEGACY}/workout-logs/batch"): Expect(201, 404, 401, _batch),
    ("GET", f"{LEGACY}/workout-logs/{{log_id}}"): Expect(200, 404, 401),
    ("PUT", f"{LEGACY}/workout-logs/{{log_id}}"): Expect(200, 404, 401, _log_fields),
    ("DELETE", f"{LEGACY}/workout-logs/{{log_id}}"): Expect(204, 404, 401),
    # guest data and progress
    ("POST", f"{ME}/migrate"): Expect(200, 200, 401, _migrate),
    ("POST", f"{LEGACY}/migrate"): Expect(200, 404, 401, _migrate),
    ("GET", f"{ME}/progress"): Expect(200, 200, 401),
    ("GET", f"{LEGACY}/progress"): Expect(200, 404, 401),
    # conversations with the coach
    ("GET", f"{ME}/conversations"): Expect(200, 200, 401),
    ("GET", f"{LEGACY}/conversations"): Expect(200, 404, 401),
    # login methods of the current user (the owner has two, so removing one is allowed)
    ("GET", METHODS_ROUTE): Expect("2xx", "2xx", 401),
    ("DELETE", f"{METHODS_ROUTE}/{{method_id}}"): Expect("2xx", 404, 401),
    ("POST", f"{METHODS_ROUTE}/{{method_id}}/set-primary"): Expect("2xx", 404, 401, _no_body),
    # the multi-agent planner: each user starts and reads their own executions (both users follow
    # a plan, so both may optimise it); the owner's execution has succeeded, so resuming it is a
    # 409 for them (they reach it) and a 404 for another user (they do not)
    ("POST", f"{AGENTS}/generate-plan"): Expect(202, 202, 401, _no_body),
    ("POST", f"{AGENTS}/optimize-current-plan"): Expect(202, 202, 401, _no_body),
    ("POST", f"{AGENTS}/adaptive-workout"): Expect(202, 202, 401, _no_body),
    ("POST", f"{AGENTS}/check-injury-risk"): Expect(200, 200, 401, _planned),
    ("POST", f"{AGENTS}/nutrition-guidance"): Expect(200, 200, 401, _nutrition),
    ("POST", f"{AGENTS}/motivation-boost"): Expect(200, 200, 401, _no_body),
    ("GET", f"{AGENTS}/executions"): Expect(200, 200, 401),
    ("GET", EXECUTION): Expect(200, 404, 401),
    ("POST", f"{EXECUTION}/resume"): Expect(409, 404, 401, _approve),
    ("GET", f"{EXECUTION}/events"): Expect("2xx", 404, 401),
    # feedback on the owner's execution: another user may not judge it; the statistics are staff's
    ("POST", "/api/v1/ai/feedback"): Expect(201, 404, 401, _feedback),
    ("GET", "/api/v1/ai/feedback/stats"): Expect(403, 403, 401),
}
# Routes of other engineers' work that may not be served yet: listed above, not required to exist.
OPTIONAL_PREFIXES = (METHODS_ROUTE,)


def _walk(patterns: list[URLPattern | URLResolver], prefix: str) -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route)
        else:
            yield route, entry


def served_routes() -> list[tuple[str, str]]:
    """(METHOD, route) of every user route the URL resolver serves, route written like the schema."""
    found = []
    for route, pattern in _walk(get_resolver().url_patterns, "/"):
        documented = CONVERTER.sub(r"{\1}", route.replace("^", "").replace("$", ""))
        if not USER_ROUTE.search(documented):
            continue
        view_class = getattr(pattern.callback, "view_class", None) or getattr(pattern.callback, "cls", None)
        for method in METHODS:
            if view_class is not None and hasattr(view_class, method):
                found.append((method.upper(), documented))
    return sorted(found)


SERVED = served_routes()


def test_every_served_user_route_is_in_the_matrix():
    missing = [f"{method} {route}" for method, route in SERVED if (method, route) not in MATRIX]

    assert not missing, (
        "These routes take a user id or act on a user but have no entry in the authorization matrix "
        f"(accounts/tests/test_authorization_matrix.py): {', '.join(missing)}. Add each with the status "
        "expected for the owner's token, another user's token and no token."
    )


def test_every_matrix_entry_is_a_served_route():
    stale = [
        f"{method} {route}"
        for method, route in MATRIX
        if (method, route) not in SERVED and not route.startswith(OPTIONAL_PREFIXES)
    ]

    assert not stale, f"The matrix lists routes the resolver does not serve: {', '.join(stale)}"


def test_the_walk_finds_the_user_routes():
    assert ("GET", "/api/v1/users/me/progress") in SERVED
    assert ("DELETE", "/api/v1/users/{user_id}/workout-logs/{log_id}") in SERVED
    assert ("GET", "/api/v1/exercises") not in SERVED  # public routes are not the matrix's business


# ---- calling each route -------------------------------------------------------------------------


@pytest.fixture
def cast(db: None) -> Cast:
    owner: User = UserFactory.create(display_name="Owner")
    identity_link(user=owner, identity=Identity(provider="telegram", identifier="7100000001"))
    second = identity_link(user=owner, identity=Identity(provider="email", identifier="owner@example.com"))
    other: User = UserFactory.create(display_name="Other")
    identity_link(user=other, identity=Identity(provider="telegram", identifier="7100000002"))
    template = WorkoutPlan.objects.get(slug="beginner-full-body-strength", is_template=True)
    plan_exercise = template.plan_exercises.order_by("week_number", "day_number", "order_in_day").first()
    assert plan_exercise is not None
    owner_plan: UserPlan = UserPlanFactory.create(user=owner, plan=template)
    UserPlanFactory.create(user=other, plan=template)  # so that the other user's own logs are valid
    owner_log: UserWorkoutLog = WorkoutLogFactory.create(user_plan=owner_plan, plan_exercise=plan_exercise)
    # a finished execution without events: its event stream answers at once (204)
    owner_execution = AgentExecution.objects.create(
        user=owner, kind=AgentExecution.Kind.MOTIVATION, input={}, input_hash="matrix", status="succeeded"
    )
    return Cast(owner, other, owner_plan, owner_log, second, template, plan_exercise, owner_execution)


def _path(route: str, cast: Cast) -> str:
    values = {
        "user_id": cast.owner.id,
        "user_plan_id": cast.owner_plan.id,
        "log_id": cast.owner_log.id,
        "method_id": cast.owner_second_method.id,
        "execution_id": cast.owner_execution.id,
    }

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in values, f"{route}: no object of the owner for the path parameter {{{name}}}: add one to _path"
        return str(values[name])

    return re.sub(r"\{(\w+)\}", fill, route)


def _client(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_for(user)['access']}")
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "route"), SERVED, ids=[f"{m} {r}" for m, r in SERVED])
def test_who_may_call_the_route(cast, method, route):
    expect = MATRIX.get((method, route))
    assert expect is not None, f"{method} {route} has no entry in the authorization matrix: add one"
    path = _path(route, cast)

    # The owner goes last: their call may delete what the others' calls must not have reached.
    for who, user, status in (
        ("no token", None, expect.no_token),
        ("another user's token", cast.other, expect.other),
        ("the owner's token", cast.owner, expect.owner),
    ):
        body = _json(expect.body(cast)) if expect.body else ""
        response = _client(user).generic(method, path, data=body, content_type="application/json")
        assert _matches(response.status_code, status), (
            f"{method} {path} with {who}: expected {status}, got {response.status_code}: {response.content[:300]!r}"
        )
        if response.status_code >= 400:
            assert response["Content-Type"] == "application/problem+json", (method, path, who)


def _json(body: dict[str, Any]) -> str:
    return json.dumps(body)


@pytest.mark.django_db
def test_nothing_of_the_owner_changed_before_the_owners_own_calls(cast):
    """The refusals of the matrix are real: after every refused call, the owner's data is intact."""
    for (method, route), expect in MATRIX.items():
        if (method, route) not in SERVED or method == "GET":
            continue
        path = _path(route, cast)
        for user, status in ((None, expect.no_token), (cast.other, expect.other)):
            if status in (401, 404):
                body = expect.body(cast) if expect.body else {}
                _client(user).generic(method, path, data=_json(body), content_type="application/json")

    cast.owner.refresh_from_db()
    assert cast.owner.display_name == "Owner"
    assert UserPlan.objects.get(id=cast.owner_plan.id).status == UserPlan.Status.ACTIVE
    assert UserPlan.objects.filter(user=cast.owner).count() == 1
    assert list(UserWorkoutLog.objects.filter(user=cast.owner).values_list("id", flat=True)) == [cast.owner_log.id]
    assert AuthMethod.objects.filter(user=cast.owner).count() == 2
