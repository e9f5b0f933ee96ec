"""The multi-agent planner over HTTP (/api/v1/ai/agents): the token, the input problems, the
executions a client follows until their result, the saved plan, the single-agent answers, limits and
dedupe. Real PostgreSQL and Redis, the rule-based agents (no model configured). Workflows are queued
on commit, which a test transaction never reaches: the tests run them as a worker would
(coach.workflows.runner), or through Celery in eager mode."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.tokens import token_pair_for
from coach.models import AgentExecution
from coach.workflows import runner
from exercises.models import Exercise
from movoai.celery import app as celery_app
from plans.models import WorkoutPlan
from tracking.models import UserPlan
from tracking.tests.factories import UserPlanFactory

pytestmark = pytest.mark.django_db

AGENTS = "/api/v1/ai/agents"
Status = AgentExecution.Status
# What the acceptance script sends: every name a server is likely to use, at once.
ACCEPTANCE_BODY = {
    "weeks": 4,
    "duration_weeks": 4,
    "days_per_week": 3,
    "goals": ["strength"],
    "goal": "strength",
    "equipment": ["dumbbell"],
    "available_equipment": ["dumbbell"],
    "session_minutes": 45,
    "limitations": ["knee"],
    "constraints": {"equipment": ["dumbbell"], "session_minutes": 45, "limitations": ["knee"]},
}
NUTRITION_BODY = {"age": 30, "sex": "male", "weight_kg": 80, "height_cm": 180, "activity_level": "moderate"}
PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def roomy_limits(settings: Any) -> None:
    """Limits out of the way; the tests of the limits set their own."""
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
def template(db: None) -> WorkoutPlan:
    return WorkoutPlan.objects.get(slug="beginner-full-body-strength", is_template=True)


def client_for(user: User | None) -> APIClient:
    client = APIClient(REMOTE_ADDR="10.0.0.7")
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_for(user)['access']}")
    return client


def post(user: User | None, path: str, body: Any = None) -> Any:
    return client_for(user).post(f"{AGENTS}{path}", body if body is not None else {}, format="json")


def get(user: User | None, path: str, **params: Any) -> Any:
    return client_for(user).get(f"{AGENTS}{path}", params)


def run_to_end(response: Any, user: User) -> dict[str, Any]:
    """Run the queued workflow of a 202 as a worker would, then read the execution as the client does."""
    assert response.status_code == 202, response.content
    runner.run_execution(response.json()["execution_id"])
    detail = get(user, f"/executions/{response.json()['execution_id']}")
    assert detail.status_code == 200
    body: dict[str, Any] = detail.json()
    return body


def exercise_id(slug_part: str) -> int:
    found = Exercise.objects.filter(slug__icontains=slug_part).order_by("id").values_list("id", flat=True).first()
    assert found is not None, slug_part
    return found


def errors_of(response: Any) -> dict[str, list[str]]:
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == PROBLEM
    errors: dict[str, list[str]] = response.json()["errors"]
    return errors


# ---- the token -----------------------------------------------------------------------------------

ROUTES = [
    ("post", "/generate-plan"),
    ("post", "/optimize-current-plan"),
    ("post", "/adaptive-workout"),
    ("post", "/check-injury-risk"),
    ("post", "/nutrition-guidance"),
    ("post", "/motivation-boost"),
    ("get", "/executions"),
    ("get", "/executions/3f0c5a2e-8a51-4f7e-9a38-0c2f6f1f7d42"),
    ("post", "/executions/3f0c5a2e-8a51-4f7e-9a38-0c2f6f1f7d42/resume"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_route_needs_an_access_token(method, path):
    response = getattr(APIClient(), method)(f"{AGENTS}{path}", {}, format="json")

    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response.json()["status"] == 401


def test_a_bad_token_is_a_401_too(alice):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not.a.token")

    assert client.post(f"{AGENTS}/generate-plan", {}, format="json").status_code == 401


# ---- generate-plan -------------------------------------------------------------------------------


def test_the_acceptance_body_is_accepted_with_its_aliases_read_as_one(alice):
    response = post(alice, "/generate-plan", ACCEPTANCE_BODY)

    assert response.status_code == 202
    body = response.json()
    execution = AgentExecution.objects.get(id=body["execution_id"])
    assert body["id"] == body["execution_id"]
    assert body["status"] == "queued"
    assert body["links"] == {
        "self": f"{AGENTS}/executions/{execution.id}",
        "events": f"{AGENTS}/executions/{execution.id}/events",
        "websocket": f"/ws/executions/{execution.id}",
    }
    assert response["Location"] == body["links"]["self"]
    assert "ignored_fields" not in body  # every name sent is read
    assert (execution.user, execution.kind) == (alice, "plan_generation")
    assert execution.input == {
        "weeks": 4,
        "days_per_week": 3,
        "goals": ["strength"],
        "equipment": ["dumbbell"],
        "session_minutes": 45,
        "limitations": ["knee"],
        "review": False,
        "language": "en",
    }


def test_a_generated_plan_is_saved_assigned_and_explained(alice):
    today = datetime.date.today().isoformat()
    response = post(alice, "/generate-plan", {**ACCEPTANCE_BODY, "start_date": today})

    execution = run_to_end(response, alice)

    assert execution["status"] == "succeeded"
    assert (execution["progress"], execution["engine"], execution["fallback_used"]) == (100, "rules", False)
    assert execution["result"] == execution["output"]
    plan = WorkoutPlan.objects.get(id=execution["plan_id"])
    assert (plan.created_by, plan.is_template, plan.weeks, plan.days_per_week) == (alice, False, 4, 3)
    assert execution["output"]["plan_id"] == plan.id
    # every agent's reasoning and the path through the graph
    agents = [run["agent"] for run in execution["agents"]]
    assert {"exercise_selector", "workout_planner", "injury_prevention"} <= set(agents)
    assert all(run["engine"] == "rules" and run["reasoning"] for run in execution["agents"])
    assert execution["path"][0] == "load_context"
    assert execution["path"][-1] == "save"
    assert execution["events_count"] >= len(execution["path"])
    assert execution["finished_at"] is not None
    assert execution["execution_time_ms"] is not None
    # only dumbbells (or body weight), nothing that jumps on the knee
    exercises = Exercise.objects.filter(plan_exercises__plan=plan).distinct()
    assert exercises
    for exercise in exercises:
        assert set(exercise.equipments) <= {"dumbbell", "body weight"}, exercise.slug
        assert exercise.category != "plyometrics", exercise.slug
    # assigned from start_date: the user's plans list it
    plans = client_for(alice).get("/api/v1/users/me/plans").json()["results"]
    assert [item["plan_id"] for item in plans] == [plan.id]


def test_a_saved_plan_not_yet_assigned_can_be_assigned_like_any_plan(alice):
    execution = run_to_end(post(alice, "/generate-plan", {"weeks": 2, "days_per_week": 2}), alice)
    client = client_for(alice)
    assert client.get("/api/v1/users/me/plans").json()["results"] == []

    assigned = client.post("/api/v1/users/me/plans", {"plan_id": execution["plan_id"]}, format="json")

    assert assigned.status_code == 201
    assert [item["plan_id"] for item in client.get("/api/v1/users/me/plans").json()["results"]] == [
        execution["plan_id"]
    ]


@pytest.fixture
def eager_celery() -> Iterator[None]:
    """Celery runs a task in the caller when it is sent (as with CELERY_TASK_ALWAYS_EAGER)."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def test_through_celery_the_queued_plan_runs_once_the_request_commits(
    alice, eager_celery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(alice, "/generate-plan", {"weeks": 1, "days_per_week": 2, "goal": "force"})

    assert response.status_code == 202
    detail = get(alice, f"/executions/{response.json()['execution_id']}").json()
    assert detail["status"] == "succeeded"
    assert WorkoutPlan.objects.get(id=detail["plan_id"]).goal == "strength"  # "force" is French for strength


