"""Plan optimisation: suggested changes to the plan the person follows, with reasons.

load_context (the current plan: `plan_id` from the input when the user may follow it, else the
plan of their active assignment; none: the run fails saying so) -> progress_analyst ->
workout_planner (mode optimize, over the current plan and the analysis) -> result.
"""

from __future__ import annotations

from typing import Any

from langgraph.graph import StateGraph

from coach.workflows import context as user_context
from coach.workflows.nodes import add_agent_node, add_step_node, chain, engine_of, new_graph
from coach.workflows.state import WorkflowContext, WorkflowState

KIND = "plan_optimization"
PROGRESS = {"load_context": 15, "progress_analyst": 45, "workout_planner": 85, "result": 95}


def _plan_id(data: dict[str, Any]) -> int | None:
    value = data.get("plan_id")
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def load_context(state: WorkflowState, context: WorkflowContext) -> dict[str, Any]:
    data = state.get("input") or {}
    plan = user_context.require_current_plan(context.user, _plan_id(data), language=context.language)
    asked = user_context.plan_request(data, user=context.user, language=context.language)
    request = user_context.plan_context(plan) | {
        "session_minutes": asked["session_minutes"],
        "equipment": asked["equipment"],
        "limitations": asked["limitations"],
    }
    schedule = user_context.plan_schedule(plan, language=context.language)
    schedule["weeks"] = schedule["weeks"][: request["weeks"]]
    return {"request": request, "current_plan": schedule, "analysis": None}


def analyst_input(state: WorkflowState, context: WorkflowContext) -> dict[str, Any]:
    return {"days": user_context.HISTORY_DAYS, "planned_days_per_week": state["request"]["days_per_week"]}


def planner_input(state: WorkflowState, context: WorkflowContext) -> dict[str, Any]:
    request = state["request"]
    return {
        "mode": "optimize",
        "weeks": request["weeks"],
        "days_per_week": request["days_per_week"],
        "goal": request["goal"],
        "level": request["level"],
        "session_minutes": request["session_minutes"],
        "selection": None,
        "analysis": state.get("analysis"),
        "revision_notes": [],
        "substitutions": [],
        "previous_draft": None,
        "current_plan": state.get("current_plan"),
        "equipment": request["equipment"],
        "limitations": request["limitations"],
    }


def result(state: WorkflowState, context: WorkflowContext) -> dict[str, Any]:
    draft = state.get("draft") or {}
    return {
        "output": {
            "engine": engine_of(state.get("agent_runs") or []),
            "plan_id": state["request"]["plan_id"],
            "plan_name": state["request"].get("name", ""),
            "summary": draft.get("summary", ""),
            "suggestions": draft.get("suggestions") or [],
            "analysis": state.get("analysis") or {},
        }
    }


def build() -> StateGraph[WorkflowState, WorkflowContext, Any, Any]:
    builder = new_graph()
    add_step_node(builder, "load_context", load_context)
    add_agent_node(
        builder,
        "progress_analyst",
        "progress_analyst",
        build_input=analyst_input,
        apply=lambda state, record: {"analysis": record["output"]},
        then="workout_planner",
    )
    add_agent_node(
        builder,
        "workout_planner",
        "workout_planner",
        build_input=planner_input,
        apply=lambda state, record: {"draft": record["output"]},
        then="result",
    )
    add_step_node(builder, "result", result)
    chain(builder, "load_context", "progress_analyst", "workout_planner", "result")
    return builder
