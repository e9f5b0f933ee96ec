"""Saving a generated plan as the user's own plan: `workout_plans` (source "ai", created by the
user), its `plan_exercises`, and the `plan_generation_logs` row saying how it came about, in one
transaction. At most one plan per execution: a second save of the same execution (a redelivered
run) returns the first plan."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.db import transaction

from coach.models import AgentExecution, PlanGenerationLog
from coach.validation import parse_reps
from coach.workflows.context import PLAN_GOALS, equipment_setting
from coach.workouts import GOAL_NAMES, LEVEL_NAMES
from plans.models import PlanExercise, WorkoutPlan
from tracking.services import user_plan_assign

if TYPE_CHECKING:
    from accounts.models import User

NAME_CHARS = 200
SETS, REPS, DURATION, REST = (1, 20), (1, 200), (1, 7200), (0, 900)
LABELS = {
    "warm_up": ("Warm-up", "Échauffement"),
    "cool_down": ("Cool-down", "Retour au calme"),
}


def _clamp(value: int, bounds: tuple[int, int]) -> int:
    return max(bounds[0], min(int(value), bounds[1]))


def _reps(value: Any) -> int | None:
    """An integer number of reps (the upper end of a range like "8-12"), or None."""
    parsed = parse_reps(value)
    return _clamp(parsed[1], REPS) if parsed else None


def _t(pair: tuple[str, str], language: str) -> str:
    return pair[1] if language == "fr" else pair[0]


def routine_text(kind: str, items: Sequence[Mapping[str, Any]], language: str) -> str:
    """ "Warm-up: Jumping jacks (60 s), Arm circles (30 s)." (empty without items)."""
    if not items:
        return ""
    parts = []
    for item in items:
        seconds = item.get("duration_seconds")
        parts.append(f"{item.get('name', '')} ({seconds} s)" if seconds else str(item.get("name", "")))
    separator = " : " if language == "fr" else ": "
    return f"{_t(LABELS[kind], language)}{separator}{', '.join(parts)}."


def plan_names(request: Mapping[str, Any]) -> dict[str, str]:
    goal = GOAL_NAMES.get(request["goal"], GOAL_NAMES["general_fitness"])
    weeks, days = request["weeks"], request["days_per_week"]
    return {
        "en": f"AI plan: {goal[0]}, {weeks} weeks, {days} days a week",
        "fr": f"Programme IA : {goal[1]}, {weeks} semaines, {days} jours par semaine",
    }


def _descriptions(
    request: Mapping[str, Any], draft: Mapping[str, Any], review: Mapping[str, Any], language: str
) -> dict[str, str]:
    level = LEVEL_NAMES.get(request["level"], LEVEL_NAMES["beginner"])
    goal = GOAL_NAMES.get(request["goal"], GOAL_NAMES["general_fitness"])
    generic = {
        "en": (
            f"A {request['weeks']}-week {goal[0]} plan for a {level[0]} level, {request['days_per_week']} days a week, "
            f"about {request['session_minutes']} minutes a session, made by the MovoAI planner."
        ),
        "fr": (
            f"Un programme {goal[1]} de {request['weeks']} semaines, niveau {level[1]}, "
            f"{request['days_per_week']} jours par semaine, environ {request['session_minutes']} minutes par séance, "
            "conçu par le planificateur MovoAI."
        ),
    }
    texts = {}
    for lang in ("en", "fr"):
        summary = str(draft.get("summary") or "").strip() if lang == language else ""
        lines = [summary or generic[lang]]
        lines += [
            text
            for text in (
                routine_text("warm_up", review.get("warm_up") or [], lang),
                routine_text("cool_down", review.get("cool_down") or [], lang),
            )
            if text
        ]
        texts[lang] = "\n\n".join(lines)
    return texts


def schedule_rows(draft: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The draft's exercises as plan-exercise values (week, day, order from 1, integer doses within
    the table's ranges), in order."""
    rows: list[dict[str, Any]] = []
    for week in draft.get("weeks") or []:
        for day in week.get("days") or []:
            if day.get("rest"):
                continue
            for order, item in enumerate(day.get("exercises") or [], start=1):
                reps = _reps(item.get("reps"))
                duration = item.get("duration_seconds")
                duration = _clamp(duration, DURATION) if duration else None
                rows.append(
                    {
                        "exercise_id": int(item["exercise_id"]),
                        "week_number": int(week["week"]),
                        "day_number": int(day["day"]),
                        "order_in_day": order,
                        "sets": _clamp(item.get("sets") or 1, SETS),
                        "reps": reps if reps is not None or duration is not None else 10,
                        "duration_seconds": duration,
                        "rest_seconds": _clamp(item.get("rest_seconds") or 0, REST),
                        "notes": str(item.get("notes") or ""),
                    }
                )
    return rows


