"""The adaptive workout: today's session from how the person has been training.

load_context -> progress_analyst (recent workouts: recovery, fatigue, adherence) ->
exercise_selector (one session today, sparing the muscles still recovering, or a rest day when
recovery says so) -> motivation_coach -> result.
"""

from __future__ import annotations

from typing import Any

from langgraph.graph import StateGraph

from coach.workflows import context as user_context
from coach.workflows.nodes import add_agent_node, add_step_node, chain, engine_of, new_graph
from coach.workflows.state import WorkflowContext, WorkflowState

KIND = "adaptive_workout"
RECENT_DAYS = 28
PROGRESS = {
    "load_context": 10,
    "progress_analyst": 35,
    "exercise_selector": 65,
    "motivation_coach": 85,
    "result": 95,
}


def load_context(state: WorkflowState, context: WorkflowContext) -> dict[str, Any]:
    data = state.get("input") or {}
    request = user_context.plan_request(data, user=context.user, language=context.language)
    avoid, _feedback = user_context.feedback_avoidance(context.user)
    return {"request": request, "avoid_exercise_ids": avoid, "analysis": None}


def _planned_days(state: WorkflowState) -> int | None:
    data = state.get("input") or {}
    return state["request"]["days_per_week"] if data.get("days_per_week") else None


def analyst_input(state: WorkflowState, context: WorkflowContext) -> dict[str, Any]:
    return {"days": RECENT_DAYS, "planned_days_per_week": _planned_days(state)}


def selector_input(state: WorkflowState, context: WorkflowContext) -> dict[str, Any]:
    request = state["request"]
    recovery = (state.get("analysis") or {}).get("recovery") or {}
    recent = sorted({*(recovery.get("recent_muscles") or []), *request["recent_muscles"]})
    return {
        "goal": request["goal"],
        "level": request["level"],
        "days_per_week": 1,
        "session_minutes": request["session_minutes"],
        "equipment": request["equipment"],
        "limitations": request["limitations"],
        "target_muscles": request["target_muscles"],
        "avoid_exercise_ids": state.get("avoid_exercise_ids") or [],
        "recent_muscles": recent,
        "preferences": request["preferences"],
        "mode": "today",
        "rest_recommended": bool(recovery.get("rest_recommended")),
    }


def motivation_input(state: WorkflowState, context: WorkflowContext) -> dict[str, Any]:
    return {"analysis": state.get("analysis"), "planned_days_per_week": _planned_days(state)}


def result(state: WorkflowState, context: WorkflowContext) -> dict[str, Any]:
    selection = state.get("selection") or {}
    sessions = selection.get("sessions") or []
    rest_day = bool(selection.get("rest_day")) or not sessions
    session = None
    if not rest_day:
        first = sessions[0]
        session = {
            "name": first.get("name", ""),
            "focus": first.get("focus") or [],
            "exercises": [
                {
                    key: item.get(key)
                    for key in ("exercise_id", "name", "sets", "reps", "duration_seconds", "rest_seconds", "reason")
                }
                for item in first.get("exercises") or []
            ],
        }
    analysis = state.get("analysis") or {}
    return {
        "output": {
            "engine": engine_of(state.get("agent_runs") or []),
            "rest_day": rest_day,
            "session": session,
            "motivation": state.get("motivation") or {},
            "recovery": analysis.get("recovery") or {},
            "notes": state["request"].get("notes") or [],
            "warnings": state["request"].get("warnings") or [],
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
        then="exercise_selector",
    )
    add_agent_node(
        builder,
        "exercise_selector",
        "exercise_selector",
        build_input=selector_input,
        apply=lambda state, record: {"selection": record["output"]},
        then="motivation_coach",
    )
    add_agent_node(
        builder,
        "motivation_coach",
        "motivation_coach",
        build_input=motivation_input,
        apply=lambda state, record: {"motivation": record["output"]},
        then="result",
    )
    add_step_node(builder, "result", result)
    chain(builder, "load_context", "progress_analyst", "exercise_selector", "motivation_coach", "result")
    return builder
