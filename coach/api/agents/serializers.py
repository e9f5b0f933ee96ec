"""Input and output of the multi-agent planner's endpoints and of the agents' feedback.

Like the other AI endpoints, a request may carry fields the endpoint does not read: they are not
refused but named back in `ignored_fields`. Aliases (`weeks` for `duration_weeks`, `equipment` for
`available_equipment`, `constraints.*`, `gender` for `sex`, ...) are read alike, and when two of them
disagree the request is a 400 naming both. Words are read into the library's codes in English or
French (coach.validation); a value not understood is a 400 naming it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from coach.api.serializers import CoachTextField
from coach.feedback import FEEDBACK_TYPES
from coach.models import AgentExecution, AgentFeedback
from coach.validation import GOAL_CODES, MAX_TRAINING_DAYS, equipment_codes, goal_codes, level_code
from exercises.models import Exercise
from exercises.taxonomy import normalize
from movoai.api import TextUUIDField

MAX_LIST = 20
MAX_PLANNED_EXERCISES = 200
MAX_REJECTED_EXERCISES = 50
WEEKS_RANGE = (1, 12)
SESSION_MINUTES_RANGE = (15, 120)
REST_DAY_RULE = (
    f"At most {MAX_TRAINING_DAYS} training days a week: every week of a plan keeps at least one rest day for recovery."
)
KIND_CHOICES = [choice for choice, _label in AgentExecution.Kind.choices]
STATUS_CHOICES = [choice for choice, _label in AgentExecution.Status.choices]


# ---------------------------------------------------------------- reading aliases and words


def _show(value: Any) -> str:
    if isinstance(value, list | tuple | set | frozenset):
        return "[" + ", ".join(str(item) for item in value) + "]"
    return str(value)


def agreed(given: Iterable[tuple[str, Any]], *, key: Callable[[Any], Any] = lambda value: value) -> Any:
    """The value a request gives under one or more names (None when it gives none); a 400 naming
    both names when two of them disagree (compared by `key`)."""
    present = [(name, value) for name, value in given if value is not None]
    if not present:
        return None
    first_name, first = present[0]
    for name, value in present[1:]:
        if key(value) != key(first):
            raise serializers.ValidationError(
                {name: [f"Conflicts with `{first_name}` ({_show(first)} here, {_show(value)} there): send one value."]}
            )
    return first


def equipment_of(values: list[str] | None, field_name: str) -> list[str] | None:
    """The equipment codes of the values (None when not given); a 400 naming what is not understood."""
    if values is None:
        return None
    codes, unknown = equipment_codes(values)
    if unknown:
        names = ", ".join(repr(value) for value in unknown)
        raise serializers.ValidationError(
            {
                field_name: [
                    f"Not equipment we know: {names}. Use the codes of GET /api/v1/exercises/taxonomy "
                    "(dumbbell, barbell, body weight, ...) or their English or French names."
                ]
            }
        )
    return codes


def goals_of(values: list[str] | None, field_name: str) -> list[str] | None:
    """The coach goal codes of the values, in order (None when not given); a 400 naming each value
    not understood."""
    if values is None:
        return None
    codes: list[str] = []
    unknown: list[str] = []
    for value in values:
        found = goal_codes([value])
        if not found:
            unknown.append(value)
        codes += [code for code in found if code not in codes]
    if unknown:
        names = ", ".join(repr(value) for value in unknown)
        raise serializers.ValidationError(
            {
                field_name: [
                    f"Not a goal we know: {names}. Goals: {', '.join(GOAL_CODES)} (or muscle_gain, fat_loss, "
                    "in English or French words)."
                ]
            }
        )
    return codes


def level_of(value: str | None, field_name: str = "fitness_level") -> str | None:
    if value is None or not value.strip():
        return None
    code = level_code(value)
    if code is None:
        raise serializers.ValidationError(
            {field_name: [f"Not a level we know: {value!r}. Levels: beginner, intermediate, advanced."]}
        )
    return code


def _limitation_key(values: list[str]) -> frozenset[str]:
    return frozenset(normalize(value) for value in values)


def _listed(values: list[str]) -> list[str]:
    """The values without blanks and repeats, in order."""
    seen: list[str] = []
    for value in values:
        value = value.strip()
        if value and value not in seen:
            seen.append(value)
    return seen


def _text_list(max_length: int = 100) -> serializers.ListField:
    return serializers.ListField(
        child=CoachTextField(max_length=max_length), max_length=MAX_LIST, required=False, allow_null=True
    )


def _word_list(help_text: str) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(max_length=60),
        max_length=MAX_LIST,
        required=False,
        allow_null=True,
        help_text=help_text,
    )


EQUIPMENT_HELP = "Equipment codes (GET /api/v1/exercises/taxonomy) or English/French names; [] or 'none': body weight."
LIMITATIONS_HELP = "Areas to spare, in words (knee, lower back, épaule...). The profile's limitations always count too."


# ---------------------------------------------------------------- the planner's requests


class ConstraintsInput(serializers.Serializer[Any]):
    equipment = _word_list(EQUIPMENT_HELP)
    available_equipment = _word_list(EQUIPMENT_HELP)
    session_minutes = serializers.IntegerField(
        min_value=SESSION_MINUTES_RANGE[0], max_value=SESSION_MINUTES_RANGE[1], required=False, allow_null=True
    )
    limitations = _text_list()


class GeneratePlanInput(serializers.Serializer[Any]):
    """A multi-week plan to generate. `validated_data` holds what the request says, in codes, under
    one name each (None: not said; the profile fills it)."""

    duration_weeks = serializers.IntegerField(
        min_value=WEEKS_RANGE[0], max_value=WEEKS_RANGE[1], required=False, allow_null=True, help_text="Default 4."
    )
    weeks = serializers.IntegerField(
        min_value=WEEKS_RANGE[0],
        max_value=WEEKS_RANGE[1],
        required=False,
        allow_null=True,
        help_text="Alias of duration_weeks.",
    )
    days_per_week = serializers.IntegerField(
        min_value=1, max_value=7, required=False, allow_null=True, help_text="1 to 6 (a rest day each week). Default 3."
    )
    goals = _word_list(f"Goals: {', '.join(GOAL_CODES)}, or plan goals and English/French words. The first leads.")
    goal = serializers.CharField(max_length=60, required=False, allow_null=True, help_text="One goal (alias).")
    fitness_level = serializers.CharField(
        max_length=30, required=False, allow_null=True, help_text="beginner, intermediate or advanced (EN/FR)."
    )
    available_equipment = _word_list(EQUIPMENT_HELP)
    equipment = _word_list("Alias of available_equipment.")
    session_minutes = serializers.IntegerField(
        min_value=SESSION_MINUTES_RANGE[0],
        max_value=SESSION_MINUTES_RANGE[1],
        required=False,
        allow_null=True,
        help_text="15 to 120 minutes per session. Default 45.",
    )
    limitations = _text_list()
    preferences = CoachTextField(max_length=500, required=False, allow_blank=True, allow_null=True)
    review = serializers.BooleanField(
        required=False, default=False, help_text="Pause before saving the plan: resume it to approve or revise."
    )
    start_date = serializers.DateField(
        required=False, allow_null=True, help_text="Assign the plan to the user from this date once it is saved."
    )
    constraints = ConstraintsInput(required=False, allow_null=True)

    def validate_days_per_week(self, value: int | None) -> int | None:
        if value is not None and value > MAX_TRAINING_DAYS:
            raise serializers.ValidationError(REST_DAY_RULE)
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        constraints: Mapping[str, Any] = attrs.get("constraints") or {}
        goal = attrs.get("goal")
        goals_given = goals_of(attrs.get("goals"), "goals")
        goal_given = goals_of([goal], "goal") if goal is not None else None
        if goals_given is not None and goal_given and goal_given[0] not in goals_given:
            raise serializers.ValidationError(
                {"goal": [f"Conflicts with `goals` ({_show(goals_given)}): send one value."]}
            )
        equipment = agreed(
            [
                ("available_equipment", equipment_of(attrs.get("available_equipment"), "available_equipment")),
                ("equipment", equipment_of(attrs.get("equipment"), "equipment")),
                ("constraints.equipment", equipment_of(constraints.get("equipment"), "constraints.equipment")),
                (
                    "constraints.available_equipment",
                    equipment_of(constraints.get("available_equipment"), "constraints.available_equipment"),
                ),
            ],
            key=frozenset,
        )
        limitations = agreed(
            [("limitations", attrs.get("limitations")), ("constraints.limitations", constraints.get("limitations"))],
            key=_limitation_key,
        )
        return {
            "weeks": agreed([("duration_weeks", attrs.get("duration_weeks")), ("weeks", attrs.get("weeks"))]),
            "days_per_week": attrs.get("days_per_week"),
            "goals": goals_given if goals_given is not None else goal_given,
            "level": level_of(attrs.get("fitness_level")),
            "equipment": equipment,
            "session_minutes": agreed(
                [
                    ("session_minutes", attrs.get("session_minutes")),
                    ("constraints.session_minutes", constraints.get("session_minutes")),
                ]
            ),
            "limitations": _listed(limitations) if limitations is not None else None,
            "preferences": (attrs.get("preferences") or "").strip(),
            "review": bool(attrs.get("review")),
            "start_date": attrs.get("start_date"),
        }


class OptimizePlanInput(serializers.Serializer[Any]):
    plan_id = serializers.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        required=False,
        allow_null=True,
        help_text="A template or one of the user's own plans; default: the plan of their active assignment.",
    )


class AdaptiveWorkoutInput(serializers.Serializer[Any]):
    session_minutes = serializers.IntegerField(
        min_value=SESSION_MINUTES_RANGE[0],
        max_value=SESSION_MINUTES_RANGE[1],
        required=False,
        allow_null=True,
        help_text="15 to 120. Default 45.",
    )
    available_equipment = _word_list(EQUIPMENT_HELP)
    equipment = _word_list("Alias of available_equipment.")
    limitations = _text_list()
    fitness_level = serializers.CharField(max_length=30, required=False, allow_null=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        equipment = agreed(
            [
                ("available_equipment", equipment_of(attrs.get("available_equipment"), "available_equipment")),
                ("equipment", equipment_of(attrs.get("equipment"), "equipment")),
            ],
            key=frozenset,
        )
        limitations = attrs.get("limitations")
        return {
            "session_minutes": attrs.get("session_minutes"),
            "equipment": equipment,
            "limitations": _listed(limitations) if limitations is not None else None,
            "level": level_of(attrs.get("fitness_level")),
        }


class PlannedExerciseInput(serializers.Serializer[Any]):
    exercise_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    sets = serializers.IntegerField(min_value=1, max_value=20, required=False, allow_null=True)
    reps = serializers.IntegerField(min_value=1, max_value=200, required=False, allow_null=True)
    week = serializers.IntegerField(min_value=1, max_value=52, required=False, allow_null=True)
    week_number = serializers.IntegerField(min_value=1, max_value=52, required=False, allow_null=True)
    day = serializers.IntegerField(min_value=1, max_value=7, required=False, allow_null=True)
    day_number = serializers.IntegerField(min_value=1, max_value=7, required=False, allow_null=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return {
            "exercise_id": attrs["exercise_id"],
            "week": agreed([("week", attrs.get("week")), ("week_number", attrs.get("week_number"))]),
            "day": agreed([("day", attrs.get("day")), ("day_number", attrs.get("day_number"))]),
            "sets": attrs.get("sets"),
            "reps": attrs.get("reps"),
        }


class InjuryRiskInput(serializers.Serializer[Any]):
    # A ListField, not many=True: with many=True, allow_null would let null items through as well.
    exercises = serializers.ListField(
        child=PlannedExerciseInput(), required=False, allow_null=True, max_length=MAX_PLANNED_EXERCISES
    )
    planned_exercises = serializers.ListField(
        child=PlannedExerciseInput(), required=False, allow_null=True, max_length=MAX_PLANNED_EXERCISES
    )
    plan_id = serializers.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        required=False,
        allow_null=True,
        help_text="Review this plan (a template or one of the user's own) instead of a list.",
    )
    limitations = _text_list()
    fitness_level = serializers.CharField(max_length=30, required=False, allow_null=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        exercises = agreed(
            [("exercises", attrs.get("exercises")), ("planned_exercises", attrs.get("planned_exercises"))],
            key=lambda items: [tuple(sorted(item.items())) for item in items],
        )
        if exercises is not None and attrs.get("plan_id") is not None:
            raise serializers.ValidationError({"plan_id": ["Give the planned exercises or a plan_id, not both."]})
        if exercises:
            ids = {item["exercise_id"] for item in exercises}
            known = set(Exercise.objects.filter(id__in=ids).values_list("id", flat=True))
            unknown = sorted(ids - known)
            if unknown:
                listed = ", ".join(str(exercise_id) for exercise_id in unknown)
                raise serializers.ValidationError({"exercises": [f"No exercise has the id {listed}."]})
        limitations = attrs.get("limitations")
        return {
            "exercises": exercises or None,
            "plan_id": attrs.get("plan_id"),
            "limitations": _listed(limitations) if limitations is not None else None,
            "level": level_of(attrs.get("fitness_level")),
        }


# ---- nutrition

SEXES = ("male", "female", "other", "prefer_not_to_say")
_SEX_WORDS: dict[str, str] = {
    **dict.fromkeys(("male", "m", "man", "homme", "masculin", "h"), "male"),
    **dict.fromkeys(("female", "f", "woman", "femme", "feminin"), "female"),
    **dict.fromkeys(("other", "autre", "non binary", "nonbinary"), "other"),
    **dict.fromkeys(("prefer not to say", "ne se prononce pas", "unspecified"), "prefer_not_to_say"),
}
ACTIVITY_LEVELS = ("sedentary", "lightly_active", "moderately_active", "very_active", "extra_active")
_ACTIVITY_WORDS: dict[str, str] = {
    **dict.fromkeys(("sedentary", "sedentaire", "inactive", "none", "inactif"), "sedentary"),
    **dict.fromkeys(("lightly active", "light", "low", "leger", "legere", "peu actif", "peu active"), "lightly_active"),
    **dict.fromkeys(
        ("moderately active", "moderate", "medium", "modere", "moderee", "moyen", "moderement actif"),
        "moderately_active",
    ),
    **dict.fromkeys(("very active", "active", "actif", "high", "tres actif", "tres active"), "very_active"),
    **dict.fromkeys(
        ("extra active", "extra", "extremely active", "athlete", "extremement actif", "extremement active"),
        "extra_active",
    ),
}
NUTRITION_GOALS = ("fat_loss", "maintenance", "muscle_gain", "strength", "endurance", "mobility", "general_fitness")
_MAINTENANCE_WORDS = frozenset({"maintenance", "maintain", "maintain weight", "maintien", "maintenir", "stable"})
_NUTRITION_GOAL_OF_CODE = {"weight_loss": "fat_loss", "hypertrophy": "muscle_gain"}


def sex_of(value: str | None, field_name: str = "sex") -> str | None:
    """male, female, other or prefer_not_to_say (EN/FR words; the last two use the average of the
    two equations); None when not given; a 400 for a word not understood."""
    if value is None or not value.strip():
        return None
    sex = _SEX_WORDS.get(normalize(value))
    if sex is None:
        raise serializers.ValidationError({field_name: [f"{value!r}: give one of {', '.join(SEXES)}."]})
    return sex


def sex_from_profile(gender: str | None) -> str | None:
    return _SEX_WORDS.get(normalize(gender)) if gender else None


def activity_of(value: str | None, field_name: str = "activity_level") -> str | None:
    if value is None or not value.strip():
        return None
    activity = _ACTIVITY_WORDS.get(normalize(value))
    if activity is None:
        raise serializers.ValidationError(
            {field_name: [f"Not an activity level we know: {value!r}. Levels: {', '.join(ACTIVITY_LEVELS)}."]}
        )
    return activity


def activity_from_profile(daily_activity: str | None) -> str | None:
    return _ACTIVITY_WORDS.get(normalize(daily_activity)) if daily_activity else None


def nutrition_goal_of(value: str, field_name: str = "goal") -> str:
    """The nutrition goal of a word: fat_loss, maintenance, muscle_gain, or another coach goal code."""
    if normalize(value) in _MAINTENANCE_WORDS:
        return "maintenance"
    codes = goal_codes([value])
    if not codes:
        raise serializers.ValidationError(
            {field_name: [f"Not a goal we know: {value!r}. Goals: {', '.join(NUTRITION_GOALS)}."]}
        )
    return _NUTRITION_GOAL_OF_CODE.get(codes[0], codes[0])


class NutritionInput(serializers.Serializer[Any]):
    age = serializers.IntegerField(min_value=13, max_value=100, required=False, allow_null=True)
    sex = serializers.CharField(
        max_length=20, required=False, allow_null=True, help_text="male, female, other or prefer_not_to_say."
    )
    gender = serializers.CharField(max_length=20, required=False, allow_null=True, help_text="Alias of sex.")
    weight_kg = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal(25), max_value=Decimal(350), required=False, allow_null=True
    )
    height_cm = serializers.DecimalField(
        max_digits=5, decimal_places=1, min_value=Decimal(100), max_value=Decimal(250), required=False, allow_null=True
    )
    activity_level = serializers.CharField(
        max_length=40,
        required=False,
        allow_null=True,
        help_text=f"{', '.join(ACTIVITY_LEVELS)} (or moderate, active, ...).",
    )
    daily_activity = serializers.CharField(
        max_length=40, required=False, allow_null=True, help_text="Alias of activity_level."
    )
    goal = serializers.CharField(
        max_length=60, required=False, allow_null=True, help_text=f"{', '.join(NUTRITION_GOALS)} (or weight_loss...)."
    )
    goals = _word_list("Alias of goal: the first counts.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        goals = attrs.get("goals") or None
        goal = agreed(
            [
                ("goal", nutrition_goal_of(attrs["goal"], "goal") if attrs.get("goal") else None),
                ("goals", nutrition_goal_of(goals[0], "goals") if goals else None),
            ]
        )
        return {
            "age": attrs.get("age"),
            "sex": agreed([("sex", sex_of(attrs.get("sex"))), ("gender", sex_of(attrs.get("gender"), "gender"))]),
            "weight_kg": attrs.get("weight_kg"),
            "height_cm": attrs.get("height_cm"),
            "activity_level": agreed(
                [
                    ("activity_level", activity_of(attrs.get("activity_level"))),
                    ("daily_activity", activity_of(attrs.get("daily_activity"), "daily_activity")),
                ]
            ),
            "goal": goal,
        }


class MotivationInput(serializers.Serializer[Any]):
    """Nothing to send: the coach reads the user's history."""


