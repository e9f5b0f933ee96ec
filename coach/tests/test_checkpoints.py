"""Workflow checkpoints in the real PostgreSQL: a run paused for review (`interrupt`) resumes from
another checkpointer on another connection, as it would in another Celery worker."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any, TypedDict

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
