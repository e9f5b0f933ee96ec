"""Feedback on the agents (POST /api/v1/ai/feedback) and the staff statistics over a period
(GET /api/v1/ai/feedback/stats), on a known set of executions, model calls and feedback. Real
PostgreSQL (the percentiles are PostgreSQL's percentile_cont: linear interpolation)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.tokens import token_pair_for
from coach.feedback import feedback_create
from coach.models import AgentExecution, AgentFeedback, LLMCall
from coach.workflows import runner
from exercises.models import Exercise
from plans.models import PlanExercise

pytestmark = pytest.mark.django_db

FEEDBACK = "/api/v1/ai/feedback"
STATS = "/api/v1/ai/feedback/stats"
PROBLEM = "application/problem+json"
Status = AgentExecution.Status


@pytest.fixture(autouse=True)
def roomy_limits(settings: Any) -> None:
    settings.AGENT_MAX_CONCURRENT_PER_USER = 100
    settings.AGENT_EXECUTIONS_PER_DAY = 1000


@pytest.fixture
def alice(db: None) -> User:
    user: User = UserFactory.create(display_name="Alice")
    return user


@pytest.fixture
def bob(db: None) -> User:
    user: User = UserFactory.create(display_name="Bob")
    return user


@pytest.fixture
def staff(db: None) -> User:
    user: User = UserFactory.create(display_name="Sam the staff", is_staff=True)
    return user


def client_for(user: User | None) -> APIClient:
    client = APIClient(REMOTE_ADDR="10.0.0.8")
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_for(user)['access']}")
    return client


def run_record(agent: str, *, engine: str, variant: str, duration_ms: int, fallback: str | None) -> dict[str, Any]:
    """An agent's record as AgentResult.as_record() writes it."""
    return {
        "agent": agent,
        "engine": engine,
        "variant": variant,
        "model": "coach-large" if engine == "llm" else "",
        "fallback_reason": fallback,
        "fallback_detail": None,
        "duration_ms": duration_ms,
        "reasoning": [],
        "output": {},
    }


def execution(
    user: User,
    kind: str,
    *,
    status: str = Status.SUCCEEDED,
    runs: list[dict[str, Any]] = (),  # type: ignore[assignment]
    time_ms: int | None = None,
    fallback_used: bool = False,
    days_ago: float = 1,
) -> AgentExecution:
    made = AgentExecution.objects.create(
        user=user,
        kind=kind,
        input={},
        input_hash=f"{kind}-{days_ago}-{len(runs)}",
        status=status,
        agent_runs=list(runs),
        variants={run["agent"]: run["variant"] for run in runs},
        fallback_used=fallback_used,
        execution_time_ms=time_ms,
    )
    AgentExecution.objects.filter(id=made.id).update(created_at=timezone.now() - datetime.timedelta(days=days_ago))
    made.refresh_from_db()
    return made


def some_exercise_ids(count: int) -> list[int]:
    return list(Exercise.objects.order_by("id").values_list("id", flat=True)[:count])


# ---- POST /ai/feedback ---------------------------------------------------------------------------


def test_the_acceptance_body_is_stored_with_the_execution_s_variant(alice):
    judged = execution(
        alice,
        "plan_generation",
        runs=[run_record("workout_planner", engine="rules", variant="B", duration_ms=5, fallback="not_configured")],
    )
    body = {
        "agent_type": "workout_planner",
        "agent": "workout_planner",
        "rating": "positive",
        "sentiment": "positive",
        "is_positive": True,
        "positive": True,
        "text": "Clear plan, good exercise choice.",
        "comment": "Clear plan.",
        "execution_id": str(judged.id),
    }

    response = client_for(alice).post(FEEDBACK, body, format="json")

    assert response.status_code == 201, response.content
    answer = response.json()
    stored = AgentFeedback.objects.get(id=answer["id"])
    assert (stored.user, stored.execution, stored.agent_type, stored.positive) == (
        alice,
        judged,
        "workout_planner",
        True,
    )
    assert stored.text == "Clear plan, good exercise choice."  # the comment says nothing the text does not
    assert stored.variant == "B"
    assert answer["rating"] == "positive"
    assert answer["variant"] == "B"
    assert answer["execution_id"] == str(judged.id)


