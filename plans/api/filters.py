"""Query parameters of the plan list, validated."""

from __future__ import annotations

import django_filters

from exercises.taxonomy import DIFFICULTIES, PLAN_GOALS
from plans.models import WorkoutPlan


class WorkoutPlanFilterSet(django_filters.FilterSet):
    goal = django_filters.ChoiceFilter(choices=[(c, labels[0]) for c, labels in PLAN_GOALS.items()])
    difficulty = django_filters.ChoiceFilter(choices=[(c, labels[0]) for c, labels in DIFFICULTIES.items()])
    equipment_setting = django_filters.ChoiceFilter(choices=WorkoutPlan.EquipmentSetting.choices)
    days_per_week = django_filters.NumberFilter(min_value=1, max_value=7)

    class Meta:
        model = WorkoutPlan
        fields: list[str] = []
