"""The language model failing, hanging or answering nonsense, against every AI endpoint over HTTP.

Each AI endpoint (the coach's /api/v1/ai routes, the chat streamed too, and the agents' /api/v1/ai/agents
runs: the single agents inside the request, the workflows as a worker runs them) is asked once per
fault of the model provider, played by the stub OpenAI server over real HTTP:

- failing: a 500, a 429 (rate limit), a refused connection (no server on the port);
- hanging: no answer before the client's timeout (LLM_TIMEOUT_SECONDS, short here; really waited for);
- invalid: a 200 whose body is no completion, broken JSON, JSON of the wrong shape, a refusal, the
  asked-for shape with every number out of range (for the chat, whose answer is text: an empty answer
  and a refusal).

Every time the endpoint answers 200 (the workflows: their execution succeeds) from its rules engine,
and says so: `engine` "rules" with the `fallback_reason` of the fault (the agents: `fallback_used`, and
the reason on each agent's record). What the model got right is tested elsewhere (test_chat,
test_workouts, test_analysis, test_suggestions, workflows/test_model_paths, with the model faked at the
LangChain boundary there); this file covers the faults at the HTTP boundary, where a user sees them.
"""

from __future__ import annotations

import datetime
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.tokens import token_pair_for
from coach.models import LLMCall
from coach.tests.openai_stub import OpenAIStub, closed_port_url
from coach.workflows import runner
from exercises.models import Exercise
from plans.models import WorkoutPlan
from tracking.tests.factories import UserPlanFactory

pytestmark = pytest.mark.django_db

AI = "/api/v1/ai"
# The client's timeout, and how long the hanging stub waits before it answers: the timeout is real.
TIMEOUT_SECONDS = 0.3
HANG_SECONDS = 1.5


# ---- the faults ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    name: str
    # the fallback_reason the endpoint must give (a 200 that is no completion at all fails in the
    # client for some endpoints, in the reading of the answer for others: either is the model's side)
    reasons: frozenset[str]
    play: Callable[[OpenAIStub, Any], object]
    # the call itself failed (no answer came back), as recorded in llm_calls
    call_fails: bool = False


def fault(name: str, *reasons: str, play: Callable[[OpenAIStub, Any], object], call_fails: bool = False) -> Fault:
    return Fault(name, frozenset(reasons), play, call_fails)


def _refuse_connections(stub: OpenAIStub, settings: Any) -> None:
    settings.OPENAI_BASE_URL = closed_port_url()


FAILING = [
    fault("http 500", "model_error", play=lambda stub, settings: stub.fail(500), call_fails=True),
    fault("http 429", "rate_limited", play=lambda stub, settings: stub.fail(429), call_fails=True),
    fault("connection refused", "unavailable", play=_refuse_connections, call_fails=True),
]
HANGING = [fault("hanging", "timeout", play=lambda stub, settings: stub.hang(HANG_SECONDS), call_fails=True)]
# a 200 the client cannot read: a proxy's error page
GARBAGE = fault(
    "not a completion",
    "model_error",
    "invalid_output",
    play=lambda stub, settings: stub.reply_body(b"<html><body>502 Bad Gateway</body></html>", "text/html"),
)
REFUSAL = fault("refusal", "invalid_output", play=lambda stub, settings: stub.refuse())
INVALID_STRUCTURED = [
    GARBAGE,
    fault("broken json", "invalid_output", play=lambda stub, settings: stub.reply_raw('{"title": "Week", "days": [')),
    fault("wrong shape", "invalid_output", play=lambda stub, settings: stub.reply_raw('{"answer": 42, "items": "no"}')),
    REFUSAL,
    fault("out of bounds", "invalid_output", play=lambda stub, settings: stub.reply_out_of_bounds()),
]
INVALID_TEXT = [
    GARBAGE,
    fault("empty answer", "invalid_output", play=lambda stub, settings: stub.reply_raw("")),
    REFUSAL,
]


@pytest.fixture
def faulty(openai_stub: OpenAIStub, settings: Any) -> OpenAIStub:
    """The stub with a short, real client timeout; the workflows retry once, at once."""
    settings.LLM_TIMEOUT_SECONDS = TIMEOUT_SECONDS
    settings.LLM_MAX_RETRIES = 0
    settings.AGENT_MODEL_ATTEMPTS = 2
    settings.AGENT_RETRY_INITIAL_SECONDS = 0.01
    settings.AGENT_MAX_CONCURRENT_PER_USER = 100
    settings.AGENT_EXECUTIONS_PER_DAY = 1000
    return openai_stub


