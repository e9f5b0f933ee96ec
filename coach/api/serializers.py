"""Input of the AI endpoints. Unlike the rest of the API, an AI request may carry fields we do not
read (clients, and models writing requests, send aliases like `goal` beside `goals`): they are not
refused but named back in the response's `ignored_fields`, so nothing is accepted silently."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import serializers
from rest_framework.request import Request

from accounts.services import FITNESS_LEVELS
from coach import safety
from exercises.taxonomy import DIFFICULTIES, EQUIPMENT, GOALS, MUSCLES
from movoai.api import TextUUIDField

MAX_LIST = 20
MAX_INLINE_WORKOUTS = 500
MAX_EXERCISES_PER_WORKOUT = 50
LANGUAGE_CHOICES = ("en", "fr")


def ignored_fields(serializer: serializers.Serializer[Any], data: Any, prefix: str = "") -> list[str]:
    """The paths of the fields in `data` that `serializer` does not read (`workouts[0].date_performed`)."""
    if not isinstance(data, dict):
        return []
    found: list[str] = []
    for name, value in data.items():
        field = serializer.fields.get(name)
        path = f"{prefix}{name}"
        if field is None or field.read_only:
            found.append(path)
        elif isinstance(field, serializers.ListSerializer) and isinstance(value, list):
            child = field.child
            if isinstance(child, serializers.Serializer):
                for index, item in enumerate(value[:MAX_INLINE_WORKOUTS]):
                    found += ignored_fields(child, item, f"{path}[{index}].")
        elif isinstance(field, serializers.Serializer):
            found += ignored_fields(field, value, f"{path}.")
    return found


ABUSIVE = "This text is abusive; the coach does not answer it."


def _not_abusive(value: str) -> str:
    if safety.is_abusive(value):
        raise serializers.ValidationError(ABUSIVE)
    return value


class CoachTextField(serializers.CharField):
    """Free text the coach reads: refused when it is clearly abusive (coach.safety)."""

    def to_internal_value(self, data: Any) -> str:
        return _not_abusive(super().to_internal_value(data))


def _choices(vocabulary: dict[str, tuple[str, str]]) -> list[str]:
    return list(vocabulary)


class UserIdField(serializers.UUIDField):
    """An optional user id: with a token it must be the token's own user (or left out)."""


class RecommendWorkoutInput(serializers.Serializer[Any]):
    goals = serializers.ListField(
        child=serializers.ChoiceField(choices=_choices(GOALS)), max_length=3, required=False, default=list
    )
    available_equipment = serializers.ListField(
        child=serializers.ChoiceField(choices=_choices(EQUIPMENT)), max_length=MAX_LIST, required=False, default=list
    )
    minutes_per_session = serializers.IntegerField(min_value=10, max_value=180, required=False, default=45)
    days_per_week = serializers.IntegerField(min_value=1, max_value=7, required=False, default=3)
    # the profile's choice set (labelled like the users API), so the schema shows one FitnessLevel enum
    fitness_level = serializers.ChoiceField(
        choices=[(code, code.replace("_", " ").capitalize()) for code in FITNESS_LEVELS],
        required=False,
        allow_null=True,
    )
    limitations = serializers.ListField(
        child=CoachTextField(max_length=100), max_length=MAX_LIST, required=False, default=list
    )
    target_muscles = serializers.ListField(
        child=serializers.ChoiceField(choices=_choices(MUSCLES)), max_length=MAX_LIST, required=False, default=list
    )
    preferences = CoachTextField(max_length=500, required=False, allow_blank=True, default="")
    user_id = UserIdField(required=False, allow_null=True)


class InlineExerciseInput(serializers.Serializer[Any]):
    exercise_id = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    sets = serializers.IntegerField(min_value=1, max_value=50)
    reps = serializers.IntegerField(min_value=0, max_value=1000, required=False, allow_null=True)
    weight_kg = serializers.DecimalField(
        max_digits=6, decimal_places=2, min_value=0, max_value=1000, required=False, allow_null=True
    )
    duration_seconds = serializers.IntegerField(min_value=1, max_value=86_400, required=False, allow_null=True)


class InlineWorkoutInput(serializers.Serializer[Any]):
    date = serializers.DateField()
    exercises = InlineExerciseInput(many=True, min_length=1, max_length=MAX_EXERCISES_PER_WORKOUT)  # type: ignore[call-arg]


class AnalyzeProgressInput(serializers.Serializer[Any]):
    user_id = UserIdField(required=False, allow_null=True)
    workouts = InlineWorkoutInput(many=True, required=False, max_length=MAX_INLINE_WORKOUTS)  # type: ignore[call-arg]
    date_from = serializers.DateField(required=False, allow_null=True)
    date_to = serializers.DateField(required=False, allow_null=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("date_from"), attrs.get("date_to")
        if start and end and start > end:
            raise serializers.ValidationError({"date_to": ["Must be on or after date_from."]})
        return attrs


class SuggestExercisesInput(serializers.Serializer[Any]):
    target_muscles = serializers.ListField(
        child=serializers.ChoiceField(choices=_choices(MUSCLES)), max_length=MAX_LIST, required=False, default=list
    )
    difficulty = serializers.ChoiceField(choices=_choices(DIFFICULTIES), required=False, allow_null=True)
    equipment = serializers.ListField(
        child=serializers.ChoiceField(choices=_choices(EQUIPMENT)), max_length=MAX_LIST, required=False, default=list
    )
    # DRF's metaclass moves declared fields off the class, so this does not shadow Serializer.context.
    context = CoachTextField(  # type: ignore[assignment]
        max_length=500, required=False, allow_blank=True, default=""
    )
    limit = serializers.IntegerField(min_value=1, max_value=20, required=False, default=10)
    user_id = UserIdField(required=False, allow_null=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not (attrs["target_muscles"] or attrs["equipment"] or attrs.get("difficulty") or attrs["context"].strip()):
            raise serializers.ValidationError(
                {"target_muscles": ["Give target_muscles, equipment, difficulty or a context to suggest from."]}
            )
        return attrs


class ChatInput(serializers.Serializer[Any]):
    message = serializers.CharField(trim_whitespace=True, allow_blank=False)
    session_id = TextUUIDField(required=False, allow_null=True)
    user_id = UserIdField(required=False, allow_null=True)
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, required=False, allow_null=True)
    stream = serializers.BooleanField(required=False, default=False)

    def validate_message(self, value: str) -> str:
        limit = int(getattr(settings, "COACH_MAX_MESSAGE_CHARS", 4000))
        if len(value) > limit:
            raise serializers.ValidationError(f"At most {limit} characters; this message has {len(value)}.")
        return value


class SessionStartInput(serializers.Serializer[Any]):
    user_id = UserIdField(required=False, allow_null=True)
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, required=False, allow_null=True)


def validated_input(
    serializer_class: type[serializers.Serializer[Any]], request: Request
) -> tuple[dict[str, Any], list[str]]:
    """The request's JSON object validated by `serializer_class` (a 400 problem naming each field),
    and the fields it does not read (`ignored_fields`)."""
    data = request.data if request.data is not None else {}
    if not isinstance(data, dict):
        raise serializers.ValidationError({"body": ["Expected a JSON object."]})
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data), ignored_fields(serializer, data)


def with_ignored(answer: dict[str, Any], ignored: list[str]) -> dict[str, Any]:
    """The answer, naming the request fields the endpoint did not read (only when there are some)."""
    return {**answer, "ignored_fields": ignored} if ignored else answer