class ResumeInput(serializers.Serializer[Any]):
    approve = serializers.BooleanField(
        required=False, default=True, help_text="true: save the plan as it is; false: revise it with the notes."
    )
    notes = serializers.ListField(
        child=CoachTextField(max_length=500), max_length=MAX_LIST, required=False, default=list
    )


class ExecutionListParams(serializers.Serializer[Any]):
    type = serializers.ChoiceField(choices=KIND_CHOICES, required=False)
    status = serializers.ChoiceField(choices=STATUS_CHOICES, required=False)


# ---------------------------------------------------------------- executions, as clients see them


@extend_schema_field({"type": "string", "enum": STATUS_CHOICES}, component_name="ExecutionStatusEnum")
class ExecutionStatusField(serializers.CharField):
    """The execution's status (an inline enum: "status" names another enum in the schema)."""


def execution_links(execution_id: Any) -> dict[str, str]:
    path = reverse("ai-agents-execution", kwargs={"execution_id": execution_id})
    return {"self": path, "events": f"{path}/events", "websocket": f"/ws/executions/{execution_id}"}


class ExecutionLinksSerializer(serializers.Serializer[Any]):
    self = serializers.CharField(help_text="Poll here.")
    events = serializers.CharField(help_text="Server-Sent Events of the progress.")
    websocket = serializers.CharField(help_text="The same events over a WebSocket (ASGI server).")


class ExecutionSummarySerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    execution_id = serializers.UUIDField(source="id")
    type = serializers.CharField(source="kind")
    status = ExecutionStatusField()
    progress = serializers.IntegerField(help_text="0 to 100.")
    current_step = serializers.CharField()
    engine = serializers.SerializerMethodField(help_text="llm, rules or mixed; null until the execution ends.")
    fallback_used = serializers.BooleanField()
    plan_id = serializers.IntegerField(allow_null=True, help_text="The saved plan (plan generation).")
    error = serializers.CharField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    execution_time_ms = serializers.IntegerField(allow_null=True)
    links = serializers.SerializerMethodField()

    def get_engine(self, execution: AgentExecution) -> str | None:
        return execution.engine or None

    @extend_schema_field(ExecutionLinksSerializer)
    def get_links(self, execution: AgentExecution) -> dict[str, str]:
        return execution_links(execution.id)


class ExecutionDetailSerializer(ExecutionSummarySerializer):
    variants = serializers.JSONField(help_text="agent -> variant (A or B) of this run.")
    input = serializers.JSONField(help_text="The request as validated, the profile's values filled in.")
    output = serializers.JSONField(allow_null=True)
    result = serializers.JSONField(source="output", allow_null=True, help_text="The same as output.")
    agents = serializers.JSONField(
        source="agent_runs",
        help_text="One record per agent run, in order: agent, engine, variant, model, fallback_reason, "
        "duration_ms, reasoning (decision, why, data) and output.",
    )
    path = serializers.JSONField(help_text="The nodes of the workflow run, in order (the decision path).")
    events_count = serializers.SerializerMethodField()

    usage = serializers.SerializerMethodField(
        help_text="The model calls made for this execution, per agent: calls, failed, input_tokens, output_tokens, "
        "cost_usd (a decimal string). Empty when the rules answered everything."
    )

    def get_events_count(self, execution: AgentExecution) -> int:
        count: int = self.context.get("events_count", 0)
        return count

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "object"}})
    def get_usage(self, execution: AgentExecution) -> dict[str, Any]:
        usage: dict[str, Any] = self.context.get("usage", {})
        return usage


