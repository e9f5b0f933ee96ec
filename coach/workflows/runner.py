"""Running an execution's graph, and recording how it ends.

`run_execution` (a Celery worker) runs the graph of the execution's kind with the PostgreSQL
checkpointer, thread_id = the execution id, so that every step is saved: a redelivered task (the
worker died) continues from the last checkpoint instead of starting again, a finished execution is
left alone, and a run paused for review (`interrupt`) waits, then `resume_execution` continues it in
any worker. `run_inline` runs the single-agent kinds inside the request, without checkpoints.

One worker at a time runs an execution (a PostgreSQL advisory lock held while it runs: a second
delivery of the same task meanwhile returns at once). The run has AGENT_WORKFLOW_TIMEOUT_SECONDS,
checked between nodes (each start or resume gets the full time; a review's wait does not count).
The end is recorded with coach.executions: succeeded (the output, every agent's record, the path,
the saved plan), paused (what the person is asked to review) or failed (a short error for people;
an unexpected exception is logged with its traceback, never shown).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command, Interrupt

from coach import executions
from coach.agent import CallerConnection
from coach.checkpoints import checkpointer
from coach.models import AgentExecution, AgentExecutionEvent
from coach.workflows import adaptive_workout, plan_generation, plan_optimization, single
from coach.workflows.context import request_language
from coach.workflows.nodes import NodeFailed, WorkflowError
from coach.workflows.state import WorkflowContext, WorkflowState
from plans.models import WorkoutPlan

logger = logging.getLogger("movoai.coach.workflows")

Kind = AgentExecution.Kind
Status = AgentExecution.Status
# Steps a run may take: plan generation needs about 20 with every revision; each review round 4 more.
RECURSION_LIMIT = 100
UNEXPECTED_ERROR = "The workflow failed unexpectedly; the error has been logged."

# the clock the timeout reads (tests replace it)
monotonic: Callable[[], float] = time.monotonic


@dataclass(frozen=True)
class Workflow:
    build: Callable[[], StateGraph[WorkflowState, WorkflowContext, Any, Any]]
    progress: dict[str, int]


WORKFLOWS: dict[str, Workflow] = {
    Kind.PLAN_GENERATION: Workflow(plan_generation.build, plan_generation.PROGRESS),
    Kind.ADAPTIVE_WORKOUT: Workflow(adaptive_workout.build, adaptive_workout.PROGRESS),
    Kind.PLAN_OPTIMIZATION: Workflow(plan_optimization.build, plan_optimization.PROGRESS),
    Kind.INJURY_RISK: Workflow(single.build_injury_risk, single.PROGRESS[single.INJURY_RISK]),
    Kind.NUTRITION: Workflow(single.build_nutrition, single.PROGRESS[single.NUTRITION]),
    Kind.MOTIVATION: Workflow(single.build_motivation, single.PROGRESS[single.MOTIVATION]),
}


class WorkflowTimeout(Exception):
    pass


@functools.cache
def _compiled(kind: str, attempts: int, initial_interval: float) -> CompiledStateGraph[Any, Any, Any, Any]:
    return WORKFLOWS[kind].build().compile(name=kind)


def compiled(kind: str, saver: BaseCheckpointSaver[Any] | None = None) -> CompiledStateGraph[Any, Any, Any, Any]:
    """The compiled graph of an execution kind with this checkpointer (compiled once per kind and
    retry settings, which the nodes' retry policy reads when the graph is built)."""
    graph = _compiled(kind, int(settings.AGENT_MODEL_ATTEMPTS), float(settings.AGENT_RETRY_INITIAL_SECONDS))
    return graph.copy({"checkpointer": saver})


def initial_state(data: dict[str, Any]) -> WorkflowState:
    return {"input": dict(data), "agent_runs": [], "path": [], "validation": []}


# ---------------------------------------------------------------- entry points


def run_execution(execution_id: uuid.UUID) -> None:
    """Run, or continue from its checkpoint, a queued execution's workflow; see the module."""
    _run(execution_id, decision=None, checkpointed=True)


def resume_execution(execution_id: uuid.UUID, decision: dict[str, Any]) -> None:
    """Continue a run paused for review with the reviewer's decision ({"approve": true} or
    {"approve": false, "notes": [...]}). A decision already applied (a redelivered task) is ignored."""
    _run(execution_id, decision=decision, checkpointed=True)


def run_inline(execution_id: uuid.UUID) -> None:
    """Run a single-agent execution (injury_risk, nutrition, motivation) in the caller, without
    checkpoints; it ends succeeded or failed like the others."""
    _run(execution_id, decision=None, checkpointed=False)


# ---------------------------------------------------------------- the run


@contextmanager
def _execution_lock(execution_id: uuid.UUID) -> Iterator[bool]:
    """A session-level advisory lock on the execution: True when this worker holds it (released on
    exit, or by PostgreSQL when a dead worker's connection closes)."""
    digest = hashlib.sha256(f"agent-execution-run:{execution_id}".encode()).digest()
    key = int.from_bytes(digest[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        row = cursor.fetchone()
    locked = bool(row and row[0])
    try:
        yield locked
    finally:
        if locked:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def _pending_decision(execution_id: uuid.UUID) -> dict[str, Any] | None:
    """The decision of a "resumed" event not yet acted on (the latest event but "started" ones)."""
    event = (
        AgentExecutionEvent.objects.filter(execution_id=execution_id).exclude(event="started").order_by("-seq").first()
    )
    if event is None or event.event != "resumed":
        return None
    decision = (event.data or {}).get("decision")
    return decision if isinstance(decision, dict) else {}


def _run(execution_id: uuid.UUID, *, decision: dict[str, Any] | None, checkpointed: bool) -> None:
    with _execution_lock(execution_id) as locked:
        if not locked:
            logger.info("execution %s is being run by another worker; this delivery does nothing", execution_id)
            return
        execution = AgentExecution.objects.select_related("user").filter(id=execution_id).first()
        if execution is None:
            logger.warning("execution %s does not exist", execution_id)
            return
        if execution.status in AgentExecution.FINISHED_STATUSES:
            return
        if execution.kind not in WORKFLOWS:
            executions.execution_fail(execution_id, error=f"Unknown execution kind {execution.kind}.")
            return
        pending = _pending_decision(execution_id)
        if decision is not None:
            if execution.status == Status.PAUSED:  # resumed without coach.executions.execution_resume
                executions.execution_event(execution_id, "resumed", {"decision": decision}, status=Status.QUEUED)
                pending = decision
            elif pending is None:
                logger.info("execution %s: the decision was already applied", execution_id)
                return
        if executions.execution_start(execution_id) is None:
            return
        with ExitStack() as stack:
            saver = stack.enter_context(checkpointer()) if checkpointed else None
            _continue(execution, saver, pending)


def _continue(
    execution: AgentExecution, saver: BaseCheckpointSaver[Any] | None, decision: dict[str, Any] | None
) -> None:
    graph = compiled(execution.kind, saver)
    config: RunnableConfig = {"configurable": {"thread_id": str(execution.id)}, "recursion_limit": RECURSION_LIMIT}
    data = execution.input if isinstance(execution.input, dict) else {}
    command: Any = initial_state(data)
    if saver is not None:
        snapshot = graph.get_state(config)
        if snapshot.interrupts:
            if decision is None:  # the run stopped for review before the pause was recorded
                _pause(execution.id, snapshot.interrupts, snapshot.values)
                return
            command = Command(resume=decision)
        elif snapshot.next:
            command = None  # a run that stopped half-way continues from its last checkpoint
        elif snapshot.values:
            _finish(execution.id, snapshot.values)  # the graph ended before its end was recorded
            _forget_finished(execution.id, saver)
            return
    user = execution.user
    with CallerConnection() as caller:
        context = WorkflowContext(
            user=user,
            language=request_language(data, user),
            execution_id=execution.id,
            kind=execution.kind,
            caller=caller,
            progress=WORKFLOWS[execution.kind].progress,
        )
        _drive(graph, command, config, context)
    _forget_finished(execution.id, saver)


def _forget_finished(execution_id: uuid.UUID, saver: BaseCheckpointSaver[Any] | None) -> None:
    """Delete a finished run's checkpoints: its end is recorded on the execution (output, agents,
    path), a finished execution is never run again, and the tables would grow with every run. A
    paused run keeps them (it resumes from them)."""
    if saver is None:
        return
    status = AgentExecution.objects.filter(id=execution_id).values_list("status", flat=True).first()
    if status in AgentExecution.FINISHED_STATUSES:
        saver.delete_thread(str(execution_id))


def _drive(
    graph: CompiledStateGraph[Any, Any, Any, Any], command: Any, config: RunnableConfig, context: WorkflowContext
) -> None:
    """Stream the run step by step, checking the deadline between steps, and record its end."""
    assert context.execution_id is not None
    execution_id = context.execution_id
    timeout = int(settings.AGENT_WORKFLOW_TIMEOUT_SECONDS)
    deadline = monotonic() + timeout
    values: dict[str, Any] = {}
    interrupts: tuple[Interrupt, ...] = ()
    try:
        for mode, chunk in graph.stream(
            command,
            config,
            context=context,
            stream_mode=["values", "updates"],
            # each step's checkpoint is written before the next step starts (a crash loses one step at most)
            durability="sync" if graph.checkpointer else None,
        ):
            if mode == "values" and isinstance(chunk, dict):
                values = chunk  # the state after a step: the time is checked here, between nodes
                if monotonic() > deadline:
                    raise WorkflowTimeout
            elif mode == "updates" and isinstance(chunk, dict) and "__interrupt__" in chunk:
                interrupts = tuple(chunk["__interrupt__"])
    except WorkflowTimeout:
        logger.warning("execution %s timed out after %s s", execution_id, timeout)
        _fail(execution_id, f"The workflow timed out after {timeout} s.", values)
        return
    except WorkflowError as error:
        _fail(execution_id, str(error), values)
        return
    except NodeFailed as error:
        logger.error("execution %s: %s", execution_id, error, exc_info=error.__cause__ or error)
        _fail(execution_id, UNEXPECTED_ERROR, values)
        return
    except Exception:
        logger.exception("execution %s failed", execution_id)
        _fail(execution_id, UNEXPECTED_ERROR, values)
        return
    if interrupts:
        _pause(execution_id, interrupts, values)
    else:
        _finish(execution_id, values)


def _runs(values: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    return list(values.get("agent_runs") or []), list(values.get("path") or [])


def _pause(execution_id: uuid.UUID, interrupts: tuple[Interrupt, ...], values: dict[str, Any]) -> None:
    agent_runs, path = _runs(values)
    payload = interrupts[0].value if interrupts else {}
    executions.execution_pause(
        execution_id,
        payload=payload if isinstance(payload, dict) else {"value": payload},
        agent_runs=agent_runs,
        path=path,
    )


def _fail(execution_id: uuid.UUID, error: str, values: dict[str, Any]) -> None:
    agent_runs, path = _runs(values)
    executions.execution_fail(execution_id, error=error, agent_runs=agent_runs, path=path)


def _finish(execution_id: uuid.UUID, values: dict[str, Any]) -> None:
    agent_runs, path = _runs(values)
    output = values.get("output")
    if isinstance(output, dict):
        plan_id = values.get("plan_id")
        plan = WorkoutPlan.objects.filter(id=plan_id).first() if plan_id else None
        executions.execution_succeed(execution_id, output=output, agent_runs=agent_runs, path=path, plan=plan)
    else:
        error = str(values.get("error") or "The workflow ended without a result.")
        executions.execution_fail(execution_id, error=error, agent_runs=agent_runs, path=path)