def test_the_profile_fills_what_the_request_leaves_out(alice):
    alice.fitness_level = "advanced"
    alice.available_equipment = ["barbell"]
    alice.fitness_goals = ["muscle_gain"]
    alice.save()

    execution = run_to_end(post(alice, "/generate-plan", {"weeks": 2}), alice)

    plan = WorkoutPlan.objects.get(id=execution["plan_id"])
    assert (plan.goal, plan.difficulty, plan.weeks, plan.days_per_week) == ("muscle_gain", "advanced", 2, 3)
    for exercise in Exercise.objects.filter(plan_exercises__plan=plan).distinct():
        assert set(exercise.equipments) <= {"barbell", "body weight"}, exercise.slug


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"days_per_week": 7}, "days_per_week", "rest day"),
        ({"duration_weeks": 13}, "duration_weeks", "12"),
        ({"weeks": 0}, "weeks", "1"),
        ({"session_minutes": 10}, "session_minutes", "15"),
        ({"constraints": {"session_minutes": 150}}, "constraints.session_minutes", "120"),
        ({"goals": ["flying"]}, "goals", "'flying'"),
        ({"goal": "telekinesis"}, "goal", "'telekinesis'"),
        ({"equipment": ["jetpack"]}, "equipment", "'jetpack'"),
        ({"fitness_level": "guru"}, "fitness_level", "'guru'"),
        ({"weeks": 4, "duration_weeks": 6}, "weeks", "duration_weeks"),
        ({"goals": ["strength"], "goal": "mobility"}, "goal", "goals"),
        ({"equipment": ["dumbbell"], "constraints": {"equipment": ["barbell"]}}, "constraints.equipment", "equipment"),
        ({"session_minutes": 45, "constraints": {"session_minutes": 60}}, "constraints.session_minutes", "45"),
        ({"limitations": ["knee"], "constraints": {"limitations": ["back"]}}, "constraints.limitations", "knee"),
        ({"start_date": "tomorrow"}, "start_date", "date"),
        ({"review": "perhaps"}, "review", "boolean"),
    ],
)
def test_bad_plan_requests_are_400s_naming_the_field(alice, body, field, words):
    errors = errors_of(post(alice, "/generate-plan", body))

    assert field in errors, errors
    assert words.lower() in " ".join(errors[field]).lower()
    assert not AgentExecution.objects.exists()


