"""The single-agent kinds as one-node graphs, with the same retries and rules fallback as the
workflows: injury_risk (injury_prevention over planned exercises or the current plan), nutrition
(nutrition_advisor from the input and the profile) and motivation (progress_analyst for the
adherence, then motivation_coach)."""

from __future__ import annotations

from typing import Any

from langgraph.graph import END, StateGraph

from coach.validation import goal_codes, level_code
from coach.workflows import context as user_context
from coach.workflows.nodes import WorkflowError, add_agent_node, chain, engine_of, new_graph
from coach.workflows.state import WorkflowContext, WorkflowState

INJURY_RISK, NUTRITION, MOTIVATION = "injury_risk", "nutrition", "motivation"
PROGRESS: dict[str, dict[str, int]] = {
    INJURY_RISK: {"injury_prevention": 90},
    NUTRITION: {"nutrition_advisor": 90},
    MOTIVATION: {"progress_analyst": 45, "motivation_coach": 90},
}
NUTRITION_FIELDS = ("age", "sex", "weight_kg", "height_cm", "activity_level")


def _output(state: WorkflowState, record: dict[str, Any]) -> dict[str, Any]:
    """The result of a one-agent run: the engine over every agent run, then the agent's output."""
    engine = engine_of([*(state.get("agent_runs") or []), record])
    return {"output": {"engine": engine, **record["output"]}}


# ---------------------------------------------------------------- injury risk


def injury_input(state: WorkflowState, context: WorkflowContext) -> dict[str, Any]:
    """The exercises given, else those of the plan given (`plan_id`) or followed; the limitations
    given, else the profile's; the level given, else the profile's."""
    data = state.get("input") or {}
    user = context.user
    exercises = data.get("exercises")
    if not exercises:
        plan_id = data.get("plan_id")
        plan = user_context.require_current_plan(
            user, int(plan_id) if plan_id is not None else None, language=context.language
        )
        schedule = user_context.plan_schedule(plan, language=context.language)
        exercises = [
            {
                "exercise_id": item["exercise_id"],
                "week": week["week"],
                "day": day["day"],
                "sets": item["sets"],
                "reps": item["reps"],
            }
            for week in schedule["weeks"]
            for day in week["days"]
            for item in day["exercises"]
        ]
    limitations = data.get("limitations")
    if limitations is None:
        limitations = list(user.limitations or [])
    level = level_code(data.get("fitness_level") or data.get("level")) or level_code(user.fitness_level)
    return {"exercises": exercises, "limitations": limitations, "level": level}


def build_injury_risk() -> StateGraph[WorkflowState, WorkflowContext, Any, Any]:
    builder = new_graph()
    add_agent_node(builder, "injury_prevention", "injury_prevention", build_input=injury_input, apply=_output, then=END)
    chain(builder, "injury_prevention")
    return builder


# ---------------------------------------------------------------- nutrition


def nutrition_input(state: WorkflowState, context: WorkflowContext) -> dict[str, Any]:
    """The input's numbers, else the profile's; the goal given, else the profile's first, else
    maintenance. Raises WorkflowError naming what neither gives."""
    data = state.get("input") or {}
    user = context.user
    profile = {
        "age": user.age,
        "sex": user.gender,
        "weight_kg": float(user.weight_kg) if user.weight_kg is not None else None,
        "height_cm": float(user.height_cm) if user.height_cm is not None else None,
        "activity_level": user.daily_activity,
    }
    aliases = {"sex": "gender", "activity_level": "daily_activity"}
    values = {
        name: data.get(name) if data.get(name) is not None else data.get(aliases.get(name, name), profile[name])
        for name in NUTRITION_FIELDS
    }
    missing = [name for name in NUTRITION_FIELDS if values[name] in (None, "")]
    if missing:
        names = ", ".join(missing)
        raise WorkflowError(
            f"Ajoutez à votre profil ou à la demande : {names}."
            if context.language == "fr"
            else f"Missing from the request and the profile: {names}."
        )
    goal = data.get("goal")
    if not goal:
        profile_goals = goal_codes(user.fitness_goals or [])
        goal = profile_goals[0] if profile_goals else "maintenance"
    return {**values, "goal": goal}


def build_nutrition() -> StateGraph[WorkflowState, WorkflowContext, Any, Any]:
    builder = new_graph()
    add_agent_node(
        builder, "nutrition_advisor", "nutrition_advisor", build_input=nutrition_input, apply=_output, then=END
    )
    chain(builder, "nutrition_advisor")
    return builder


# ---------------------------------------------------------------- motivation


def _planned_days(state: WorkflowState) -> int | None:
    value = (state.get("input") or {}).get("planned_days_per_week") or (state.get("input") or {}).get("days_per_week")
    try:
        return max(1, min(int(value), 7)) if value else None
    except (TypeError, ValueError):
        return None


def build_motivation() -> StateGraph[WorkflowState, WorkflowContext, Any, Any]:
    builder = new_graph()
    add_agent_node(
        builder,
        "progress_analyst",
        "progress_analyst",
        build_input=lambda state, context: {"days": 90, "planned_days_per_week": _planned_days(state)},
        apply=lambda state, record: {"analysis": record["output"]},
        then="motivation_coach",
    )
    add_agent_node(
        builder,
        "motivation_coach",
        "motivation_coach",
        build_input=lambda state, context: {
            "analysis": state.get("analysis"),
            "planned_days_per_week": _planned_days(state),
        },
        apply=_output,
        then=END,
    )
    chain(builder, "progress_analyst", "motivation_coach")
    return builder
