"""Reads of a user's assigned plans and workout logs."""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from plans.models import PlanExercise, WorkoutPlan
from tracking.models import UserPlan, UserWorkoutLog


def user_today(*, user: User) -> datetime.date:
    """The user's own calendar date, from their time zone (UTC when unknown)."""
    try:
        zone = ZoneInfo(user.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return timezone.now().astimezone(zone).date()


def user_plan_list(*, user: User, status: str | None = None) -> QuerySet[UserPlan]:
    """The user's assigned plans, newest first, with each plan's number of plan exercises and how
    many of them this assignment has logged (subqueries: one query whatever the page size)."""
    total = (
        PlanExercise.objects.filter(plan_id=OuterRef("plan_id"))
        .order_by()
        .values("plan_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    logged = (
        UserWorkoutLog.objects.filter(user_plan_id=OuterRef("id"), plan_exercise__isnull=False)
        .order_by()
        .values("user_plan_id")
        .annotate(n=Count("plan_exercise_id", distinct=True))
        .values("n")
    )
    queryset = (
        UserPlan.objects.filter(user=user)
        .select_related("plan")
        .annotate(
            total_plan_exercises=Coalesce(Subquery(total, output_field=IntegerField()), 0),
            logged_plan_exercises=Coalesce(Subquery(logged, output_field=IntegerField()), 0),
        )
        .order_by("-created_at", "-id")
    )
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def user_plan_get(*, user: User, user_plan_id: int) -> UserPlan | None:
    return UserPlan.objects.select_related("plan").filter(user=user, id=user_plan_id).first()


def _assignments_for_log(*, user: User, plan_id: Any) -> QuerySet[UserPlan]:
    """The user's assignments of a plan in the order a log of the plan is filed under them when
    the client does not say: the active one, else paused, else completed; the most recently
    started first."""
    status_order = Case(
        When(status=UserPlan.Status.ACTIVE, then=Value(0)),
        When(status=UserPlan.Status.PAUSED, then=Value(1)),
        When(status=UserPlan.Status.COMPLETED, then=Value(2)),
        default=Value(3),
    )
    return UserPlan.objects.filter(user=user, plan_id=plan_id).order_by(status_order, "-start_date", "-id")


def user_plan_for_plan(*, user: User, plan_id: int) -> UserPlan | None:
    """The assignment a log of this plan belongs to when the client does not say."""
    return _assignments_for_log(user=user, plan_id=plan_id).first()


def plan_exercise_for_user(*, user: User, plan_exercise_id: int) -> PlanExercise | None:
    """A plan exercise of a plan the user follows (any status) or owns; None otherwise. What a log
    of it needs, in one query: its exercise's id and names (the rest of the exercise deferred) and
    `default_user_plan_id`, the assignment the log is filed under when the client does not say
    (user_plan_for_plan; None when the user only owns the plan)."""
    followed = UserPlan.objects.filter(user=user).values("plan_id")
    default_assignment = _assignments_for_log(user=user, plan_id=OuterRef("plan_id")).values("id")[:1]
    return (
        PlanExercise.objects.select_related("exercise")
        .only("id", "plan_id", "exercise__id", "exercise__exercise_en", "exercise__exercise_fr")
        .filter(Q(plan_id__in=followed) | Q(plan__created_by=user), id=plan_exercise_id)
        .annotate(default_user_plan_id=Subquery(default_assignment, output_field=IntegerField()))
        .first()
    )


def workout_log_get(*, user: User, log_id: uuid.UUID) -> UserWorkoutLog | None:
    return UserWorkoutLog.objects.select_related("exercise").filter(user=user, id=log_id).first()


def workout_log_list(
    *,
    user: User,
    start_date: datetime.date | None = None,
    end_date: datetime.date | None = None,
    plan_exercise_id: int | None = None,
    user_plan_id: int | None = None,
) -> QuerySet[UserWorkoutLog]:
    """The user's workout history, newest first (by the date trained, then the time logged)."""
    queryset = UserWorkoutLog.objects.filter(user=user).select_related("exercise")
    if start_date:
        queryset = queryset.filter(date_performed__gte=start_date)
    if end_date:
        queryset = queryset.filter(date_performed__lte=end_date)
    if plan_exercise_id:
        queryset = queryset.filter(plan_exercise_id=plan_exercise_id)
    if user_plan_id:
        queryset = queryset.filter(user_plan_id=user_plan_id)
    return queryset.order_by("-date_performed", "-created_at", "-id")


def scheduled_date(*, start_date: datetime.date, week_number: int, day_number: int) -> datetime.date:
    """The calendar date of a plan day: week 1 day 1 is the start date."""
    return start_date + datetime.timedelta(days=(week_number - 1) * 7 + (day_number - 1))


def _percent(done: int, total: int) -> float:
    return round(100.0 * done / total, 1) if total else 0.0


def user_plan_progress(*, user_plan: UserPlan, plan: WorkoutPlan, today: datetime.date) -> dict[str, Any]:
    """Progress of one assignment over its plan's schedule (the plan comes with its plan exercises
    prefetched): for each week and day, which plan exercises have logs under this assignment, the
    completion percentages, the logs of each plan exercise, the next scheduled workout and the
    overall completion. One query for the logs."""
    logs_by_plan_exercise: dict[int, list[UserWorkoutLog]] = defaultdict(list)
    logs = UserWorkoutLog.objects.filter(user_plan=user_plan, plan_exercise__isnull=False).select_related("exercise")
    for log in logs.order_by("date_performed", "created_at"):
        assert log.plan_exercise_id is not None
        logs_by_plan_exercise[log.plan_exercise_id].append(log)

    days: dict[tuple[int, int], list[PlanExercise]] = defaultdict(list)
    for plan_exercise in plan.plan_exercises.all():
        days[(plan_exercise.week_number, plan_exercise.day_number)].append(plan_exercise)

    next_workout: dict[str, Any] | None = None
    first_open: dict[str, Any] | None = None
    day_progress: dict[tuple[int, int], dict[str, Any]] = {}
    for (week, day), entries in sorted(days.items()):
        done = sum(1 for pe in entries if logs_by_plan_exercise.get(pe.id))
        date = scheduled_date(start_date=user_plan.start_date, week_number=week, day_number=day)
        day_progress[(week, day)] = {
            "date": date.isoformat(),
            "logged_plan_exercises": done,
            "total_plan_exercises": len(entries),
            "completion_percent": _percent(done, len(entries)),
        }
        if done < len(entries):
            candidate = {"week_number": week, "day_number": day, "date": date.isoformat()}
            first_open = first_open or candidate
            if next_workout is None and date >= today:
                next_workout = candidate
    total = sum(len(entries) for entries in days.values())
    logged = sum(1 for entries in days.values() for pe in entries if logs_by_plan_exercise.get(pe.id))
    return {
        "days": day_progress,
        "logs": logs_by_plan_exercise,
        # the first unfinished training day from today on, else the earliest one left behind
        "next_workout": None if user_plan.status == UserPlan.Status.COMPLETED else (next_workout or first_open),
        "logged_plan_exercises": logged,
        "total_plan_exercises": total,
        "completion_percent": _percent(logged, total),
    }
