"""The anonymous-user endpoints: create a user, read it with its counts, update its profile.
Thin views over accounts.services and accounts.selectors."""

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
from accounts.api import examples
from accounts.api.serializers import UserCreateSerializer, UserDetailSerializer, UserProfileUpdateSerializer
from accounts.selectors import UserDetail
from movoai.api import reject_unknown_params

TAGS = ["users"]
KEY_NOTICE = (
    "**In this phase the user id is the only key to the account**: whoever knows it can read and change "
    "the user's profile, plans and logs. Keep it secret like a password (never in a shared link, a log or an "
    "analytics event). A later version secures these endpoints with tokens."
)
LOCAL_STORAGE_FLOW = """

The web and Telegram apps work without login, keeping their data in localStorage:

1. `POST /api/v1/users` (empty body, or a `guest_id`, a `telegram_id`, the language, the time zone and
   profile fields) and keep the returned `user_id` in localStorage.
2. Assign a plan: `POST /api/v1/users/{user_id}/plans` with `{"plan_id": 1, "start_date": "2026-12-01"}`.
3. Log workouts: `POST /api/v1/users/{user_id}/workout-logs` with a UUID `id` the client makes when the set
   is done (`crypto.randomUUID()`), plus `plan_exercise_id`, `date_performed`, `sets_completed`,
   `reps_completed`. Safe to retry: posting the same `id` again returns the stored log and creates nothing,
   so an offline queue can resend until it gets an answer.
4. Read progress: `GET /api/v1/users/{user_id}/progress`.

A `telegram_id` or `guest_id` that another user holds is a 409: it is never merged into that account
(a later version adds Telegram verification). Unknown body fields and bad values are 400s naming the field.
"""
USER_ID_PARAMETER = OpenApiParameter(
    "user_id",
    OpenApiTypes.UUID,
    OpenApiParameter.PATH,
    description="The user's id, as `POST /api/v1/users` returned it. Secret: it is the only key to the account.",
)
BAD_REQUEST = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="Problem details: an unknown field or a bad value, each named in `errors`.",
    examples=[examples.BAD_PROFILE],
)
NOT_FOUND = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="Problem details: no active user has this id (or the id is not a UUID).",
    examples=[examples.USER_NOT_FOUND],
)
CONFLICT = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="Problem details: another user holds this `telegram_id` or `guest_id`.",
    examples=[examples.TELEGRAM_TAKEN],
)


def _user_response(detail: UserDetail, *, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    # The answer is private to whoever holds the id: no shared cache may keep it.
    response = Response(UserDetailSerializer(detail).data, status=status, headers=headers)
    response["Cache-Control"] = "no-store"
    return response


def _detail_or_404(user_id: uuid.UUID) -> UserDetail:
    detail = selectors.user_detail(user_id=user_id)
    if detail is None:
        raise NotFound(f"No user with id {user_id}.")
    return detail


class UserCreateView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Create an anonymous user",
        description="Creates an app user with no login: no email, no password. The answer's `user_id` is a random "
        f"UUID (version 4). {KEY_NOTICE}{LOCAL_STORAGE_FLOW}",
        request=UserCreateSerializer,
        responses={201: UserDetailSerializer, 400: BAD_REQUEST, 409: CONFLICT},
        examples=[examples.CREATE_EMPTY, examples.CREATE_GUEST, examples.NEW_USER],
    )
    def post(self, request: Request) -> Response:
        reject_unknown_params(request, set())
        serializer = UserCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields: dict[str, Any] = dict(serializer.validated_data)
        user = services.user_create(
            telegram_id=fields.pop("telegram_id", None),
            guest_id=fields.pop("guest_id", None),
            profile=cast(services.ProfileChanges, fields),
        )
        detail = UserDetail(user=user, workout_count=0, plan_count=0)
        return _user_response(detail, status=201, headers={"Location": f"/api/v1/users/{user.id}"})


class UserDetailView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="A user with counts and profile",
        description="The user's ids, when they were last active, how many days they trained (distinct days with "
        f"at least one workout logged), how many plans they were assigned (any status) and their profile. "
        f"Decimals are JSON numbers. {KEY_NOTICE}",
        parameters=[USER_ID_PARAMETER],
        responses={200: UserDetailSerializer, 404: NOT_FOUND},
        examples=[examples.USER],
    )
    def get(self, request: Request, user_id: uuid.UUID) -> Response:
        reject_unknown_params(request, set())
        detail = _detail_or_404(user_id)
        services.user_touch(user=detail.user)
        return _user_response(detail)

    @extend_schema(
        tags=TAGS,
        summary="Update the profile",
        description="Changes the profile fields sent and keeps the others. Checked: age 13 to 100, weight_kg "
        "25 to 350 (2 decimals), height_cm 100 to 250 (1 decimal), gender, fitness_level, workout_style and "
        "daily_activity from their lists, fitness_goals plan-goal codes, available_equipment equipment codes "
        "(GET /api/v1/exercises/taxonomy), at most 20 limitations of at most 100 characters, preferred_language "
        "en or fr, time_zone an IANA zone, display_name up to 150 characters. `null` clears a nullable field, "
        "`[]` clears a list. Any bad value or unknown field is a 400 naming it, and then nothing is stored. "
        f"Answers the updated user. {KEY_NOTICE}",
        parameters=[USER_ID_PARAMETER],
        request=UserProfileUpdateSerializer,
        responses={200: UserDetailSerializer, 400: BAD_REQUEST, 404: NOT_FOUND},
        examples=[examples.PATCH_PROFILE, examples.PATCH_CLEAR, examples.USER],
    )
    def patch(self, request: Request, user_id: uuid.UUID) -> Response:
        reject_unknown_params(request, set())
        detail = _detail_or_404(user_id)
        services.user_touch(user=detail.user)
        serializer = UserProfileUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.user_update_profile(
            user=detail.user, changes=cast(services.ProfileChanges, dict(serializer.validated_data))
        )
        return _user_response(detail)
