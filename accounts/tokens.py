"""JSON Web Tokens: the pair a login returns, their refresh and revocation, and the authentication
of API requests.

Access tokens live 15 minutes, refresh tokens 30 days and rotate on every refresh. Every token
carries `auth_time` (when the login happened), kept across rotations, so that a session ends
SESSION_ABSOLUTE_LIFETIME_DAYS after its login whatever the refreshes.

Where stock simplejwt falls short, `token_refresh` holds:
- a refresh token is spent at most once, even by concurrent requests (its OutstandingToken row is
  locked while it is checked and blacklisted), and presenting a spent one again revokes every
  refresh token of its user: a stolen token replayed after the owner used it (or the reverse)
  ends all sessions. A token only revoked (logout) is refused without that: a late refresh of a
  logged-out tab must not log the user out everywhere;
- a token of a deleted or deactivated user is a 401, never a 500;
- a session past its absolute lifetime cannot be refreshed.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import ExpiredTokenError, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken, Token

from accounts.models import SpentRefreshToken, User

logger = logging.getLogger("accounts.tokens")

AUTH_TIME_CLAIM = "auth_time"


def token_pair_for(user: User, *, auth_time: int | None = None) -> dict[str, Any]:
    """A fresh access + refresh pair for the user. `auth_time` is the login's time (now for a new
    login; the original login's for a rotation)."""
    refresh = RefreshToken.for_user(user)
    refresh[AUTH_TIME_CLAIM] = auth_time if auth_time is not None else int(timezone.now().timestamp())
    access = refresh.access_token
    return {
        "access": str(access),
        "refresh": str(refresh),
        "token_type": "Bearer",
        "access_expires_in": int(access.lifetime.total_seconds()),
        "refresh_expires_in": int(refresh.lifetime.total_seconds()),
    }


def _user_or_none(user_id: Any) -> User | None:
    try:
        return User.objects.filter(pk=user_id).first()
    except (ValidationError, ValueError):  # a user_id claim that is not a UUID
        return None


class TokenAuthentication(JWTAuthentication):
    """Bearer access tokens. An expired, tampered, unsigned (`alg: none`), foreign (audience or
    issuer) or refresh token, and a token of a deleted or deactivated user, are all a 401 problem
    with `WWW-Authenticate: Bearer`."""

    def get_validated_token(self, raw_token: bytes) -> Token:
        try:
            return AccessToken(raw_token)  # type: ignore[arg-type]  # simplejwt decodes bytes too
        except ExpiredTokenError as error:
            raise AuthenticationFailed(
                "The access token has expired: get a new one from POST /api/v1/auth/refresh.", code="token_expired"
            ) from error
        except TokenError as error:
            raise AuthenticationFailed("The access token is not valid.", code="token_not_valid") from error

    def get_user(self, validated_token: Token) -> Any:
        user = _user_or_none(validated_token.get(api_settings.USER_ID_CLAIM))
        if user is None:
            raise AuthenticationFailed("The account of this token no longer exists.", code="user_not_found")
        if not user.is_active:
            raise AuthenticationFailed("This account is deactivated.", code="user_inactive")
        return user


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """The bearer scheme in the OpenAPI schema, so that /docs can authorize requests."""

    target_class = TokenAuthentication
    name = "jwtAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        scheme: dict[str, Any] = build_bearer_security_scheme_object(
            header_name="HTTP_AUTHORIZATION",
            token_prefix="Bearer",  # noqa: S106 - the scheme's name, not a secret
            bearer_format="JWT",
        )
        scheme["description"] = (
            "The `access` token of a login's answer (15 minutes). When it expires, trade the `refresh` token "
            "for a new pair at `POST /api/v1/auth/refresh`."
        )
        return scheme


def revoke_user_tokens(*, user_id: Any) -> int:
    """Blacklist every refresh token of the user still outstanding (logout everywhere, reuse of a
    rotated token, account claimed or deleted). Returns how many were revoked."""
    outstanding = OutstandingToken.objects.filter(user_id=user_id).exclude(blacklistedtoken__isnull=False)
    revoked = [BlacklistedToken(token=token) for token in outstanding]
    BlacklistedToken.objects.bulk_create(revoked, ignore_conflicts=True)
    return len(revoked)


# ---- refresh and logout --------------------------------------------------------------------------


class RefreshRefused(AuthenticationFailed):
    """A refresh token that gives nothing: 401."""

    default_detail = "The refresh token is not valid: log in again."
    default_code = "refresh_refused"


class _SpendableRefreshToken(RefreshToken):
    """A refresh token checked for signature, expiry, audience, issuer and type, but not yet for the
    blacklist: whether it was already spent is decided under a lock, where reuse is detected."""

    def check_blacklist(self) -> None:
        return None


