"""What a workflow knows before its agents start: the request read into codes (the user's profile
filling what it leaves out), the user's history, their current plan, and their recent negative
feedback (exercises to avoid)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from coach.models import AgentExecution, AgentFeedback
from coach.validation import level_code
from coach.workflows.nodes import WorkflowError
from coach.workouts import MAX_MINUTES, MIN_MINUTES, WorkoutRequest, read_request
from exercises.models import Exercise
from exercises.taxonomy import normalize
from plans.models import PlanExercise, WorkoutPlan
from plans.selectors import plan_usable_by
from tracking.models import UserPlan
from tracking.selectors import user_today, workout_log_list

if TYPE_CHECKING:
    from accounts.models import User

DEFAULT_WEEKS, MIN_WEEKS, MAX_WEEKS = 4, 1, 12
DEFAULT_DAYS, MAX_DAYS = 3, 6
DEFAULT_MINUTES = 45
HISTORY_DAYS = 90
# The coach's goal codes and the plans' (workout_plans.goal).
PLAN_GOALS: dict[str, str] = {
    "strength": "strength",
    "hypertrophy": "muscle_gain",
    "endurance": "endurance",
    "weight_loss": "fat_loss",
    "mobility": "mobility",
    "general_fitness": "general_fitness",
}
COACH_GOALS: dict[str, str] = {plan: coach for coach, plan in PLAN_GOALS.items()}
# Feedback that concerns plans: on these agents, or on executions of these kinds.
PLAN_FEEDBACK_AGENTS = frozenset(
    {"workout_planner", "exercise_selector", "injury_prevention", "plan_generation", "plan_optimization"}
)
PLAN_KINDS = frozenset({AgentExecution.Kind.PLAN_GENERATION, AgentExecution.Kind.PLAN_OPTIMIZATION})
MAX_FEEDBACK = 50
# Equipment a home, a dumbbell corner or only a gym has (the plans' equipment_setting).
HOME_EQUIPMENT = frozenset(
    {"body weight", "resistance band", "gym mat", "pull-up bar", "exercise ball", "foam roller", "medicine ball"}
)
DUMBBELL_EQUIPMENT = HOME_EQUIPMENT | {"dumbbell", "kettlebell", "bench", "incline bench"}


def _first(data: Mapping[str, Any], *names: str) -> Any:
    for name in names:
        if data.get(name) not in (None, "", []):
            return data[name]
    return None


def _int(value: Any, default: int, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return max(low, min(number, high))


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [str(item).strip() for item in value if str(item).strip()]


def request_language(data: Mapping[str, Any], user: User) -> str:
    language = str(data.get("language") or user.preferred_language or "en")
    return language if language in ("en", "fr") else "en"


def plan_request(data: Mapping[str, Any], *, user: User, language: str) -> dict[str, Any]:
    """The plan asked for, in codes: goal (the coach's), level, weeks (1-12), days per week (1-6),
    minutes per session, equipment codes (empty: any), limitations, target muscles, preferences,
    with notes saying what the profile filled in and warnings about words not understood."""
    goals = _strings(_first(data, "goals", "goal"))
    workout = WorkoutRequest(
        goals=goals,
        available_equipment=_strings(_first(data, "equipment", "available_equipment")),
        minutes_per_session=_int(
            _first(data, "session_minutes", "minutes_per_session"), DEFAULT_MINUTES, MIN_MINUTES, MAX_MINUTES
        ),
        days_per_week=_int(data.get("days_per_week"), DEFAULT_DAYS, 1, MAX_DAYS),
        fitness_level=_first(data, "fitness_level", "level"),
        limitations=_strings(data.get("limitations")),
        preferences=str(data.get("preferences") or ""),
        target_muscles=_strings(data.get("target_muscles")),
    )
    read = read_request(workout, user=user, language=language)
    return {
        "goal": read.goal,
        "plan_goal": PLAN_GOALS[read.goal],
        "level": read.level,
        "weeks": _int(_first(data, "weeks", "duration_weeks"), DEFAULT_WEEKS, MIN_WEEKS, MAX_WEEKS),
        "days_per_week": read.days,
        "session_minutes": read.minutes,
        "equipment": list(read.request.available_equipment),
        "limitations": list(read.request.limitations),
        "target_muscles": list(read.targets),
        "preferences": read.request.preferences,
        "recent_muscles": sorted(read.history.recent_muscles),
        "notes": list(read.notes),
        "warnings": list(read.warnings),
    }


def equipment_setting(equipment: Iterable[str]) -> str:
    """home, dumbbells or gym: what the equipment (codes; none: any) needs at least."""
    codes = set(equipment)
    if not codes:
        return WorkoutPlan.EquipmentSetting.GYM
    if codes <= HOME_EQUIPMENT:
        return WorkoutPlan.EquipmentSetting.HOME
    if codes <= DUMBBELL_EQUIPMENT:
        return WorkoutPlan.EquipmentSetting.DUMBBELLS
    return WorkoutPlan.EquipmentSetting.GYM


def history_count(user: User, days: int = HISTORY_DAYS) -> int:
    """How many workout logs the user has from the last `days` days."""
    today = user_today(user=user)
    return workout_log_list(user=user, start_date=today - datetime.timedelta(days=days - 1)).count()


# ---------------------------------------------------------------- feedback


def _named_exercises(texts: Iterable[str]) -> dict[int, str]:
    """The library exercises whose English or French name the texts name (a plural counts; a name
    inside a longer name that is also named does not)."""
    words = [normalize(text) for text in texts if text.strip()]
    if not words:
        return {}
    found: dict[int, str] = {}
    for exercise_id, english, french in Exercise.objects.values_list("id", "exercise_en", "exercise_fr"):
        for name in (english, french):
            key = normalize(name or "")
            if len(key) < 4:
                continue
            pattern = re.compile(rf"\b{re.escape(key)}s?\b")
            if any(pattern.search(text) for text in words):
                found[exercise_id] = key
                break
    # "squat" inside a named "barbell squat" is not a rejection of every squat
    return {
        exercise_id: key
        for exercise_id, key in found.items()
        if not any(other != key and re.search(rf"\b{re.escape(key)}\b", other) for other in found.values())
    }


def feedback_avoidance(user: User) -> tuple[list[int], list[dict[str, Any]]]:
    """The exercises the user's recent negative feedback on plans rejects (AGENT_FEEDBACK_DAYS):
    the ids it lists, and the exercises its text names; and a summary of that feedback."""
    since = timezone.now() - datetime.timedelta(days=int(settings.AGENT_FEEDBACK_DAYS))
    feedback = list(
        AgentFeedback.objects.filter(user=user, positive=False, created_at__gte=since)
        .filter(
            Q(agent_type__in=PLAN_FEEDBACK_AGENTS) | Q(execution__kind__in=PLAN_KINDS) | ~Q(rejected_exercise_ids=[])
        )
        .select_related("execution")
        .order_by("-created_at")[:MAX_FEEDBACK]
    )
    avoid: dict[int, None] = {}
    summaries: list[dict[str, Any]] = []
    for entry in feedback:
        on_plans = entry.agent_type in PLAN_FEEDBACK_AGENTS or (
            entry.execution is not None and entry.execution.kind in PLAN_KINDS
        )
        named = _named_exercises([entry.text]) if entry.text and on_plans else {}
        ids = [int(exercise_id) for exercise_id in entry.rejected_exercise_ids or []] + list(named)
        avoid.update(dict.fromkeys(ids))
        summaries.append({"feedback_id": entry.id, "agent_type": entry.agent_type, "exercise_ids": ids})
    existing = set(Exercise.objects.filter(id__in=list(avoid)).values_list("id", flat=True))
    return [exercise_id for exercise_id in avoid if exercise_id in existing], summaries


# ---------------------------------------------------------------- the current plan


def current_plan(user: User, plan_id: int | None = None) -> WorkoutPlan | None:
    """The plan to work on: `plan_id` when the user may follow it (a template or their own plan),
    else the plan of their active assignment (the latest started)."""
    if plan_id is not None:
        return plan_usable_by(plan_id=plan_id, user=user)
    assignment = (
        UserPlan.objects.filter(user=user, status=UserPlan.Status.ACTIVE)
        .select_related("plan")
        .order_by("-start_date", "-id")
        .first()
    )
    return assignment.plan if assignment is not None else None


def plan_schedule(plan: WorkoutPlan, *, language: str) -> dict[str, Any]:
    """A stored plan in the draft's shape: {"plan_id", "weeks": [{week, days: [{day, name, rest,
    exercises: [...]}]}]}, every week with its seven days."""
    fr = language == "fr"
    rows = (
        PlanExercise.objects.filter(plan=plan)
        .select_related("exercise")
        .order_by("week_number", "day_number", "order_in_day")
    )
    by_day: dict[tuple[int, int], list[dict[str, Any]]] = {}
    for row in rows:
        name = (row.exercise.exercise_fr if fr else None) or row.exercise.exercise_en
        by_day.setdefault((row.week_number, row.day_number), []).append(
            {
                "exercise_id": row.exercise_id,
                "name": name,
                "sets": row.sets,
                "reps": row.reps,
                "duration_seconds": row.duration_seconds,
                "rest_seconds": row.rest_seconds,
                "notes": (row.notes_fr if fr else "") or row.notes,
            }
        )
    weeks = []
    for week in range(1, max(1, plan.weeks) + 1):
        days = []
        for day in range(1, 8):
            exercises = by_day.get((week, day), [])
            days.append(
                {
                    "day": day,
                    "name": ("Repos" if fr else "Rest") if not exercises else (f"Jour {day}" if fr else f"Day {day}"),
                    "rest": not exercises,
                    "exercises": exercises,
                }
            )
        weeks.append({"week": week, "days": days})
    return {"plan_id": plan.id, "weeks": weeks}


def plan_context(plan: WorkoutPlan) -> dict[str, Any]:
    """The parameters of a stored plan, in the coach's codes."""
    return {
        "plan_id": plan.id,
        "goal": COACH_GOALS.get(plan.goal, "general_fitness"),
        "level": level_code(plan.difficulty) or "beginner",
        "weeks": max(MIN_WEEKS, min(int(plan.weeks), MAX_WEEKS)),
        "days_per_week": max(1, min(int(plan.days_per_week), MAX_DAYS)),
        "name": plan.name_en,
    }


def require_current_plan(user: User, plan_id: int | None, *, language: str) -> WorkoutPlan:
    plan = current_plan(user, plan_id)
    if plan is None:
        if plan_id is not None:
            raise WorkflowError(
                f"Aucun programme {plan_id} que vous pouvez suivre."
                if language == "fr"
                else f"No plan {plan_id} that you can follow."
            )
        raise WorkflowError(
            "Vous ne suivez aucun programme : choisissez-en un ou générez-en un d'abord."
            if language == "fr"
            else "You follow no plan yet: start one or generate one first."
        )
    return plan
