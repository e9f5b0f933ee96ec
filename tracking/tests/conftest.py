"""The small cast of the tracking tests: Alice, an app user in UTC, following the demo
"Beginner Full-Body Strength" template (3 days a week, 8 weeks)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from plans.models import PlanExercise, WorkoutPlan
from tracking.models import UserPlan, UserWorkoutLog
from tracking.tests.factories import UserPlanFactory, WorkoutLogFactory


@pytest.fixture
def alice(db: None) -> User:
    user: User = UserFactory.create(display_name="Alice", time_zone="UTC")
    return user


@pytest.fixture
def strength_plan(db: None) -> WorkoutPlan:
    return WorkoutPlan.objects.get(slug="beginner-full-body-strength", is_template=True)


@pytest.fixture
def alices_plan(alice: User, strength_plan: WorkoutPlan) -> UserPlan:
    user_plan: UserPlan = UserPlanFactory.create(user=alice, plan=strength_plan, start_date=datetime.date(2024, 1, 1))
    return user_plan


@pytest.fixture
def strength_plan_exercises(strength_plan: WorkoutPlan) -> list[PlanExercise]:
    """The plan's rep-based exercises, in schedule order."""
    return list(
        strength_plan.plan_exercises.filter(reps__isnull=False)
        .select_related("exercise")
        .order_by("week_number", "day_number", "order_in_day")
    )


@pytest.fixture
def log_workout(alices_plan: UserPlan, strength_plan_exercises: list[PlanExercise]) -> Callable[..., UserWorkoutLog]:
    """Alice logs a plan exercise (the plan's first rep-based one unless told) on a day:
    sets x reps at weight kilograms."""

    def log(
        day: datetime.date,
        sets: int = 3,
        reps: int = 10,
        weight: str | None = "40",
        plan_exercise: PlanExercise | None = None,
        **fields: Any,
    ) -> UserWorkoutLog:
        workout_log: UserWorkoutLog = WorkoutLogFactory.create(
            user_plan=alices_plan,
            plan_exercise=plan_exercise or strength_plan_exercises[0],
            date_performed=day,
            sets_completed=sets,
            reps_completed=reps,
            weight_kg=None if weight is None else Decimal(weight),
            **fields,
        )
        return workout_log

    return log


@pytest.fixture
def freeze_now(monkeypatch: pytest.MonkeyPatch) -> Callable[[datetime.datetime], None]:
    """Set the server's clock (django.utils.timezone.now) to an aware instant."""

    def freeze(instant: datetime.datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: instant)

    return freeze


@pytest.fixture
def frozen_today(freeze_now: Callable[[datetime.datetime], None]) -> datetime.date:
    """Wednesday 12 March 2025, an afternoon in UTC (Alice's zone), with the clock stopped there."""
    freeze_now(datetime.datetime(2025, 3, 12, 15, 0, tzinfo=datetime.UTC))
    return datetime.date(2025, 3, 12)


# ---- the cast of the API tests: Bob, a second app user, and the demo HIIT template -------------------


@pytest.fixture
def bob(db: None) -> User:
    user: User = UserFactory.create(display_name="Bob", time_zone="UTC")
    return user


@pytest.fixture
def today() -> datetime.date:
    """Today for Alice and Bob, who live in UTC."""
    return timezone.now().astimezone(datetime.UTC).date()


@pytest.fixture
def hiit_plan(db: None) -> WorkoutPlan:
    """The demo "Home HIIT Fat Burner" template: 4 weeks, training on days 1, 3 and 5, six plan
    exercises a day (72 in all)."""
    return WorkoutPlan.objects.get(slug="home-hiit-fat-burner", is_template=True)


@pytest.fixture
def hiit_day_one(hiit_plan: WorkoutPlan) -> list[PlanExercise]:
    """The six plan exercises of the HIIT plan's week 1, day 1, in order."""
    return list(
        hiit_plan.plan_exercises.filter(week_number=1, day_number=1).select_related("exercise").order_by("order_in_day")
    )


@pytest.fixture
def alices_hiit(alice: User, hiit_plan: WorkoutPlan, today: datetime.date) -> UserPlan:
    """Alice follows the HIIT template from today: week 1 day 1 is today."""
    user_plan: UserPlan = UserPlanFactory.create(user=alice, plan=hiit_plan, start_date=today)
    return user_plan


@pytest.fixture
def bobs_plan(bob: User, strength_plan: WorkoutPlan, today: datetime.date) -> UserPlan:
    """Bob follows the strength template from today."""
    user_plan: UserPlan = UserPlanFactory.create(user=bob, plan=strength_plan, start_date=today)
    return user_plan
