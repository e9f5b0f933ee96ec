"""Writes to users."""

from __future__ import annotations

import logging
import uuid
from contextlib import suppress
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypedDict

from django.db import IntegrityError, transaction
from django.utils import timezone
from redis.exceptions import RedisError

from accounts.models import User
from accounts.selectors import user_with_login_state
from accounts.tokens import revoke_user_tokens
from movoai import cache_keys, idempotency
from movoai.errors import Conflict
from tracking.models import UserPlan, UserWorkoutLog

logger = logging.getLogger("movoai.accounts")

# last_active is written to the database at most this often per user; Redis has the exact value.
LAST_ACTIVE_FLUSH_SECONDS = 300
LAST_ACTIVE_CACHE_SECONDS = 7 * 24 * 3600

# The profile's vocabularies. All but WORKOUT_STYLES are also CHECK constraints of the users table
# (db/schema.sql); workout_style has no CHECK, so this list is its only guard.
GENDERS = ("male", "female", "other", "prefer_not_to_say")
FITNESS_LEVELS = ("beginner", "intermediate", "advanced")
WORKOUT_STYLES = ("home", "gym", "outdoor", "mixed")
DAILY_ACTIVITIES = ("sedentary", "lightly_active", "moderately_active", "very_active", "extra_active")


class ProfileChanges(TypedDict, total=False):
    """Profile fields of a user, validated by the caller (the API's serializers)."""

    display_name: str
    preferred_language: str
    time_zone: str
    gender: str | None
    age: int | None
    weight_kg: Decimal | None
    height_cm: Decimal | None
    fitness_level: str | None
    fitness_goals: list[str]
    workout_style: str | None
    daily_activity: str | None
    available_equipment: list[str]
    limitations: list[str]


PROFILE_FIELDS: tuple[str, ...] = tuple(ProfileChanges.__annotations__)

UNIQUE_VIOLATION = "23505"  # PostgreSQL's SQLSTATE
_CONFLICT_DETAILS = {
    "telegram_id": "A user with this telegram_id already exists. Reaching that account needs Telegram "
    "verification, which a later version adds; until then it cannot be created or claimed again.",
    "guest_id": "A user with this guest_id already exists: keep the user_id returned when it was created, "
    "or send another guest_id.",
}


def user_create(
    *, telegram_id: int | None = None, guest_id: str | None = None, profile: ProfileChanges | None = None
) -> User:
    """A new anonymous app user (no email, no password) with a random UUID v4 id, active now.

    A telegram_id or guest_id another user holds is a Conflict (409), never a merge. The database's
    unique constraints decide, so two concurrent creations with the same identity cannot both win.
    """
    fields: dict[str, Any] = dict(profile or {})
    _reject_unknown(fields)
    user = User(
        id=uuid.uuid4(),
        telegram_id=telegram_id,
        guest_id=guest_id,
        password=None,
        last_active=timezone.now(),
        **fields,
    )
    try:
        with transaction.atomic():
            user.save(force_insert=True)
    except IntegrityError as error:
        identity = _taken_identity(error, telegram_id=telegram_id, guest_id=guest_id)
        if identity is None:
            raise
        raise Conflict(_CONFLICT_DETAILS[identity]) from error
    return user


SIGN_UP_SCOPE = "users.create"


@dataclass(frozen=True)
class SignUp:
    user: User
    replayed: bool  # the account an earlier request with the same Idempotency-Key created


def user_create_once(
    *,
    idempotency_key: str | None,
    body: Any,
    telegram_id: int | None = None,
    guest_id: str | None = None,
    profile: ProfileChanges | None = None,
) -> SignUp:
    """user_create, safe to retry with an Idempotency-Key (movoai.idempotency): the same key and
    body again return the account the first request made, as long as it is still an anonymous one
    (deleted since, or holding a login method, it is a 409: a login reaches it, a key does not)."""
    if idempotency_key is None:
        return SignUp(user_create(telegram_id=telegram_id, guest_id=guest_id, profile=profile), replayed=False)
    held = idempotency.claim(scope=SIGN_UP_SCOPE, key=idempotency_key, body=body)
    if held.replay is not None:
        return SignUp(_account_to_replay(uuid.UUID(held.replay)), replayed=True)
    try:
        user = user_create(telegram_id=telegram_id, guest_id=guest_id, profile=profile)
    except BaseException:
        with suppress(RedisError):  # the key expires by itself otherwise
            idempotency.abandon(held)
        raise
    try:
        idempotency.finish(held, str(user.id))
    except RedisError as error:  # the account exists: answer it; a retry would not be replayed
        logger.error("sign-up %s not recorded for its Idempotency-Key: %s", user.id, error)
    return SignUp(user, replayed=False)


