"""Following an execution live: the WebSocket /ws/executions/{id} and the Server-Sent Events of
GET /api/v1/ai/agents/executions/{id}/events. Stored events are replayed, then live ones arrive from
Redis pub/sub; owners only. The ASGI application is spoken to directly (asgiref's communicator), as
uvicorn would; real PostgreSQL and Redis."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from asgiref.testing import ApplicationCommunicator
from channels.db import database_sync_to_async
from django.db import connections
from django.test import Client

from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.tokens import token_pair_for
from coach.api import execution_stream
from coach.executions import execution_create, execution_event, execution_pause, execution_start, execution_succeed
from coach.models import AgentExecution

Status = AgentExecution.Status


@pytest.fixture(autouse=True)
def roomy_limits(settings: Any) -> None:
    settings.AGENT_MAX_CONCURRENT_PER_USER = 100
    settings.AGENT_EXECUTIONS_PER_DAY = 1000


@pytest.fixture(autouse=True)
def short_streams(monkeypatch: pytest.MonkeyPatch) -> None:
    """A stream that never sees its terminal event ends (and its test fails) instead of hanging."""
    monkeypatch.setattr(execution_stream, "MAX_STREAM_SECONDS", 20)


@pytest.fixture
def alice(db: None) -> User:
    return UserFactory.create(display_name="alice")


@pytest.fixture
def bob(db: None) -> User:
    return UserFactory.create(display_name="bob")


def token(user: User) -> str:
    return str(token_pair_for(user)["access"])


def running_execution(user: User, **input: Any) -> AgentExecution:
    """Events 1 queued, 2 started, 3 step (load_context)."""
    execution, _ = execution_create(user=user, kind="nutrition", input=input or {"age": 30})
    execution_start(execution.id)
    execution_event(execution.id, "step", {"node": "load_context"}, progress=10, step="load_context")
    return execution


@pytest.fixture
def publish(django_capture_on_commit_callbacks: Any) -> Callable[[Callable[[], Any]], Any]:
    """Runs service calls as if committed: their events are published on Redis (the test's own
    transaction never commits)."""

    def run(call: Callable[[], Any]) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return call()

    return run


# ---- WebSocket -----------------------------------------------------------------------------------


@pytest.fixture
def keep_test_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    """channels closes the thread's database connection around each consumer call; in a test that
    connection holds the test's transaction, so it must stay open."""
    monkeypatch.setattr("channels.db.close_old_connections", lambda: None)


def _ws_scope(path: str) -> dict[str, Any]:
    route, _, query = path.partition("?")
    return {
        "type": "websocket",
        "path": route,
        "raw_path": route.encode(),
        "query_string": query.encode(),
        "headers": [(b"host", b"127.0.0.1"), (b"origin", b"http://127.0.0.1")],
        "subprotocols": [],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8001),
    }


def ws_follow(
    path: str, during: Callable[[], Any] | None = None, *, replayed: int = 0
) -> tuple[list[dict], int | None]:
    """Connect, read `replayed` messages, run `during` (in the test's thread, on its connection),
    then read until the server closes; the messages and the close code."""
    from movoai.asgi import application

    async def scenario() -> tuple[list[dict], int | None]:
        communicator = ApplicationCommunicator(application, _ws_scope(path))
        await communicator.send_input({"type": "websocket.connect"})
        assert (await communicator.receive_output(timeout=10))["type"] == "websocket.accept"
        messages: list[dict] = []
        code = None
        ran = False
        while True:
            if during is not None and not ran and len(messages) == replayed:
                await database_sync_to_async(during)()
                ran = True
            output = await communicator.receive_output(timeout=10)
            if output["type"] == "websocket.close":
                code = output.get("code")
                break
            messages.append(json.loads(output["text"]))
        await communicator.send_input({"type": "websocket.disconnect", "code": 1000})
        with contextlib.suppress(TimeoutError):
            await communicator.wait(timeout=2)
        return messages, code

    return async_to_sync(scenario)()


def test_the_websocket_replays_the_stored_events_then_forwards_live_ones_then_closes(
    alice, keep_test_connection, publish
):
    execution = running_execution(alice)

    def progress() -> None:
        publish(lambda: execution_event(execution.id, "step", {"node": "planner"}, progress=60, step="planner"))
        publish(lambda: execution_succeed(execution.id, output={"engine": "rules"}, agent_runs=[], path=[]))

    messages, code = ws_follow(f"/ws/executions/{execution.id}?token={token(alice)}", progress, replayed=3)

    assert [(m["seq"], m["event"]) for m in messages] == [
        (1, "queued"),
        (2, "started"),
        (3, "step"),
        (4, "step"),
        (5, "succeeded"),
    ]
    assert code == 1000
    assert messages[3]["step"] == "planner"
    assert (messages[3]["progress"], messages[4]["progress"], messages[4]["status"]) == (60, 100, "succeeded")
    assert {m["execution_id"] for m in messages} == {str(execution.id)}


