"""Input and output shapes of the user endpoints.

Inputs are strict: a field the endpoint does not take is a 400 naming it (a misspelt field must not
be silently dropped), and each bad value is a 400 naming its field. The output is rendered by a
plain function; its serializer declares the shape for the OpenAPI schema.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from accounts.selectors import UserDetail, user_last_active
from accounts.services import DAILY_ACTIVITIES, FITNESS_LEVELS, GENDERS, WORKOUT_STYLES
from exercises.taxonomy import EQUIPMENT, LANGUAGE_CODES, PLAN_GOAL_CODES
from movoai.api import StrictSerializer

MAX_BIGINT = 2**63 - 1
MAX_LIMITATIONS = 20
LIST_NULL = "May not be null: send [] to clear the list."

# ---- inputs ---------------------------------------------------------------------------------------


def _choice(codes: Sequence[str], *, labelled: bool = False, **kwargs: Any) -> serializers.ChoiceField:
    """A choice whose error lists what is allowed. `labelled` gives each code a label, which also
    tells the schema it is not the library's choice set with the same codes (fitness_level has the
    codes of an exercise's difficulty but is its own enum)."""
    choices: list[Any] = [(code, code.replace("_", " ").capitalize()) for code in codes] if labelled else list(codes)
    return serializers.ChoiceField(
        choices,
        error_messages={"invalid_choice": f'"{{input}}" is not allowed. Allowed: {", ".join(codes)}.'},
        **kwargs,
    )


class ItemListField(serializers.ListField):
    """A list whose bad items are reported under the field's own name ("Item 2: ..."), and whose
    repeated items are kept once when `unique` is set (a set of codes)."""

    def __init__(self, *, unique: bool = False, **kwargs: Any) -> None:
        self.unique = unique
        kwargs.setdefault("error_messages", {"null": LIST_NULL})
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> list[Any]:
        try:
            items = list(super().to_internal_value(data))
        except ValidationError as error:
            if isinstance(error.detail, Mapping):
                raise ValidationError(
                    [
                        f"Item {index}: {' '.join(str(message) for message in messages)}"
                        for index, messages in error.detail.items()
                    ]
                ) from error
            raise
        return list(dict.fromkeys(items)) if self.unique else items


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _validate_time_zone(name: str) -> None:
    if name not in _time_zones():
        raise ValidationError(f'"{name[:64]}" is not an IANA time zone, such as "Europe/Paris" or "UTC".')


class UserProfileUpdateSerializer(StrictSerializer):
    """Profile fields; each is optional, null clears the nullable ones."""

    display_name = serializers.CharField(max_length=150, allow_blank=True, required=False)
    preferred_language = _choice(LANGUAGE_CODES, required=False)
    time_zone = serializers.CharField(
        max_length=64,
        required=False,
        validators=[_validate_time_zone],
        help_text="IANA time zone (`Europe/Paris`): the user's training days are counted in it.",
    )
    gender = _choice(GENDERS, required=False, allow_null=True)
    age = serializers.IntegerField(min_value=13, max_value=100, required=False, allow_null=True)
    weight_kg = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal(25),
        max_value=Decimal(350),
        coerce_to_string=False,
        required=False,
        allow_null=True,
        help_text="25 to 350, at most 2 decimals.",
    )
    height_cm = serializers.DecimalField(
        max_digits=4,
        decimal_places=1,
        min_value=Decimal(100),
        max_value=Decimal(250),
        coerce_to_string=False,
        required=False,
        allow_null=True,
        help_text="100 to 250, at most 1 decimal.",
    )
    fitness_level = _choice(FITNESS_LEVELS, labelled=True, required=False, allow_null=True)
    fitness_goals = ItemListField(
        child=_choice(PLAN_GOAL_CODES), unique=True, required=False, help_text="Plan-goal codes; [] clears."
    )
    workout_style = _choice(WORKOUT_STYLES, required=False, allow_null=True)
    daily_activity = _choice(DAILY_ACTIVITIES, required=False, allow_null=True)
    available_equipment = ItemListField(
        child=_choice(list(EQUIPMENT)),
        unique=True,
        required=False,
        help_text="Equipment codes of GET /api/v1/exercises/taxonomy; [] clears.",
    )
    limitations = ItemListField(
        child=serializers.CharField(max_length=100),
        max_length=MAX_LIMITATIONS,
        required=False,
        help_text=f"Injuries or limitations in the user's words: at most {MAX_LIMITATIONS}, each at most 100 "
        "characters; [] clears.",
    )