def test_words_in_french_and_plan_goals_are_read_into_codes(alice):
    body = {"goals": ["prise de masse"], "equipment": ["haltères", "poids du corps"], "fitness_level": "débutant"}

    response = post(alice, "/generate-plan", body)

    assert response.status_code == 202
    execution = AgentExecution.objects.get(id=response.json()["id"])
    assert execution.input["goals"] == ["hypertrophy"]
    assert execution.input["equipment"] == ["dumbbell", "body weight"]
    assert execution.input["fitness_level"] == "beginner"


def test_fields_the_endpoint_does_not_read_are_named_back(alice):
    response = post(alice, "/generate-plan", {"weeks": 2, "mood": "great", "constraints": {"budget": 0}})

    assert response.status_code == 202
    assert response.json()["ignored_fields"] == ["mood", "constraints.budget"]


def test_the_same_request_again_returns_the_earlier_execution(alice):
    first = post(alice, "/generate-plan", ACCEPTANCE_BODY)
    again = post(alice, "/generate-plan", ACCEPTANCE_BODY)
    other = post(alice, "/generate-plan", {**ACCEPTANCE_BODY, "weeks": 5, "duration_weeks": 5})

    assert (first.status_code, again.status_code, other.status_code) == (202, 202, 202)
    assert again.json()["execution_id"] == first.json()["execution_id"]
    assert again["X-Execution-Reused"] == "true"
    assert "X-Execution-Reused" not in first
    assert other.json()["execution_id"] != first.json()["execution_id"]
    assert AgentExecution.objects.filter(user=alice).count() == 2


def test_executions_beyond_the_concurrent_limit_are_429s(alice, settings):
    settings.AGENT_MAX_CONCURRENT_PER_USER = 1
    assert post(alice, "/generate-plan", {"weeks": 2}).status_code == 202

    refused = post(alice, "/generate-plan", {"weeks": 3})

    assert refused.status_code == 429
    assert refused["Content-Type"] == PROBLEM
    assert "queued or running" in refused.json()["detail"]
    assert int(refused["Retry-After"]) > 0
    assert AgentExecution.objects.filter(user=alice).count() == 1


def test_executions_beyond_the_daily_limit_are_429s_for_the_inline_kinds_too(alice, settings):
    settings.AGENT_EXECUTIONS_PER_DAY = 1
    assert post(alice, "/motivation-boost").status_code == 200

    refused = post(alice, "/nutrition-guidance", NUTRITION_BODY)

    assert refused.status_code == 429
    assert "today" in refused.json()["detail"]


# ---- the other workflows -------------------------------------------------------------------------


def test_optimizing_without_a_current_plan_is_a_409(alice):
    response = post(alice, "/optimize-current-plan")

    assert response.status_code == 409
    assert response["Content-Type"] == PROBLEM
    assert "no current plan" in response.json()["detail"]


def test_optimizing_an_unknown_plan_is_a_404(alice):
    response = post(alice, "/optimize-current-plan", {"plan_id": 987654321})

    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM


def test_optimizing_the_current_plan_suggests_changes_with_reasons(alice, template):
    UserPlanFactory.create(user=alice, plan=template, status=UserPlan.Status.ACTIVE)

    response = post(alice, "/optimize-current-plan", {})
    execution = run_to_end(response, alice)

    assert AgentExecution.objects.get(id=execution["id"]).input["plan_id"] == template.id
    assert execution["status"] == "succeeded", execution["error"]
    assert execution["type"] == "plan_optimization"
    assert execution["output"]["plan_id"] == template.id
    assert isinstance(execution["output"]["suggestions"], list)
    assert all(suggestion["why"] for suggestion in execution["output"]["suggestions"])
    assert {"progress_analyst", "workout_planner"} <= {run["agent"] for run in execution["agents"]}


def test_an_adaptive_workout_is_today_s_session_or_a_rest_day(alice):
    response = post(alice, "/adaptive-workout", {"session_minutes": 30, "equipment": ["dumbbell"]})

    execution = run_to_end(response, alice)

    assert execution["status"] == "succeeded", execution["error"]
    output = execution["output"]
    assert output["engine"] == "rules"
    assert output["rest_day"] or output["session"]["exercises"]
    ids = [item["exercise_id"] for item in (output.get("session") or {}).get("exercises", [])]
    for exercise in Exercise.objects.filter(id__in=ids):
        assert set(exercise.equipments) <= {"dumbbell", "body weight"}, exercise.slug


def test_adaptive_workout_aliases_that_disagree_are_a_400(alice):
    errors = errors_of(
        post(alice, "/adaptive-workout", {"equipment": ["dumbbell"], "available_equipment": ["kettlebell"]})
    )

    assert "equipment" in errors


# ---- the single agents ---------------------------------------------------------------------------


def test_injury_risk_flags_the_knee_and_a_risky_combination(alice):
    planned = [
        {"exercise_id": exercise_id(slug), "sets": 4, "reps": 8, "week": 1, "week_number": 1, "day": 1, "day_number": 1}
        for slug in ("jump-squat", "barbell-deadlift", "good-morning", "walking-lunge")
    ]

    response = post(
        alice, "/check-injury-risk", {"exercises": planned, "planned_exercises": planned, "limitations": ["knee"]}
    )

    assert response.status_code == 200, response.content
    execution = response.json()
    assert (execution["status"], execution["type"], execution["engine"]) == ("succeeded", "injury_risk", "rules")
    review = execution["output"]
    assert review["approved"] is False
    kinds = {warning["kind"] for warning in review["warnings"]}
    assert {"limitation", "combination"} <= kinds
    assert review["substitutions"]
    assert [run["agent"] for run in execution["agents"]] == ["injury_prevention"]


def test_injury_risk_reviews_the_current_plan_with_the_profile_s_limitations(alice, template):
    alice.limitations = ["lower back"]
    alice.save()
    UserPlanFactory.create(user=alice, plan=template, status=UserPlan.Status.ACTIVE)

    response = post(alice, "/check-injury-risk", {})

    assert response.status_code == 200, response.content
    execution = AgentExecution.objects.get(id=response.json()["id"])
    assert execution.input["plan_id"] == template.id
    assert execution.input["limitations"] == ["lower back"]
    assert response.json()["status"] == "succeeded"


def test_injury_risk_names_unknown_exercise_ids(alice):
    known = exercise_id("push-up")
    body = {"exercises": [{"exercise_id": known}, {"exercise_id": 99999998}, {"exercise_id": 99999999}]}

    errors = errors_of(post(alice, "/check-injury-risk", body))

    assert "99999998, 99999999" in errors["exercises"][0]


def test_injury_risk_without_exercises_or_a_plan_is_a_400(alice):
    errors = errors_of(post(alice, "/check-injury-risk", {"limitations": ["knee"]}))

    assert "exercises" in errors


def test_injury_risk_item_aliases_that_disagree_are_named(alice):
    body = {"exercises": [{"exercise_id": exercise_id("push-up"), "week": 1, "week_number": 2}]}

    errors = errors_of(post(alice, "/check-injury-risk", body))

    assert "exercises.0.week_number" in errors