@pytest.fixture
def faye(db: None) -> User:
    user: User = UserFactory.create(display_name="Faye", fitness_level="beginner", available_equipment=["dumbbell"])
    return user


def _client(user: User) -> APIClient:
    client = APIClient(REMOTE_ADDR="10.0.9.9")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_for(user)['access']}")
    return client


def _ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def _assert_rules_said(answer: dict[str, Any], fault: Fault) -> None:
    assert answer["engine"] == "rules"
    assert answer["fallback_reason"] in fault.reasons, answer["fallback_detail"]
    assert answer["fallback_detail"]


# ---- the coach's endpoints (/api/v1/ai) -----------------------------------------------------------


def _recommend(user: User) -> dict[str, Any]:
    body = {"goals": ["strength"], "available_equipment": ["dumbbell"], "days_per_week": 3}
    answer = _ok(_client(user).post(f"{AI}/recommend-workout", body, format="json"))
    assert [day for day in answer["days"] if day["exercises"]]
    return answer


def _analyze(user: User) -> dict[str, Any]:
    day = datetime.date(2026, 11, 2)
    workouts = [
        {"date": (day + datetime.timedelta(days=3 * i)).isoformat(),
         "exercises": [{"exercise_id": 1, "sets": 3, "reps": reps, "weight_kg": kg}]}
        for i, (kg, reps) in enumerate([(20, 10), (22.5, 8), (25, 8)])
    ]  # fmt: skip
    answer = _ok(_client(user).post(f"{AI}/analyze-progress", {"workouts": workouts}, format="json"))
    assert answer["totals"]["sets"] == 9
    assert answer["insights"]
    return answer


def _suggest(user: User) -> dict[str, Any]:
    body = {"target_muscles": ["chest"], "equipment": ["dumbbell"], "context": "easy on the shoulders"}
    answer = _ok(_client(user).post(f"{AI}/suggest-exercises", body, format="json"))
    assert answer["results"]
    return answer


def _chat(user: User) -> dict[str, Any]:
    answer = _ok(_client(user).post(f"{AI}/chat", {"message": "Which exercises for my chest?"}, format="json"))
    assert answer["reply"]
    return answer


def _sse_events(content: bytes) -> list[tuple[str, Any]]:
    events = []
    for block in content.decode().strip().split("\n\n"):
        name, data = block.split("\n")
        events.append((name.removeprefix("event: "), json.loads(data.removeprefix("data: "))))
    return events


def _chat_streamed(user: User) -> dict[str, Any]:
    response: Any = _client(user).post(
        f"{AI}/chat?stream=true", {"message": "Which exercises for my chest?"}, format="json",
        HTTP_ACCEPT="text/event-stream",
    )  # fmt: skip
    assert response.status_code == 200
    events = _sse_events(b"".join(response.streaming_content))
    names = [name for name, _ in events]
    assert (names[0], names[-1]) == ("start", "done"), names
    assert "error" not in names
    done: dict[str, Any] = events[-1][1]
    # the text streamed after the last reset is the answer the client keeps
    last_reset = max((i for i, name in enumerate(names) if name == "reset"), default=0)
    tokens = "".join(str(data) for name, data in events[last_reset:] if name == "token")
    assert tokens.strip() == done["reply"].strip()
    return done


COACH_ENDPOINTS = {
    "recommend-workout": (_recommend, INVALID_STRUCTURED),
    "analyze-progress": (_analyze, INVALID_STRUCTURED),
    "suggest-exercises": (_suggest, INVALID_STRUCTURED),
    "chat": (_chat, INVALID_TEXT),
    "chat streamed": (_chat_streamed, INVALID_TEXT),
}


def _coach_cases() -> list[Any]:
    return [
        pytest.param(call, fault, id=f"{endpoint}-{fault.name}")
        for endpoint, (call, invalid) in COACH_ENDPOINTS.items()
        for fault in [*FAILING, *HANGING, *invalid]
    ]


