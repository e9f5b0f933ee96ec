"""The coach's tools: what a model (or the rules engine) may read about the library and the user.

The user is never an argument. `coach_tools(user=...)` builds the tools for one request, closed
over the user the request authenticated or named, so the argument schemas a model sees hold no
user id and a model cannot ask for another user's data (an extra `user_id` it invents is dropped).
`call_tool(name, args, user=...)` runs the same code from plain Python (the rules engine).

Every tool is read-only, returns a JSON-serialisable dict with bounded output (at most
MAX_EXERCISES exercises, MAX_LOGS logs) and never raises: a problem comes back as
{"error": "..."} (as the JSON text of that dict when a model's arguments fail the schema, since a
tool message is text anyway).
"""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.db.models import BooleanField, F, QuerySet
from django.db.models.expressions import RawSQL
from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, Field, ValidationError
from pydantic.v1 import ValidationError as ValidationErrorV1

from coach import metrics
from exercises.models import Exercise
from exercises.selectors import STAPLE_SQL, exercise_filter, exercise_list, exercise_search
from exercises.taxonomy import DIFFICULTIES, EQUIPMENT, MUSCLES, normalize
from tracking.models import UserWorkoutLog
from tracking.selectors import user_today, workout_log_list

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger("movoai.coach.tools")

MAX_EXERCISES = 10
MAX_LOGS = 30
MAX_HISTORY_DAYS = 365
MAX_METRIC_WEEKS = 26
MAX_NOTE_CHARS = 200
LANGUAGES = ("en", "fr")

NO_USER_MESSAGE = (
    "No user is known in this conversation, so there is no {what} to read. "
    "Ask the person for what you need, or suggest they sign in to get advice based on their own data."
)
FAILURE_MESSAGE = "The {tool} tool could not answer just now. Try again or answer without it."

ToolResult = dict[str, Any]


class ToolInputError(Exception):
    """An argument the tool cannot use; its message is shown to the model."""


@dataclass(frozen=True)
class ToolContext:
    """What a tool knows about the request: the user (None when anonymous) and the language."""

    user: User | None
    language: str


# The argument schemas the model sees: no user id, ever.


class NoArguments(BaseModel):
    pass


class SearchExercisesArgs(BaseModel):
    query: str = Field(
        default="",
        max_length=200,
        description="Free text in English or French, e.g. 'bench press', 'développé couché', 'squat'. "
        "May be empty when filters are given.",
    )
    muscles: list[str] = Field(
        default_factory=list,
        max_length=len(MUSCLES),
        description="Primary muscles, any of: " + ", ".join(MUSCLES) + ".",
    )
    equipment: list[str] = Field(
        default_factory=list,
        max_length=len(EQUIPMENT),
        description="Equipment the exercise may use (any of them): " + ", ".join(EQUIPMENT) + ".",
    )
    difficulty: str | None = Field(default=None, description="One of: " + ", ".join(DIFFICULTIES) + ".")
    limit: int = Field(default=MAX_EXERCISES, description=f"How many exercises, at most {MAX_EXERCISES}.")


class WorkoutHistoryArgs(BaseModel):
    days: int = Field(default=30, description=f"How many days back from today, 1 to {MAX_HISTORY_DAYS}.")
    limit: int = Field(default=MAX_LOGS, description=f"How many logs, newest first, at most {MAX_LOGS}.")


class FitnessMetricsArgs(BaseModel):
    weeks: int = Field(
        default=8, description=f"How many weeks of training volume, the current one included, 2 to {MAX_METRIC_WEEKS}."
    )


# Helpers


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def _number(value: Decimal | float | int | None) -> float | None:
    return float(value) if value is not None else None


def _codes(values: list[str], vocabulary: dict[str, tuple[str, str]], what: str) -> list[str]:
    """Taxonomy codes for the given codes or labels (English or French, accents and case ignored)."""
    lookup: dict[str, str] = {}
    for code, (english, french) in vocabulary.items():
        for word in (code, english, french):
            lookup[normalize(word)] = code
    codes: list[str] = []
    for value in values:
        found = lookup.get(normalize(value))
        if found is None:
            raise ToolInputError(f"Unknown {what} {value!r}. Use one of: {', '.join(vocabulary)}.")
        if found not in codes:
            codes.append(found)
    return codes


def _require_user(context: ToolContext, what: str) -> User:
    if context.user is None:
        raise ToolInputError(NO_USER_MESSAGE.format(what=what))
    return context.user


# The tools' code, shared by the LangChain tools and call_tool.


def _get_user_profile(context: ToolContext, _args: NoArguments) -> ToolResult:
    user = _require_user(context, "profile")
    return {
        "display_name": user.display_name,
        "preferred_language": user.preferred_language,
        "time_zone": user.time_zone,
        "gender": user.gender,
        "age": user.age,
        "weight_kg": _number(user.weight_kg),
        "height_cm": _number(user.height_cm),
        "fitness_level": user.fitness_level,
        "fitness_goals": list(user.fitness_goals),
        "workout_style": user.workout_style,
        "daily_activity": user.daily_activity,
        "available_equipment": list(user.available_equipment),
        "limitations": list(user.limitations),
        "workout_count": UserWorkoutLog.objects.filter(user=user).count(),
    }


