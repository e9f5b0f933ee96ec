"""The benchmark's user (`make bench`, bench/run.py): an anonymous account with 2,000 workout logs
over the last twelve months on a 12-week template plan it follows. Idempotent: a second run changes
nothing, except that it removes the logs a benchmark run wrote (left by an interrupted run)."""

from __future__ import annotations

import datetime
import json
import uuid
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts.models import User
from accounts.services import user_create
from plans.models import PlanExercise, WorkoutPlan
from tracking import progress, selectors, services
from tracking.models import UserPlan, UserWorkoutLog

BENCH_GUEST_ID = "movoai-bench"
# The setup's logs have ids 5e7b0000-0000-4000-8000-<index>; every other log of the user was written
# by a benchmark run (bench/run.py makes ids starting with "bee0").
SETUP_LOG_PREFIX = "5e7b0000-0000-4000-8000-"
TRAINING_WEEKDAYS = (0, 1, 3, 4, 5)  # five days a week


def setup_log_id(index: int) -> uuid.UUID:
    return uuid.UUID(f"{SETUP_LOG_PREFIX}{index:012x}")


def bench_user() -> User:
    """The benchmark's anonymous user (found by its guest_id), created when missing."""
    user = User.objects.filter(guest_id=BENCH_GUEST_ID).first()
    return user or user_create(guest_id=BENCH_GUEST_ID, profile={"display_name": "Benchmark"})


def twelve_week_plan(plan_id: int | None) -> WorkoutPlan:
    """The given template plan, else the 12-week template with the most plan exercises."""
    plans = WorkoutPlan.objects.filter(is_template=True)
    if plan_id:
        plan = plans.filter(id=plan_id).first()
    else:
        plan = max(plans.filter(weeks=12), key=lambda p: (p.plan_exercises.count(), -p.id), default=None)
    if plan is None:
        raise CommandError("No 12-week template plan: load the demo content first (manage.py load_demo).")
    return plan


class Command(BaseCommand):
    help = "Create (idempotently) the benchmark's user with its workout logs; print its ids as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--logs", type=int, default=2000, help="Workout logs of the user (default 2000).")
        parser.add_argument("--plan-id", type=int, help="The template plan followed (default: a 12-week one).")

    def handle(self, *args: Any, **options: Any) -> None:
        count: int = options["logs"]
        user = bench_user()
        plan = twelve_week_plan(options["plan_id"])
        today = selectors.user_today(user=user)
        start = today - datetime.timedelta(days=364)
        user_plan = UserPlan.objects.filter(user=user, plan=plan).order_by("id").first() or services.user_plan_assign(
            user=user, plan_id=plan.id, start_date=start
        )
        plan_exercises = list(PlanExercise.objects.filter(plan=plan).order_by("week_number", "day_number", "id"))
        with transaction.atomic():
            logs = UserWorkoutLog.objects.filter(user=user)
            removed, _ = logs.exclude(id__in=[setup_log_id(i) for i in range(count)]).delete()
            stored = set(logs.values_list("id", flat=True))
            missing = [i for i in range(count) if setup_log_id(i) not in stored]
            days = [start + datetime.timedelta(days=d) for d in range(365)]
            days = [day for day in days if day.weekday() in TRAINING_WEEKDAYS]
            UserWorkoutLog.objects.bulk_create(
                [self._log(i, count, user, user_plan, plan_exercises, days) for i in missing], batch_size=1000
            )
        if removed or missing:
            # Progress is computed from the logs; rows written outside the services need the
            # recompute service (it drops the user's cached pages and warms them again).
            progress.user_progress_rebuild(user=user)
        self.stdout.write(
            json.dumps(
                {
                    "user_id": str(user.id),
                    "plan_id": plan.id,
                    "plan_weeks": plan.weeks,
                    "user_plan_id": user_plan.id,
                    "plan_exercise_ids": [pe.id for pe in plan_exercises[:50]],
                    "logs": UserWorkoutLog.objects.filter(user=user).count(),
                    "logs_created": len(missing),
                    "logs_removed": removed,
                }
            )
        )

    @staticmethod
    def _log(
        index: int,
        count: int,
        user: User,
        user_plan: UserPlan,
        plan_exercises: list[PlanExercise],
        days: list[datetime.date],
    ) -> UserWorkoutLog:
        plan_exercise = plan_exercises[index % len(plan_exercises)]
        return UserWorkoutLog(
            id=setup_log_id(index),
            user=user,
            user_plan=user_plan,
            plan_exercise=plan_exercise,
            exercise_id=plan_exercise.exercise_id,
            date_performed=days[index * len(days) // count],
            sets_completed=3 + index % 3,
            reps_completed=6 + index % 7,
            weight_kg=Decimal(20 + (index * 7) % 100),
            rpe=6 + index % 4,
            notes="",
        )
