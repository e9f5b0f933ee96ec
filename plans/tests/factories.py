"""Factories for workout plans."""

from __future__ import annotations

import factory

from exercises.tests.factories import ExerciseFactory
from plans.models import PlanExercise, WorkoutPlan


class WorkoutPlanFactory(factory.django.DjangoModelFactory[WorkoutPlan]):
    class Meta:
        model = WorkoutPlan

    slug = factory.Sequence(lambda n: f"test-plan-{n}")
    name_en = factory.Sequence(lambda n: f"Test Plan {n}")
    name_fr = factory.Sequence(lambda n: f"Programme de test {n}")
    description_en = "A plan for tests."
    description_fr = "Un programme pour les tests."
    goal = WorkoutPlan.Goal.STRENGTH
    difficulty = "beginner"
    weeks = 4
    days_per_week = 3
    is_template = True


class PlanExerciseFactory(factory.django.DjangoModelFactory[PlanExercise]):
    class Meta:
        model = PlanExercise

    plan = factory.SubFactory(WorkoutPlanFactory)
    exercise = factory.SubFactory(ExerciseFactory)
    week_number = 1
    day_number = 1
    order_in_day = factory.Sequence(lambda n: n + 1)
    sets = 3
    reps = 10
    rest_seconds = 60