def _ignored_fields() -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Request fields this endpoint does not read (only when there are some).",
    )


class ExecutionAnswerSerializer(ExecutionDetailSerializer):
    """The answer of a single-agent request (200): the finished execution."""

    ignored_fields = _ignored_fields()


class ExecutionAcceptedSerializer(serializers.Serializer[Any]):
    """The answer of a request that started a workflow (202)."""

    execution_id = serializers.UUIDField(source="id")
    id = serializers.UUIDField()
    type = serializers.CharField(source="kind")
    status = ExecutionStatusField()
    progress = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    links = serializers.SerializerMethodField()
    ignored_fields = _ignored_fields()

    @extend_schema_field(ExecutionLinksSerializer)
    def get_links(self, execution: AgentExecution) -> dict[str, str]:
        return execution_links(execution.id)


# ---------------------------------------------------------------- feedback

_POSITIVE_WORDS = frozenset(
    {"positive", "pos", "1", "+1", "+", "up", "thumbs up", "like", "good", "yes", "true", "positif"}
)
_NEGATIVE_WORDS = frozenset(
    {"negative", "neg", "-1", "-", "down", "thumbs down", "dislike", "bad", "no", "false", "negatif", "0"}
)


def rating_of(value: str | None, field_name: str) -> bool | None:
    """True for a positive rating, False for a negative one (positive/negative, +1/-1, up/down)."""
    if value is None or not str(value).strip():
        return None
    word = str(value).strip().lower()
    if word not in ("+1", "-1", "+", "-"):
        word = normalize(word)
    if word in _POSITIVE_WORDS:
        return True
    if word in _NEGATIVE_WORDS:
        return False
    raise serializers.ValidationError({field_name: [f"{value!r}: give positive or negative (or +1 / -1)."]})


