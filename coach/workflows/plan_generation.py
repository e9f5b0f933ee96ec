"""The full plan generation workflow.

load_context -> progress_analyst (only with history) -> exercise_selector (a week) ->
workout_planner (a multi-week draft) -> injury_prevention (review) -> validate, and back to the
planner with the problems and the review's substitutions while the validator or the review rejects
the draft, at most AGENT_MAX_REVISIONS times (the last revision is the rules planner's; still
rejected: the run fails with the problems). With `review: true` in the input, the accepted draft
waits for a person (interrupt): approved it is saved, rejected with notes it goes back to the
planner. Then save: the user's plan, its exercises and its generation log, once per execution.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt

from coach.fallback import Fallback, FallbackReason, fallback
from coach.plan_validation import validate_plan
from coach.workflows import context as user_context
from coach.workflows.nodes import WorkflowError, add_agent_node, add_step_node, engine_of, new_graph
from coach.workflows.save import plan_save, schedule_rows
from coach.workflows.state import WorkflowContext, WorkflowState

KIND = "plan_generation"
PROGRESS = {
    "load_context": 10,
    "progress_analyst": 20,
    "exercise_selector": 35,
    "workout_planner": 50,
    "injury_prevention": 65,
    "validate": 75,
    "human_review": 80,
    "save": 95,
    "reject": 95,
}
MAX_NOTES = 20


def _t(context: WorkflowContext, english: str, french: str) -> str:
    return french if context.language == "fr" else english


# ---------------------------------------------------------------- nodes


def load_context(state: WorkflowState, context: WorkflowContext) -> dict[str, Any]:
    data = state.get("input") or {}
    _start_date(data)  # a bad date fails the run now, not after the agents worked
    request = user_context.plan_request(data, user=context.user, language=context.language)
    avoid, feedback = user_context.feedback_avoidance(context.user)
    return {
        "request": request,
        "history_count": user_context.history_count(context.user),
        "avoid_exercise_ids": avoid,
        "feedback": feedback,
        "revisions": 0,
        "human_rounds": 0,
        "revision_notes": [],
        "substitutions": [],
        "draft": None,
        "analysis": None,
    }


def after_context(state: WorkflowState) -> str:
    return "history" if state.get("history_count") else "no history"


def analyst_input(state: WorkflowState, context: WorkflowContext) -> dict[str, Any]:
    return {"days": user_context.HISTORY_DAYS, "planned_days_per_week": state["request"]["days_per_week"]}


def selector_input(state: WorkflowState, context: WorkflowContext) -> dict[str, Any]:
    request = state["request"]
    return {
        "goal": request["goal"],
        "level": request["level"],
        "days_per_week": request["days_per_week"],
        "session_minutes": request["session_minutes"],
        "equipment": request["equipment"],
        "limitations": request["limitations"],
        "target_muscles": request["target_muscles"],
        "avoid_exercise_ids": state.get("avoid_exercise_ids") or [],
        "recent_muscles": [],
        "preferences": request["preferences"],
        "mode": "week",
    }


def planner_input(state: WorkflowState, context: WorkflowContext) -> dict[str, Any]:
    request = state["request"]
    return {
        "mode": "generate",
        "weeks": request["weeks"],
        "days_per_week": request["days_per_week"],
        "goal": request["goal"],
        "level": request["level"],
        "session_minutes": request["session_minutes"],
        "selection": state.get("selection"),
        "analysis": state.get("analysis"),
        "revision_notes": (state.get("revision_notes") or [])[:MAX_NOTES],
        "substitutions": state.get("substitutions") or [],
        "previous_draft": state.get("draft"),
        "current_plan": None,
        # beyond the shared contract: what the planner's replacements and checks respect
        "equipment": request["equipment"],
        "limitations": request["limitations"],
    }


def planner_forced(state: WorkflowState) -> Fallback | None:
    """The last allowed revision is the rules planner's (a model that failed validation that often
    will not be trusted once more)."""
    revisions = int(state.get("revisions") or 0)
    if revisions == 0 or revisions < int(settings.AGENT_MAX_REVISIONS):
        return None
    last = next((run for run in reversed(state.get("agent_runs") or []) if run["agent"] == "workout_planner"), None)
    if last is not None and last["engine"] == "rules" and last.get("fallback_reason") == "not_configured":
        return fallback(FallbackReason.NOT_CONFIGURED)
    return Fallback(
        reason=FallbackReason.INVALID_OUTPUT,
        detail=f"The plan was rejected {revisions} times; the rule-based planner wrote the last revision.",
    )


def injury_input(state: WorkflowState, context: WorkflowContext) -> dict[str, Any]:
    request = state["request"]
    draft = state.get("draft") or {}
    exercises = [
        {
            "exercise_id": row["exercise_id"],
            "week": row["week_number"],
            "day": row["day_number"],
            "sets": row["sets"],
            "reps": row["reps"],
        }
        for row in _draft_items(draft)
    ]
    return {"exercises": exercises, "limitations": request["limitations"], "level": request["level"]}


def _draft_items(draft: dict[str, Any]) -> list[dict[str, Any]]:
    """The draft's exercises, skipping an item the validator will reject anyway (no usable id)."""
    items = []
    for week in draft.get("weeks") or []:
        for day in week.get("days") or []:
            for item in day.get("exercises") or []:
                if isinstance(item.get("exercise_id"), int):
                    items.append(
                        {
                            "exercise_id": item["exercise_id"],
                            "week_number": week.get("week"),
                            "day_number": day.get("day"),
                            "sets": item.get("sets") if isinstance(item.get("sets"), int) else None,
                            "reps": item.get("reps") if isinstance(item.get("reps"), int) else None,
                        }
                    )
    return items