def _with_routines(rows: list[dict[str, Any]], review: Mapping[str, Any], language: str) -> list[PlanExercise]:
    """Plan exercises whose notes carry the warm-up on a day's first exercise and the cool-down on
    its last (English in `notes`, French in `notes_fr`; the exercise's own note in its language)."""
    by_day: dict[tuple[int, int], list[dict[str, Any]]] = {}
    for row in rows:
        by_day.setdefault((row["week_number"], row["day_number"]), []).append(row)
    result = []
    for day_rows in by_day.values():
        for index, row in enumerate(day_rows):
            notes: dict[str, list[str]] = {"en": [], "fr": []}
            for lang in ("en", "fr"):
                if index == 0:
                    notes[lang].append(routine_text("warm_up", review.get("warm_up") or [], lang))
                if lang == language:
                    notes[lang].append(row["notes"])
                if index == len(day_rows) - 1:
                    notes[lang].append(routine_text("cool_down", review.get("cool_down") or [], lang))
            values = {key: value for key, value in row.items() if key != "notes"}
            result.append(
                PlanExercise(
                    **values,
                    notes="\n".join(text for text in notes["en"] if text),
                    notes_fr="\n".join(text for text in notes["fr"] if text),
                )
            )
    return result


@transaction.atomic
def plan_save(
    *,
    user: User,
    execution_id: uuid.UUID | None,
    request: Mapping[str, Any],
    draft: Mapping[str, Any],
    review: Mapping[str, Any],
    agent_runs: Sequence[Mapping[str, Any]],
    validation: Sequence[Mapping[str, Any]],
    language: str,
    start_date: datetime.date | None = None,
) -> tuple[WorkoutPlan, bool]:
    """Save the draft as the user's plan, with its generation log, and assign it from `start_date`
    when given. Returns (plan, created): the plan already saved for this execution, if any."""
    if execution_id is not None:
        # one save at a time per execution: the second finds the first's log
        AgentExecution.objects.select_for_update().filter(id=execution_id).first()
        log = PlanGenerationLog.objects.select_related("plan").filter(execution_id=execution_id).first()
        if log is not None:
            return log.plan, False
    names = plan_names(request)
    title = str(draft.get("title") or "").strip()
    if title:
        names[language] = title[:NAME_CHARS]
    descriptions = _descriptions(request, draft, review, language)
    plan = WorkoutPlan.objects.create(
        slug=f"ai-{execution_id or uuid.uuid4()}",
        name_en=names["en"][:NAME_CHARS],
        name_fr=names["fr"][:NAME_CHARS],
        description_en=descriptions["en"],
        description_fr=descriptions["fr"],
        goal=PLAN_GOALS.get(request["goal"], WorkoutPlan.Goal.GENERAL_FITNESS),
        difficulty=request["level"],
        weeks=request["weeks"],
        days_per_week=request["days_per_week"],
        equipment_setting=equipment_setting(request.get("equipment") or []),
        is_template=False,
        is_featured=False,
        created_by=user,
        source=WorkoutPlan.Source.AI,
    )
    exercises = _with_routines(schedule_rows(draft), review, language)
    for exercise in exercises:
        exercise.plan = plan
    PlanExercise.objects.bulk_create(exercises, batch_size=500)
    PlanGenerationLog.objects.create(
        plan=plan,
        user=user,
        execution_id=execution_id,
        parameters=dict(request),
        reasoning=list(agent_runs),
        validation=list(validation),
    )
    if start_date is not None:
        user_plan_assign(user=user, plan_id=plan.id, start_date=start_date)
    return plan, True
