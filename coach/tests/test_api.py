"""The /api/v1/ai routes over HTTP: shapes a frontend relies on, input problems, the engine field,
limits, caching, Server-Sent Events, the WebSocket chat and the access rules. Real PostgreSQL and
Redis; the model is the stub OpenAI server or none."""

from __future__ import annotations

import contextlib
import datetime
import json
import uuid
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.tokens import token_pair_for
from coach.models import AgentSession, Conversation, Recommendation
from coach.tests.openai_stub import OpenAIStub
from exercises.models import Exercise

pytestmark = pytest.mark.django_db

AI = "/api/v1/ai"
DUMBBELL_WEEK = {
    "goals": ["strength"],
    "available_equipment": ["dumbbell"],
    "days_per_week": 3,
    "minutes_per_session": 45,
}


def _client(user: User | None = None, ip: str = "10.0.0.1") -> APIClient:
    client = APIClient(REMOTE_ADDR=ip)
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_for(user)['access']}")
    return client


def _post(client: APIClient, path: str, body: Any, **extra: Any) -> Any:
    return client.post(f"{AI}{path}", body, format="json", **extra)


def _exercise_ids(workout: dict[str, Any]) -> list[int]:
    return [item["exercise_id"] for day in workout["days"] for item in day["exercises"]]


# ---- recommend-workout ---------------------------------------------------------------------------


def test_a_recommended_week_uses_only_the_library_and_the_given_equipment():
    response = _post(_client(), "/recommend-workout", DUMBBELL_WEEK)

    assert response.status_code == 200
    body = response.json()
    assert (body["engine"], body["fallback_reason"]) == ("rules", "not_configured")
    ids = _exercise_ids(body)
    exercises = Exercise.objects.in_bulk(ids)
    assert ids
    assert set(ids) == set(exercises)
    for exercise in exercises.values():
        assert set(exercise.equipments) <= {"dumbbell", "body weight"}, exercise.slug
    training_days = [day for day in body["days"] if day["exercises"]]
    assert 1 <= len(training_days) <= 3
    assert Recommendation.objects.filter(recommendation_type="workout", user=None).count() == 1
    # template plans to follow as a whole programme, nearest first, none with more days than asked
    similar = body["similar_plans"]
    assert similar
    assert all(plan["days_per_week"] <= 3 for plan in similar)
    assert [plan["similarity"] for plan in similar] == sorted((plan["similarity"] for plan in similar), reverse=True)


def test_fields_the_endpoint_does_not_read_are_named_back_not_refused():
    response = _post(_client(), "/recommend-workout", {**DUMBBELL_WEEK, "goal": "strength", "session_minutes": 45})

    assert response.status_code == 200
    assert sorted(response.json()["ignored_fields"]) == ["goal", "session_minutes"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"days_per_week": 9}, "days_per_week"),
        ({"goals": ["flying"]}, "goals"),
        ({"available_equipment": "dumbbell"}, "available_equipment"),
        ({"minutes_per_session": 5}, "minutes_per_session"),
    ],
)
def test_bad_recommendation_input_is_a_problem_naming_the_field(body, field):
    response = _post(_client(), "/recommend-workout", {**DUMBBELL_WEEK, **body})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert any(name.split(".")[0] == field for name in response.json()["errors"])


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/recommend-workout", {"preferences": "fuck you"}, "preferences"),
        ("/recommend-workout", {"limitations": ["knee", "ta gueule"]}, "limitations"),
        ("/suggest-exercises", {"target_muscles": ["chest"], "context": "you stupid cunt"}, "context"),
    ],
)
def test_abusive_free_text_is_refused_wherever_the_coach_reads_it(path, body, field):
    response = _post(_client(), path, body)

    assert response.status_code == 400
    assert any(name.split(".")[0] == field for name in response.json()["errors"])
    assert Recommendation.objects.count() == 0


def test_a_body_that_is_not_an_object_is_a_problem():
    response = _post(_client(), "/recommend-workout", [1, 2, 3])

    assert response.status_code == 400
    assert "body" in response.json()["errors"]


def test_a_users_recommendation_is_saved_for_them_and_respects_their_limitations():
    alice = UserFactory.create(display_name="alice", limitations=["knee"], available_equipment=["dumbbell"])

    response = _post(_client(alice), "/recommend-workout", {"days_per_week": 2})

    assert response.status_code == 200
    names = [Exercise.objects.get(id=i).exercise_en.lower() for i in _exercise_ids(response.json())]
    assert not [name for name in names if "jump" in name]
    assert Recommendation.objects.get(user=alice).recommendation_type == "workout"