def test_nutrition_macros_add_up_to_the_calories(alice):
    response = post(
        alice,
        "/nutrition-guidance",
        {**NUTRITION_BODY, "gender": "male", "daily_activity": "moderate", "goal": "fat_loss", "goals": ["fat_loss"]},
    )

    assert response.status_code == 200, response.content
    guidance = response.json()["output"]
    assert guidance["engine"] == "rules"
    macros = guidance["macros"]
    kcal = macros["protein_g"] * 4 + macros["carbs_g"] * 4 + macros["fat_g"] * 9
    assert abs(kcal - guidance["target_calories"]) <= 0.02 * guidance["target_calories"]
    assert guidance["target_calories"] < guidance["maintenance_kcal"]  # fat loss: a deficit
    assert guidance["disclaimer"]
    stored = AgentExecution.objects.get(id=response.json()["id"]).input
    assert (stored["activity_level"], stored["goal"]) == ("moderately_active", "fat_loss")


def test_nutrition_reads_the_profile_for_what_the_request_leaves_out(alice):
    alice.age, alice.gender, alice.weight_kg, alice.height_cm = 41, "female", 64, 168
    alice.daily_activity, alice.fitness_goals = "lightly_active", ["muscle_gain"]
    alice.save()

    response = post(alice, "/nutrition-guidance", {})

    assert response.status_code == 200, response.content
    stored = AgentExecution.objects.get(id=response.json()["id"]).input
    assert stored == {
        "age": 41,
        "sex": "female",
        "weight_kg": 64.0,
        "height_cm": 168.0,
        "activity_level": "lightly_active",
        "goal": "muscle_gain",
        "language": "en",
    }
    assert response.json()["output"]["target_calories"] > response.json()["output"]["maintenance_kcal"]


def test_nutrition_names_each_missing_value(alice):
    alice.age = 30
    alice.save()

    errors = errors_of(post(alice, "/nutrition-guidance", {"weight_kg": 70}))

    assert set(errors) == {"sex", "height_cm", "activity_level"}
    assert not AgentExecution.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"sex": "male", "gender": "female"}, "gender"),
        ({"activity_level": "couch"}, "activity_level"),
        ({"goal": "world domination"}, "goal"),
        ({"weight_kg": 20}, "weight_kg"),
        ({"age": 9}, "age"),
    ],
)
def test_bad_nutrition_values_are_400s_naming_the_field(alice, change, field):
    errors = errors_of(post(alice, "/nutrition-guidance", {**NUTRITION_BODY, **change}))

    assert field in errors


def test_a_motivation_boost_answers_and_the_same_call_again_is_the_same_execution(alice):
    first = post(alice, "/motivation-boost")
    again = post(alice, "/motivation-boost")

    assert first.status_code == again.status_code == 200
    message = first.json()["output"]
    assert message["engine"] == "rules"
    assert len(message["message"]) >= 10
    assert message["tone"] == "welcome"  # no history yet
    assert again.json()["id"] == first.json()["id"]
    assert again["X-Execution-Reused"] == "true"
    assert AgentExecution.objects.filter(user=alice, kind="motivation").count() == 1


# ---- executions ----------------------------------------------------------------------------------


def test_a_user_lists_their_own_executions_filtered_and_paginated(alice, bob):
    post(alice, "/generate-plan", {"weeks": 2})
    post(alice, "/motivation-boost")
    post(alice, "/nutrition-guidance", NUTRITION_BODY)
    bobs = post(bob, "/generate-plan", {"weeks": 2}).json()["execution_id"]

    everything = get(alice, "/executions").json()
    plans = get(alice, "/executions", type="plan_generation").json()
    finished = get(alice, "/executions", status="succeeded").json()
    first_page = get(alice, "/executions", page_size=2).json()

    assert everything["count"] == 3
    assert bobs not in str(everything)
    assert [item["type"] for item in everything["results"]] == ["nutrition", "motivation", "plan_generation"]
    assert [item["type"] for item in plans["results"]] == ["plan_generation"]
    assert plans["results"][0]["status"] == "queued"
    assert {item["type"] for item in finished["results"]} == {"nutrition", "motivation"}
    assert (len(first_page["results"]), first_page["next"] is not None) == (2, True)


@pytest.mark.parametrize(
    ("params", "field"), [({"type": "dance"}, "type"), ({"status": "done"}, "status"), ({"kind": "x"}, "kind")]
)
def test_bad_execution_filters_are_400s(alice, params, field):
    assert field in errors_of(get(alice, "/executions", **params))


