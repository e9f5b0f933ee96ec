"""JSON Web Tokens: the pair a login returns, and the authentication of API requests.

Access tokens live 15 minutes, refresh tokens 30 days and rotate on every refresh. Every token
carries `auth_time` (when the login happened), kept across rotations, so that a session ends
SESSION_ABSOLUTE_LIFETIME_DAYS after its login whatever the refreshes.
"""

from __future__ import annotations

import time
from typing import Any

from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User


def token_pair_for(user: User, *, auth_time: int | None = None) -> dict[str, Any]:
    """A fresh access + refresh pair for the user. `auth_time` is the login's time (now for a new
    login; the original login's for a rotation)."""
    refresh = RefreshToken.for_user(user)
    refresh["auth_time"] = auth_time if auth_time is not None else int(time.time())
    access = refresh.access_token
    return {
        "access": str(access),
        "refresh": str(refresh),
        "token_type": "Bearer",
        "access_expires_in": int(access.lifetime.total_seconds()),
        "refresh_expires_in": int(refresh.lifetime.total_seconds()),
    }


class TokenAuthentication(JWTAuthentication):
    """Bearer access tokens. A token of a deleted or deactivated user is a 401, like a bad token."""

    def get_user(self, validated_token: Any) -> Any:
        user = super().get_user(validated_token)
        if not user.is_active:
            raise AuthenticationFailed("This account is deactivated.", code="user_inactive")
        return user


def revoke_user_tokens(*, user_id: Any) -> int:
    """Blacklist every refresh token of the user still outstanding (logout everywhere, reuse of a
    rotated token, account claimed or deleted). Returns how many were revoked."""
    from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

    outstanding = OutstandingToken.objects.filter(user_id=user_id).exclude(blacklistedtoken__isnull=False)
    revoked = [BlacklistedToken(token=token) for token in outstanding]
    BlacklistedToken.objects.bulk_create(revoked, ignore_conflicts=True)
    return len(revoked)
