"""Query parameters of the exercise endpoints, validated: an unknown value is a 400 naming it."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet

from exercises import selectors
from exercises.models import Exercise
from exercises.taxonomy import CATEGORIES, DIFFICULTIES, EQUIPMENT, GOALS, MUSCLES


class CsvChoiceField(forms.Field):
    """A comma-separated list of known codes ("chest,triceps")."""

    def __init__(self, *, codes: list[str], **kwargs: Any) -> None:
        self.codes = codes
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> list[str]:
        if value in (None, ""):
            return []
        items = [item.strip().lower() for item in str(value).split(",") if item.strip()]
        unknown = [item for item in items if item not in self.codes]
        if unknown:
            raise forms.ValidationError(
                f"Unknown value(s) {', '.join(repr(u[:40]) for u in unknown)}. Known: {', '.join(self.codes)}."
            )
        return list(dict.fromkeys(items))


class CsvChoiceFilter(django_filters.Filter):
    field_class = CsvChoiceField


def _choices(vocabulary: dict[str, tuple[str, str]]) -> list[tuple[str, str]]:
    return [(code, labels[0]) for code, labels in vocabulary.items()]


MATCH_CHOICES = [(selectors.MATCH_ANY, "any"), (selectors.MATCH_ALL, "all")]
BOOLEAN_CHOICES = [("true", "true"), ("false", "false")]


class ExerciseFilterSet(django_filters.FilterSet):
    """Filters of GET /exercises. The work is done by selectors.exercise_filter / exercise_search."""

    difficulty = django_filters.ChoiceFilter(choices=_choices(DIFFICULTIES), method="skip")
    goal = django_filters.ChoiceFilter(choices=_choices(GOALS), method="skip")
    muscles = CsvChoiceFilter(
        codes=list(MUSCLES), method="skip", help_text="Primary muscles, comma-separated: chest,triceps"
    )
    muscles_match = django_filters.ChoiceFilter(
        choices=MATCH_CHOICES, method="skip", help_text="any (default): at least one muscle; all: every muscle."
    )
    equipment = CsvChoiceFilter(
        codes=list(EQUIPMENT), method="skip", help_text="Equipment, comma-separated; an exercise needs at least one."
    )
    search = django_filters.CharFilter(method="skip", max_length=200, help_text="Free text, ranked as /search.")

    class Meta:
        model = Exercise
        fields: list[str] = []

    def skip(self, queryset: QuerySet[Exercise], name: str, value: Any) -> QuerySet[Exercise]:
        return queryset  # every filter is applied together in filter_queryset

    def filter_queryset(self, queryset: QuerySet[Exercise]) -> QuerySet[Exercise]:
        data = self.form.cleaned_data
        queryset = selectors.exercise_filter(queryset, **self.filter_arguments(data))
        if data.get("search"):
            queryset = selectors.exercise_search(queryset, query=data["search"])
        return queryset

    def filter_arguments(self, data: dict[str, Any]) -> dict[str, Any]:
        return {
            "difficulty": data.get("difficulty") or None,
            "goal": data.get("goal") or None,
            "muscles": data.get("muscles") or [],
            "muscles_match": data.get("muscles_match") or selectors.MATCH_ANY,
            "equipment": data.get("equipment") or [],
        }


class AdvancedExerciseFilterSet(ExerciseFilterSet):
    """Filters of GET /exercises/filter: several muscles and equipment at once, with exclusions."""

    category = django_filters.ChoiceFilter(choices=_choices(CATEGORIES), method="skip")
    secondary_muscles = CsvChoiceFilter(codes=list(MUSCLES), method="skip", help_text="Secondary muscles (any).")
    equipment_match = django_filters.ChoiceFilter(
        choices=MATCH_CHOICES, method="skip", help_text="any (default): needs at least one; all: uses every one."
    )
    exclude_equipment = CsvChoiceFilter(
        codes=list(EQUIPMENT), method="skip", help_text="Leave out exercises needing any of these."
    )
    has_french_instructions = django_filters.ChoiceFilter(choices=BOOLEAN_CHOICES, method="skip")
    has_media = django_filters.ChoiceFilter(choices=BOOLEAN_CHOICES, method="skip")

    def filter_arguments(self, data: dict[str, Any]) -> dict[str, Any]:
        def boolean(name: str) -> bool | None:
            return None if not data.get(name) else data[name] == "true"

        return {
            **super().filter_arguments(data),
            "category": data.get("category") or None,
            "secondary_muscles": data.get("secondary_muscles") or [],
            "equipment_match": data.get("equipment_match") or selectors.MATCH_ANY,
            "exclude_equipment": data.get("exclude_equipment") or [],
            "has_french_instructions": boolean("has_french_instructions"),
            "has_media": boolean("has_media"),
        }