def _avoided_problems(draft: dict[str, Any], avoid: list[int]) -> list[str]:
    rejected = set(avoid)
    found = []
    for week in draft.get("weeks") or []:
        for day in week.get("days") or []:
            for item in day.get("exercises") or []:
                if item.get("exercise_id") in rejected:
                    found.append(
                        f"week {week.get('week')}, day {day.get('day')}: {item.get('name')} "
                        f"(id {item['exercise_id']}) was rejected by the user's feedback; replace it"
                    )
    return found


def _review_problems(review: dict[str, Any]) -> list[str]:
    if review.get("approved", True):
        return []
    changes = [str(change) for change in review.get("required_changes") or []]
    if changes:
        return [f"injury review: {change}" for change in changes]
    warnings = [str(warning.get("message")) for warning in review.get("warnings") or [] if warning.get("message")]
    return [f"injury review: {warning}" for warning in warnings] or ["injury review: the plan was not approved"]


def _substitutions(earlier: list[dict[str, Any]], proposed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every substitution asked so far (the latest for an exercise wins): the planner rebuilds each
    revision from the selection, and an exercise the review replaced once must not come back."""
    merged: dict[int, int] = {}
    for item in [*earlier, *proposed]:
        if item.get("exercise_id") is not None and item.get("substitute_id") is not None:
            merged[int(item["exercise_id"])] = int(item["substitute_id"])
    # a substitute later replaced itself points to the final one
    return [
        {"exercise_id": exercise_id, "substitute_id": substitute_id} for exercise_id, substitute_id in merged.items()
    ]


def validate(state: WorkflowState, context: WorkflowContext) -> dict[str, Any]:
    request = state["request"]
    draft = state.get("draft") or {}
    review = state.get("review") or {}
    problems = validate_plan(
        draft,
        weeks=request["weeks"],
        days_per_week=request["days_per_week"],
        session_minutes=request["session_minutes"],
        equipment=request["equipment"],
        limitations=request["limitations"],
        level=request["level"],
    )
    problems += _avoided_problems(draft, state.get("avoid_exercise_ids") or [])
    problems += _review_problems(review)
    rounds = state.get("validation") or []
    revisions = int(state.get("revisions") or 0)
    entry = {
        "round": len(rounds) + 1,
        "revision": revisions,
        "ok": not problems,
        "approved": bool(review.get("approved", False)),
        "problems": problems[:50],
    }
    update: dict[str, Any] = {"validation": [entry]}
    if not problems:
        update["verdict"] = "accepted"
    elif revisions < int(settings.AGENT_MAX_REVISIONS):
        update |= {
            "verdict": "revise",
            "revisions": revisions + 1,
            "revision_notes": problems[:MAX_NOTES],
            "substitutions": _substitutions(state.get("substitutions") or [], review.get("substitutions") or []),
        }
    else:
        update["verdict"] = "rejected"
    return update


def after_validate(state: WorkflowState) -> str:
    verdict = state.get("verdict")
    if verdict in ("revise", "rejected"):
        return str(verdict)
    return "review asked" if (state.get("input") or {}).get("review") else "accepted"


def human_review(state: WorkflowState, context: WorkflowContext) -> dict[str, Any]:
    """Waits for a person's decision on the accepted draft: {"approve": true} or {"approve": false,
    "notes": [...]} (the notes go to the planner)."""
    review = state.get("review") or {}
    decision = interrupt(
        {
            "kind": "plan_review",
            "draft": state.get("draft"),
            "warnings": review.get("warnings") or [],
            "warm_up": review.get("warm_up") or [],
            "cool_down": review.get("cool_down") or [],
            "validation": {"ok": True, "rounds": len(state.get("validation") or [])},
        }
    )
    decision = decision if isinstance(decision, dict) else {}
    if decision.get("approve"):
        return {"verdict": "approved"}
    notes = [str(note)[:500] for note in decision.get("notes") or [] if str(note).strip()][:MAX_NOTES]
    return {
        "verdict": "revise",
        "human_rounds": int(state.get("human_rounds") or 0) + 1,
        "revision_notes": notes or [_t(context, "The reviewer asked for another version.", "Autre version demandée.")],
        "substitutions": [],
    }


def after_human_review(state: WorkflowState) -> str:
    return "approved" if state.get("verdict") == "approved" else "changes asked"


def _start_date(data: dict[str, Any]) -> datetime.date | None:
    value = data.get("start_date")
    if not value:
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise WorkflowError(f"start_date {value!r} is not a date (YYYY-MM-DD).") from None


def save(state: WorkflowState, context: WorkflowContext) -> dict[str, Any]:
    request = state["request"]
    draft = state.get("draft") or {}
    review = state.get("review") or {}
    agent_runs = state.get("agent_runs") or []
    rounds = state.get("validation") or []
    plan, _created = plan_save(
        user=context.user,
        execution_id=context.execution_id,
        request=request,
        draft=draft,
        review=review,
        agent_runs=agent_runs,
        validation=rounds,
        language=context.language,
        start_date=_start_date(state.get("input") or {}),
    )
    rows = schedule_rows(draft)
    by_day: dict[tuple[int, int], list[dict[str, Any]]] = {}
    for row in rows:
        by_day.setdefault((row["week_number"], row["day_number"]), []).append(row)
    weeks_detail = [
        {
            "week": week.get("week"),
            "phase": week.get("phase"),
            "volume_factor": week.get("volume_factor"),
            "deload": week.get("phase") == "deload",
            "days": [
                {
                    "day": day.get("day"),
                    "name": day.get("name"),
                    "rest": bool(day.get("rest")),
                    "exercises": [
                        {**item, "reps": row["reps"], "duration_seconds": row["duration_seconds"]}
                        for item, row in zip(
                            day.get("exercises") or [],
                            by_day.get((week.get("week"), day.get("day")), []),
                            strict=False,
                        )
                    ],
                }
                for day in week.get("days") or []
            ],
        }
        for week in draft.get("weeks") or []
    ]
    name = plan.name_fr if context.language == "fr" and plan.name_fr else plan.name_en
    description = plan.description_fr if context.language == "fr" and plan.description_fr else plan.description_en
    output = {
        "engine": engine_of(agent_runs),
        "plan_id": plan.id,
        "plan": {
            "id": plan.id,
            "name": name,
            "name_en": plan.name_en,
            "name_fr": plan.name_fr,
            "description": description,
            "weeks": plan.weeks,
            "days_per_week": plan.days_per_week,
            "goal": plan.goal,
            "difficulty": plan.difficulty,
            "equipment_setting": plan.equipment_setting,
            "source": plan.source,
            "deload_weeks": list(draft.get("deload_weeks") or []),
            "weeks_detail": weeks_detail,
        },
        "title": draft.get("title", ""),
        "summary": draft.get("summary", ""),
        "warm_up": review.get("warm_up") or [],
        "cool_down": review.get("cool_down") or [],
        "validation": {"ok": True, "rounds": len(rounds)},
        "warnings": [*(request.get("warnings") or []), *(review.get("warnings") or [])],
        "notes": request.get("notes") or [],
        "avoided_exercise_ids": state.get("avoid_exercise_ids") or [],
    }
    return {"plan_id": plan.id, "output": output}


def reject(state: WorkflowState, context: WorkflowContext) -> dict[str, Any]:
    rounds = state.get("validation") or []
    problems = rounds[-1]["problems"] if rounds else []
    shown = "; ".join(problems[:5]) + (f" (+{len(problems) - 5} more)" if len(problems) > 5 else "")
    return {
        "error": _t(
            context,
            f"The plan still failed validation after {state.get('revisions', 0)} revisions: {shown}",
            f"Le programme reste invalide après {state.get('revisions', 0)} révisions : {shown}",
        )
    }


# ---------------------------------------------------------------- the graph


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
        then="workout_planner",
    )
    add_agent_node(
        builder,
        "workout_planner",
        "workout_planner",
        build_input=planner_input,
        apply=lambda state, record: {"draft": record["output"]},
        then="injury_prevention",
        force_rules=planner_forced,
    )
    add_agent_node(
        builder,
        "injury_prevention",
        "injury_prevention",
        build_input=injury_input,
        apply=lambda state, record: {"review": record["output"]},
        then="validate",
    )
    add_step_node(builder, "validate", validate)
    add_step_node(builder, "human_review", human_review)
    add_step_node(builder, "save", save)
    add_step_node(builder, "reject", reject)

    builder.add_edge(START, "load_context")
    builder.add_conditional_edges(
        "load_context", after_context, {"history": "progress_analyst", "no history": "exercise_selector"}
    )
    builder.add_edge("progress_analyst", "exercise_selector")
    builder.add_edge("exercise_selector", "workout_planner")
    builder.add_edge("workout_planner", "injury_prevention")
    builder.add_edge("injury_prevention", "validate")
    builder.add_conditional_edges(
        "validate",
        after_validate,
        {"revise": "workout_planner", "rejected": "reject", "review asked": "human_review", "accepted": "save"},
    )
    builder.add_conditional_edges(
        "human_review", after_human_review, {"approved": "save", "changes asked": "workout_planner"}
    )
    builder.add_edge("save", END)
    builder.add_edge("reject", END)
    return builder