class UserCreateSerializer(UserProfileUpdateSerializer):
    """An identity the client already has (both optional) and any profile fields."""

    telegram_id = serializers.IntegerField(
        min_value=1, max_value=MAX_BIGINT, required=False, allow_null=True, help_text="Telegram user id."
    )
    guest_id = serializers.CharField(
        min_length=1,
        max_length=64,
        required=False,
        allow_null=True,
        help_text="An id the client made for its guest data (1 to 64 characters), unique across users.",
    )


# ---- output ---------------------------------------------------------------------------------------


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def user_representation(detail: UserDetail) -> dict[str, Any]:
    """A user as the API shows it: ids, activity, counts and profile (decimals as JSON numbers)."""
    user = detail.user
    last_active = user_last_active(user=user)
    return {
        "user_id": str(user.id),
        "created_at": user.created_at.isoformat(),
        "last_active": last_active.isoformat() if last_active else None,
        "telegram_id": user.telegram_id,
        "guest_id": user.guest_id,
        "workout_count": detail.workout_count,
        "plan_count": detail.plan_count,
        "profile": {
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
        },
    }


class UserProfileSerializer(serializers.Serializer[Any]):
    display_name = serializers.CharField()
    preferred_language = serializers.ChoiceField(LANGUAGE_CODES)
    time_zone = serializers.CharField()
    gender = serializers.ChoiceField(GENDERS, allow_null=True)
    age = serializers.IntegerField(allow_null=True)
    weight_kg = serializers.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=False, allow_null=True)
    height_cm = serializers.DecimalField(max_digits=4, decimal_places=1, coerce_to_string=False, allow_null=True)
    fitness_level = _choice(FITNESS_LEVELS, labelled=True, allow_null=True)
    fitness_goals = serializers.ListField(child=serializers.ChoiceField(PLAN_GOAL_CODES))
    workout_style = serializers.ChoiceField(WORKOUT_STYLES, allow_null=True)
    daily_activity = serializers.ChoiceField(DAILY_ACTIVITIES, allow_null=True)
    available_equipment = serializers.ListField(child=serializers.ChoiceField(list(EQUIPMENT)))
    limitations = serializers.ListField(child=serializers.CharField())


class UserDetailSerializer(serializers.Serializer[UserDetail]):
    user_id = serializers.UUIDField(help_text="The account's only key in this phase: keep it secret.")
    created_at = serializers.DateTimeField()
    last_active = serializers.DateTimeField(allow_null=True, help_text="When the user last used the API.")
    telegram_id = serializers.IntegerField(allow_null=True)
    guest_id = serializers.CharField(allow_null=True)
    workout_count = serializers.IntegerField(help_text="Distinct days with at least one workout logged.")
    plan_count = serializers.IntegerField(help_text="Assigned plans, whatever their status.")
    profile = UserProfileSerializer()

    def to_representation(self, instance: UserDetail) -> dict[str, Any]:
        return user_representation(instance)


class UserCreatedSerializer(UserDetailSerializer):
    """The new user with its anonymous token pair (accounts.tokens.token_pair_for)."""

    access = serializers.CharField(help_text="Access token (JWT): send it as `Authorization: Bearer <access>`.")
    refresh = serializers.CharField(
        help_text="Refresh token (JWT): trade it at POST /api/v1/auth/refresh; it also proves this anonymous "
        "account when a login claims it."
    )
    token_type = serializers.ChoiceField(["Bearer"])
    access_expires_in = serializers.IntegerField(help_text="Seconds the access token lives (900).")
    refresh_expires_in = serializers.IntegerField(help_text="Seconds the refresh token lives (30 days).")
