"""Claiming an anonymous account: its data moves into the logged-in account, then it is deleted.

The proof of the anonymous identity is its refresh token (a user id alone proves nothing: ids
travel in URLs and logs). The move runs in one transaction with both `users` rows locked, in id
order so that two claims crossing each other cannot deadlock.

Which rows move is found by introspection, not by a list kept by hand: every foreign key to
settings.AUTH_USER_MODEL of every installed model moves from the anonymous user to the logged-in
one, except those of the apps in LOGIN_MACHINERY_APPS (login methods, verification codes, tokens,
social-auth identities, admin history), which belong to the login, not to the user's data. Today
that is:

- `user_plans.user_id` (assigned plans, ids kept; an assignment whose `client_id` the target
  already has is the same offline assignment migrated twice: the target's is kept and the
  anonymous one's logs are moved onto it),
- `user_workout_logs.user_id` (workout logs, ids kept),
- `workout_plans.created_by` (custom plans, ids kept),

and, without any change here, every table a later issue adds with a foreign key to users
(conversations, AI records, ...). A table whose rows may clash when merged (a unique constraint
including the user) registers a merge function in MERGE_HANDLERS, as user_plans does; a one-to-one
relation the target already has keeps the target's row.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from rest_framework.exceptions import ValidationError
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import AuthMethod, User
from accounts.services import PROFILE_FIELDS
from accounts.tokens import revoke_user_tokens
from movoai import cache_keys
from movoai.errors import Conflict
from tracking.models import UserPlan, UserWorkoutLog

PROOF_FIELD = "anonymous_refresh"
# Apps whose rows describe how someone logs in, not what they did: they are not moved (the
# anonymous account has no login method; its tokens are revoked, its codes die with it).
LOGIN_MACHINERY_APPS = frozenset({"accounts", "token_blacklist", "social_django", "admin", "sessions"})
DEFAULT_TIME_ZONE = "UTC"


class InvalidProof(ValidationError):
    """The anonymous refresh token is not valid proof (a 400 naming the field)."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            {
                PROOF_FIELD: [
                    f"Not valid proof of an anonymous account: {reason}. Send the anonymous account's current "
                    "refresh token; a token that already served to claim its account is revoked."
                ]
            }
        )


class NotAnonymous(Conflict):
    default_detail = (
        "This account has its own login method: it cannot be claimed. Log in to it with that method instead."
    )


class ClaimSelf(Conflict):
    default_detail = "An account cannot claim itself: the refresh token given is the logged-in account's own."


@dataclass(frozen=True)
class ClaimResult:
    user: User
    claimed_user_id: uuid.UUID
    # rows moved per relation, "table.column" -> count
    moved: dict[str, int] = field(default_factory=dict)
    merged_profile_fields: list[str] = field(default_factory=list)
    revoked_tokens: int = 0


UserRelation = models.ForeignKey[Any, Any]
MergeHandler = Callable[[UserRelation, uuid.UUID, uuid.UUID], int]


# ---- selectors -----------------------------------------------------------------------------------


def user_data_relations() -> list[UserRelation]:
    """Every foreign key (one-to-one included) to the users table that holds user data: those of
    all installed models except the login machinery's, in a stable order (table, column)."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    relations: list[UserRelation] = []
    for model in apps.get_models():
        opts = model._meta
        if opts.proxy or opts.app_label in LOGIN_MACHINERY_APPS:
            continue
        for model_field in opts.concrete_fields:
            if isinstance(model_field, models.ForeignKey) and model_field.related_model is user_model:
                relations.append(model_field)
    return sorted(relations, key=relation_label)


def relation_label(relation: UserRelation) -> str:
    return f"{relation.model._meta.db_table}.{relation.column}"


def anonymous_user_id_from_refresh(token: str) -> uuid.UUID:
    """The user id a refresh token proves: simplejwt checks its signature, expiry, audience,
    issuer, type (refresh, not access) and the blacklist. InvalidProof otherwise."""
    try:
        refresh = RefreshToken(token)  # type: ignore[arg-type]  # simplejwt decodes a str
    except TokenError as error:
        raise InvalidProof(str(error).rstrip(".").lower()) from None
    auth_time = refresh.get("auth_time")
    lifetime = settings.SESSION_ABSOLUTE_LIFETIME_DAYS * 86400
    if isinstance(auth_time, int | float) and lifetime and time.time() - auth_time > lifetime:
        raise InvalidProof("its session is over")
    try:
        return uuid.UUID(str(refresh.get(api_settings.USER_ID_CLAIM)))
    except ValueError:
        raise InvalidProof("it names no user") from None


# ---- moving the rows -----------------------------------------------------------------------------


def _move_user_plans(relation: UserRelation, source_id: uuid.UUID, target_id: uuid.UUID) -> int:
    """Assigned plans keep their ids. One with a client_id the target already has is the same
    offline assignment: its logs go to the target's assignment and the duplicate is dropped."""
    target_client_ids = UserPlan.objects.filter(user_id=target_id, client_id__isnull=False).values("client_id")
    duplicates = UserPlan.objects.filter(user_id=source_id, client_id__in=target_client_ids)
    for duplicate in duplicates:
        kept = UserPlan.objects.get(user_id=target_id, client_id=duplicate.client_id)
        UserWorkoutLog.objects.filter(user_plan=duplicate).update(user_plan=kept, updated_at=timezone.now())
        duplicate.delete()
    return _move_rows(relation, source_id, target_id)