def _search_exercises(context: ToolContext, args: SearchExercisesArgs) -> ToolResult:
    muscles = _codes(args.muscles, MUSCLES, "muscle")
    equipment = _codes(args.equipment, EQUIPMENT, "equipment")
    difficulty = _codes([args.difficulty], DIFFICULTIES, "difficulty")[0] if args.difficulty else None
    query = args.query.strip()
    if not query and not (muscles or equipment or difficulty):
        raise ToolInputError("Give a query, or at least one filter (muscles, equipment, difficulty).")
    queryset: QuerySet[Exercise] = exercise_filter(
        exercise_list(), muscles=muscles, equipment=equipment, difficulty=difficulty
    )
    if query:
        queryset = exercise_search(queryset, query=query)
    else:
        # Filters only: the common lifts the template plans use first, then library order.
        staple = RawSQL(STAPLE_SQL, [], output_field=BooleanField())  # noqa: S611 - constant SQL
        queryset = queryset.annotate(search_staple=staple).order_by(F("search_staple").desc(), "id")
    limit = _clamp(args.limit, 1, MAX_EXERCISES)
    exercises = [
        {
            "id": exercise.id,
            "name": exercise.name_in(context.language),
            "muscles": list(exercise.muscles),
            "equipment": list(exercise.equipments),
            "difficulty": exercise.difficulty,
        }
        for exercise in queryset[:limit]
    ]
    return {"language": context.language, "count": len(exercises), "exercises": exercises}


def _get_workout_history(context: ToolContext, args: WorkoutHistoryArgs) -> ToolResult:
    user = _require_user(context, "workout history")
    days = _clamp(args.days, 1, MAX_HISTORY_DAYS)
    limit = _clamp(args.limit, 1, MAX_LOGS)
    today = user_today(user=user)
    start = today - datetime.timedelta(days=days - 1)
    queryset = workout_log_list(user=user, start_date=start)
    # One more than shown tells whether the list was cut, without counting them all.
    logs = list(queryset[: limit + 1])
    shown = logs[:limit]
    return {
        "start_date": start.isoformat(),
        "end_date": today.isoformat(),
        "count": len(shown),
        "truncated": len(logs) > limit,
        "logs": [
            {
                "date": log.date_performed.isoformat(),
                "exercise_id": log.exercise_id,
                "exercise_name": log.exercise.name_in(context.language) if log.exercise else None,
                "sets": log.sets_completed,
                "reps": log.reps_completed,
                "weight_kg": _number(log.weight_kg),
                "duration_seconds": log.duration_seconds,
                "rpe": log.rpe,
                "volume_kg": metrics.log_volume(
                    sets=log.sets_completed, reps=log.reps_completed, weight_kg=log.weight_kg
                ),
                "notes": log.notes[:MAX_NOTE_CHARS],
            }
            for log in shown
        ],
    }


def _calculate_fitness_metrics(context: ToolContext, args: FitnessMetricsArgs) -> ToolResult:
    user = _require_user(context, "profile or workout history")
    weeks = _clamp(args.weeks, 2, MAX_METRIC_WEEKS)
    today = user_today(user=user)
    window_start = metrics.week_start(today) - datetime.timedelta(weeks=weeks - 1)

    body_mass = metrics.bmi(weight_kg=user.weight_kg, height_cm=user.height_cm)
    basal = metrics.bmr(weight_kg=user.weight_kg, height_cm=user.height_cm, age=user.age, gender=user.gender)
    energy = metrics.daily_energy_need(bmr_kcal=basal.kcal if basal else None, daily_activity=user.daily_activity)
    missing = {
        "bmi": [f for f in ("weight_kg", "height_cm") if getattr(user, f) is None] if body_mass is None else [],
        "bmr": [f for f in ("weight_kg", "height_cm", "age") if getattr(user, f) is None] if basal is None else [],
        "daily_energy_need": ["daily_activity"] if basal and energy is None else [],
    }

    rows = workout_log_list(user=user, start_date=window_start, end_date=today).values_list(
        "date_performed", "sets_completed", "reps_completed", "weight_kg"
    )
    entries = [metrics.LogVolumeEntry(day, sets, reps, weight) for day, sets, reps, weight in rows]
    # The series starts at the first week trained in the window: weeks before the user began are not
    # a rise from zero.
    first_day = min((entry.date_performed for entry in entries), default=None)
    weekly = metrics.weekly_volume(entries, start=first_day, end=today) if first_day else []
    # The current week is not over: the trend reads complete weeks only.
    complete = [week for week in weekly if week.week_start < metrics.week_start(today)]
    trend = metrics.progress_trend([(week.week_start, week.volume_kg) for week in complete])
    return {
        "bmi": asdict(body_mass) if body_mass else None,
        "bmr": asdict(basal) if basal else None,
        "daily_energy_need_kcal": energy,
        "activity_factor": metrics.activity_factor(user.daily_activity),
        "missing_profile_fields": {metric: fields for metric, fields in missing.items() if fields},
        "weekly_volume": [{**asdict(week), "week_start": week.week_start.isoformat()} for week in weekly],
        "volume_trend": {**asdict(trend), "weeks": len(complete)} if trend else None,
        "formulas": {
            "bmi": "weight_kg / height_m^2 (WHO categories)",
            "bmr": "Mifflin-St Jeor: 10 x kg + 6.25 x cm - 5 x age + 5 (men) or - 161 (women)",
            "daily_energy_need": "BMR x activity factor",
            "volume": "sets x reps x weight_kg, per week from Monday",
            "trend": "least-squares slope per week over complete weeks, flat within 2 % of the mean",
        },
    }


