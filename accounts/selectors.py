"""Reads of users."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.core.cache import cache
from django.utils.dateparse import parse_datetime
from redis.exceptions import RedisError

from accounts.models import User
from movoai import cache_keys


def user_get(*, user_id: uuid.UUID) -> User | None:
    """An active user by id, or None (unknown and deactivated users look the same)."""
    return User.objects.filter(id=user_id, is_active=True).first()


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