def test_another_user_s_execution_is_a_404(alice, bob):
    execution_id = post(alice, "/motivation-boost").json()["id"]

    assert get(bob, f"/executions/{execution_id}").status_code == 404
    assert post(bob, f"/executions/{execution_id}/resume", {"approve": True}).status_code == 404
    assert get(alice, "/executions/3f0c5a2e-8a51-4f7e-9a38-0c2f6f1f7d42").status_code == 404
    assert get(alice, f"/executions/{execution_id}").status_code == 200


def test_a_queued_execution_shows_where_it_is(alice):
    execution_id = post(alice, "/generate-plan", {"weeks": 2}).json()["execution_id"]

    detail = get(alice, f"/executions/{execution_id}").json()

    assert {key: detail[key] for key in ("status", "progress", "engine", "output", "plan_id", "agents")} == {
        "status": "queued",
        "progress": 0,
        "engine": None,
        "output": None,
        "plan_id": None,
        "agents": [],
    }
    assert detail["events_count"] == 1  # "queued"
    assert detail["input"]["weeks"] == 2


def test_a_plan_paused_for_review_resumes_once_and_is_saved(alice):
    execution_id = post(alice, "/generate-plan", {"weeks": 2, "days_per_week": 2, "review": True}).json()["id"]
    runner.run_execution(execution_id)
    paused = get(alice, f"/executions/{execution_id}").json()
    assert paused["status"] == "paused"
    assert paused["plan_id"] is None
    assert paused["output"]["review"]

    resumed = post(alice, f"/executions/{execution_id}/resume", {"approve": True, "notes": []})
    twice = post(alice, f"/executions/{execution_id}/resume", {"approve": True})

    assert resumed.status_code == 202
    assert resumed.json()["status"] == "queued"
    assert twice.status_code == 409
    assert twice["Content-Type"] == PROBLEM
    runner.resume_execution(execution_id, {"approve": True, "notes": []})
    finished = get(alice, f"/executions/{execution_id}").json()
    assert finished["status"] == "succeeded"
    assert WorkoutPlan.objects.filter(id=finished["plan_id"], created_by=alice).exists()


def test_resuming_an_execution_that_is_not_paused_is_a_409(alice):
    execution_id = post(alice, "/motivation-boost").json()["id"]

    response = post(alice, f"/executions/{execution_id}/resume", {"approve": True})

    assert response.status_code == 409
    assert "only a paused execution" in response.json()["detail"]


def test_a_bad_resume_decision_is_a_400(alice):
    execution_id = post(alice, "/motivation-boost").json()["id"]

    assert "approve" in errors_of(post(alice, f"/executions/{execution_id}/resume", {"approve": "maybe"}))


def test_an_execution_shows_the_model_calls_it_cost_per_agent(alice, openai_stub):
    """With a model configured, the nutrition advisor asks it (over real HTTP to the stub server):
    the execution says which agent made how many calls, with what tokens and cost."""
    from coach.agents.base import AgentContext
    from coach.agents.nutrition_advisor import AGENT, NutritionInput
    from coach.tests.openai_stub import COMPLETION_TOKENS, PROMPT_TOKENS

    body = {**NUTRITION_BODY, "activity_level": "moderately_active", "goal": "fat_loss"}
    expected = AGENT.rules(NutritionInput.model_validate(body), AgentContext(user=alice)).model_dump(mode="json")
    openai_stub.reply_tool_call("NutritionGuidance", expected)

    response = post(alice, "/nutrition-guidance", body)

    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["engine"] == "llm"
    assert answer["output"]["target_calories"] == expected["target_calories"]
    usage = answer["usage"]
    assert set(usage) == {"nutrition_advisor"}
    assert usage["nutrition_advisor"]["calls"] == 1
    assert usage["nutrition_advisor"]["failed"] == 0
    assert usage["nutrition_advisor"]["input_tokens"] == PROMPT_TOKENS
    assert usage["nutrition_advisor"]["output_tokens"] == COMPLETION_TOKENS
    # the light agents use the cheap model: coach-small at 0.1 / 0.4 USD per million tokens
    cost = (PROMPT_TOKENS * 0.1 + COMPLETION_TOKENS * 0.4) / 1_000_000
    assert float(usage["nutrition_advisor"]["cost_usd"]) == pytest.approx(cost, abs=1e-6)


def test_an_execution_the_rules_answered_shows_no_model_usage(alice):
    response = post(alice, "/motivation-boost", {})

    assert response.status_code == 200, response.content
    assert response.json()["engine"] == "rules"
    assert response.json()["usage"] == {}