@pytest.mark.parametrize(("call", "fault"), _coach_cases())
def test_a_coach_endpoint_answers_from_its_rules_and_says_why(faulty, settings, faye, call, fault):
    fault.play(faulty, settings)

    started = time.monotonic()
    answer = call(faye)

    _assert_rules_said(answer, fault)
    # the model was really asked (the hang really waited for), and a call that failed is recorded so
    calls = LLMCall.objects.filter(user=faye)
    assert calls.exists()
    if fault.call_fails:
        assert not calls.filter(succeeded=True).exists()
    if "timeout" in fault.reasons:
        assert time.monotonic() - started >= TIMEOUT_SECONDS


# ---- the agents (/api/v1/ai/agents) --------------------------------------------------------------


def _exercise_id(slug_part: str) -> int:
    found = Exercise.objects.filter(slug__icontains=slug_part).order_by("id").values_list("id", flat=True).first()
    assert found is not None, slug_part
    return found


def _inline_run(path: str, body: dict[str, Any]) -> Callable[[User], dict[str, Any]]:
    def call(user: User) -> dict[str, Any]:
        return _ok(_client(user).post(f"{AI}/agents/{path}", body, format="json"))

    return call


def _workflow_run(path: str, body: dict[str, Any]) -> Callable[[User], dict[str, Any]]:
    """Queue the workflow, run it as the worker does, read the execution as the client does."""

    def call(user: User) -> dict[str, Any]:
        if path == "optimize-current-plan":
            UserPlanFactory.create(user=user, plan=WorkoutPlan.objects.get(slug="beginner-full-body-strength"))
        accepted = _client(user).post(f"{AI}/agents/{path}", body, format="json")
        assert accepted.status_code == 202, accepted.content
        runner.run_execution(accepted.json()["execution_id"])
        return _ok(_client(user).get(accepted["Location"]))

    return call


def _injury_body() -> dict[str, Any]:
    planned = [
        {"exercise_id": _exercise_id(slug), "sets": 4, "reps": 8, "week": 1, "day": 1}
        for slug in ("jump-squat", "barbell-deadlift", "walking-lunge")
    ]
    return {"exercises": planned, "limitations": ["knee"]}


NUTRITION = {"age": 30, "sex": "male", "weight_kg": 80, "height_cm": 180, "activity_level": "moderate"}
AGENT_ENDPOINTS: dict[str, Callable[[], Callable[[User], dict[str, Any]]]] = {
    "check-injury-risk": lambda: _inline_run("check-injury-risk", _injury_body()),
    "nutrition-guidance": lambda: _inline_run("nutrition-guidance", NUTRITION),
    "motivation-boost": lambda: _inline_run("motivation-boost", {}),
    "generate-plan": lambda: _workflow_run("generate-plan", {"weeks": 2, "days_per_week": 2, "goal": "strength"}),
    "adaptive-workout": lambda: _workflow_run("adaptive-workout", {"session_minutes": 30}),
    "optimize-current-plan": lambda: _workflow_run("optimize-current-plan", {}),
}


def _agent_cases() -> list[Any]:
    return [
        pytest.param(endpoint, fault, id=f"{endpoint}-{fault.name}")
        for endpoint in AGENT_ENDPOINTS
        for fault in [*FAILING, *HANGING, *INVALID_STRUCTURED]
    ]


@pytest.mark.parametrize(("endpoint", "fault"), _agent_cases())
def test_an_agent_run_answers_from_the_rules_and_says_why(faulty, settings, faye, endpoint, fault):
    call = AGENT_ENDPOINTS[endpoint]()
    fault.play(faulty, settings)

    execution = call(faye)

    assert execution["status"] == "succeeded", execution["error"]
    assert execution["output"]
    assert (execution["engine"], execution["fallback_used"]) == ("rules", True)
    asked = [run for run in execution["agents"] if run["fallback_reason"] != "not_configured"]
    assert asked, execution["agents"]
    assert {run["engine"] for run in asked} == {"rules"}
    assert {run["fallback_reason"] for run in asked} <= fault.reasons
    assert all(run["fallback_detail"] for run in asked)
    # every agent that fell back asked its model first, and the calls that failed are counted so
    usage = execution["usage"]
    assert {run["agent"] for run in asked} <= set(usage)
    if fault.call_fails:
        assert all(agent["calls"] == agent["failed"] for agent in usage.values()), usage