def test_another_users_id_is_not_found_with_a_token():
    alice, bob = UserFactory.create(display_name="alice"), UserFactory.create(display_name="bob")

    response = _post(_client(bob), "/recommend-workout", {**DUMBBELL_WEEK, "user_id": str(alice.id)})

    assert response.status_code == 404


# ---- analyze-progress ----------------------------------------------------------------------------


def test_inline_workouts_are_analysed_with_their_numbers():
    day = datetime.date(2026, 11, 2)
    workouts = [
        {"date": (day + datetime.timedelta(days=3 * i)).isoformat(),
         "exercises": [{"exercise_id": 1, "sets": 3, "reps": reps, "weight_kg": kg}]}
        for i, (kg, reps) in enumerate([(20, 10), (22.5, 8), (25, 8)])
    ]  # fmt: skip

    response = _post(_client(), "/analyze-progress", {"workouts": workouts})

    assert response.status_code == 200
    body = response.json()
    assert body["engine"] == "rules"
    assert body["totals"]["sets"] == 9
    assert body["totals"]["best_weight_kg"] == 25
    assert body["insights"]
    assert body["suggestions"]


def test_analysis_needs_workouts_or_a_user():
    response = _post(_client(), "/analyze-progress", {})

    assert response.status_code == 400
    assert "workouts" in response.json()["errors"]


def test_an_inverted_date_range_is_a_problem():
    response = _post(
        _client(), "/analyze-progress", {"workouts": [], "date_from": "2026-11-10", "date_to": "2026-11-01"}
    )

    assert response.status_code == 400
    assert "date_to" in response.json()["errors"]


# ---- suggest-exercises, caching ------------------------------------------------------------------


def test_suggestions_work_the_muscle_with_the_equipment_and_carry_scores_and_reasons():
    response = _post(_client(), "/suggest-exercises", {"target_muscles": ["chest"], "equipment": ["dumbbell"]})

    assert response.status_code == 200
    results = response.json()["results"]
    assert results
    for item in results:
        exercise = Exercise.objects.get(id=item["exercise_id"])
        assert "chest" in exercise.muscles
        assert "dumbbell" in exercise.equipments
        assert 0 <= item["similarity"] <= 1
        assert item["reason"]


@pytest.mark.parametrize("context", ["for beginners, no jumping", "sans saut, pour débutant"])
def test_a_level_said_in_the_context_filters_like_difficulty(context):
    response = _post(_client(), "/suggest-exercises", {"target_muscles": ["quadriceps"], "context": context})

    results = response.json()["results"]
    assert results
    assert {item["difficulty"] for item in results} == {"beginner"}
    assert response.json()["filters"]["difficulty"] == "beginner"


def test_suggestions_need_something_to_suggest_from():
    response = _post(_client(), "/suggest-exercises", {"limit": 5})

    assert response.status_code == 400


def test_an_anonymous_answer_is_served_from_the_cache_the_second_time():
    body = {"target_muscles": ["glutes"], "context": "no jumping"}
    first = _post(_client(), "/suggest-exercises", body).json()
    second = _post(_client(ip="10.0.0.2"), "/suggest-exercises", body).json()
    in_french = _post(_client(ip="10.0.0.3"), "/suggest-exercises?lang=fr", body).json()

    assert "cached" not in first
    assert second["cached"] is True
    assert second["results"] == first["results"]
    assert "cached" not in in_french
    assert in_french["language"] == "fr"
    assert Recommendation.objects.filter(recommendation_type="exercise_suggestions").count() == 2


# ---- limits --------------------------------------------------------------------------------------


def test_the_ai_limit_per_ip_answers_429_with_retry_after_and_leaves_the_library_open(settings):
    settings.AI_RATE_LIMIT = "3/m"
    client = _client(ip="10.9.0.1")

    statuses = [_post(client, "/suggest-exercises", {"target_muscles": ["biceps"]}).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    limited = _post(client, "/chat", {"message": "hello"})
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) >= 1
    assert client.get("/api/v1/exercises").status_code == 200


def test_a_user_has_a_daily_ai_allowance(settings):
    settings.AI_DAILY_LIMIT_PER_USER = 2
    alice = UserFactory.create(display_name="alice")

    statuses = [_post(_client(alice, ip=f"10.8.0.{i}"), "/chat", {"message": "hello"}).status_code for i in range(3)]

    assert statuses == [200, 200, 429]
    # anonymous requests are limited per IP only
    assert _post(_client(ip="10.8.1.1"), "/chat", {"message": "hello"}).status_code == 200


