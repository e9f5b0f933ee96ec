"""Users' feedback on the agents' work, and the statistics staff read to judge the agents.

`feedback_create` stores a verdict (positive or negative) on an agent or a workflow, optionally on
one of the user's executions (whose variant it then carries) and naming exercises the user rejects:
the next plan generation for that user avoids them (coach.workflows.context.feedback_avoidance).

`feedback_stats` sums up a period, per agent and per workflow type, and the same split by variant
(the A/B test of settings.AGENT_VARIANTS): executions, success and failure rates, fallback rate,
p50/p95 execution time, tokens and cost, feedback count and positive rate.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q

from accounts.models import User
from coach.agents.base import (
    AGENT_NAMES,
    EXERCISE_SELECTOR,
    INJURY_PREVENTION,
    MOTIVATION_COACH,
    NUTRITION_ADVISOR,
    WORKOUT_PLANNER,
)
from coach.models import AgentExecution, AgentFeedback
from exercises.models import Exercise

Kind = AgentExecution.Kind
WORKFLOW_TYPES: tuple[str, ...] = tuple(Kind.values)
FEEDBACK_TYPES: tuple[str, ...] = (*AGENT_NAMES, *WORKFLOW_TYPES)
# The agent whose work a workflow type is judged by: its variant is the workflow's variant.
LEAD_AGENT: dict[str, str] = {
    Kind.PLAN_GENERATION: WORKOUT_PLANNER,
    Kind.ADAPTIVE_WORKOUT: EXERCISE_SELECTOR,
    Kind.PLAN_OPTIMIZATION: WORKOUT_PLANNER,
    Kind.INJURY_RISK: INJURY_PREVENTION,
    Kind.NUTRITION: NUTRITION_ADVISOR,
    Kind.MOTIVATION: MOTIVATION_COACH,
}
# A run answered by the rules because no model is configured is the plan, not a fallback
# (coach.executions counts fallback_used the same way).
NOT_A_FALLBACK = ("", "not_configured")


# ---------------------------------------------------------------- services


def feedback_variant(*, agent_type: str, execution: AgentExecution | None) -> str:
    """The variant (A/B) of what the feedback judges: the agent's in the execution, or for a workflow
    type its lead agent's; "" without an execution, or when the agent did not run in it."""
    if execution is None:
        return ""
    variants = execution.variants if isinstance(execution.variants, dict) else {}
    agent = LEAD_AGENT.get(agent_type, agent_type)
    return str(variants.get(agent) or "")


@transaction.atomic
def feedback_create(
    *,
    user: User,
    agent_type: str | None,
    positive: bool,
    text: str = "",
    execution: AgentExecution | None = None,
    rejected_exercise_ids: Sequence[int] = (),
) -> AgentFeedback:
    """Stores the user's feedback. `agent_type` is an agent name or a workflow type (None: the
    execution's type). The execution must be the user's (the caller looks it up with
    coach.executions.execution_get). Raises ValidationError naming the field for an unknown type,
    a missing type, another user's execution or exercise ids that do not exist."""
    if agent_type is None:
        if execution is None:
            raise ValidationError({"agent_type": "Required (or an execution to take it from)."})
        agent_type = execution.kind
    if agent_type not in FEEDBACK_TYPES:
        raise ValidationError({"agent_type": f"{agent_type!r} is not one of {', '.join(FEEDBACK_TYPES)}."})
    if execution is not None and execution.user_id != user.pk:
        raise ValidationError({"execution_id": "Not one of this user's executions."})
    ids = list(dict.fromkeys(int(exercise_id) for exercise_id in rejected_exercise_ids))
    if ids:
        known = set(Exercise.objects.filter(id__in=ids).values_list("id", flat=True))
        unknown = [exercise_id for exercise_id in ids if exercise_id not in known]
        if unknown:
            listed = ", ".join(str(exercise_id) for exercise_id in unknown)
            raise ValidationError({"exercise_ids": f"No exercise has the id {listed}."})
    return AgentFeedback.objects.create(
        user=user,
        execution=execution,
        agent_type=agent_type,
        positive=positive,
        text=text.strip(),
        rejected_exercise_ids=ids,
        variant=feedback_variant(agent_type=agent_type, execution=execution),
    )


# ---------------------------------------------------------------- selectors: the statistics


@dataclass
class _Numbers:
    """What one row of the statistics counts, before it is turned into rates."""

    executions: int = 0
    runs: int = 0
    succeeded: int = 0
    failed: int = 0
    rules_runs: int = 0
    fallbacks: int = 0
    p50_ms: float | None = None
    p95_ms: float | None = None
    llm_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: Decimal = Decimal(0)
    feedback: int = 0
    positive: int = 0


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _ms(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)


