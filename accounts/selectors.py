"""Reads of users."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.dateparse import parse_datetime
from redis.exceptions import RedisError

from accounts.models import AuthMethod, User
from movoai import cache_keys
from tracking.models import UserPlan, UserWorkoutLog


@dataclass(frozen=True)
class UserDetail:
    user: User
    workout_count: int  # distinct days with at least one workout log
    plan_count: int  # assigned plans, whatever their status


def user_get(*, user_id: uuid.UUID) -> User | None:
    """An active app user by id, or None (unknown and deactivated users look the same; staff
    accounts are not reachable through the app's endpoints)."""
    return User.objects.filter(id=user_id, is_active=True, is_staff=False).first()


def user_with_login_state(*, user_id: uuid.UUID) -> tuple[User, bool] | None:
    """An active app user by id (as user_get) and whether they have a login method (an account
    with none is an unclaimed anonymous one), in one query; None for an unknown id."""
    row = (
        User.objects.filter(id=user_id, is_active=True, is_staff=False)
        .annotate(has_login_method=Exists(AuthMethod.objects.filter(user=OuterRef("pk"))))
        .first()
    )
    if row is None:
        return None
    return row, bool(row.has_login_method)


def user_get_any(*, user_id: uuid.UUID) -> User | None:
    """An active user by id, staff included (what staff may read), or None."""
    return User.objects.filter(id=user_id, is_active=True).first()


def user_detail(*, user_id: uuid.UUID) -> UserDetail | None:
    """An active user with their workout and plan counts, in one query whatever their history
    (the counts are subqueries of the user's row); None for an unknown or deactivated id."""
    training_days = (
        UserWorkoutLog.objects.filter(user=OuterRef("pk"))
        .order_by()
        .values("user")
        .annotate(days=Count("date_performed", distinct=True))
        .values("days")
    )
    assigned_plans = (
        UserPlan.objects.filter(user=OuterRef("pk"))
        .order_by()
        .values("user")
        .annotate(plans=Count("id"))
        .values("plans")
    )
    row = (
        User.objects.filter(id=user_id, is_active=True)
        .annotate(
            workout_count=Coalesce(Subquery(training_days, output_field=IntegerField()), 0),
            plan_count=Coalesce(Subquery(assigned_plans, output_field=IntegerField()), 0),
        )
        .first()
    )
    if row is None:
        return None
    return UserDetail(user=row, workout_count=row.workout_count, plan_count=row.plan_count)


def user_last_active(*, user: User) -> datetime | None:
    """When the user was last seen: the fresher of the stored value (flushed at most every few
    minutes) and the one kept in Redis on every request."""
    try:
        cached = cache.get(cache_keys.user_last_active(user.id))
    except RedisError:
        cached = None
    seen = parse_datetime(cached) if isinstance(cached, str) else None
    if seen is None or (user.last_active is not None and user.last_active > seen):
        return user.last_active
    return seen