# ---- chat, sessions, conversations ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "words"),
    [("", "blank"), ("   ", "blank"), ("a" * 4001, "4000 characters")],
)
def test_empty_and_oversized_messages_are_refused(message, words):
    response = _post(_client(), "/chat", {"message": message})

    assert response.status_code == 400
    assert words in json.dumps(response.json()["errors"]["message"])
    assert Conversation.objects.count() == 0


def test_an_abusive_message_is_refused_and_nothing_is_stored():
    response = _post(_client(), "/chat", {"message": "you are a stupid bitch"})

    assert response.status_code == 400
    assert "message" in response.json()["errors"]
    assert Conversation.objects.count() == 0


@pytest.mark.parametrize(
    ("message", "language", "number"), [("I want to kill myself", "en", "988"), ("je veux mourir", "fr", "3114")]
)
def test_a_message_about_self_harm_gets_support_not_coaching_and_not_the_model(openai_stub, message, language, number):
    body = _post(_client(), "/chat", {"message": message}).json()

    assert (body["engine"], body["fallback_reason"], body["language"]) == ("rules", "safety", language)
    assert number in body["reply"]
    assert body["exercises"] == []
    assert openai_stub.hits == 0


def test_a_chat_answers_in_a_new_session_and_keeps_the_conversation():
    client = _client()
    first = _post(client, "/chat", {"message": "Which exercises for chest with dumbbells?"}).json()
    session_id = first["session_id"]
    second = _post(client, "/chat", {"message": "Quels exercices pour les abdos ?", "session_id": session_id}).json()

    assert first["engine"] == "rules"
    assert first["reply"]
    assert second["session_id"] == session_id
    assert second["language"] == "fr"
    conversation = client.get(f"{AI}/conversations/{session_id}").json()
    assert [m["role"] for m in conversation["messages"]] == ["user", "assistant", "user", "assistant"]


def test_a_session_started_then_ended_refuses_more_chat():
    client = _client()
    session_id = _post(client, "/session/start", {}).json()["session_id"]
    assert _post(client, "/chat", {"message": "hello", "session_id": session_id}).status_code == 200

    ended = _post(client, f"/session/{session_id}/end", {})
    again = _post(client, "/chat", {"message": "hello again", "session_id": session_id})

    assert ended.status_code == 200
    assert ended.json()["status"] == "ended"
    assert again.status_code == 409
    assert "new session" in again.json()["detail"]


def test_an_unknown_session_is_not_found():
    response = _post(_client(), "/chat", {"message": "hello", "session_id": str(uuid.uuid4())})

    assert response.status_code == 404


def test_a_users_conversations_are_listed_for_them_only():
    alice, bob = UserFactory.create(display_name="alice"), UserFactory.create(display_name="bob")
    session_id = _post(_client(alice), "/chat", {"message": "What should I do today?"}).json()["session_id"]

    mine = _client(alice).get("/api/v1/users/me/conversations").json()["results"]
    theirs = _client(bob).get("/api/v1/users/me/conversations").json()["results"]

    assert [c["session_id"] for c in mine] == [session_id]
    assert theirs == []
    assert _client(bob).get(f"{AI}/conversations/{session_id}").status_code == 404
    assert _post(_client(bob), "/chat", {"message": "hi", "session_id": session_id}).status_code == 404


def _events(raw: bytes) -> list[tuple[str, Any]]:
    events = []
    for block in raw.decode().strip().split("\n\n"):
        lines = block.split("\n")
        name = lines[0].removeprefix("event: ")
        events.append((name, json.loads(lines[1].removeprefix("data: "))))
    return events