def _move_rows(relation: UserRelation, source_id: uuid.UUID, target_id: uuid.UUID) -> int:
    """The default: point every row of the source at the target, keeping ids. A one-to-one row
    the target already has wins; the source's goes with the source."""
    manager = relation.model._base_manager
    if relation.one_to_one and manager.filter(**{relation.attname: target_id}).exists():
        return 0
    return int(manager.filter(**{relation.attname: source_id}).update(**{relation.attname: target_id}))


MERGE_HANDLERS: dict[str, MergeHandler] = {
    "user_plans.user_id": _move_user_plans,
}


def _lacks(value: Any) -> bool:
    return value is None or value == "" or value == []


def _merge_profile(*, target: User, source: User) -> list[str]:
    """The profile fields the target has not filled in, taken from the source. The language stays
    the target's (its login chose it); a time zone still at the default counts as not filled in."""
    merged: list[str] = []
    for name in PROFILE_FIELDS:
        if name == "preferred_language":
            continue
        mine, theirs = getattr(target, name), getattr(source, name)
        if name == "time_zone":
            missing = mine == DEFAULT_TIME_ZONE and theirs != DEFAULT_TIME_ZONE
        else:
            missing = _lacks(mine) and not _lacks(theirs)
        if missing:
            setattr(target, name, theirs)
            merged.append(name)
    changed = list(merged)
    if source.last_active is not None and (target.last_active is None or source.last_active > target.last_active):
        target.last_active = source.last_active
        changed.append("last_active")
    if changed:
        target.save(update_fields=[*changed, "updated_at"])
    return merged


def _lock_users(*user_ids: uuid.UUID) -> dict[uuid.UUID, User]:
    """Lock the users rows one by one in id order (two claims crossing each other take the locks in
    the same order, so neither waits for the other forever). Missing rows are left out."""
    locked: dict[uuid.UUID, User] = {}
    for user_id in sorted(set(user_ids)):
        user = User.objects.select_for_update().filter(id=user_id).first()
        if user is not None:
            locked[user_id] = user
    return locked


# ---- the service ---------------------------------------------------------------------------------


def account_claim(*, user: User, anonymous_refresh: str) -> ClaimResult:
    """Move everything the anonymous account proven by `anonymous_refresh` holds into `user`'s
    account, merge the profile fields `user` lacks, revoke the anonymous account's tokens and
    delete it, all in one transaction: nothing is lost, nothing is duplicated.

    Raises InvalidProof (400) for a token that is not a valid refresh token of an existing active
    account (expired, tampered, an access token, blacklisted: a claimed account's token is revoked,
    so claiming twice changes nothing), NotAnonymous (409) for an account with a login method or a
    staff account, ClaimSelf (409) for the caller's own token. Both users' cached pages are
    invalidated once the transaction commits.
    """
    source_id = anonymous_user_id_from_refresh(anonymous_refresh)
    if source_id == user.id:
        raise ClaimSelf()
    with transaction.atomic():
        locked = _lock_users(user.id, source_id)
        target, source = locked.get(user.id), locked.get(source_id)
        if source is None or not source.is_active:
            raise InvalidProof("its account no longer exists (already claimed?)")
        if target is None:  # the caller's account was deleted while this request ran
            raise Conflict("The logged-in account no longer exists.")
        if source.is_staff or source.password or AuthMethod.objects.filter(user_id=source_id).exists():
            raise NotAnonymous()

        moved: dict[str, int] = {}
        for relation in user_data_relations():
            label = relation_label(relation)
            moved[label] = MERGE_HANDLERS.get(label, _move_rows)(relation, source_id, target.id)
        merged = _merge_profile(target=target, source=source)
        revoked = revoke_user_tokens(user_id=source_id)
        User.objects.filter(id=source_id).delete()

        target_id = target.id
        transaction.on_commit(lambda: cache_keys.user_data_changed(target_id))
        transaction.on_commit(lambda: cache_keys.user_data_changed(source_id))
    return ClaimResult(
        user=target,
        claimed_user_id=source_id,
        moved=moved,
        merged_profile_fields=merged,
        revoked_tokens=revoked,
    )
