"""The disposable user of the schema fuzz run, with one of everything a path can name."""

from __future__ import annotations

import datetime
from typing import Any

from accounts.models import AuthMethod
from accounts.tests.factories import UserFactory
from accounts.tokens import token_pair_for
from coach.models import AgentExecution, AgentSession
from exercises.models import Exercise
from plans.models import WorkoutPlan
from tracking.models import UserWorkoutLog
from tracking.tests.factories import UserPlanFactory, WorkoutLogFactory


def disposable_user() -> dict[str, Any]:
    user = UserFactory.create(display_name="Fuzz", time_zone="UTC")
    AuthMethod.objects.create(
        user=user, provider="email", identifier=f"fuzz-{user.pk}@example.com", is_verified=True, is_primary=True
    )
    method = AuthMethod.objects.create(
        user=user, provider="sms", identifier=f"+3361{user.pk.int % 10**7:07d}", is_verified=True
    )
    plan = WorkoutPlan.objects.get(slug="beginner-full-body-strength", is_template=True)
    user_plan = UserPlanFactory.create(user=user, plan=plan, start_date=datetime.date.today())
    plan_exercise = plan.plan_exercises.filter(reps__isnull=False).first()
    log: UserWorkoutLog = WorkoutLogFactory.create(user_plan=user_plan, plan_exercise=plan_exercise)
    session = AgentSession.objects.create(user=user)
    execution = AgentExecution.objects.create(
        user=user, kind=AgentExecution.Kind.MOTIVATION, input={}, input_hash="0" * 64, status="succeeded"
    )
    return {
        "user": user,
        "access": token_pair_for(user)["access"],
        "path": {
            "user_id": str(user.pk),
            "user_plan_id": user_plan.pk,
            "log_id": str(log.pk),
            "method_id": method.pk,
            "session_id": str(session.pk),
            "execution_id": str(execution.pk),
            "plan_id": plan.pk,
            "exercise_id": Exercise.objects.order_by("pk").values_list("pk", flat=True).first(),
        },
    }
