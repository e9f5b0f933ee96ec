"""The user endpoints: create an anonymous user (with its token pair), the current user at
/users/me (read, update the profile, delete), and the deprecated id routes. Thin views over
accounts.services and accounts.selectors; who may act on which user is accounts.access."""

from __future__ import annotations

import uuid
from typing import Any, cast

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.access import ME, ME_PERMISSIONS, user_for_request
from accounts.api import examples
from accounts.api.serializers import (
    UserCreatedSerializer,
    UserCreateSerializer,
    UserDetailSerializer,
    UserProfileUpdateSerializer,
)
from accounts.models import User
from accounts.selectors import UserDetail
from accounts.tokens import token_pair_for
from movoai import idempotency
from movoai.api import reject_unknown_params

TAGS = ["users"]
BEARER_NOTICE = (
    "Send the user's access token (`Authorization: Bearer <access>`): `POST /api/v1/users` returns a pair for a "
    "new anonymous account, and every login returns one. No token, or an expired or bad one, is a 401 problem."
)
LOCAL_STORAGE_FLOW = """

The web and Telegram apps can start without login:

1. `POST /api/v1/users` (empty body, or a `guest_id`, a `telegram_id`, the language, the time zone and
   profile fields). The answer carries the `user_id` and an anonymous token pair (`access`, `refresh`):
   keep the refresh token (it is the proof of this anonymous account when the user later logs in and
   claims it) and send the access token as `Authorization: Bearer <access>` on every call.
2. Assign a plan: `POST /api/v1/users/me/plans` with `{"id": "<a UUID the client makes>", "plan_id": 1,
   "start_date": "2026-12-01"}` (the `id` makes it safe to retry, like a log's).
3. Log workouts: `POST /api/v1/users/me/workout-logs` with a UUID `id` the client makes when the set
   is done (`crypto.randomUUID()`), plus `plan_exercise_id`, `date_performed`, `sets_completed`,
   `reps_completed`. Safe to retry: posting the same `id` again returns the stored log and creates nothing,
   so an offline queue can resend until it gets an answer.
4. Read progress: `GET /api/v1/users/me/progress`.
5. When the access token expires (15 minutes), trade the refresh token at `POST /api/v1/auth/refresh`.

Clients of the anonymous phase that only kept the `user_id` still reach the deprecated
`/api/v1/users/{user_id}/...` routes without a token while the account has no login method.
A `telegram_id` or `guest_id` that another user holds is a 409: it is never merged into that account.
Unknown body fields and bad values are 400s naming the field.
"""
USER_ID_PARAMETER = OpenApiParameter(
    "user_id",
    OpenApiTypes.UUID,
    OpenApiParameter.PATH,
    description="The user's id, as `POST /api/v1/users` returned it. Keep it secret: while an anonymous account "
    "has no login method, the deprecated id routes serve it to whoever knows the id.",
)
BAD_REQUEST = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="Problem details: an unknown field or a bad value, each named in `errors`.",
    examples=[examples.BAD_PROFILE],
)
NOT_FOUND = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="Problem details: no active user has this id, or it is another user's id (or not a UUID).",
    examples=[examples.USER_NOT_FOUND],
)
UNAUTHORIZED = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="Problem details: no access token, or an expired or bad one (`WWW-Authenticate: Bearer`).",
    examples=[examples.UNAUTHORIZED],
)
CONFLICT = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="Problem details: another user holds this `telegram_id` or `guest_id`; or the request with this "
    "Idempotency-Key is still running (Retry-After), or the account it created was deleted or logged into since.",
    examples=[examples.TELEGRAM_TAKEN],
)
PROFILE_RULES = (
    "Changes the profile fields sent and keeps the others. Checked: age 13 to 100, weight_kg 25 to 350 "
    "(2 decimals), height_cm 100 to 250 (1 decimal), gender, fitness_level, workout_style and daily_activity "
    "from their lists, fitness_goals plan-goal codes, available_equipment equipment codes "
    "(GET /api/v1/exercises/taxonomy), at most 20 limitations of at most 100 characters, preferred_language "
    "en or fr, time_zone an IANA zone, display_name up to 150 characters. `null` clears a nullable field, "
    "`[]` clears a list. Only profile fields can be changed: ids, identities (`telegram_id`, `email`), "
    "`password`, `is_staff` and any other field are a 400 naming them, and then nothing is stored."
)


