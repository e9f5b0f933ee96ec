"""Fixtures of the workflow tests: a small cast, executions made the way the API makes them, and
per-agent fake models (each agent its own script, since they all ask coach.llm.chat_model)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest

from accounts.models import User
from accounts.tests.factories import UserFactory
from coach.executions import execution_input_hash
from coach.models import AgentExecution
from coach.tests.fakes import ScriptedChatModel
from plans.models import PlanExercise, WorkoutPlan
from tracking.models import UserPlan, UserWorkoutLog


@pytest.fixture
def alice(db: None) -> User:
    """An intermediate lifter with dumbbells at home and nothing logged yet."""
    return UserFactory.create(
        display_name="Alice",
        fitness_level="intermediate",
        fitness_goals=["strength"],
        available_equipment=["dumbbell"],
        age=34,
        gender="female",
        weight_kg=62,
        height_cm=168,
        daily_activity="moderately_active",
    )


@pytest.fixture
def bob(db: None) -> User:
    """A beginner with a bad knee, who writes French."""
    return UserFactory.create(
        display_name="Bob", preferred_language="fr", fitness_level="beginner", limitations=["genou"]
    )


def new_execution(user: User, kind: str, **data: Any) -> AgentExecution:
    """A queued execution, as coach.executions.execution_create stores it (without enqueuing)."""
    return AgentExecution.objects.create(user=user, kind=kind, input=data, input_hash=execution_input_hash(kind, data))


def plan_request(**changes: Any) -> dict[str, Any]:
    """What POST /generate-plan sends: 4 weeks, 3 days, strength with dumbbells, 45 minutes."""
    return {
        "weeks": 4,
        "days_per_week": 3,
        "goal": "strength",
        "equipment": ["dumbbell"],
        "session_minutes": 45,
        "limitations": [],
        **changes,
    }


def refreshed(execution: AgentExecution) -> AgentExecution:
    execution.refresh_from_db()
    return execution


def output_of(execution: AgentExecution) -> dict[str, Any]:
    """The execution's output (a dict once it succeeded or paused)."""
    assert isinstance(execution.output, dict), (execution.status, execution.error)
    return execution.output


def plan_exercise_ids(plan_id: int) -> set[int]:
    return set(PlanExercise.objects.filter(plan_id=plan_id).values_list("exercise_id", flat=True))


def log_recent_workouts(user: User, days: int = 3, *, rpe: int = 7) -> None:
    """The user follows a demo template and logged its first day's exercises on each of the last
    `days` days (today included)."""
    plan = WorkoutPlan.objects.filter(is_template=True).order_by("id").first()
    assert plan is not None
    assignment = UserPlan.objects.create(
        user=user, plan=plan, start_date=datetime.date.today() - datetime.timedelta(days=days)
    )
    first_day = list(plan.plan_exercises.filter(week_number=1, day_number=1).order_by("order_in_day"))
    for back in range(days):
        for plan_exercise in first_day:
            UserWorkoutLog.objects.create(
                user=user,
                user_plan=assignment,
                plan_exercise=plan_exercise,
                exercise_id=plan_exercise.exercise_id,
                date_performed=datetime.date.today() - datetime.timedelta(days=back),
                sets_completed=3,
                reps_completed=10,
                weight_kg=20,
                rpe=rpe,
            )


def use_agent_models(monkeypatch: pytest.MonkeyPatch, models: dict[str, ScriptedChatModel]) -> None:
    """coach.llm.chat_model answers with each agent's own fake model (purpose "agent:<name>"); the
    agents not named get none (their rules answer)."""

    def chat_model(purpose: str = "chat", **kwargs: Any) -> ScriptedChatModel | None:
        return models.get(purpose.removeprefix("agent:"))

    monkeypatch.setattr("coach.llm.chat_model", chat_model)


@pytest.fixture
def agent_models(monkeypatch: pytest.MonkeyPatch) -> Callable[[dict[str, ScriptedChatModel]], None]:
    return lambda models: use_agent_models(monkeypatch, models)