def _decode_refresh(raw: str) -> RefreshToken:
    try:
        return _SpendableRefreshToken(raw)  # type: ignore[arg-type]  # simplejwt's stubs want a Token
    except ExpiredTokenError as error:
        raise RefreshRefused("The refresh token has expired: log in again.", code="token_expired") from error
    except TokenError as error:
        raise RefreshRefused() from error


def _login_time(token: RefreshToken) -> int:
    # A token made without auth_time (not by token_pair_for) counts its own issue time as the login.
    return int(token.get(AUTH_TIME_CLAIM) or token["iat"])


def _rotate_locked(token: RefreshToken) -> dict[str, Any] | RefreshRefused:
    """Inside a transaction: spend the token and mint the next pair, or say why not. Refusals are
    returned, not raised, so that a family revocation commits."""
    jti = token[api_settings.JTI_CLAIM]
    user_id = token.get(api_settings.USER_ID_CLAIM)
    outstanding = OutstandingToken.objects.select_for_update().filter(jti=jti).first()
    if outstanding is None:  # every token we issue is recorded; this one was not
        return RefreshRefused()
    if SpentRefreshToken.objects.filter(token=outstanding).exists():
        revoked = revoke_user_tokens(user_id=user_id)
        logger.warning("refresh token reused: user %s, %d refresh tokens revoked", user_id, revoked)
        return RefreshRefused(
            "This refresh token was already used. Every session of this account has been ended: log in again.",
            code="token_reused",
        )
    if BlacklistedToken.objects.filter(token=outstanding).exists():  # logged out, or revoked
        return RefreshRefused("This refresh token has been revoked: log in again.", code="token_revoked")
    user = _user_or_none(user_id)
    if user is None:
        return RefreshRefused("The account of this token no longer exists.", code="user_not_found")
    if not user.is_active:
        return RefreshRefused("This account is deactivated.", code="user_inactive")
    lifetime = timedelta(days=settings.SESSION_ABSOLUTE_LIFETIME_DAYS)
    if timezone.now().timestamp() > _login_time(token) + lifetime.total_seconds():
        return RefreshRefused(
            f"This session started more than {settings.SESSION_ABSOLUTE_LIFETIME_DAYS} days ago: log in again.",
            code="session_expired",
        )
    SpentRefreshToken.objects.create(token=outstanding)
    BlacklistedToken.objects.create(token=outstanding)
    return token_pair_for(user, auth_time=_login_time(token))


def token_refresh(*, refresh: str) -> dict[str, Any]:
    """Trade a refresh token for a new pair (the same shape as a login's), spending it: the old token
    is blacklisted and the new one keeps the session's `auth_time`. Raises RefreshRefused (401) for a
    bad, expired or spent token (a spent one also revokes every refresh token of its user), for a
    deleted or deactivated user, and for a session older than SESSION_ABSOLUTE_LIFETIME_DAYS."""
    token = _decode_refresh(refresh)
    try:
        with transaction.atomic():
            outcome = _rotate_locked(token)
    except IntegrityError as error:
        # Blacklisted at the same moment by a revocation that takes no lock (logout everywhere).
        raise RefreshRefused("This refresh token has been revoked: log in again.", code="token_revoked") from error
    if isinstance(outcome, RefreshRefused):
        raise outcome
    return outcome


def token_logout(*, user: User, refresh: str | None, everywhere: bool = False) -> int:
    """End sessions of `user`: blacklist the given refresh token, which must be theirs (another
    user's is a PermissionDenied and nothing is revoked), or with `everywhere` every refresh token of
    theirs. An expired or already revoked token has nothing left to revoke. Returns how many
    refresh tokens were revoked. Access tokens already issued live on until they expire (15 min)."""
    token: RefreshToken | None = None
    if refresh is not None:
        try:
            token = _SpendableRefreshToken(refresh)  # type: ignore[arg-type]
        except ExpiredTokenError:
            token = None
        except TokenError as error:
            raise ValidationError({"refresh": ["This is not a valid refresh token."]}) from error
        if token is not None and str(token.get(api_settings.USER_ID_CLAIM)) != str(user.pk):
            raise PermissionDenied("This refresh token belongs to another account.")
    if everywhere:
        return revoke_user_tokens(user_id=user.pk)
    if token is None:
        return 0
    with transaction.atomic():
        outstanding = OutstandingToken.objects.select_for_update().filter(jti=token[api_settings.JTI_CLAIM]).first()
        if outstanding is None:
            return 0
        _, created = BlacklistedToken.objects.get_or_create(token=outstanding)
    return int(created)