def _user_response(detail: UserDetail, *, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    # The answer is private to its user: no shared cache may keep it.
    response = Response(UserDetailSerializer(detail).data, status=status, headers=headers)
    response["Cache-Control"] = "no-store"
    return response


def _detail(user: User) -> UserDetail:
    detail = selectors.user_detail(user_id=user.id)
    if detail is None:  # deleted or deactivated since the request began
        raise NotFound(f"No user with id {user.id}.")
    return detail


def _update_profile(request: Request, user: User) -> Response:
    serializer = UserProfileUpdateSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    detail = _detail(user)
    services.user_update_profile(
        user=detail.user, changes=cast(services.ProfileChanges, dict(serializer.validated_data))
    )
    return _user_response(detail)


class UserCreateView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Create an anonymous user",
        description="Creates an app user with no login method (no email, no password) and answers it with an "
        "anonymous token pair: `access` (15 minutes, sent as `Authorization: Bearer <access>`) and `refresh` "
        "(30 days, traded at `POST /api/v1/auth/refresh`; also the proof of this account when a login later "
        f"claims it with `POST /api/v1/auth/claim-account`). The `user_id` is a random UUID (version 4)."
        " With an `Idempotency-Key` header the request is safe to retry after a lost answer: the same key and "
        "body again answer the account the first request created (with a new token pair, "
        "`Idempotent-Replayed: true`) and create nothing."
        f"{LOCAL_STORAGE_FLOW}",
        request=UserCreateSerializer,
        parameters=[idempotency.PARAMETER],
        responses={
            201: UserCreatedSerializer,
            400: BAD_REQUEST,
            409: CONFLICT,
            422: OpenApiResponse(
                OpenApiTypes.OBJECT, description="Problem details: this Idempotency-Key was used with another body."
            ),
        },
        examples=[examples.CREATE_EMPTY, examples.CREATE_GUEST, examples.NEW_USER],
    )
    def post(self, request: Request) -> Response:
        reject_unknown_params(request, set())
        key = idempotency.request_key(request)
        serializer = UserCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields: dict[str, Any] = dict(serializer.validated_data)
        sign_up = services.user_create_once(
            idempotency_key=key,
            body=request.data,
            telegram_id=fields.pop("telegram_id", None),
            guest_id=fields.pop("guest_id", None),
            profile=cast(services.ProfileChanges, fields),
        )
        user = sign_up.user
        detail = _detail(user) if sign_up.replayed else UserDetail(user=user, workout_count=0, plan_count=0)
        body = {**UserDetailSerializer(detail).data, **token_pair_for(user)}
        response = Response(body, status=201, headers={"Location": f"/api/v1/users/{user.id}"})
        if sign_up.replayed:
            response["Idempotent-Replayed"] = "true"
        response["Cache-Control"] = "no-store"
        return response


class MeView(APIView):
    permission_classes = ME_PERMISSIONS

    @extend_schema(
        tags=TAGS,
        summary="The current user",
        description="The token's user: ids, when they were last active, how many days they trained (distinct days "
        "with at least one workout logged), how many plans they were assigned (any status) and their profile. "
        f"Decimals are JSON numbers. {BEARER_NOTICE}",
        responses={200: UserDetailSerializer, 401: UNAUTHORIZED},
        examples=[examples.USER],
    )
    def get(self, request: Request) -> Response:
        reject_unknown_params(request, set())
        return _user_response(_detail(user_for_request(request)))

    @extend_schema(
        tags=TAGS,
        summary="Update the current user's profile",
        description=f"{PROFILE_RULES} Answers the updated user. PUT and PATCH do the same. {BEARER_NOTICE}",
        request=UserProfileUpdateSerializer,
        responses={200: UserDetailSerializer, 400: BAD_REQUEST, 401: UNAUTHORIZED},
        examples=[examples.PATCH_PROFILE, examples.PATCH_CLEAR, examples.USER],
    )
    def put(self, request: Request) -> Response:
        reject_unknown_params(request, set())
        return _update_profile(request, user_for_request(request))

    @extend_schema(
        tags=TAGS,
        summary="Update the current user's profile",
        description=f"{PROFILE_RULES} Answers the updated user. PUT and PATCH do the same. {BEARER_NOTICE}",
        request=UserProfileUpdateSerializer,
        responses={200: UserDetailSerializer, 400: BAD_REQUEST, 401: UNAUTHORIZED},
        examples=[examples.PATCH_PROFILE, examples.PATCH_CLEAR, examples.USER],
    )
    def patch(self, request: Request) -> Response:
        reject_unknown_params(request, set())
        return _update_profile(request, user_for_request(request))

    @extend_schema(
        tags=TAGS,
        summary="Delete the current user",
        description="Deletes the account and everything of it, at once and for good: profile, assigned plans, "
        "workout logs, custom plans, login methods and pending codes. Every token of the account stops "
        "working (401). Logging in again later with the same Telegram, phone, email or Google identity "
        f"creates a new, empty account. {BEARER_NOTICE}",
        responses={204: None, 401: UNAUTHORIZED},
        examples=[examples.UNAUTHORIZED],
    )
    def delete(self, request: Request) -> Response:
        reject_unknown_params(request, set())
        services.user_delete(user=user_for_request(request))
        return Response(status=204)


class UserDetailView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="A user with counts and profile",
        description="The user's ids, when they were last active, how many days they trained (distinct days with "
        "at least one workout logged), how many plans they were assigned (any status) and their profile. "
        "Decimals are JSON numbers. Apps read their own user at `GET /api/v1/users/me`. Here a token reads its "
        "own user, and a staff token any user; another user's id is a 404. Without a token only an anonymous "
        "account with no login method is served, while the server allows access by id; an account with a "
        "login method needs its token (401).",
        parameters=[USER_ID_PARAMETER],
        responses={200: UserDetailSerializer, 401: UNAUTHORIZED, 404: NOT_FOUND},
        examples=[examples.USER],
    )
    def get(self, request: Request, user_id: uuid.UUID) -> Response:
        reject_unknown_params(request, set())
        return _user_response(_detail(user_for_request(request, user_id, staff_may_read=True)))

    @extend_schema(
        tags=TAGS,
        summary="Update the profile",
        deprecated=True,
        description=f"**Deprecated**: use `PATCH {ME}` with the user's access token. With a token this serves the "
        "token's own user (another user's id is a 404, staff included). Without a token it serves only an "
        "anonymous account with no login method, while the server allows access by id; an account with a "
        f"login method needs its token (401).\n\n{PROFILE_RULES} Answers the updated user.",
        parameters=[USER_ID_PARAMETER],
        request=UserProfileUpdateSerializer,
        responses={200: UserDetailSerializer, 400: BAD_REQUEST, 401: UNAUTHORIZED, 404: NOT_FOUND},
        examples=[examples.PATCH_PROFILE, examples.PATCH_CLEAR, examples.USER],
    )
    def patch(self, request: Request, user_id: uuid.UUID) -> Response:
        reject_unknown_params(request, set())
        return _update_profile(request, user_for_request(request, user_id))
