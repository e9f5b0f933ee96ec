"""Workflow checkpoints in the real PostgreSQL: a run paused for review (`interrupt`) resumes from
another checkpointer on another connection, as it would in another Celery worker."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from typing import Any, TypedDict

import psycopg
import pytest
from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command, interrupt

from coach.checkpoints import checkpoint_conninfo, checkpointer

pytestmark = pytest.mark.django_db


class Draft(TypedDict, total=False):
    goal: str
    plan: str
    review: str
    steps: list[str]


def _draft(state: Draft) -> Draft:
    return {"plan": f"3 days of {state['goal']}", "steps": [*state.get("steps", []), "draft"]}


def _review(state: Draft) -> Draft:
    verdict = interrupt({"plan": state["plan"]})  # pauses here until a reviewer answers
    return {"review": str(verdict), "steps": [*state.get("steps", []), "review"]}


def _graph() -> StateGraph[Draft, None, Draft, Draft]:
    graph = StateGraph(Draft, input_schema=Draft, output_schema=Draft)
    graph.add_node("draft", _draft)
    graph.add_node("review", _review)
    graph.add_edge(START, "draft")
    graph.add_edge("draft", "review")
    graph.add_edge("review", END)
    return graph


@pytest.fixture
def thread_id() -> Iterator[str]:
    thread = f"test-{uuid.uuid4()}"
    yield thread
    with checkpointer() as saver:  # the saver commits on its own connection: clean up for real
        saver.delete_thread(thread)


def test_a_paused_run_resumes_from_another_connection_where_it_stopped(thread_id):
    config: RunnableConfig = {"configurable": {"thread_id": thread_id}}
    with checkpointer() as first_worker:
        paused = _graph().compile(checkpointer=first_worker).invoke(Draft(goal="strength"), config)
    assert paused["__interrupt__"][0].value == {"plan": "3 days of strength"}

    with checkpointer() as second_worker:
        workflow = _graph().compile(checkpointer=second_worker)
        assert workflow.get_state(config).next == ("review",)
        approval: Command[Any] = Command(resume="approved")  # what the reviewer's answer sends
        finished = workflow.invoke(approval, config)

    assert finished["review"] == "approved"
    assert finished["steps"] == ["draft", "review"]  # the draft step ran once, not again on resume


def test_the_checkpointer_reaches_the_database_django_uses(django_db_setup):
    from django.db import connection

    assert f"dbname={connection.settings_dict['NAME']}" in checkpoint_conninfo()


@pytest.fixture
def url_options(django_db_setup, monkeypatch) -> dict[str, Any]:
    """The connection options `DATABASE_URL`'s query would put in Django's settings, per test."""
    from django.db import connection

    options = dict(connection.settings_dict.get("OPTIONS") or {})
    monkeypatch.setitem(connection.settings_dict, "OPTIONS", options)
    return options


def test_the_checkpointer_uses_the_connection_options_of_database_url(url_options):
    url_options["application_name"] = "movoai-checkpoints"
    url_options["server_side_binding"] = True  # Django's own, not libpq's: must not reach libpq

    with checkpointer() as saver:
        assert isinstance(saver.conn, psycopg.Connection)  # its own connection, not a pool
        row = saver.conn.execute("SHOW application_name").fetchone()
    assert row is not None
    assert row["application_name"] == "movoai-checkpoints"
    assert "server_side_binding" not in checkpoint_conninfo()


@pytest.fixture
def server_without_tls(url_options, monkeypatch) -> Iterator[None]:
    """Django's database moved to a TCP server that, like a PostgreSQL built without TLS, answers a
    client's SSLRequest with 'N' (the embedded server listens on a Unix socket, where libpq never
    asks for TLS)."""
    import socket
    import threading

    from django.db import connection

    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)

    def answer_no_tls() -> None:
        with contextlib.suppress(OSError), listener:
            client, _ = listener.accept()
            with client:
                client.recv(8)  # length 8, code 80877103: the SSLRequest
                client.sendall(b"N")
                client.recv(1024)  # a client that goes on in plain text sends its startup message

    thread = threading.Thread(target=answer_no_tls, daemon=True)
    thread.start()
    monkeypatch.setitem(connection.settings_dict, "HOST", "127.0.0.1")
    monkeypatch.setitem(connection.settings_dict, "PORT", str(listener.getsockname()[1]))
    yield
    listener.close()
    thread.join(timeout=5)


def test_a_required_tls_connection_is_not_downgraded_for_checkpoints(url_options, server_without_tls):
    """`DATABASE_URL?sslmode=require` reaches the checkpointer: against a server without TLS it
    refuses to connect rather than send the workflow state in plain text."""
    url_options["sslmode"] = "require"
    with pytest.raises(psycopg.OperationalError, match="server does not support SSL"), checkpointer():
        pass