def _account_to_replay(user_id: uuid.UUID) -> User:
    found = user_with_login_state(user_id=user_id)
    if found is None:
        raise Conflict(f"The account this {idempotency.HEADER} created has been deleted since.")
    user, has_login_method = found
    if has_login_method:
        raise Conflict(f"The account this {idempotency.HEADER} created has a login method now: log in to reach it.")
    return user


def user_update_profile(*, user: User, changes: ProfileChanges) -> User:
    """Store the given profile fields of the user, all or none; the fields not given keep their
    values. Everything cached for the user is invalidated (progress counts days in its time zone)."""
    fields: dict[str, Any] = dict(changes)
    _reject_unknown(fields)
    if not fields:
        return user
    for name, value in fields.items():
        setattr(user, name, value)
    with transaction.atomic():
        user.save(update_fields=[*fields, "updated_at"])
        transaction.on_commit(lambda: cache_keys.user_data_changed(user.id))
    return user


def user_delete(*, user: User) -> None:
    """Delete the user and, in the same transaction, every row of theirs: assigned plans, workout
    logs, custom plans, login methods, verification codes. Their refresh tokens are revoked first,
    and TokenAuthentication refuses an access token whose user is gone, so no token of theirs works
    afterwards. Everything cached for the user is invalidated once committed."""
    user_id = user.id
    with transaction.atomic():
        revoke_user_tokens(user_id=user_id)
        # The logs and assignments first: an assignment of the user's own custom plan protects that
        # plan, which the user's row would otherwise cascade to.
        UserWorkoutLog.objects.filter(user_id=user_id).delete()
        UserPlan.objects.filter(user_id=user_id).delete()
        User.objects.filter(id=user_id).delete()
        transaction.on_commit(lambda: cache_keys.user_data_changed(user_id))


def user_touch(*, user: User) -> None:
    """Record that the user is active now, without a database write on every request: the time
    goes to Redis, and to the users table at most once every LAST_ACTIVE_FLUSH_SECONDS."""
    now = timezone.now()
    try:
        first_in_window = cache_keys.user_last_active_record(
            user.id, now.isoformat(), timeout=LAST_ACTIVE_CACHE_SECONDS, flush_every=LAST_ACTIVE_FLUSH_SECONDS
        )
    except RedisError:
        stale = user.last_active is None or (now - user.last_active).total_seconds() > LAST_ACTIVE_FLUSH_SECONDS
        first_in_window = stale
    if first_in_window:
        User.objects.filter(id=user.id).update(last_active=now)
        user.last_active = now


def _reject_unknown(fields: dict[str, Any]) -> None:
    unknown = sorted(set(fields) - set(PROFILE_FIELDS))
    if unknown:
        raise ValueError(f"Not profile fields: {', '.join(unknown)}")


def _taken_identity(error: IntegrityError, *, telegram_id: int | None, guest_id: str | None) -> str | None:
    """Which identity a refused insert collided with. Asked of the table rather than read from the
    constraint's name, which PostgreSQL generated when the production table was made. A unique
    violation is only raised once the other row is committed, so the row is visible here."""
    if getattr(error.__cause__, "sqlstate", None) != UNIQUE_VIOLATION:
        return None
    if telegram_id is not None and User.objects.filter(telegram_id=telegram_id).exists():
        return "telegram_id"
    if guest_id is not None and User.objects.filter(guest_id=guest_id).exists():
        return "guest_id"
    return None
