"""Agent executions: the services that create and move them along, and the selectors that read them.

An execution is one run of a workflow (plan generation, adaptive workout, plan optimisation: run by a
Celery worker) or of a single agent (injury risk, nutrition, motivation: run inside the request). Every
change a client should see is an event, numbered 1, 2, ... per execution, stored in
`agent_execution_events` (the record, replayed to late subscribers) and published on the Redis channel
`execution_channel(id)` once its transaction commits (live updates for Server-Sent Events and the
WebSocket). A Redis failure loses only the live copy: it is logged, never raised.

Message published (and replayed) for each event:
    {"execution_id", "seq", "event", "data", "status", "progress", "step", "created_at"}
where `status`, `progress` and `step` are the execution's right after the event. They are also kept in
the event's stored `data` (keys "status", "progress" and, when given, "step"), so a replay shows them as
they were; those keys of a caller's data are overwritten.

Events: queued, started (again on a redelivery, with its attempt), step (one per graph node), paused,
resumed, succeeded, failed. `TERMINAL_EVENTS` end a stream: a client reconnects after a resume.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
import logging
import math
import uuid
from decimal import Decimal
from typing import Any

import redis
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from rest_framework.exceptions import Throttled

from accounts.models import User
from coach.agents.base import canonical_json
from coach.models import AgentExecution, AgentExecutionEvent, AgentFeedback, LLMCall
from movoai.errors import Conflict
from plans.models import WorkoutPlan

logger = logging.getLogger("movoai.coach.executions")

Kind = AgentExecution.Kind
Status = AgentExecution.Status

# Run by a Celery worker; the other kinds run inside the request (coach.workflows.runner.run_inline).
WORKFLOW_KINDS = frozenset({Kind.PLAN_GENERATION, Kind.ADAPTIVE_WORKOUT, Kind.PLAN_OPTIMIZATION})
# After these a stream ends. "paused" too: the run waits for a person, and a client reconnects after
# POST /executions/{id}/resume (new events follow the paused one).
TERMINAL_EVENTS = frozenset({"succeeded", "failed", "paused"})
# After these nothing more happens to an execution.
FINISHED_EVENTS = frozenset({"succeeded", "failed"})
CHANNEL_PREFIX = "movoai:executions:"
# A hint for a client refused by the concurrency limit: runs take seconds, rarely a minute.
CONCURRENCY_RETRY_SECONDS = 15


class ExecutionLimitReached(Throttled):
    """429 problem: the user's daily executions or concurrent executions are used up. `wait` becomes
    the Retry-After header (movoai.errors.exception_handler)."""

    default_detail = "Too many agent executions."
    default_code = "execution_limit"
    extra_detail_singular = "Try again in {wait} second."
    extra_detail_plural = "Try again in {wait} seconds."


def execution_channel(execution_id: uuid.UUID | str) -> str:
    """The Redis pub/sub channel of an execution's events."""
    return f"{CHANNEL_PREFIX}{execution_id}"


def execution_input_hash(kind: str, input: dict[str, Any]) -> str:
    """SHA-256 of the kind and the canonical JSON of the input: equal for identical requests."""
    return hashlib.sha256(canonical_json({"kind": kind, "input": input}).encode()).hexdigest()


# ---------------------------------------------------------------- Redis


@functools.cache
def _redis_client(url: str) -> redis.Redis:
    # redis-py's pool is thread-safe and reopens its connections in a forked child.
    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)


def redis_url() -> str:
    """The Redis of live events: the cache's (REDIS_URL, or the embedded server; the test database
    in tests). Pub/sub channels are server-wide, whatever the database number."""
    return str(settings.CACHES["default"]["LOCATION"])


def redis_client() -> redis.Redis:
    """A (shared, thread-safe) client of the live events' Redis."""
    return _redis_client(redis_url())


def _publish(execution_id: uuid.UUID, message: dict[str, Any]) -> None:
    try:
        redis_client().publish(execution_channel(execution_id), json.dumps(message, default=str))
    except (redis.RedisError, OSError) as error:
        logger.warning("execution event %s #%s not published: %s", execution_id, message.get("seq"), error)


# ---------------------------------------------------------------- messages and selectors


