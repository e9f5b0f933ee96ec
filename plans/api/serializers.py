"""Output shapes of the workout-plan endpoints (declared for OpenAPI, rendered by plain functions)."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from rest_framework import serializers

from exercises.api.serializers import exercise_item
from exercises.taxonomy import DIFFICULTIES, PLAN_GOALS, label
from plans.models import PlanExercise, WorkoutPlan

DAYS_OF_WEEK = range(1, 8)
DELOAD_RATIO = 0.8


def plan_item(plan: WorkoutPlan, lang: str) -> dict[str, Any]:
    """A plan as listed: name and description in the requested language (English where the French
    is missing), both raw fields too."""
    french = lang == "fr"
    name = plan.name_fr if french and plan.name_fr else plan.name_en
    description = plan.description_fr if french and plan.description_fr else plan.description_en
    return {
        "id": plan.id,
        "slug": plan.slug,
        "name": name,
        "description": description,
        "language": "fr" if french and plan.name_fr and plan.description_fr else "en",
        "name_en": plan.name_en,
        "name_fr": plan.name_fr,
        "description_en": plan.description_en,
        "description_fr": plan.description_fr,
        "goal": plan.goal,
        "goal_label": label(PLAN_GOALS, plan.goal, lang),
        "difficulty": plan.difficulty,
        "difficulty_label": label(DIFFICULTIES, plan.difficulty, lang),
        "weeks": plan.weeks,
        "days_per_week": plan.days_per_week,
        "equipment_setting": plan.equipment_setting,
        "is_template": plan.is_template,
        "is_featured": plan.is_featured,
        "featured_order": plan.featured_order,
        "exercise_count": getattr(plan, "exercise_count", None),
    }


def _exercise_summary(plan_exercise: PlanExercise, lang: str) -> dict[str, Any]:
    item = exercise_item(plan_exercise.exercise, lang)
    return {
        key: item[key]
        for key in (
            "id",
            "slug",
            "name",
            "exercise_en",
            "exercise_fr",
            "muscles",
            "equipments",
            "male_gif_urls",
            "female_gif_urls",
            "media",
        )
    } | {"thumbnail_url": (item["male_gif_urls"] or [None])[0]}


def plan_exercise_item(plan_exercise: PlanExercise, lang: str) -> dict[str, Any]:
    notes = plan_exercise.notes_fr if lang == "fr" and plan_exercise.notes_fr else plan_exercise.notes
    return {
        "id": plan_exercise.id,
        "order": plan_exercise.order_in_day,
        "sets": plan_exercise.sets,
        "reps": plan_exercise.reps,
        "duration_seconds": plan_exercise.duration_seconds,
        "rest_seconds": plan_exercise.rest_seconds,
        "notes": notes,
        "exercise": _exercise_summary(plan_exercise, lang),
    }


def plan_schedule(plan: WorkoutPlan, lang: str) -> list[dict[str, Any]]:
    """Weeks, each with its seven days (rest days included, with no exercises), each with its
    plan exercises in order. A week is a deload when it carries clearly less volume (sets x reps or
    seconds) than the week before; a small dip where a new cycle restarts the reps is not one."""
    rows = list(plan.plan_exercises.all())  # prefetched, ordered by week, day, order
    by_week = {week: list(entries) for week, entries in groupby(rows, key=lambda pe: pe.week_number)}
    schedule: list[dict[str, Any]] = []
    previous_volume: int | None = None
    for week_number in range(1, plan.weeks + 1):
        entries = by_week.get(week_number, [])
        by_day = {day: list(day_entries) for day, day_entries in groupby(entries, key=lambda pe: pe.day_number)}
        volume = sum(pe.sets * (pe.reps or pe.duration_seconds or 1) for pe in entries)
        schedule.append(
            {
                "week_number": week_number,
                "is_deload": previous_volume is not None and volume < DELOAD_RATIO * previous_volume,
                "training_days": len(by_day),
                "days": [
                    {
                        "day_number": day,
                        "is_rest_day": day not in by_day,
                        "exercises": [plan_exercise_item(pe, lang) for pe in by_day.get(day, [])],
                    }
                    for day in DAYS_OF_WEEK
                ],
            }
        )
        previous_volume = volume
    return schedule


def plan_detail(plan: WorkoutPlan, lang: str) -> dict[str, Any]:
    return {**plan_item(plan, lang), "schedule": plan_schedule(plan, lang)}


class WorkoutPlanItemSerializer(serializers.Serializer[WorkoutPlan]):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    name = serializers.CharField(help_text="In the requested language.")
    description = serializers.CharField(help_text="In the requested language.")
    language = serializers.ChoiceField(["en", "fr"], help_text="The language name and description came in.")
    name_en = serializers.CharField()
    name_fr = serializers.CharField()
    description_en = serializers.CharField()
    description_fr = serializers.CharField()
    goal = serializers.ChoiceField(list(PLAN_GOALS))
    goal_label = serializers.CharField()
    difficulty = serializers.ChoiceField(list(DIFFICULTIES))
    difficulty_label = serializers.CharField()
    weeks = serializers.IntegerField()
    days_per_week = serializers.IntegerField()
    equipment_setting = serializers.ChoiceField(["home", "dumbbells", "gym"])
    is_template = serializers.BooleanField()
    is_featured = serializers.BooleanField()
    featured_order = serializers.IntegerField(allow_null=True)
    exercise_count = serializers.IntegerField(help_text="Number of plan exercises over all weeks.")

    def to_representation(self, instance: WorkoutPlan) -> dict[str, Any]:
        return plan_item(instance, self.context["lang"])


class PlanExerciseSummarySerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    name = serializers.CharField()
    exercise_en = serializers.CharField()
    exercise_fr = serializers.CharField(allow_null=True)
    muscles = serializers.ListField(child=serializers.CharField())
    equipments = serializers.ListField(child=serializers.CharField())
    male_gif_urls = serializers.ListField(child=serializers.URLField())
    female_gif_urls = serializers.ListField(child=serializers.URLField())
    media = serializers.DictField()
    thumbnail_url = serializers.URLField(allow_null=True)


class PlanExerciseSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    order = serializers.IntegerField(help_text="Position within the day, from 1.")
    sets = serializers.IntegerField()
    reps = serializers.IntegerField(allow_null=True)
    duration_seconds = serializers.IntegerField(allow_null=True)
    rest_seconds = serializers.IntegerField()
    notes = serializers.CharField(allow_blank=True)
    exercise = PlanExerciseSummarySerializer()


class PlanDaySerializer(serializers.Serializer[Any]):
    day_number = serializers.IntegerField(help_text="Day of the week, 1 to 7.")
    is_rest_day = serializers.BooleanField()
    exercises = PlanExerciseSerializer(many=True)


class PlanWeekSerializer(serializers.Serializer[Any]):
    week_number = serializers.IntegerField()
    is_deload = serializers.BooleanField(help_text="Less volume than the week before: a recovery week.")
    training_days = serializers.IntegerField()
    days = PlanDaySerializer(many=True)


class WorkoutPlanDetailSerializer(WorkoutPlanItemSerializer):
    schedule = PlanWeekSerializer(many=True)

    def to_representation(self, instance: WorkoutPlan) -> dict[str, Any]:
        return plan_detail(instance, self.context["lang"])
