"""Input and output shapes of the tracking endpoints."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from exercises.taxonomy import DIFFICULTIES, PLAN_GOALS
from movoai.api import StrictSerializer, TextUUIDField
from plans.api.serializers import plan_exercise_item
from plans.models import WorkoutPlan
from tracking.models import UserPlan, UserWorkoutLog
from tracking.selectors import scheduled_date
from tracking.services import LogInput

MAX_BATCH = 500
STATUS_CHOICES = [choice for choice, _ in UserPlan.Status.choices]


# ---- inputs ----------------------------------------------------------------------------------------


class UserPlanAssignInput(StrictSerializer):
    id = TextUUIDField(
        required=False,
        help_text="A UUID the client makes for this assignment (`crypto.randomUUID()`): sending it again returns "
        "the stored assignment (200) and creates nothing, so a lost answer can be retried safely.",
    )
    plan_id = serializers.IntegerField(min_value=1, help_text="A template plan, or one of the user's own plans.")
    start_date = serializers.DateField(required=False, help_text="Week 1 day 1 of the plan. Default: the user's today.")


class UserPlanStatusInput(StrictSerializer):
    status = serializers.ChoiceField(
        STATUS_CHOICES, help_text="active <-> paused, active or paused -> completed. A completed plan stays completed."
    )


class UserPlanListParams(StrictSerializer):
    status = serializers.ChoiceField(STATUS_CHOICES, required=False)
    page = serializers.IntegerField(required=False)
    page_size = serializers.IntegerField(required=False)
    lang = serializers.CharField(required=False)


class WorkoutLogFields(StrictSerializer):
    plan_exercise_id = serializers.IntegerField(min_value=1)
    user_plan_id = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        help_text="The assignment the log belongs to. Default: the user's assignment of the plan exercise's plan.",
    )
    date_performed = serializers.DateField(help_text="The user's own date; at most one day after their today.")
    sets_completed = serializers.IntegerField(min_value=0, max_value=50, required=False, allow_null=True)
    reps_completed = serializers.IntegerField(
        min_value=0, max_value=1000, required=False, allow_null=True, help_text="Reps in each set."
    )
    weight_kg = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=Decimal(1000),
        required=False,
        allow_null=True,
        coerce_to_string=False,
    )
    duration_seconds = serializers.IntegerField(min_value=0, max_value=86400, required=False, allow_null=True)
    rpe = serializers.IntegerField(
        min_value=1, max_value=10, required=False, allow_null=True, help_text="Rate of perceived exertion, 1-10."
    )
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    def to_log_input(self, data: dict[str, Any]) -> LogInput:
        return LogInput(**data)


class WorkoutLogInput(WorkoutLogFields):
    id = TextUUIDField(
        required=False,
        help_text="Made by the client (UUID). Posting the same id again returns the stored log and creates nothing.",
    )


class WorkoutLogBatchInput(StrictSerializer):
    logs = WorkoutLogInput(many=True, allow_empty=False, max_length=MAX_BATCH)  # type: ignore[call-arg]


class WorkoutLogListParams(StrictSerializer):
    start_date = serializers.DateField(required=False)
    end_date = serializers.DateField(required=False)
    plan_exercise_id = serializers.IntegerField(min_value=1, required=False)
    user_plan_id = serializers.IntegerField(min_value=1, required=False)
    page = serializers.IntegerField(required=False)
    page_size = serializers.IntegerField(required=False)
    lang = serializers.CharField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("start_date") and attrs.get("end_date") and attrs["start_date"] > attrs["end_date"]:
            raise serializers.ValidationError({"end_date": ["Must not be before start_date."]})
        return attrs


class GuestPlanInput(StrictSerializer):
    id = TextUUIDField(help_text="The id the frontend gave the assignment in localStorage.")
    plan_id = serializers.IntegerField(min_value=1)
    start_date = serializers.DateField()
    status = serializers.ChoiceField(STATUS_CHOICES, required=False, default=UserPlan.Status.ACTIVE)


class GuestLogInput(WorkoutLogFields):
    id = TextUUIDField(help_text="The log's client id: a log already stored under it is left as it is.")
    user_plan_id = None  # type: ignore[assignment]  # a guest knows its assignments by client id only
    client_plan_id = TextUUIDField(
        required=False, allow_null=True, help_text="The client id of the assignment (in `plans`) the log belongs to."
    )


class GuestMigrationInput(StrictSerializer):
    plans = GuestPlanInput(many=True, required=False, default=list, max_length=MAX_BATCH)  # type: ignore[call-arg]
    workout_logs = GuestLogInput(  # type: ignore[call-arg]  # max_length goes to the ListSerializer
        many=True, required=False, default=list, max_length=MAX_BATCH * 4
    )


# ---- outputs ---------------------------------------------------------------------------------------


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def workout_log_item(log: UserWorkoutLog, lang: str = "en") -> dict[str, Any]:
    exercise = log.exercise
    return {
        "id": str(log.id),
        "user_plan_id": log.user_plan_id,
        "plan_exercise_id": log.plan_exercise_id,
        "exercise_id": log.exercise_id,
        "exercise_name": exercise.name_in(lang) if exercise else None,
        "date_performed": log.date_performed.isoformat(),
        "sets_completed": log.sets_completed,
        "reps_completed": log.reps_completed,
        "weight_kg": _number(log.weight_kg),
        "duration_seconds": log.duration_seconds,
        "rpe": log.rpe,
        "notes": log.notes,
        "created_at": log.created_at.isoformat(),
        "updated_at": log.updated_at.isoformat(),
    }


def _plan_summary(plan: WorkoutPlan, lang: str) -> dict[str, Any]:
    french = lang == "fr"
    return {
        "id": plan.id,
        "name": plan.name_fr if french and plan.name_fr else plan.name_en,
        "name_en": plan.name_en,
        "name_fr": plan.name_fr,
        "goal": plan.goal,
        "difficulty": plan.difficulty,
        "weeks": plan.weeks,
        "days_per_week": plan.days_per_week,
        "is_template": plan.is_template,
        "created_by": str(plan.created_by_id) if plan.created_by_id else None,
    }


def user_plan_item(user_plan: UserPlan, lang: str) -> dict[str, Any]:
    total = getattr(user_plan, "total_plan_exercises", None)
    logged = getattr(user_plan, "logged_plan_exercises", None)
    return {
        "id": user_plan.id,
        "user_plan_id": user_plan.id,
        "plan_id": user_plan.plan_id,
        "status": user_plan.status,
        "start_date": user_plan.start_date.isoformat(),
        "completed_at": user_plan.completed_at.isoformat() if user_plan.completed_at else None,
        "created_at": user_plan.created_at.isoformat(),
        "plan": _plan_summary(user_plan.plan, lang),
        "completion": None
        if total is None
        else {
            "logged_plan_exercises": logged,
            "total_plan_exercises": total,
            "completion_percent": round(100.0 * (logged or 0) / total, 1) if total else 0.0,
        },
    }


def user_plan_detail(user_plan: UserPlan, plan: WorkoutPlan, progress: dict[str, Any], lang: str) -> dict[str, Any]:
    """An assignment with its plan's schedule and the progress under it: each plan exercise with its
    logs, each day and week with its completion, the next scheduled workout."""
    entries_by_day: dict[tuple[int, int], list[Any]] = {}
    for plan_exercise in plan.plan_exercises.all():
        entries_by_day.setdefault((plan_exercise.week_number, plan_exercise.day_number), []).append(plan_exercise)
    weeks = []
    for week in range(1, plan.weeks + 1):
        days = []
        week_logged = week_total = 0
        for day in range(1, 8):
            entries = entries_by_day.get((week, day), [])
            day_progress = progress["days"].get((week, day))
            exercises = []
            for plan_exercise in entries:
                logs = progress["logs"].get(plan_exercise.id, [])
                exercises.append(
                    {
                        **plan_exercise_item(plan_exercise, lang),
                        "plan_exercise_id": plan_exercise.id,
                        "logged": bool(logs),
                        "logs": [workout_log_item(log, lang) for log in logs],
                    }
                )
            week_logged += day_progress["logged_plan_exercises"] if day_progress else 0
            week_total += len(entries)
            days.append(
                {
                    "day_number": day,
                    "date": scheduled_date(
                        start_date=user_plan.start_date, week_number=week, day_number=day
                    ).isoformat(),
                    "is_rest_day": not entries,
                    "completion_percent": day_progress["completion_percent"] if day_progress else None,
                    "exercises": exercises,
                }
            )
        weeks.append(
            {
                "week_number": week,
                "completion_percent": round(100.0 * week_logged / week_total, 1) if week_total else 0.0,
                "days": days,
            }
        )
    return {
        **user_plan_item(user_plan, lang),
        "plan": {
            **_plan_summary(plan, lang),
            "description": plan.description_fr if lang == "fr" and plan.description_fr else plan.description_en,
        },
        "completion": {
            "logged_plan_exercises": progress["logged_plan_exercises"],
            "total_plan_exercises": progress["total_plan_exercises"],
            "completion_percent": progress["completion_percent"],
        },
        "next_workout": progress["next_workout"],
        "schedule": weeks,
    }


class PlanSummarySerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    name_en = serializers.CharField()
    name_fr = serializers.CharField()
    goal = serializers.ChoiceField(list(PLAN_GOALS))
    difficulty = serializers.ChoiceField(list(DIFFICULTIES))
    weeks = serializers.IntegerField()
    days_per_week = serializers.IntegerField()
    is_template = serializers.BooleanField()
    created_by = serializers.UUIDField(allow_null=True, help_text="The owner of a custom plan; null for templates.")


class CompletionSerializer(serializers.Serializer[Any]):
    logged_plan_exercises = serializers.IntegerField()
    total_plan_exercises = serializers.IntegerField()
    completion_percent = serializers.FloatField()


class UserPlanSerializer(serializers.Serializer[UserPlan]):
    id = serializers.IntegerField()
    user_plan_id = serializers.IntegerField()
    plan_id = serializers.IntegerField()
    status = serializers.ChoiceField(STATUS_CHOICES)
    start_date = serializers.DateField()
    completed_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    plan = PlanSummarySerializer()
    completion = CompletionSerializer(allow_null=True)

    def to_representation(self, instance: UserPlan) -> dict[str, Any]:
        return user_plan_item(instance, self.context.get("lang", "en"))


class WorkoutLogSerializer(serializers.Serializer[UserWorkoutLog]):
    id = serializers.UUIDField()
    user_plan_id = serializers.IntegerField(allow_null=True, help_text="Null once the assignment was removed.")
    plan_exercise_id = serializers.IntegerField(allow_null=True)
    exercise_id = serializers.IntegerField(allow_null=True)
    exercise_name = serializers.CharField(allow_null=True)
    date_performed = serializers.DateField()
    sets_completed = serializers.IntegerField(allow_null=True)
    reps_completed = serializers.IntegerField(allow_null=True)
    weight_kg = serializers.FloatField(allow_null=True)
    duration_seconds = serializers.IntegerField(allow_null=True)
    rpe = serializers.IntegerField(allow_null=True)
    notes = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def to_representation(self, instance: UserWorkoutLog) -> dict[str, Any]:
        return workout_log_item(instance, self.context.get("lang", "en"))


class NextWorkoutSerializer(serializers.Serializer[Any]):
    week_number = serializers.IntegerField()
    day_number = serializers.IntegerField()
    date = serializers.DateField()


class UserPlanDetailSerializer(UserPlanSerializer):
    next_workout = NextWorkoutSerializer(allow_null=True, help_text="The first unfinished training day from today on.")
    schedule = serializers.ListField(
        child=serializers.DictField(),
        help_text="Weeks, each with its seven days (date, rest day, completion) and their plan exercises, each "
        "with `logged` and its `logs`.",
    )


class BatchResultSerializer(serializers.Serializer[Any]):
    created = serializers.IntegerField()
    existing = serializers.IntegerField(help_text="Ids already stored: replays, left as they were.")
    logs = WorkoutLogSerializer(many=True)


class MigrationReportSerializer(serializers.Serializer[Any]):
    plans = serializers.DictField(child=serializers.IntegerField(), help_text="{created, existing}")
    workout_logs = serializers.DictField(child=serializers.IntegerField(), help_text="{created, existing}")