def test_a_live_event_whose_live_copy_was_lost_is_read_from_the_database(alice, keep_test_connection, publish):
    execution = running_execution(alice)

    def progress() -> None:
        execution_event(execution.id, "step", {"node": "planner"}, progress=60)  # never published
        publish(lambda: execution_succeed(execution.id, output={}, agent_runs=[], path=[]))

    messages, _ = ws_follow(f"/ws/executions/{execution.id}?token={token(alice)}", progress, replayed=3)

    assert [m["seq"] for m in messages] == [1, 2, 3, 4, 5]


def test_the_websocket_of_a_finished_execution_replays_it_and_closes(alice, keep_test_connection):
    execution = running_execution(alice)
    execution_succeed(execution.id, output={}, agent_runs=[], path=[])

    messages, code = ws_follow(f"/ws/executions/{execution.id}?token={token(alice)}")

    assert [m["event"] for m in messages] == ["queued", "started", "step", "succeeded"]
    assert code == 1000


def test_a_paused_execution_closes_the_socket_and_a_resumed_one_is_followed_again(alice, keep_test_connection, publish):
    execution = running_execution(alice)
    execution_pause(execution.id, payload={"draft": {}}, agent_runs=[], path=[])
    paused, paused_code = ws_follow(f"/ws/executions/{execution.id}?token={token(alice)}")
    execution_event(execution.id, "resumed", {"decision": {"approve": True}}, status=Status.QUEUED)
    execution_start(execution.id)

    def finish() -> None:
        publish(lambda: execution_succeed(execution.id, output={}, agent_runs=[], path=[]))

    resumed, resumed_code = ws_follow(f"/ws/executions/{execution.id}?token={token(alice)}", finish, replayed=6)

    assert (paused[-1]["event"], paused_code) == ("paused", 1000)
    assert [m["event"] for m in resumed][3:] == ["paused", "resumed", "started", "succeeded"]
    assert resumed_code == 1000


def test_the_websocket_is_the_owners_only(alice, bob, keep_test_connection):
    execution = running_execution(alice)
    path = f"/ws/executions/{execution.id}"

    assert ws_follow(f"{path}?token={token(bob)}") == ([], 4404)
    assert ws_follow(f"/ws/executions/{uuid.uuid4()}?token={token(alice)}") == ([], 4404)
    assert ws_follow(f"{path}?token=not.a.token") == ([], 4401)
    assert ws_follow(path) == ([], 4401)


# ---- Server-Sent Events --------------------------------------------------------------------------


def events_path(execution_id: Any) -> str:
    return f"/api/v1/ai/agents/executions/{execution_id}/events"


def sse_client(user: User | None = None) -> Client:
    if user is None:
        return Client()
    return Client(HTTP_AUTHORIZATION=f"Bearer {token(user)}")


def streamed(response: Any) -> Iterator[bytes]:
    """The body of a streaming response, chunk by chunk."""
    return iter(response.streaming_content)


def parse_sse(chunks: Iterator[bytes] | list[bytes]) -> list[dict[str, Any]]:
    """The events of a stream: {"id", "event", "data"} each, comments and retry lines skipped."""
    events = []
    for block in b"".join(chunks).decode().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if line and not line.startswith(":"))
        if "event" in fields:
            events.append({"id": int(fields["id"]), "event": fields["event"], "data": json.loads(fields["data"])})
    return events


def test_server_sent_events_replay_after_last_event_id_and_end_after_a_terminal_event(alice):
    execution = running_execution(alice)
    execution_succeed(execution.id, output={}, agent_runs=[], path=[])

    response = sse_client(alice).get(events_path(execution.id), HTTP_LAST_EVENT_ID="2")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    assert response["Cache-Control"] == "no-cache"
    events = parse_sse(streamed(response))
    assert [(event["id"], event["event"]) for event in events] == [(3, "step"), (4, "succeeded")]
    assert events[1]["data"]["status"] == "succeeded"
    assert events[1]["data"]["progress"] == 100


