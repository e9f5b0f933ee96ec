"""Factories for assigned plans and workout logs."""

from __future__ import annotations

import datetime

import factory

from accounts.tests.factories import UserFactory
from tracking.models import UserPlan, UserWorkoutLog


class UserPlanFactory(factory.django.DjangoModelFactory[UserPlan]):
    class Meta:
        model = UserPlan

    user = factory.SubFactory(UserFactory)
    plan = None  # give a plan: a template from the demo content or a WorkoutPlanFactory
    start_date = factory.LazyFunction(datetime.date.today)
    status = UserPlan.Status.ACTIVE


class WorkoutLogFactory(factory.django.DjangoModelFactory[UserWorkoutLog]):
    """A log of a plan exercise: give user_plan and plan_exercise (the exercise is taken from it)."""

    class Meta:
        model = UserWorkoutLog

    user = factory.LazyAttribute(lambda log: log.user_plan.user)
    user_plan = None
    plan_exercise = None
    exercise = factory.LazyAttribute(lambda log: log.plan_exercise.exercise if log.plan_exercise else None)
    date_performed = factory.LazyFunction(datetime.date.today)
    sets_completed = 3
    reps_completed = 10
    weight_kg = 40