def event_message(event: AgentExecutionEvent) -> dict[str, Any]:
    """The message of a stored event, as published live (execution_event) and replayed."""
    data = event.data if isinstance(event.data, dict) else {}
    return {
        "execution_id": str(event.execution_id),
        "seq": event.seq,
        "event": event.event,
        "data": data,
        "status": data.get("status"),
        "progress": data.get("progress"),
        "step": data.get("step", ""),
        "created_at": event.created_at.isoformat() if event.created_at else None,
    }


def execution_list(*, user: User, kind: str | None = None, status: str | None = None) -> QuerySet[AgentExecution]:
    """The user's executions, newest first, optionally of one kind and/or status."""
    executions = AgentExecution.objects.filter(user=user)
    if kind:
        executions = executions.filter(kind=kind)
    if status:
        executions = executions.filter(status=status)
    return executions.order_by("-created_at", "-id")


def execution_get(*, user: User, execution_id: uuid.UUID | str) -> AgentExecution | None:
    """The user's execution; None for another user's or an unknown id (both answer 404)."""
    try:
        identifier = uuid.UUID(str(execution_id))
    except ValueError:
        return None
    return AgentExecution.objects.filter(user=user, id=identifier).first()


def execution_usage(execution_id: uuid.UUID | str) -> dict[str, dict[str, Any]]:
    """The model calls recorded against the execution, per agent: calls, failed calls, input and
    output tokens, cost in USD (a string, exact). Empty when no model was asked (the rules answered)."""
    rows = (
        LLMCall.objects.filter(execution_id=uuid.UUID(str(execution_id)))
        .values("agent")
        .annotate(
            calls=Count("id"),
            failed=Count("id", filter=Q(succeeded=False)),
            input_tokens=Coalesce(Sum("input_tokens"), 0),
            output_tokens=Coalesce(Sum("output_tokens"), 0),
            cost=Coalesce(Sum("cost_usd"), Decimal(0)),
        )
        .order_by("agent")
    )
    return {
        row["agent"] or "other": {
            "calls": row["calls"],
            "failed": row["failed"],
            "input_tokens": row["input_tokens"],
            "output_tokens": row["output_tokens"],
            "cost_usd": str(row["cost"]),
        }
        for row in rows
    }


def execution_events_since(execution_id: uuid.UUID | str, after_seq: int = 0) -> QuerySet[AgentExecutionEvent]:
    """The events of an execution numbered after `after_seq` (0: all), in order."""
    return AgentExecutionEvent.objects.filter(execution_id=uuid.UUID(str(execution_id)), seq__gt=after_seq).order_by(
        "seq"
    )


def execution_messages_since(execution_id: uuid.UUID | str, after_seq: int = 0) -> list[dict[str, Any]]:
    """The messages of the events numbered after `after_seq`, in order (a replay)."""
    return [event_message(event) for event in execution_events_since(execution_id, after_seq)]


