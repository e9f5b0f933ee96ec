"""Reads of workout plans."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from plans.models import PlanExercise, WorkoutPlan


def template_plan_list() -> QuerySet[WorkoutPlan]:
    """Template plans with their number of plan exercises, in a stable order (one query)."""
    return WorkoutPlan.objects.filter(is_template=True).annotate(exercise_count=Count("plan_exercises")).order_by("id")


def featured_plan_list() -> QuerySet[WorkoutPlan]:
    """Featured template plans in the order staff chose."""
    return template_plan_list().filter(is_featured=True).order_by("featured_order", "id")


def template_plan_with_schedule(*, plan_id: int) -> WorkoutPlan | None:
    """A template plan with its plan exercises and their exercises, in week, day, order (two queries)."""
    plan_exercises = PlanExercise.objects.select_related("exercise").order_by(
        "week_number", "day_number", "order_in_day"
    )
    return (
        WorkoutPlan.objects.filter(id=plan_id, is_template=True)
        .annotate(exercise_count=Count("plan_exercises"))
        .prefetch_related(Prefetch("plan_exercises", queryset=plan_exercises))
        .first()
    )


def plan_usable_by(*, plan_id: int, user: Any) -> WorkoutPlan | None:
    """A plan the user may follow: a template, or one of their own custom plans."""
    return WorkoutPlan.objects.filter(Q(is_template=True) | Q(created_by=user), id=plan_id).first()


def plan_with_schedule(*, plan_id: int) -> WorkoutPlan | None:
    """Any plan with its plan exercises and their exercises in order (two queries); callers decide
    who may see it."""
    plan_exercises = PlanExercise.objects.select_related("exercise").order_by(
        "week_number", "day_number", "order_in_day"
    )
    return (
        WorkoutPlan.objects.filter(id=plan_id)
        .annotate(exercise_count=Count("plan_exercises"))
        .prefetch_related(Prefetch("plan_exercises", queryset=plan_exercises))
        .first()
    )