ArgsT = TypeVar("ArgsT", bound=BaseModel)


@dataclass(frozen=True)
class _ToolSpec(Generic[ArgsT]):
    name: str
    description: str
    args_schema: type[ArgsT]
    run: Callable[[ToolContext, ArgsT], ToolResult]


_SPECS: dict[str, _ToolSpec[Any]] = {
    spec.name: spec
    for spec in (
        _ToolSpec(
            "get_user_profile",
            "The current user's profile: age, weight, height, gender, fitness level and goals, daily activity, "
            "available equipment, limitations, language, and how many workouts they logged.",
            NoArguments,
            _get_user_profile,
        ),
        _ToolSpec(
            "search_exercises",
            f"Search the exercise library (English or French) by free text and/or filters. Returns at most "
            f"{MAX_EXERCISES} exercises: id, name in the user's language, primary muscles, equipment, difficulty.",
            SearchExercisesArgs,
            _search_exercises,
        ),
        _ToolSpec(
            "get_workout_history",
            f"The current user's recent workout logs, newest first (at most {MAX_LOGS}): date, exercise, sets, "
            "reps, weight, duration, RPE, volume.",
            WorkoutHistoryArgs,
            _get_workout_history,
        ),
        _ToolSpec(
            "calculate_fitness_metrics",
            "The current user's BMI (WHO category), BMR (Mifflin-St Jeor), daily energy need, training volume "
            "per week and its trend (improving, flat or declining), with the profile fields still missing.",
            FitnessMetricsArgs,
            _calculate_fitness_metrics,
        ),
    )
}

TOOL_NAMES: tuple[str, ...] = tuple(_SPECS)


def _error_text(error: ValidationError | ValidationErrorV1) -> str:
    problems = [f"{'.'.join(str(part) for part in e['loc']) or 'arguments'}: {e['msg']}" for e in error.errors()]
    return "Invalid arguments: " + "; ".join(problems)


def _validation_error_content(error: ValidationError | ValidationErrorV1) -> str:
    # What LangChain returns when a model's arguments fail the schema: text, so the dict as JSON.
    return json.dumps({"error": _error_text(error)}, ensure_ascii=False)


def _run(spec: _ToolSpec[Any], context: ToolContext, arguments: Any) -> ToolResult:
    """Validate the arguments with the tool's schema and run it; every failure is {"error": ...}."""
    try:
        args = spec.args_schema.model_validate(arguments if arguments is not None else {})
        return spec.run(context, args)
    except ValidationError as error:
        return {"error": _error_text(error)}
    except ToolInputError as error:
        return {"error": str(error)}
    except Exception:
        logger.exception("coach tool %s failed", spec.name)
        return {"error": FAILURE_MESSAGE.format(tool=spec.name)}


def _context(user: User | None, language: str | None) -> ToolContext:
    chosen = language or (user.preferred_language if user is not None else None)
    return ToolContext(user=user, language=chosen if chosen in LANGUAGES else "en")


def _structured_tool(spec: _ToolSpec[Any], context: ToolContext) -> StructuredTool:
    first_field = next(iter(spec.args_schema.model_fields), None)

    def invoke(*positional: Any, **arguments: Any) -> ToolResult:
        # A bare string input (tool.invoke("squat")) is the first argument, as LangChain validated it.
        if positional and first_field:
            arguments = {first_field: positional[0], **arguments}
        return _run(spec, context, arguments)

    return StructuredTool.from_function(
        func=invoke,
        name=spec.name,
        description=spec.description,
        args_schema=spec.args_schema,
        infer_schema=False,
        handle_validation_error=_validation_error_content,
    )


def coach_tools(*, user: User | None, language: str | None = None) -> list[BaseTool]:
    """The coach's tools for one request, bound to `user` (None when anonymous: the user's tools then
    answer that no user is known). `language` ("en" or "fr") names exercises; by default the user's
    preferred language, else English."""
    context = _context(user, language)
    return [_structured_tool(spec, context) for spec in _SPECS.values()]


def call_tool(name: str, args: dict[str, Any] | None, *, user: User | None, language: str | None = None) -> ToolResult:
    """Run a coach tool from Python, exactly as the LangChain tool runs it: same validation, same
    code, same {"error": ...} on failure."""
    spec = _SPECS.get(name)
    if spec is None:
        return {"error": f"Unknown tool {name!r}. Tools: {', '.join(TOOL_NAMES)}."}
    return _run(spec, _context(user, language), args)