def feedback_type_of(value: str | None, field_name: str) -> str | None:
    if value is None or not value.strip():
        return None
    code = normalize(value).replace(" ", "_")
    if code not in FEEDBACK_TYPES:
        raise serializers.ValidationError(
            {field_name: [f"{value!r} is not an agent or a workflow. Give one of {', '.join(FEEDBACK_TYPES)}."]}
        )
    return code


class FeedbackInput(serializers.Serializer[Any]):
    agent_type = serializers.CharField(
        max_length=40, required=False, allow_null=True, help_text=f"One of {', '.join(FEEDBACK_TYPES)}."
    )
    agent = serializers.CharField(max_length=40, required=False, allow_null=True, help_text="Alias of agent_type.")
    rating = serializers.CharField(
        max_length=20, required=False, allow_null=True, help_text="positive or negative (or +1 / -1)."
    )
    sentiment = serializers.CharField(max_length=20, required=False, allow_null=True, help_text="Alias of rating.")
    is_positive = serializers.BooleanField(required=False, allow_null=True, help_text="Alias of rating.")
    positive = serializers.BooleanField(required=False, allow_null=True, help_text="Alias of rating.")
    text = CoachTextField(max_length=2000, required=False, allow_blank=True, allow_null=True)
    comment = CoachTextField(max_length=2000, required=False, allow_blank=True, allow_null=True)
    execution_id = TextUUIDField(required=False, allow_null=True, help_text="The execution judged (the user's own).")
    exercise_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        max_length=MAX_REJECTED_EXERCISES,
        required=False,
        allow_null=True,
        help_text="Exercises the user rejects: their next plans avoid them.",
    )
    rejected_exercise_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        max_length=MAX_REJECTED_EXERCISES,
        required=False,
        allow_null=True,
        help_text="Alias of exercise_ids.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        agent_type = agreed(
            [
                ("agent_type", feedback_type_of(attrs.get("agent_type"), "agent_type")),
                ("agent", feedback_type_of(attrs.get("agent"), "agent")),
            ]
        )
        positive = agreed(
            [
                ("rating", rating_of(attrs.get("rating"), "rating")),
                ("sentiment", rating_of(attrs.get("sentiment"), "sentiment")),
                ("is_positive", attrs.get("is_positive")),
                ("positive", attrs.get("positive")),
            ]
        )
        if positive is None:
            raise serializers.ValidationError({"rating": ["Required: positive or negative (or +1 / -1)."]})
        if agent_type is None and attrs.get("execution_id") is None:
            raise serializers.ValidationError({"agent_type": ["Required (or an execution_id to take it from)."]})
        exercise_ids = agreed(
            [
                ("exercise_ids", attrs.get("exercise_ids")),
                ("rejected_exercise_ids", attrs.get("rejected_exercise_ids")),
            ],
            key=frozenset,
        )
        return {
            "agent_type": agent_type,
            "positive": positive,
            "text": _joined_text(attrs.get("text"), attrs.get("comment")),
            "execution_id": attrs.get("execution_id"),
            "exercise_ids": list(dict.fromkeys(exercise_ids or [])),
        }


