"""Turning agents into graph nodes: the model under a retry policy, the rules as the fallback.

`add_agent_node` adds a node that asks the agent's model (`Agent.run_model`) under LangGraph's
`RetryPolicy` (AGENT_MODEL_ATTEMPTS attempts with exponential backoff from
AGENT_RETRY_INITIAL_SECONDS, on transient model and transport errors only) and, when the attempts
are spent or the answer is unusable, lets the node's `error_handler` answer with the agent's rules
(`Agent.run_rules`, saying why). Without a model the node goes straight to the rules: nothing to
retry. Every node appends its agent's record to `agent_runs` and its name to `path`, and records a
"step" event on the execution (with the progress) when there is one.

A failure that is not the model's (a bug, the database) is not papered over by the rules: it fails
the run (`NodeFailed`), and a `WorkflowError` fails it with a message for people.

Django connections: LangGraph runs a step with one task in the calling thread, but error handlers
(and parallel tasks) in worker threads, where Django would open a connection of its own, outside
the caller's transaction (the test's, or a future caller's). The nodes borrow the caller's
connection there, one thread at a time, as coach.agent does for the chat agent's tools.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import httpx
import openai
from django.conf import settings
from langchain_core.exceptions import ModelError
from langgraph.config import get_config
from langgraph.errors import NodeError
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import Command, RetryPolicy
from pydantic import ValidationError

from coach.agents import agent as agent_named
from coach.agents.base import Agent, AgentContext, AgentResult, ModelNotConfigured, fallback_from
from coach.executions import execution_event
from coach.fallback import Fallback, InvalidModelOutput
from coach.models import AgentExecutionEvent
from coach.workflows.state import WorkflowContext, WorkflowState

if TYPE_CHECKING:
    from pydantic import BaseModel

logger = logging.getLogger("movoai.coach.workflows")

ERROR_HANDLER_PREFIX = "__error_handler__"
StateUpdate = dict[str, Any]
Route = str | Callable[[WorkflowState], str]


class WorkflowError(Exception):
    """A run cannot go on, for a reason people can read (no current plan, a profile without the
    numbers asked for): the execution fails with this message."""


class NodeFailed(Exception):
    """A node failed for a reason that is not the model's (a bug, the database): never retried,
    never answered by the rules; the run fails."""

    def __init__(self, node: str) -> None:
        super().__init__(f"the step {node} failed")
        self.node = node


# ---------------------------------------------------------------- the caller's connection


@contextmanager
def on_caller_connection(context: WorkflowContext) -> Iterator[None]:
    if context.caller is None:
        yield
    else:
        with context.caller.borrowed():
            yield


# ---------------------------------------------------------------- retries


def is_transient_model_error(error: BaseException) -> bool:
    """Whether another attempt at the model call may succeed: a timeout, a rate limit, a server
    error or a lost connection. Never a missing model, an unusable answer or our own failure."""
    if isinstance(error, (ModelNotConfigured, InvalidModelOutput, NodeFailed, WorkflowError)):
        return False
    if isinstance(error, ModelError):
        return bool(error.is_retryable)
    if isinstance(error, openai.APIStatusError):
        return error.status_code in (408, 409, 429) or error.status_code >= 500
    return isinstance(error, (openai.APIConnectionError, httpx.TransportError, TimeoutError, ConnectionError))


def model_retry_policy() -> RetryPolicy:
    """AGENT_MODEL_ATTEMPTS attempts, waiting AGENT_RETRY_INITIAL_SECONDS then twice as long each time."""
    initial = float(settings.AGENT_RETRY_INITIAL_SECONDS)
    return RetryPolicy(
        max_attempts=max(1, int(settings.AGENT_MODEL_ATTEMPTS)),
        initial_interval=initial,
        backoff_factor=2.0,
        max_interval=max(initial, 30.0),
        jitter=False,
        retry_on=is_transient_model_error,
    )


# ---------------------------------------------------------------- events


def _graph_step() -> int | None:
    """The number of the graph's step being run (LangGraph's superstep; it continues across a
    checkpoint's resume), or None outside a graph."""
    try:
        metadata = get_config().get("metadata") or {}
    except RuntimeError:
        return None
    step = metadata.get("langgraph_step")
    return step if isinstance(step, int) else None


def record_step(context: WorkflowContext, node: str, data: Mapping[str, Any] | None = None) -> None:
    """A "step" event on the execution (nothing without one), with the node's progress, once per
    node and graph step: a worker that died after recording a step but before its checkpoint was
    written runs the node again from the checkpoint, and the step is not recorded twice."""
    if context.execution_id is None:
        return
    graph_step = _graph_step()
    if (
        graph_step is not None
        and AgentExecutionEvent.objects.filter(
            execution_id=context.execution_id, event="step", data__node=node, data__graph_step=graph_step
        ).exists()
    ):
        return
    execution_event(
        context.execution_id,
        "step",
        {"node": node, "graph_step": graph_step, **(data or {})},
        progress=context.progress.get(node),
        step=node,
    )


# ---------------------------------------------------------------- nodes


