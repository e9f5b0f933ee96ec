"""The small cast of the plan tests: Alice, an app user with a plan of her own, and two demo
template plans, a short one and the longest."""

from __future__ import annotations

import pytest

from accounts.models import User
from plans.models import WorkoutPlan
from plans.tests.factories import PlanExerciseFactory, WorkoutPlanFactory


@pytest.fixture
def alice(db: None) -> User:
    return User.objects.create_user(display_name="Alice")


@pytest.fixture
def alices_plan(alice: User) -> WorkoutPlan:
    """Alice's own plan: not a template, so never listed nor served as one."""
    plan = WorkoutPlanFactory.create(
        is_template=False,
        source=WorkoutPlan.Source.CUSTOM,
        created_by=alice,
        name_en="Alice's Monday plan",
    )
    PlanExerciseFactory.create(plan=plan)
    return plan


@pytest.fixture
def four_week_plan(db: None) -> WorkoutPlan:
    return WorkoutPlan.objects.get(slug="home-hiit-fat-burner")


@pytest.fixture
def twelve_week_plan(db: None) -> WorkoutPlan:
    return WorkoutPlan.objects.get(slug="advanced-strength-squat-bench-deadlift")