@pytest.mark.parametrize(
    ("rating", "positive"),
    [
        ({"rating": "negative"}, False),
        ({"rating": -1}, False),
        ({"rating": "+1"}, True),
        ({"rating": 1}, True),
        ({"is_positive": False}, False),
        ({"positive": True}, True),
        ({"sentiment": "negative"}, False),
    ],
)
def test_positive_or_negative_in_any_of_its_forms(alice, rating, positive):
    response = client_for(alice).post(FEEDBACK, {"agent_type": "nutrition_advisor", **rating}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["positive"] is positive
    assert AgentFeedback.objects.get().variant == ""  # no execution: no variant


def test_rejected_exercises_are_stored_and_the_type_taken_from_the_execution(alice):
    judged = execution(alice, "adaptive_workout")
    rejected = some_exercise_ids(2)

    response = client_for(alice).post(
        FEEDBACK,
        {"rating": "negative", "comment": "Not these two.", "execution_id": str(judged.id), "exercise_ids": rejected},
        format="json",
    )

    assert response.status_code == 201, response.content
    stored = AgentFeedback.objects.get()
    assert (stored.agent_type, stored.rejected_exercise_ids, stored.text) == (
        "adaptive_workout",
        rejected,
        "Not these two.",
    )
    assert response.json()["exercise_ids"] == rejected


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"agent_type": "workout_planner"}, "rating"),
        ({"agent_type": "workout_planner", "rating": "meh"}, "rating"),
        ({"agent_type": "workout_planner", "rating": "positive", "is_positive": False}, "is_positive"),
        ({"agent_type": "fortune_teller", "rating": "positive"}, "agent_type"),
        ({"rating": "positive"}, "agent_type"),
        ({"agent_type": "workout_planner", "agent": "motivation_coach", "rating": 1}, "agent"),
        ({"agent_type": "workout_planner", "rating": 1, "exercise_ids": [99999999]}, "exercise_ids"),
        ({"agent_type": "workout_planner", "rating": 1, "execution_id": "not-a-uuid"}, "execution_id"),
        ({"agent_type": "workout_planner", "rating": 1, "text": "x" * 2001}, "text"),
    ],
)
def test_bad_feedback_is_a_400_naming_the_field(alice, body, field):
    response = client_for(alice).post(FEEDBACK, body, format="json")

    assert response.status_code == 400, response.content
    assert response["Content-Type"] == PROBLEM
    assert field in response.json()["errors"]
    assert not AgentFeedback.objects.exists()


def test_feedback_on_another_user_s_execution_is_a_404(alice, bob):
    bobs = execution(bob, "nutrition")

    response = client_for(alice).post(
        FEEDBACK, {"agent_type": "nutrition_advisor", "rating": 1, "execution_id": str(bobs.id)}, format="json"
    )

    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert not AgentFeedback.objects.exists()


def test_feedback_needs_a_token():
    response = APIClient().post(FEEDBACK, {"agent_type": "workout_planner", "rating": 1}, format="json")

    assert response.status_code == 401


def test_the_service_refuses_another_user_s_execution(alice, bob):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        feedback_create(user=alice, agent_type=None, positive=True, execution=execution(bob, "motivation"))

    assert "execution_id" in refused.value.message_dict


