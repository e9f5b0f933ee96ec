"""Single-use exchange codes: how the Google redirect flow hands a login to the frontend without
ever putting a token in a URL.

The callback stores the login under a random code for 60 seconds and redirects the browser to the
frontend with `?code=...`; the frontend POSTs the code to /google/exchange and gets the token pair.
Only a hash of the code is a Redis key, and redeeming it is a DELETE: of two concurrent redemptions
exactly one deletes the key, so a code works once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache

from accounts.models import User

CODE_TTL_SECONDS = 60


@dataclass(frozen=True)
class ExchangedLogin:
    user: User
    is_new_user: bool


def _key(code: str) -> str:
    return "auth:google:exchange:" + hashlib.sha256(code.encode()).hexdigest()


def exchange_code_issue(*, user: User, is_new_user: bool) -> str:
    """A fresh code that redeems, once and within CODE_TTL_SECONDS, to a login of `user`."""
    for _ in range(3):
        code = secrets.token_urlsafe(32)
        if cache.add(_key(code), {"user_id": str(user.id), "is_new_user": is_new_user}, CODE_TTL_SECONDS):
            return code
    raise RuntimeError("could not store a unique exchange code")  # 256 random bits: never in practice


def exchange_code_redeem(*, code: str) -> ExchangedLogin | None:
    """The login a code was issued for, or None when the code is unknown, expired or already
    redeemed (also when the account has been deactivated or deleted in the meantime)."""
    key = _key(code)
    stored: Any = cache.get(key)
    if not isinstance(stored, dict) or not cache.delete(key):
        return None  # unknown, expired, or another request redeemed it first
    user = User.objects.filter(id=stored["user_id"], is_active=True).first()
    if user is None:
        return None
    return ExchangedLogin(user=user, is_new_user=bool(stored["is_new_user"]))