def test_server_sent_events_replay_then_follow_live_events(alice, publish):
    execution = running_execution(alice)

    # as a browser asks (gzip accepted): the events must not wait in a compressor
    response = sse_client(alice).get(f"{events_path(execution.id)}?last_event_id=1", HTTP_ACCEPT_ENCODING="gzip, br")
    stream = streamed(response)
    first = [next(stream) for _ in range(3)]  # retry, then events 2 and 3
    publish(lambda: execution_event(execution.id, "step", {"node": "planner"}, progress=60, step="planner"))
    publish(lambda: execution_succeed(execution.id, output={}, agent_runs=[], path=[]))
    rest = list(stream)

    assert first[0].startswith(b"retry: ")
    assert [(event["id"], event["event"]) for event in parse_sse(first + rest)] == [
        (2, "started"),
        (3, "step"),
        (4, "step"),
        (5, "succeeded"),
    ]


def test_a_quiet_stream_sends_keep_alive_comments_and_ends_at_its_maximum_duration(alice, monkeypatch):
    execution = running_execution(alice)
    monkeypatch.setattr(execution_stream, "KEEPALIVE_SECONDS", 0)
    monkeypatch.setattr(execution_stream, "LIVE_WAIT_SECONDS", 0.01)

    chunks = list(execution_stream.execution_event_stream(execution.id, 3, max_seconds=0.2))

    assert b": keep-alive\n\n" in chunks
    assert parse_sse(chunks) == []  # nothing new after event 3, and the stream ended


def test_a_finished_execution_with_nothing_new_answers_204_so_eventsource_stops(alice):
    execution = running_execution(alice)
    execution_succeed(execution.id, output={}, agent_runs=[], path=[])

    response = sse_client(alice).get(events_path(execution.id), HTTP_LAST_EVENT_ID="4")

    assert response.status_code == 204


def test_server_sent_events_take_the_token_in_the_query_for_eventsource(alice):
    execution = running_execution(alice)
    execution_succeed(execution.id, output={}, agent_runs=[], path=[])

    response = Client().get(f"{events_path(execution.id)}?token={token(alice)}", HTTP_LAST_EVENT_ID="3")

    assert response.status_code == 200
    assert [event["event"] for event in parse_sse(streamed(response))] == ["succeeded"]


def test_server_sent_events_are_the_owners_only_and_refuse_a_bad_last_event_id(alice, bob):
    execution = running_execution(alice)

    others = sse_client(bob).get(events_path(execution.id), HTTP_ACCEPT="text/event-stream")
    unknown = sse_client(alice).get(events_path(uuid.uuid4()))
    anonymous = Client().get(events_path(execution.id))
    bad_token = Client().get(f"{events_path(execution.id)}?token=not.a.token")
    bad_id = sse_client(alice).get(events_path(execution.id), HTTP_LAST_EVENT_ID="yesterday")

    assert (others.status_code, others["Content-Type"]) == (404, "application/problem+json")
    assert unknown.status_code == 404
    assert (anonymous.status_code, bad_token.status_code) == (401, 401)
    assert bad_id.status_code == 400
    assert "Last-Event-ID" in bad_id.json()["errors"]


# ---- Server-Sent Events through the ASGI server (uvicorn's path in production) -------------------


@pytest.fixture
def dave(transactional_db: None) -> Iterator[User]:
    """A committed user (the ASGI handler runs the view in a thread of its own, on its own database
    connection), removed afterwards with his executions."""
    user = UserFactory.create(display_name="dave")
    yield user
    User.objects.filter(id=user.id).delete()


@pytest.mark.django_db(transaction=True)
def test_the_asgi_server_streams_events_as_they_happen(dave, monkeypatch):
    from movoai.asgi import application

    # as the ASGI process runs (Procfile): the request thread's connection closes when the request ends
    monkeypatch.setitem(connections["default"].settings_dict, "CONN_MAX_AGE", 0)

    execution = running_execution(dave)
    path = events_path(execution.id)
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": f"token={token(dave)}".encode(),
        "headers": [(b"host", b"127.0.0.1"), (b"accept", b"text/event-stream")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8001),
    }

    async def scenario() -> tuple[int, list[bytes], list[bytes]]:
        communicator = ApplicationCommunicator(application, scope)
        await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
        start = await communicator.receive_output(timeout=10)
        before: list[bytes] = []
        while len(parse_sse(before)) < 3:  # the replay arrives while the run is still going
            before.append((await communicator.receive_output(timeout=10))["body"])
        await sync_to_async(execution_event)(execution.id, "step", {"node": "planner"}, progress=60)
        await sync_to_async(execution_succeed)(execution.id, output={}, agent_runs=[], path=[])
        after: list[bytes] = []
        while True:
            message = await communicator.receive_output(timeout=10)
            after.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        await communicator.wait(timeout=5)
        return start["status"], before, after

    status, before, after = async_to_sync(scenario)()

    assert status == 200
    assert [event["event"] for event in parse_sse(before)] == ["queued", "started", "step"]
    assert [(event["id"], event["event"]) for event in parse_sse(after)] == [(4, "step"), (5, "succeeded")]
