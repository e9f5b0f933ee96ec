"""The one interface every login provider uses (Telegram, SMS code, email code, Google).

A provider proves an Identity (provider + its stable id). `identity_login` logs in the account
that owns it, or creates one; `identity_link` adds it to the current account. An identity owned by
another account is a 409 that says nothing about that account.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import AuthMethod, User
from movoai.errors import Conflict


@dataclass(frozen=True)
class Identity:
    provider: str
    identifier: str
    data: dict[str, Any] = field(default_factory=dict)
    # used only when the login creates the account
    display_name: str = ""
    language: str | None = None
    telegram_id: int | None = None


@dataclass(frozen=True)
class LoginResult:
    user: User
    method: AuthMethod
    is_new_user: bool


class IdentityTaken(Conflict):
    default_detail = "This login method cannot be linked to this account."


def _touch(method: AuthMethod, identity: Identity) -> None:
    method.data = {**method.data, **identity.data}
    method.is_verified = True
    method.last_used_at = timezone.now()
    method.save(update_fields=["data", "is_verified", "last_used_at", "updated_at"])


def identity_login(*, identity: Identity) -> LoginResult:
    """Log in with a proven identity: its account, or a new account owning it (primary method)."""
    for _ in range(2):  # a concurrent first login of the same identity: the loser retries and finds it
        try:
            return _login_once(identity)
        except IntegrityError:
            continue
    return _login_once(identity)


@transaction.atomic
def _login_once(identity: Identity) -> LoginResult:
    method = (
        AuthMethod.objects.select_related("user")
        .filter(provider=identity.provider, identifier=identity.identifier)
        .first()
    )
    if method is not None:
        _touch(method, identity)
        return LoginResult(user=method.user, method=method, is_new_user=False)
    # An account made earlier with this Telegram id (POST /users) is claimed by proving the id.
    existing = User.objects.filter(telegram_id=identity.telegram_id).first() if identity.telegram_id else None
    if existing is not None:
        has_primary = AuthMethod.objects.filter(user=existing, is_primary=True).exists()
        method = AuthMethod.objects.create(
            user=existing,
            provider=identity.provider,
            identifier=identity.identifier,
            data=identity.data,
            is_verified=True,
            is_primary=not has_primary,
            last_used_at=timezone.now(),
        )
        return LoginResult(user=existing, method=method, is_new_user=False)
    user = User.objects.create(
        display_name=identity.display_name[:150],
        preferred_language=identity.language if identity.language in ("en", "fr") else "en",
        telegram_id=identity.telegram_id,
        password=None,
    )
    method = AuthMethod.objects.create(
        user=user,
        provider=identity.provider,
        identifier=identity.identifier,
        data=identity.data,
        is_verified=True,
        is_primary=True,
        last_used_at=timezone.now(),
    )
    return LoginResult(user=user, method=method, is_new_user=True)


@transaction.atomic
def identity_link(*, user: User, identity: Identity) -> AuthMethod:
    """Add a proven identity to the user's account (idempotent for an identity it already has)."""
    User.objects.select_for_update().filter(id=user.id).first()  # serialise changes to one account's methods
    method = AuthMethod.objects.filter(provider=identity.provider, identifier=identity.identifier).first()
    if method is not None:
        if method.user_id != user.id:
            raise IdentityTaken()
        _touch(method, identity)
        return method
    has_primary = AuthMethod.objects.filter(user=user, is_primary=True).exists()
    try:
        with transaction.atomic():
            method = AuthMethod.objects.create(
                user=user,
                provider=identity.provider,
                identifier=identity.identifier,
                data=identity.data,
                is_verified=True,
                is_primary=not has_primary,
                last_used_at=timezone.now(),
            )
    except IntegrityError:
        raise IdentityTaken() from None
    if identity.telegram_id is not None and user.telegram_id is None:
        User.objects.filter(id=user.id).update(telegram_id=identity.telegram_id)
        user.telegram_id = identity.telegram_id
    return method