def test_exercises_a_user_rejects_are_left_out_of_their_next_plan(alice):
    client = client_for(alice)
    first = client.post("/api/v1/ai/agents/generate-plan", {"weeks": 1, "days_per_week": 2}, format="json").json()
    runner.run_execution(first["execution_id"])
    plan_id = client.get(f"/api/v1/ai/agents/executions/{first['execution_id']}").json()["plan_id"]
    rejected = sorted(set(PlanExercise.objects.filter(plan_id=plan_id).values_list("exercise_id", flat=True)))[:2]
    assert rejected

    given = client.post(
        FEEDBACK,
        {
            "agent_type": "workout_planner",
            "rating": "negative",
            "execution_id": first["execution_id"],
            "exercise_ids": rejected,
        },
        format="json",
    )
    second = client.post("/api/v1/ai/agents/generate-plan", {"weeks": 2, "days_per_week": 2}, format="json").json()
    runner.run_execution(second["execution_id"])

    assert given.status_code == 201
    new_plan_id = client.get(f"/api/v1/ai/agents/executions/{second['execution_id']}").json()["plan_id"]
    assert new_plan_id is not None
    assert new_plan_id != plan_id
    planned = set(PlanExercise.objects.filter(plan_id=new_plan_id).values_list("exercise_id", flat=True))
    assert planned
    assert not planned & set(rejected)


# ---- GET /ai/feedback/stats ----------------------------------------------------------------------


@pytest.fixture
def known_period(alice, bob) -> dict[str, AgentExecution]:
    """Three executions in the last 30 days (one of Bob's), one 40 days ago; model calls and feedback
    on them. The numbers the tests expect follow from these rows alone."""
    selector = run_record("exercise_selector", engine="rules", variant="A", duration_ms=100, fallback="not_configured")
    planner_llm = run_record("workout_planner", engine="llm", variant="A", duration_ms=300, fallback=None)
    planner_timeout = run_record("workout_planner", engine="rules", variant="A", duration_ms=500, fallback="timeout")
    planner_b = run_record("workout_planner", engine="rules", variant="B", duration_ms=700, fallback="model_error")
    nutrition = run_record("nutrition_advisor", engine="rules", variant="A", duration_ms=20, fallback="not_configured")
    made = {
        "e1": execution(alice, "plan_generation", runs=[selector, planner_llm, planner_timeout], time_ms=1000),
        "e2": execution(
            bob, "plan_generation", status=Status.FAILED, runs=[planner_b], time_ms=3000, fallback_used=True
        ),
        "e3": execution(alice, "nutrition", runs=[nutrition], time_ms=200),
        "old": execution(alice, "plan_generation", runs=[planner_llm], time_ms=9000, days_ago=40),
    }
    calls = [
        (made["e1"], "workout_planner", 1000, 200, "0.003000"),
        (made["e2"], "workout_planner", 500, 0, "0.001000"),
        (made["old"], "workout_planner", 7000, 900, "0.050000"),
    ]
    for judged, agent, tokens_in, tokens_out, cost in calls:
        LLMCall.objects.create(
            user=judged.user,
            purpose=f"agent:{agent}",
            model="coach-large",
            input_tokens=tokens_in,
            output_tokens=tokens_out,
            cost_usd=Decimal(cost),
            execution=judged,
            agent=agent,
        )
    feedback_create(user=alice, agent_type="workout_planner", positive=True, execution=made["e1"])
    feedback_create(user=bob, agent_type="workout_planner", positive=False, execution=made["e2"])
    feedback_create(user=alice, agent_type="workout_planner", positive=True)
    feedback_create(user=alice, agent_type="plan_generation", positive=False, execution=made["e1"])
    old = feedback_create(user=alice, agent_type="workout_planner", positive=False, execution=made["old"])
    AgentFeedback.objects.filter(id=old.id).update(created_at=timezone.now() - datetime.timedelta(days=40))
    return made