def _joined_text(text: str | None, comment: str | None) -> str:
    """`text` and `comment` are one field under two names; when both say something, neither is lost
    (unless one only repeats the other's words)."""
    parts = [part.strip() for part in (text, comment) if part and part.strip()]
    if len(parts) == 2:
        first, second = (normalize(part) for part in parts)
        if second in first:
            return parts[0]
        if first in second:
            return parts[1]
    return "\n".join(parts)


class FeedbackSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    agent_type = serializers.CharField()
    positive = serializers.BooleanField()
    rating = serializers.SerializerMethodField()
    text = serializers.CharField()
    execution_id = serializers.UUIDField(allow_null=True)
    exercise_ids = serializers.ListField(child=serializers.IntegerField(), source="rejected_exercise_ids")
    variant = serializers.CharField(help_text="The variant (A/B) of the agent in the execution judged.")
    created_at = serializers.DateTimeField()
    ignored_fields = _ignored_fields()

    def get_rating(self, feedback: AgentFeedback) -> str:
        return "positive" if feedback.positive else "negative"


# ---- stats period


class InstantField(serializers.Field[datetime.datetime, datetime.datetime, str, Any]):
    """A date (`2026-03-01`: its start, UTC) or an ISO datetime; `end_of_day` moves a plain date to
    the end of that day, so that `until=2026-03-31` includes the 31st."""

    def __init__(self, *, end_of_day: bool = False, **kwargs: Any) -> None:
        self.end_of_day = end_of_day
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> datetime.datetime:
        text = str(data).strip()
        try:
            if len(text) == 10:
                day = datetime.date.fromisoformat(text)
                start = datetime.datetime.combine(day, datetime.time(), datetime.UTC)
                return start + datetime.timedelta(days=1) if self.end_of_day else start
            moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise serializers.ValidationError(
                f"{text[:40]!r} is not a date (2026-03-31) or an ISO datetime (2026-03-31T12:00:00Z)."
            ) from None
        return moment if timezone.is_aware(moment) else moment.replace(tzinfo=datetime.UTC)

    def to_representation(self, value: datetime.datetime) -> str:
        return value.isoformat()


MAX_STATS_DAYS = 366


class FeedbackStatsParams(serializers.Serializer[Any]):
    days = serializers.IntegerField(min_value=1, max_value=MAX_STATS_DAYS, required=False)
    since = InstantField(required=False)
    until = InstantField(required=False, end_of_day=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "days" in attrs and "since" in attrs:
            raise serializers.ValidationError({"days": ["Give days or since, not both."]})
        until = attrs.get("until") or timezone.now()
        since = attrs.get("since") or until - datetime.timedelta(days=attrs.get("days", 30))
        if since >= until:
            raise serializers.ValidationError({"until": ["Must be after since."]})
        if until - since > datetime.timedelta(days=MAX_STATS_DAYS):
            raise serializers.ValidationError({"since": [f"The period is at most {MAX_STATS_DAYS} days."]})
        return {"since": since, "until": until}