def test_a_streamed_chat_sends_server_sent_events_ending_with_the_full_answer():
    response = _post(
        _client(), "/chat?stream=true", {"message": "Which exercises for the back?"}, HTTP_ACCEPT="text/event-stream"
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/event-stream")
    events = _events(b"".join(response.streaming_content))
    names = [name for name, _ in events]
    assert names[0] == "start"
    assert names[-1] == "done"
    assert "token" in names
    done = events[-1][1]
    tokens = "".join(str(data) for name, data in events if name == "token")
    assert done["engine"] == "rules"
    assert tokens.strip() == done["reply"].strip()


def test_a_streamed_chat_reaches_a_browser_event_by_event_not_gzipped():
    """Browsers accept gzip; compressed, the first events would wait in the compressor until a few
    kilobytes had gathered. The first chunk sent is already the readable `start` event."""
    response = _post(
        _client(),
        "/chat?stream=true",
        {"message": "Which exercises for the back?"},
        HTTP_ACCEPT="text/event-stream",
        HTTP_ACCEPT_ENCODING="gzip, deflate, br",
    )

    assert response.status_code == 200
    assert response["Content-Encoding"] == "identity"
    first = next(iter(response.streaming_content))
    assert first.startswith(b"event: start")


def test_a_streamed_chat_with_bad_input_is_a_json_problem():
    response = _post(_client(), "/chat", {"message": "", "stream": True}, HTTP_ACCEPT="text/event-stream")

    assert response.status_code == 400
    assert response.json()["errors"]["message"]


def test_the_model_answers_when_configured_and_the_rules_when_it_hangs(openai_stub: OpenAIStub):
    openai_stub.reply("Try the dumbbell bench press: 3 sets of 10.")
    answered = _post(_client(), "/chat", {"message": "Which exercises for chest?"}).json()
    openai_stub.hang(3.0)
    fallback = _post(_client(ip="10.0.0.7"), "/chat", {"message": "Which exercises for chest?"}).json()

    assert (answered["engine"], answered["fallback_reason"]) == ("llm", None)
    assert "dumbbell bench press" in answered["reply"]
    assert (fallback["engine"], fallback["fallback_reason"]) == ("rules", "timeout")
    assert fallback["reply"]


# ---- WebSocket -----------------------------------------------------------------------------------


@pytest.fixture
def keep_test_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    """channels closes the thread's database connection around each consumer call (a server's
    hygiene); in a test that connection holds the test's transaction, so it must stay open."""
    monkeypatch.setattr("channels.db.close_old_connections", lambda: None)


def _ws_chat(path: str, message: dict[str, Any] | None) -> tuple[bool, Any, list[dict[str, Any]]]:
    """Connect to the ASGI application's WebSocket route (the ASGI protocol spoken directly: channels'
    own test communicator needs daphne), send one message, collect the events up to done or error."""
    from movoai.asgi import application

    route, _, query = path.partition("?")
    scope = {
        "type": "websocket",
        "path": route,
        "raw_path": route.encode(),
        "query_string": query.encode(),
        "headers": [(b"host", b"127.0.0.1"), (b"origin", b"http://127.0.0.1")],
        "subprotocols": [],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8001),
    }

    async def scenario() -> tuple[bool, Any, list[dict[str, Any]]]:
        communicator = ApplicationCommunicator(application, scope)
        await communicator.send_input({"type": "websocket.connect"})
        answer = await communicator.receive_output(timeout=10)
        if answer["type"] == "websocket.close":
            return False, answer.get("code"), []
        events: list[dict[str, Any]] = []
        if message is not None:
            await communicator.send_input({"type": "websocket.receive", "text": json.dumps(message)})
            while not events or events[-1]["event"] not in ("done", "error"):
                output = await communicator.receive_output(timeout=20)
                events.append(json.loads(output["text"]))
        await communicator.send_input({"type": "websocket.disconnect", "code": 1000})
        # the consumer's blocking channel-layer read is cancelled, as a server does on close
        with contextlib.suppress(TimeoutError, RedisTimeoutError):
            await communicator.wait(timeout=1)
        return True, None, events

    return async_to_sync(scenario)()


def test_the_websocket_chat_streams_tokens_then_the_answer(keep_test_connection):
    connected, _, events = _ws_chat("/ws/chat", {"message": "Explain the dumbbell bench press."})

    assert connected
    names = [event["event"] for event in events]
    assert names[0] == "start"
    assert names[-1] == "done"
    assert "token" in names
    done = events[-1]["data"]
    assert AgentSession.objects.filter(id=done["session_id"]).exists()
    assert done["engine"] == "rules"


def test_the_websocket_chat_with_a_users_token_chats_as_that_user(keep_test_connection):
    alice = UserFactory.create(display_name="alice")
    token = token_pair_for(alice)["access"]

    _, _, events = _ws_chat(f"/ws/chat?token={token}", {"message": "How am I doing?"})

    assert AgentSession.objects.get(id=events[-1]["data"]["session_id"]).user == alice


def test_the_websocket_refuses_a_bad_token_and_reports_a_bad_message(keep_test_connection):
    connected, code, _ = _ws_chat("/ws/chat?token=not.a.token", None)
    assert (connected, code) == (False, 4401)

    _, _, events = _ws_chat("/ws/chat", {"message": ""})
    assert events[-1]["event"] == "error"
    assert events[-1]["data"]["status"] == 400