def add_step_node(
    builder: StateGraph[WorkflowState, WorkflowContext, Any, Any],
    name: str,
    action: Callable[[WorkflowState, WorkflowContext], StateUpdate],
) -> None:
    """A node that is not an agent (loading the context, validating, saving): it runs on the
    caller's connection, adds its name to the path and records its step."""

    def node(state: WorkflowState, runtime: Runtime[WorkflowContext]) -> StateUpdate:
        context = runtime.context
        with on_caller_connection(context):
            update = action(state, context)
            record_step(context, name)
        return {**update, "path": [name]}

    builder.add_node(name, node)


def new_graph() -> StateGraph[WorkflowState, WorkflowContext, Any, Any]:
    """An empty workflow graph over the shared state, with the run's context."""
    builder: StateGraph[WorkflowState, WorkflowContext, Any, Any] = StateGraph(
        WorkflowState, context_schema=WorkflowContext
    )
    return builder


def chain(builder: StateGraph[WorkflowState, WorkflowContext, Any, Any], *nodes: str) -> None:
    """The edges of a straight run: START, each node in turn, END."""
    for source, target in zip((START, *nodes), (*nodes, END), strict=True):
        builder.add_edge(source, target)


def add_agent_node(
    builder: StateGraph[WorkflowState, WorkflowContext, Any, Any],
    name: str,
    agent_name: str,
    *,
    build_input: Callable[[WorkflowState, WorkflowContext], dict[str, Any]],
    apply: Callable[[WorkflowState, dict[str, Any]], StateUpdate],
    then: Route,
    force_rules: Callable[[WorkflowState], Fallback | None] | None = None,
) -> None:
    """A node that runs an agent: the model under the retry policy, the rules in its error handler.

    `build_input` makes the agent's input (a dict for its input model) from the state, `apply`
    turns the agent's record into state updates, `then` is the next node (or a router over the
    state: the caller adds the node's edges, the error handler routes the same way). `force_rules`
    may return a fallback to skip the model (the last revision of a plan)."""

    def run(state: WorkflowState, context: WorkflowContext, error: BaseException | None) -> StateUpdate:
        agent = agent_named(agent_name)
        try:
            data: BaseModel = agent.input_model.model_validate(_fit(agent, build_input(state, context)))
        except WorkflowError:
            raise
        except ValidationError as invalid:
            # values from the request or the profile that the agent cannot take (an age out of range)
            fields = "; ".join(
                f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}" for error in invalid.errors()[:5]
            )
            message = (
                f"Valeurs inutilisables pour {agent_name} : {fields}"
                if context.language == "fr"
                else f"Values {agent_name} cannot use: {fields}"
            )
            raise WorkflowError(message) from invalid
        except Exception as failure:
            raise NodeFailed(name) from failure
        agent_context = AgentContext(user=context.user, language=context.language, execution_id=context.execution_id)
        forced = force_rules(state) if force_rules is not None and error is None else None
        if error is not None:
            result = _rules(agent, data, agent_context, name, fallback_from(error, agent.name))
        elif forced is not None:
            result = _rules(agent, data, agent_context, name, forced)
        else:
            try:
                result = agent.run_model(data, agent_context)
            except ModelNotConfigured:
                result = _rules(agent, data, agent_context, name, None)
        record = result.as_record()
        try:
            update = apply(state, record)
        except WorkflowError:
            raise
        except Exception as failure:
            raise NodeFailed(name) from failure
        record_step(
            context,
            name,
            {
                "agent": agent_name,
                "engine": record["engine"],
                "fallback_reason": record["fallback_reason"],
                "duration_ms": record["duration_ms"],
            },
        )
        return {**update, "agent_runs": [record], "path": [name]}

    def node(state: WorkflowState, runtime: Runtime[WorkflowContext]) -> StateUpdate:
        with on_caller_connection(runtime.context):
            return run(state, runtime.context, None)

    def error_handler(state: WorkflowState, error: NodeError, runtime: Runtime[WorkflowContext]) -> Command[str]:
        failure = error.error
        # LangGraph treats the error it handed over as handled: raise a new one to fail the run.
        if isinstance(failure, WorkflowError):
            raise WorkflowError(str(failure)) from failure
        if isinstance(failure, NodeFailed):
            raise NodeFailed(failure.node) from failure.__cause__
        with on_caller_connection(runtime.context):
            update = run(state, runtime.context, failure)
        goto = then if isinstance(then, str) else then({**state, **update})  # type: ignore[typeddict-item]
        return Command(update=update, goto=goto)

    builder.add_node(name, node, retry_policy=model_retry_policy(), error_handler=error_handler)


def _fit(agent: Agent[Any, Any], values: dict[str, Any]) -> dict[str, Any]:
    """The values the agent's input model has fields for (a workflow may offer more than one agent
    reads, like the recovery flag to a selector that works it out itself)."""
    fields = agent.input_model.model_fields
    return {key: value for key, value in values.items() if key in fields}


def _rules(
    agent: Agent[Any, Any], data: BaseModel, context: AgentContext, node: str, reason: Fallback | None
) -> AgentResult:
    try:
        return agent.run_rules(data, context, reason=reason)
    except Exception as failure:
        raise NodeFailed(node) from failure


def engine_of(agent_runs: list[dict[str, Any]]) -> str:
    """llm when every agent run was the model's, rules when every one was the rules', else mixed."""
    engines = {str(run.get("engine")) for run in agent_runs}
    if engines == {"llm"}:
        return "llm"
    if engines <= {"rules"}:
        return "rules"
    return "mixed"
