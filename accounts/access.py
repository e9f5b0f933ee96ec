"""Who may act on which user: the one rule every user-scoped endpoint goes through.

- `/api/v1/users/me/...` serves the user of the access token; no token is a 401.
- The legacy `/api/v1/users/{user_id}/...` routes, kept for the clients of the anonymous phase:
  - with a token, they serve the token's own user when `user_id` is theirs; any other id is a 404,
    the same answer as an unknown id, so a token never tells which other ids exist (staff may read
    any user, through `GET /api/v1/users/{user_id}` only);
  - without a token, they serve only an unclaimed anonymous account (no login method yet), and only
    while settings.ALLOW_ANONYMOUS_ID_ACCESS is on: a claimed account is a 401, an unknown id a 404,
    and with the setting off every tokenless request is a 401.

Serving a user as themself marks them active (accounts.services.user_touch); a staff member reading
another user does not.
"""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from django.conf import settings
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.exceptions import NotAuthenticated, NotFound
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.models import User
from accounts.selectors import user_get_any, user_with_login_state
from accounts.services import user_touch

ME = "/api/v1/users/me"
# /users/me views need a token (a 401 before the handler runs; the schema shows the lock); their
# legacy copies let tokenless requests through to user_for_request, which applies this module's rules.
ME_PERMISSIONS: list[type[BasePermission]] = [IsAuthenticated]
AUTH_NEEDED = "An access token is needed: send `Authorization: Bearer <access token>`."
CLAIMED_NEEDS_AUTH = (
    "This account has a login method: its data needs its access token (`Authorization: Bearer <access token>`)."
)
ID_ACCESS_OFF = "Access by user id without a token is turned off: send `Authorization: Bearer <access token>`."


def user_for_request(request: Request, user_id: uuid.UUID | None = None, *, staff_may_read: bool = False) -> User:
    """The user the request may act on: the token's user for `/users/me` (`user_id` None), else the
    user of the legacy path's `user_id` under the rules of this module. Raises NotAuthenticated (401)
    or NotFound (404). `staff_may_read` lets an active staff token read another user (GET only).

    Costs no query with a token (TokenAuthentication has loaded its user; a staff read of another
    user costs one) and one without: the user and whether any login method is theirs, read together.
    last_active is recorded (user_touch) for the user served as themself, never for a staff read."""
    acting: Any = request.user  # None without a token (UNAUTHENTICATED_USER is None)
    if acting is not None:
        if user_id is None or acting.id == user_id:
            user_touch(user=acting)
            return acting  # type: ignore[no-any-return]
        if staff_may_read and acting.is_staff:
            found = user_get_any(user_id=user_id)
            if found is not None:
                return found
        raise NotFound(f"No user with id {user_id}.")
    if user_id is None:
        raise NotAuthenticated(AUTH_NEEDED)
    if not settings.ALLOW_ANONYMOUS_ID_ACCESS:
        raise NotAuthenticated(ID_ACCESS_OFF)
    found_state = user_with_login_state(user_id=user_id)
    if found_state is None:
        raise NotFound(f"No user with id {user_id}.")
    user, has_login_method = found_state
    if has_login_method:
        raise NotAuthenticated(CLAIMED_NEEDS_AUTH)
    user_touch(user=user)
    return user


# ---- the documentation of the legacy routes ------------------------------------------------------

LEGACY_NOTICE = (
    "**Deprecated**: use `{me_path}` with the user's access token instead; this route will be removed. "
    "With a token it serves the token's own user when `user_id` is theirs (another user's id is a 404). "
    "Without a token it serves only an anonymous account that has no login method yet, and only while "
    "the server allows access by id; an account with a login method needs its token (401)."
)
_VIEW_METHODS = ("get", "post", "put", "patch", "delete")

View = TypeVar("View", bound=type[APIView])


def legacy_id_view(view: View, *, me_path: str) -> View:
    """The view under its deprecated `/users/{user_id}/...` path: the same handlers, each operation
    documented as deprecated, its description starting with a pointer to `me_path`."""
    notice = LEGACY_NOTICE.format(me_path=me_path)
    legacy = type(
        f"Legacy{view.__name__}",
        (view,),
        {"__module__": view.__module__, "__doc__": view.__doc__, "permission_classes": [AllowAny]},
    )
    methods = [name for name in _VIEW_METHODS if hasattr(view, name)]
    extend_schema_view(**{name: extend_schema(deprecated=True) for name in methods})(legacy)
    for name in methods:
        handler = getattr(legacy, name)
        handler.kwargs["schema"] = _with_notice(handler.kwargs["schema"], notice)
    return legacy  # type: ignore[return-value]


def _with_notice(schema_class: type[Any], notice: str) -> type[Any]:
    class LegacyIdSchema(schema_class):  # type: ignore[misc]
        def get_description(self) -> str:
            return f"{notice}\n\n{super().get_description()}"

    return LegacyIdSchema
