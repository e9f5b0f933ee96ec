"""A user's login methods: reading them (selectors) and removing one or choosing the primary one
(services).

Every change to one account's methods locks that account's `users` row first, as
accounts.identity.identity_link does, so two requests on the same account take turns: the count
that guards the last method is read inside the lock and cannot be stale.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import AuthMethod, User
from movoai.errors import Conflict


class LastMethod(Conflict):
    default_detail = (
        "This is the account's only login method: removing it would lock you out. Link another method first."
    )


# ---- selectors -----------------------------------------------------------------------------------


def auth_method_list(*, user: User) -> QuerySet[AuthMethod]:
    """The user's login methods, the primary one first, then oldest first."""
    return AuthMethod.objects.filter(user=user).order_by("-is_primary", "created_at", "id")


def auth_method_get(*, user: User, method_id: int) -> AuthMethod | None:
    """One of the user's login methods, or None (another user's method looks like no method)."""
    return AuthMethod.objects.filter(user=user, id=method_id).first()


def identifier_masked(method: AuthMethod) -> str:
    """The method's identifier as the account's owner sees it: a phone number and an email are
    partly hidden (enough to recognise them, not to read them over a shoulder); the others (a
    Telegram user id, a Google `sub`) are opaque ids and shown as they are."""
    value = method.identifier
    if method.provider == AuthMethod.Provider.SMS and len(value) > 6:
        return value[:4] + "\u2022" * (len(value) - 6) + value[-2:]
    if method.provider == AuthMethod.Provider.EMAIL and "@" in value:
        local, _, domain = value.rpartition("@")
        shown = local[:2] if len(local) > 3 else local[:1]
        return f"{shown}\u2022\u2022\u2022@{domain}"
    return value


# ---- services ------------------------------------------------------------------------------------


def _lock_user(user: User) -> None:
    User.objects.select_for_update().filter(id=user.id).first()


@transaction.atomic
def auth_method_delete(*, user: User, method_id: int) -> AuthMethod | None:
    """Remove one of the user's login methods and return it; None when the user has no such
    method. The last method is never removed (LastMethod, a 409), also when two requests remove
    the last two at once: the account's row is locked and the methods counted inside the lock.
    Removing the primary method makes the oldest remaining one primary. Removing the Telegram
    method also forgets the account's `telegram_id`, so that logging in with that Telegram account
    later does not land in this account again."""
    _lock_user(user)
    method = AuthMethod.objects.filter(user=user, id=method_id).first()
    if method is None:
        return None
    if AuthMethod.objects.filter(user=user).count() <= 1:
        raise LastMethod()
    method.delete()
    if method.is_primary:
        successor = AuthMethod.objects.filter(user=user).order_by("created_at", "id").first()
        if successor is not None:
            successor.is_primary = True
            successor.save(update_fields=["is_primary", "updated_at"])
    if (
        method.provider == AuthMethod.Provider.TELEGRAM
        and user.telegram_id is not None
        and method.identifier == str(user.telegram_id)
    ):
        User.objects.filter(id=user.id).update(telegram_id=None)
        user.telegram_id = None
    return method


@transaction.atomic
def auth_method_set_primary(*, user: User, method_id: int) -> AuthMethod | None:
    """Make one of the user's methods the only primary one and return it; None when the user has
    no such method. The database allows one primary per user, so the old one is cleared first, in
    the same transaction."""
    _lock_user(user)
    method = AuthMethod.objects.filter(user=user, id=method_id).first()
    if method is None:
        return None
    if not method.is_primary:
        AuthMethod.objects.filter(user=user, is_primary=True).update(is_primary=False, updated_at=timezone.now())
        method.is_primary = True
        method.save(update_fields=["is_primary", "updated_at"])
    return method
