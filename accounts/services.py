"""Writes to users."""

from __future__ import annotations

from django.core.cache import cache
from django.utils import timezone
from redis.exceptions import RedisError

from accounts.models import User
from movoai import cache_keys

# last_active is written to the database at most this often per user; Redis has the exact value.
LAST_ACTIVE_FLUSH_SECONDS = 300
LAST_ACTIVE_CACHE_SECONDS = 7 * 24 * 3600


def user_touch(*, user: User) -> None:
    """Record that the user is active now, without a database write on every request: the time
    goes to Redis, and to the users table at most once every LAST_ACTIVE_FLUSH_SECONDS."""
    now = timezone.now()
    try:
        cache.set(cache_keys.user_last_active(user.id), now.isoformat(), LAST_ACTIVE_CACHE_SECONDS)
        first_in_window = cache.add(cache_keys.user_last_active_flushed(user.id), 1, LAST_ACTIVE_FLUSH_SECONDS)
    except RedisError:
        stale = user.last_active is None or (now - user.last_active).total_seconds() > LAST_ACTIVE_FLUSH_SECONDS
        first_in_window = stale
    if first_in_window:
        User.objects.filter(id=user.id).update(last_active=now)
        user.last_active = now