def _agent_row(numbers: _Numbers) -> dict[str, Any]:
    return {
        "executions": numbers.executions,
        "runs": numbers.runs,
        "succeeded": numbers.succeeded,
        "failed": numbers.failed,
        "success_rate": _rate(numbers.succeeded, numbers.executions),
        "failure_rate": _rate(numbers.failed, numbers.executions),
        "rules_rate": _rate(numbers.rules_runs, numbers.runs),
        "fallback_rate": _rate(numbers.fallbacks, numbers.runs),
        "p50_ms": _ms(numbers.p50_ms),
        "p95_ms": _ms(numbers.p95_ms),
        **_usage(numbers),
    }


def _workflow_row(numbers: _Numbers) -> dict[str, Any]:
    return {
        "executions": numbers.executions,
        "succeeded": numbers.succeeded,
        "failed": numbers.failed,
        "success_rate": _rate(numbers.succeeded, numbers.executions),
        "failure_rate": _rate(numbers.failed, numbers.executions),
        "fallback_rate": _rate(numbers.fallbacks, numbers.executions),
        "p50_ms": _ms(numbers.p50_ms),
        "p95_ms": _ms(numbers.p95_ms),
        **_usage(numbers),
    }


def _usage(numbers: _Numbers) -> dict[str, Any]:
    return {
        "llm_calls": numbers.llm_calls,
        "input_tokens": numbers.input_tokens,
        "output_tokens": numbers.output_tokens,
        "tokens": numbers.input_tokens + numbers.output_tokens,
        "cost_usd": f"{numbers.cost_usd:.6f}",
        "feedback_count": numbers.feedback,
        "positive_feedback": numbers.positive,
        "positive_rate": _rate(numbers.positive, numbers.feedback),
    }


# One row per agent and per (agent, variant): every record of agent_runs of the period's executions.
# The percentiles are PostgreSQL's percentile_cont (linear interpolation) of each run's duration.
_AGENT_RUNS_SQL = """
WITH runs AS (
    SELECT e.id, e.status,
           run->>'agent' AS agent,
           COALESCE(NULLIF(run->>'variant', ''), 'A') AS variant,
           run->>'engine' AS engine,
           COALESCE(run->>'fallback_reason', '') AS fallback_reason,
           CASE WHEN jsonb_typeof(run->'duration_ms') = 'number' THEN (run->>'duration_ms')::float END AS duration_ms
    FROM agent_executions e
    CROSS JOIN LATERAL jsonb_array_elements(
        CASE WHEN jsonb_typeof(e.agent_runs) = 'array' THEN e.agent_runs ELSE '[]'::jsonb END
    ) AS run
    WHERE e.created_at >= %s AND e.created_at < %s AND jsonb_typeof(run) = 'object'
)
SELECT agent, variant, GROUPING(variant) AS all_variants,
       count(DISTINCT id) AS executions,
       count(*) AS runs,
       count(DISTINCT id) FILTER (WHERE status = 'succeeded') AS succeeded,
       count(DISTINCT id) FILTER (WHERE status = 'failed') AS failed,
       count(*) FILTER (WHERE engine = 'rules') AS rules_runs,
       count(*) FILTER (WHERE fallback_reason <> ALL(%s)) AS fallbacks,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) AS p50_ms,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95_ms
FROM runs
WHERE agent IS NOT NULL
GROUP BY GROUPING SETS ((agent), (agent, variant))
"""

# One row per workflow type and per (type, variant of its lead agent).
_WORKFLOWS_SQL = """
WITH lead(kind, agent) AS (VALUES {lead_values}),
executions AS (
    SELECT e.id, e.kind, e.status, e.fallback_used, e.execution_time_ms,
           COALESCE(NULLIF(e.variants->>lead.agent, ''), '') AS variant
    FROM agent_executions e LEFT JOIN lead ON lead.kind = e.kind
    WHERE e.created_at >= %s AND e.created_at < %s
)
SELECT kind, variant, GROUPING(variant) AS all_variants,
       count(*) AS executions,
       count(*) FILTER (WHERE status = 'succeeded') AS succeeded,
       count(*) FILTER (WHERE status = 'failed') AS failed,
       count(*) FILTER (WHERE fallback_used) AS fallbacks,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY execution_time_ms) AS p50_ms,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY execution_time_ms) AS p95_ms
FROM executions
GROUP BY GROUPING SETS ((kind), (kind, variant))
"""

# Model usage of the period's executions, by the agent that made the call and the execution's type,
# with the variants (of that agent, and of the type's lead agent) the call belongs to.
_USAGE_SQL = """
WITH lead(kind, agent) AS (VALUES {lead_values})
SELECT c.agent, e.kind,
       COALESCE(NULLIF(e.variants->>c.agent, ''), '') AS agent_variant,
       COALESCE(NULLIF(e.variants->>lead.agent, ''), '') AS kind_variant,
       count(*) AS llm_calls,
       COALESCE(sum(c.input_tokens), 0) AS input_tokens,
       COALESCE(sum(c.output_tokens), 0) AS output_tokens,
       COALESCE(sum(c.cost_usd), 0) AS cost_usd
FROM llm_calls c
JOIN agent_executions e ON e.id = c.execution_id
LEFT JOIN lead ON lead.kind = e.kind
WHERE e.created_at >= %s AND e.created_at < %s
GROUP BY 1, 2, 3, 4
"""