def test_stats_per_agent_over_the_last_30_days(staff, known_period):
    response = client_for(staff).get(STATS)

    assert response.status_code == 200, response.content
    planner = response.json()["agents"]["workout_planner"]
    assert {key: value for key, value in planner.items() if key != "variants"} == {
        "executions": 2,
        "runs": 3,
        "succeeded": 1,
        "failed": 1,
        "success_rate": 0.5,
        "failure_rate": 0.5,
        "rules_rate": 0.6667,  # 2 of 3 runs answered by the rules
        "fallback_rate": 0.6667,  # both after a model failure (timeout, model error)
        "p50_ms": 500.0,
        "p95_ms": 680.0,  # 500 + 0.9 x (700 - 500)
        "llm_calls": 2,
        "input_tokens": 1500,
        "output_tokens": 200,
        "tokens": 1700,
        "cost_usd": "0.004000",
        "feedback_count": 3,
        "positive_feedback": 2,
        "positive_rate": 0.6667,
    }
    selector = response.json()["agents"]["exercise_selector"]
    assert (selector["runs"], selector["rules_rate"], selector["fallback_rate"]) == (1, 1.0, 0.0)
    motivation = response.json()["agents"]["motivation_coach"]
    assert (motivation["executions"], motivation["success_rate"], motivation["p50_ms"]) == (0, None, None)


def test_stats_split_by_variant(staff, known_period):
    planner = client_for(staff).get(STATS).json()["agents"]["workout_planner"]["variants"]

    assert set(planner) == {"A", "B", "unrecorded"}  # unrecorded: feedback given without an execution
    a, b = planner["A"], planner["B"]
    assert (a["executions"], a["runs"], a["succeeded"], a["failed"]) == (1, 2, 1, 0)
    assert (a["p50_ms"], a["p95_ms"]) == (400.0, 490.0)
    assert (a["tokens"], a["cost_usd"], a["feedback_count"], a["positive_rate"]) == (1200, "0.003000", 1, 1.0)
    assert (b["executions"], b["runs"], b["succeeded"], b["failed"]) == (1, 1, 0, 1)
    assert (b["tokens"], b["feedback_count"], b["positive_rate"]) == (500, 1, 0.0)
    assert (planner["unrecorded"]["feedback_count"], planner["unrecorded"]["executions"]) == (1, 0)


def test_stats_per_workflow_type(staff, known_period):
    workflows = client_for(staff).get(STATS).json()["workflows"]

    generation = workflows["plan_generation"]
    assert {key: generation[key] for key in ("executions", "succeeded", "failed", "fallback_rate")} == {
        "executions": 2,
        "succeeded": 1,
        "failed": 1,
        "fallback_rate": 0.5,
    }
    assert (generation["p50_ms"], generation["p95_ms"]) == (2000.0, 2900.0)
    assert (generation["tokens"], generation["cost_usd"]) == (1700, "0.004000")
    assert (generation["feedback_count"], generation["positive_rate"]) == (1, 0.0)
    assert generation["variants"]["A"]["executions"] == 1  # by the lead agent's (the planner's) variant
    assert generation["variants"]["B"]["executions"] == 1
    assert (workflows["nutrition"]["executions"], workflows["nutrition"]["p50_ms"]) == (1, 200.0)
    assert workflows["motivation"]["executions"] == 0


def test_stats_over_a_chosen_period(staff, known_period):
    long_ago = (timezone.now() - datetime.timedelta(days=45)).date().isoformat()
    before = (timezone.now() - datetime.timedelta(days=35)).date().isoformat()

    response = client_for(staff).get(STATS, {"since": long_ago, "until": before})
    everything = client_for(staff).get(STATS, {"days": 60}).json()

    planner = response.json()["agents"]["workout_planner"]
    assert (planner["executions"], planner["tokens"], planner["feedback_count"]) == (1, 7900, 1)
    assert response.json()["workflows"]["nutrition"]["executions"] == 0
    assert everything["workflows"]["plan_generation"]["executions"] == 3


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"days": 0}, "days"),
        ({"days": "week"}, "days"),
        ({"since": "yesterday"}, "since"),
        ({"since": "2026-03-10", "until": "2026-03-01"}, "until"),
        ({"days": 7, "since": "2026-03-01"}, "days"),
        ({"agent": "workout_planner"}, "agent"),
    ],
)
def test_bad_stats_parameters_are_400s(staff, params, field):
    response = client_for(staff).get(STATS, params)

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_stats_are_for_staff_only(alice):
    assert client_for(alice).get(STATS).status_code == 403
    assert client_for(None).get(STATS).status_code == 401