class EventCursor:
    """What a stream (WebSocket, Server-Sent Events) sends next: events replayed from the database
    and live ones from Redis arrive in batches, possibly twice or out of order; the cursor passes each
    seq once, in order, and says when a live message skipped one (`gap`: read the database).

    A stream is `done` when the last event it sent is a terminal one (succeeded, failed, paused): a
    "paused" followed by "resumed" in a replay does not end it."""

    def __init__(self, after_seq: int = 0) -> None:
        self.last_seq = after_seq
        self.done = False

    def gap(self, message: dict[str, Any]) -> bool:
        return int(message["seq"]) > self.last_seq + 1

    def take(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        fresh: list[dict[str, Any]] = []
        for message in sorted(messages, key=lambda item: int(item["seq"])):
            if int(message["seq"]) <= self.last_seq:
                continue
            fresh.append(message)
            self.last_seq = int(message["seq"])
        if fresh:
            self.done = fresh[-1]["event"] in TERMINAL_EVENTS
        return fresh


# ---------------------------------------------------------------- services


def _lock_user_executions(user_id: Any) -> None:
    """Serialises execution_create per user until the transaction ends (PostgreSQL advisory lock on
    a 64-bit hash of the user id): identical concurrent requests see each other's row."""
    digest = hashlib.sha256(f"agent-executions:{user_id}".encode()).digest()
    key = int.from_bytes(digest[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _seconds_to_utc_midnight(now: datetime.datetime) -> int:
    tomorrow = (now.astimezone(datetime.UTC) + datetime.timedelta(days=1)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return max(1, math.ceil((tomorrow - now).total_seconds()))


QUEUE_UNAVAILABLE = "The task queue is unavailable, so the workflow could not start; try again shortly."


def _enqueue(execution_id: uuid.UUID) -> None:
    from coach.tasks import run_agent_execution

    try:
        run_agent_execution.delay(str(execution_id))
    except Exception as error:  # the broker is unreachable (kombu's OperationalError, OSError)
        logger.error("execution %s could not be queued: %s", execution_id, error)
        # failed, not left queued for ever: the client sees it, and the same request may run again
        execution_fail(execution_id, error=QUEUE_UNAVAILABLE)


def execution_create(*, user: User, kind: str, input: dict[str, Any]) -> tuple[AgentExecution, bool]:
    """A new queued execution of `kind` for the user, with its "queued" event; workflow kinds are
    sent to a worker once the transaction commits. `(execution, True)`.

    The same request (same kind and input) from the same user within AGENT_DEDUPE_SECONDS returns
    the earlier execution instead, unless it failed or the user has given feedback since:
    `(earlier, False)`. Concurrent identical requests
    create one execution (a per-user lock). Raises ExecutionLimitReached (429) when the user already
    has AGENT_MAX_CONCURRENT_PER_USER executions queued or running, or has made
    AGENT_EXECUTIONS_PER_DAY since UTC midnight; ValueError for an unknown kind (a programming error:
    the views validate kinds)."""
    if kind not in Kind.values:
        raise ValueError(f"unknown execution kind {kind!r}")
    input_hash = execution_input_hash(kind, input)
    with transaction.atomic():
        _lock_user_executions(user.pk)
        now = timezone.now()
        earlier = (
            AgentExecution.objects.filter(
                user=user,
                input_hash=input_hash,
                created_at__gte=now - datetime.timedelta(seconds=settings.AGENT_DEDUPE_SECONDS),
            )
            .exclude(status=Status.FAILED)
            .order_by("-created_at")
            .first()
        )
        # feedback given since the earlier run changes what the next one should produce
        if (
            earlier is not None
            and not AgentFeedback.objects.filter(user=user, created_at__gt=earlier.created_at).exists()
        ):
            return earlier, False

        mine = AgentExecution.objects.filter(user=user)
        active = mine.filter(status__in=AgentExecution.ACTIVE_STATUSES).count()
        if active >= settings.AGENT_MAX_CONCURRENT_PER_USER:
            raise ExecutionLimitReached(
                detail=f"You already have {active} agent executions queued or running (the limit is "
                f"{settings.AGENT_MAX_CONCURRENT_PER_USER}); wait for one to finish.",
                wait=CONCURRENCY_RETRY_SECONDS,
            )
        midnight = now.astimezone(datetime.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        today = mine.filter(created_at__gte=midnight).count()
        if today >= settings.AGENT_EXECUTIONS_PER_DAY:
            raise ExecutionLimitReached(
                detail=f"You have used your {settings.AGENT_EXECUTIONS_PER_DAY} agent executions for today "
                "(the count restarts at midnight UTC).",
                wait=_seconds_to_utc_midnight(now),
            )

        execution = AgentExecution.objects.create(user=user, kind=kind, input=input, input_hash=input_hash)
        execution_event(execution.id, "queued", {"kind": kind}, status=Status.QUEUED, progress=0)
        if kind in WORKFLOW_KINDS:
            execution_id = execution.id
            transaction.on_commit(lambda: _enqueue(execution_id))
    execution.refresh_from_db()
    return execution, True


def execution_event(
    execution_id: uuid.UUID | str,
    event: str,
    data: dict[str, Any] | None = None,
    *,
    status: str | None = None,
    progress: int | None = None,
    step: str | None = None,
) -> AgentExecutionEvent:
    """Records the next event of the execution (seq 1, 2, ... without gaps, even from concurrent
    writers: the execution row is locked while the number is taken), applies `status`, `progress`
    (0..100) and `step` (current_step) to the execution, and publishes the message on the
    execution's Redis channel when the transaction commits."""
    with transaction.atomic():
        execution = AgentExecution.objects.select_for_update().get(id=execution_id)
        changed: list[str] = []
        if status is not None and status != execution.status:
            execution.status = status
            changed.append("status")
        if progress is not None:
            execution.progress = max(0, min(100, int(progress)))
            changed.append("progress")
        if step is not None:
            execution.current_step = step[:64]
            changed.append("current_step")
        if changed:
            execution.save(update_fields=changed)
        last = execution.events.aggregate(last=Max("seq"))["last"] or 0
        stored = {**(data or {}), "status": execution.status, "progress": execution.progress}
        if step is not None:
            stored["step"] = execution.current_step
        row = AgentExecutionEvent.objects.create(execution=execution, seq=last + 1, event=event, data=stored)
        message = event_message(row)
        transaction.on_commit(lambda: _publish(execution.id, message), robust=True)
    return row


def _locked(execution_id: uuid.UUID | str) -> AgentExecution:
    return AgentExecution.objects.select_for_update().get(id=execution_id)


def execution_start(execution_id: uuid.UUID | str) -> AgentExecution | None:
    """Marks the execution running for a worker (attempts + 1, "started" event with the attempt) and
    returns it. None when there is nothing to run: it succeeded, failed or is paused for review, so a
    redelivered task does nothing. A running one (a worker died mid-run) is returned again: the
    workflow continues from its checkpoint."""
    with transaction.atomic():
        execution = _locked(execution_id)
        if execution.status in (*AgentExecution.FINISHED_STATUSES, Status.PAUSED):
            return None
        execution.attempts += 1
        fields = ["attempts"]
        if execution.started_at is None:
            execution.started_at = timezone.now()
            fields.append("started_at")
        execution.save(update_fields=fields)
        execution_event(
            execution.id, "started", {"attempt": execution.attempts}, status=Status.RUNNING, progress=execution.progress
        )
    execution.refresh_from_db()
    return execution


def _engine(agent_runs: list[dict[str, Any]]) -> str:
    engines = {str(run.get("engine")) for run in agent_runs}
    if not engines:
        return ""
    if engines == {"llm"}:
        return "llm"
    if engines == {"rules"}:
        return "rules"
    return "mixed"


def _fallback_used(agent_runs: list[dict[str, Any]]) -> bool:
    """A model was configured but the rules answered for at least one agent (its attempts failed).
    Rules answering because no model is configured is the plan, not a fallback."""
    return any(run.get("fallback_reason") not in (None, "", "not_configured") for run in agent_runs)


def _variants(agent_runs: list[dict[str, Any]]) -> dict[str, str]:
    return {str(run["agent"]): str(run.get("variant") or "A") for run in agent_runs if run.get("agent")}


def _running_seconds(execution: AgentExecution, now: datetime.datetime) -> float:
    """How long the execution ran: from each start to the pause or the end that followed it (a
    wait for review does not count), from its creation when it never started."""
    total, since = 0.0, None
    for event, at in execution.events.order_by("seq").values_list("event", "created_at"):
        if event == "started" and since is None:
            since = at
        elif event == "paused" and since is not None:
            total, since = total + (at - since).total_seconds(), None
    if since is not None:
        total += (now - since).total_seconds()
    elif total == 0:
        total = (now - execution.created_at).total_seconds()
    return max(0.0, total)


def _finish(execution: AgentExecution, status: str) -> list[str]:
    now = timezone.now()
    execution.status = status
    execution.finished_at = now
    execution.execution_time_ms = round(_running_seconds(execution, now) * 1000)
    return ["status", "finished_at", "execution_time_ms"]


def execution_succeed(
    execution_id: uuid.UUID | str,
    *,
    output: dict[str, Any],
    agent_runs: list[dict[str, Any]],
    path: list[str],
    plan: WorkoutPlan | None = None,
) -> AgentExecution:
    """Records the result: status succeeded, progress 100, output, each agent's record, the path
    through the graph, the saved plan, engine ("llm" when every agent run was the model's, "rules"
    when every one was the rules', else "mixed"), fallback_used, variants and execution_time_ms (the
    time it ran: a wait for review excluded); then the "succeeded" event. An execution already
    finished is returned as it is (a redelivered run records nothing twice)."""
    with transaction.atomic():
        execution = _locked(execution_id)
        if execution.status in AgentExecution.FINISHED_STATUSES:
            return execution
        fields = _finish(execution, Status.SUCCEEDED)
        execution.output = output
        execution.agent_runs = agent_runs
        execution.path = path
        execution.engine = _engine(agent_runs)
        execution.fallback_used = _fallback_used(agent_runs)
        execution.variants = _variants(agent_runs)
        execution.error = ""
        fields += ["output", "agent_runs", "path", "engine", "fallback_used", "variants", "error"]
        if plan is not None:
            execution.plan = plan
            fields.append("plan")
        execution.save(update_fields=fields)
        data: dict[str, Any] = {"engine": execution.engine, "execution_time_ms": execution.execution_time_ms}
        if plan is not None:
            data["plan_id"] = plan.pk
        execution_event(execution.id, "succeeded", data, status=Status.SUCCEEDED, progress=100, step="")
    execution.refresh_from_db()
    return execution


def execution_fail(
    execution_id: uuid.UUID | str,
    *,
    error: str,
    agent_runs: list[dict[str, Any]] | None = None,
    path: list[str] | None = None,
) -> AgentExecution:
    """Records the failure (status failed, the error for people, what the agents did so far), then
    the "failed" event. An execution already finished is returned as it is."""
    with transaction.atomic():
        execution = _locked(execution_id)
        if execution.status in AgentExecution.FINISHED_STATUSES:
            return execution
        fields = _finish(execution, Status.FAILED)
        execution.error = error
        fields.append("error")
        if agent_runs is not None:
            execution.agent_runs = agent_runs
            execution.engine = _engine(agent_runs)
            execution.fallback_used = _fallback_used(agent_runs)
            execution.variants = _variants(agent_runs)
            fields += ["agent_runs", "engine", "fallback_used", "variants"]
        if path is not None:
            execution.path = path
            fields.append("path")
        execution.save(update_fields=fields)
        execution_event(execution.id, "failed", {"error": error}, status=Status.FAILED)
    execution.refresh_from_db()
    return execution


def execution_pause(
    execution_id: uuid.UUID | str,
    *,
    payload: dict[str, Any],
    agent_runs: list[dict[str, Any]],
    path: list[str],
) -> AgentExecution:
    """Records a pause for review: status paused, `output` = {"review": payload} (what the person is
    asked to look at) until the run resumes and finishes, then the "paused" event with the payload.
    An execution already finished is returned as it is."""
    with transaction.atomic():
        execution = _locked(execution_id)
        if execution.status in AgentExecution.FINISHED_STATUSES:
            return execution
        execution.output = {"review": payload}
        execution.agent_runs = agent_runs
        execution.path = path
        execution.variants = _variants(agent_runs)
        execution.save(update_fields=["output", "agent_runs", "path", "variants"])
        execution_event(execution.id, "paused", {"review": payload}, status=Status.PAUSED)
    execution.refresh_from_db()
    return execution


def _enqueue_resume(execution_id: uuid.UUID, decision: dict[str, Any], review: Any) -> None:
    from coach.tasks import resume_agent_execution

    try:
        resume_agent_execution.delay(str(execution_id), decision)
    except Exception as error:  # the broker is unreachable
        logger.error("execution %s could not be resumed: %s", execution_id, error)
        # paused again, so that the person can resume it once the queue is back
        execution_event(execution_id, "paused", {"review": review, "error": QUEUE_UNAVAILABLE}, status=Status.PAUSED)


def execution_resume(*, user: User, execution_id: uuid.UUID | str, decision: dict[str, Any]) -> AgentExecution:
    """Sends the user's paused execution back to a worker with the reviewer's decision: status
    queued, "resumed" event with the decision, coach.tasks.resume_agent_execution enqueued on commit.
    Raises Conflict (409) unless it is paused (so two clicks resume it once), AgentExecution.DoesNotExist
    for another user's or an unknown id (the view answers 404)."""
    with transaction.atomic():
        execution = AgentExecution.objects.select_for_update().get(id=execution_id, user=user)
        if execution.status != Status.PAUSED:
            raise Conflict(f"This execution is {execution.status}; only a paused execution can be resumed.")
        execution_event(execution.id, "resumed", {"decision": decision}, status=Status.QUEUED)
        if execution.kind in WORKFLOW_KINDS:
            resumed_id = execution.id
            review = (execution.output or {}).get("review") if isinstance(execution.output, dict) else None
            transaction.on_commit(lambda: _enqueue_resume(resumed_id, decision, review))
    execution.refresh_from_db()
    return execution