def _lead_values() -> tuple[str, list[str]]:
    placeholders = ", ".join(["(%s, %s)"] * len(LEAD_AGENT))
    params = [value for kind, agent in LEAD_AGENT.items() for value in (str(kind), agent)]
    return placeholders, params


def _fetch(sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [column.name for column in cursor.description or ()]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


class _Table:
    """The numbers of each name (an agent or a workflow type), overall and per variant."""

    def __init__(self, names: Iterable[str]) -> None:
        self.overall: dict[str, _Numbers] = {name: _Numbers() for name in names}
        self.by_variant: dict[str, dict[str, _Numbers]] = {name: {} for name in self.overall}

    def numbers(self, name: str, variant: str | None) -> _Numbers:
        """The row of `name` (overall when `variant` is None); names outside the table (an agent
        that no longer exists) get rows of their own."""
        if name not in self.overall:
            self.overall[name] = _Numbers()
            self.by_variant[name] = {}
        if variant is None:
            return self.overall[name]
        return self.by_variant[name].setdefault(variant or "unrecorded", _Numbers())


def feedback_stats(*, since: datetime.datetime, until: datetime.datetime) -> dict[str, Any]:
    """The agents' statistics over [since, until): executions created in the period (with their
    agent runs and model calls) and feedback given in it.

    `agents`: per agent, over the executions its runs appear in: executions, runs (an agent may run
    more than once in an execution: the planner revising), succeeded/failed executions and their
    rates, the share of runs the rules answered (`rules_rate`) and of runs that fell back to the rules
    after the model failed (`fallback_rate`), p50/p95 of its runs' duration, model calls, tokens and
    cost, feedback count and positive rate; `variants` splits the same by A/B variant.
    `workflows`: per workflow type, over its executions (execution_time_ms for the percentiles, an
    execution with any fallback counting for `fallback_rate`); `variants` by the variant of the
    type's lead agent (LEAD_AGENT). Rates are 0..1, null when there is nothing to divide."""
    agents = _Table(AGENT_NAMES)
    workflows = _Table(WORKFLOW_TYPES)
    period = [since, until]
    lead_placeholders, lead_params = _lead_values()

    for row in _fetch(_AGENT_RUNS_SQL, [*period, list(NOT_A_FALLBACK)]):
        numbers = agents.numbers(row["agent"], None if row["all_variants"] else row["variant"])
        numbers.executions, numbers.runs = row["executions"], row["runs"]
        numbers.succeeded, numbers.failed = row["succeeded"], row["failed"]
        numbers.rules_runs, numbers.fallbacks = row["rules_runs"], row["fallbacks"]
        numbers.p50_ms, numbers.p95_ms = row["p50_ms"], row["p95_ms"]

    for row in _fetch(_WORKFLOWS_SQL.format(lead_values=lead_placeholders), [*lead_params, *period]):
        numbers = workflows.numbers(row["kind"], None if row["all_variants"] else row["variant"])
        numbers.executions = numbers.runs = row["executions"]
        numbers.succeeded, numbers.failed, numbers.fallbacks = row["succeeded"], row["failed"], row["fallbacks"]
        numbers.p50_ms, numbers.p95_ms = row["p50_ms"], row["p95_ms"]

    for row in _fetch(_USAGE_SQL.format(lead_values=lead_placeholders), [*lead_params, *period]):
        targets = [workflows.numbers(row["kind"], None), workflows.numbers(row["kind"], row["kind_variant"])]
        if row["agent"]:
            targets += [agents.numbers(row["agent"], None), agents.numbers(row["agent"], row["agent_variant"])]
        for numbers in targets:
            numbers.llm_calls += row["llm_calls"]
            numbers.input_tokens += int(row["input_tokens"])
            numbers.output_tokens += int(row["output_tokens"])
            numbers.cost_usd += Decimal(row["cost_usd"])

    feedback = (
        AgentFeedback.objects.filter(created_at__gte=since, created_at__lt=until)
        .values("agent_type", "variant")
        .annotate(count=Count("id"), positive_count=Count("id", filter=Q(positive=True)))
        .order_by()
    )
    for row in feedback:
        table = workflows if row["agent_type"] in WORKFLOW_TYPES else agents
        for numbers in (table.numbers(row["agent_type"], None), table.numbers(row["agent_type"], row["variant"])):
            numbers.feedback += row["count"]
            numbers.positive += row["positive_count"]

    return {
        "since": since,
        "until": until,
        "agents": _rows(agents, _agent_row),
        "workflows": _rows(workflows, _workflow_row),
    }


def _rows(table: _Table, shape: Any) -> dict[str, Any]:
    return {
        name: {**shape(numbers), "variants": {v: shape(n) for v, n in sorted(table.by_variant[name].items())}}
        for name, numbers in table.overall.items()
    }
