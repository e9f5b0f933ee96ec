"""Login methods of the current account (list, remove, choose the primary one) and claiming an
anonymous account. Thin views over accounts.methods and accounts.claim; every route needs the
access token of the account it acts on."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import claim, methods
from accounts.models import AuthMethod, User
from movoai.api import StrictSerializer, reject_unknown_params

TAGS = ["auth"]
MAX_ID = 2**63 - 1
PROOF_ALIASES = ("anonymous_refresh", "anonymous_refresh_token", "refresh_token", "refresh")
BARE_ID_FIELDS = ("user_id", "anonymous_user_id")
BARE_ID_REFUSED = "A user id is not proof of an account: send the anonymous account's refresh token."

# ---- shapes --------------------------------------------------------------------------------------


class AuthMethodOutput(serializers.Serializer[AuthMethod]):
    id = serializers.IntegerField()
    provider = serializers.ChoiceField(AuthMethod.Provider.choices)
    identifier = serializers.CharField(
        help_text="The identity: a Telegram user id, a phone number or an email partly hidden, a Google account id."
    )
    is_primary = serializers.BooleanField()
    is_verified = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)


class AuthMethodListOutput(serializers.Serializer[Any]):
    methods = AuthMethodOutput(many=True)


class ClaimInput(StrictSerializer):
    """The anonymous account's refresh token, under one of several names (all equal if several)."""

    anonymous_refresh = serializers.CharField(
        required=False, max_length=4096, help_text="The anonymous account's refresh token: the proof."
    )
    anonymous_refresh_token = serializers.CharField(required=False, max_length=4096, help_text="Alias.")
    refresh_token = serializers.CharField(required=False, max_length=4096, help_text="Alias.")
    refresh = serializers.CharField(required=False, max_length=4096, help_text="Alias.")

    def to_internal_value(self, data: Any) -> Any:
        bare_id = isinstance(data, dict) and any(name in data for name in BARE_ID_FIELDS)
        if bare_id and not any(name in data for name in PROOF_ALIASES):
            raise ValidationError({claim.PROOF_FIELD: [BARE_ID_REFUSED]})
        return super().to_internal_value(data)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        tokens = {attrs[name] for name in PROOF_ALIASES if name in attrs}
        if not tokens:
            raise ValidationError({claim.PROOF_FIELD: ["This field is required."]})
        if len(tokens) > 1:
            raise ValidationError({claim.PROOF_FIELD: ["Several different tokens were sent: send one."]})
        return {claim.PROOF_FIELD: tokens.pop()}


class ClaimOutput(serializers.Serializer[Any]):
    user_id = serializers.UUIDField(help_text="The logged-in account, which now holds the data.")
    claimed_user_id = serializers.UUIDField(help_text="The anonymous account, now deleted.")
    moved = serializers.DictField(
        child=serializers.IntegerField(), help_text="Rows moved per table and user column (`table.column`)."
    )
    merged_profile_fields = serializers.ListField(
        child=serializers.CharField(), help_text="Profile fields taken from the anonymous account."
    )


def _method_item(method: AuthMethod) -> dict[str, Any]:
    return {
        "id": method.id,
        "provider": method.provider,
        "identifier": methods.identifier_masked(method),
        "is_primary": method.is_primary,
        "is_verified": method.is_verified,
        "created_at": serializers.DateTimeField().to_representation(method.created_at),
        "last_used_at": (
            serializers.DateTimeField().to_representation(method.last_used_at) if method.last_used_at else None
        ),
    }


def _methods_response(user: User) -> Response:
    response = Response({"methods": [_method_item(method) for method in methods.auth_method_list(user=user)]})
    response["Cache-Control"] = "no-store"
    return response


def _current_user(request: Request) -> User:
    user = request.user
    assert isinstance(user, User)  # IsAuthenticated let only a token's user in
    return user


# ---- documentation -------------------------------------------------------------------------------

METHOD_ID = OpenApiParameter(
    "method_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="A method's `id` from `GET /auth/methods`."
)
METHODS_EXAMPLE = OpenApiExample(
    "Two methods",
    value={
        "methods": [
            {
                "id": 12,
                "provider": "sms",
                "identifier": "+336\u2022\u2022\u2022\u2022\u2022\u202278",
                "is_primary": True,
                "is_verified": True,
                "created_at": "2026-12-01T09:12:44.512301Z",
                "last_used_at": "2026-12-03T18:40:11.020311Z",
            },
            {
                "id": 7,
                "provider": "telegram",
                "identifier": "5551234567",
                "is_primary": False,
                "is_verified": True,
                "created_at": "2026-11-30T08:15:02.114532Z",
                "last_used_at": "2026-11-30T08:15:02.114532Z",
            },
        ]
    },
    response_only=True,
)
UNAUTHORIZED = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="Problem details: no access token, or an expired, revoked or invalid one.",
    examples=[
        OpenApiExample(
            "No token",
            value={
                "type": "https://movoai.app/problems/unauthorized",
                "title": "Authentication required",
                "status": 401,
                "detail": "Authentication credentials were not provided.",
            },
            response_only=True,
            status_codes=["401"],
        )
    ],
)
METHOD_NOT_FOUND = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="Problem details: the account has no method with this id (another account's method looks the same).",
    examples=[
        OpenApiExample(
            "Unknown method",
            value={
                "type": "https://movoai.app/problems/not-found",
                "title": "Not found",
                "status": 404,
                "detail": "This account has no login method 99.",
            },
            response_only=True,
            status_codes=["404"],
        )
    ],
)
LAST_METHOD = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="Problem details: the method is the account's last one.",
    examples=[
        OpenApiExample(
            "Last method",
            value={
                "type": "https://movoai.app/problems/conflict",
                "title": "Conflict",
                "status": 409,
                "detail": methods.LastMethod.default_detail,
            },
            response_only=True,
            status_codes=["409"],
        )
    ],
)
CLAIM_REQUEST = OpenApiExample(
    "The anonymous account's refresh token",
    value={"anonymous_refresh": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoicmVmcmVzaCJ9.c2lnbmF0dXJl"},
    request_only=True,
)
CLAIM_RESULT = OpenApiExample(
    "Claimed",
    value={
        "user_id": "9b2e4c1a-7d3f-4e8a-b6c5-1f2a3b4c5d6e",
        "claimed_user_id": "3f0c9a57-8d1e-4b7a-9c2d-5e6f7a8b9c0d",
        "moved": {"user_plans.user_id": 1, "user_workout_logs.user_id": 14, "workout_plans.created_by": 0},
        "merged_profile_fields": ["age", "weight_kg", "fitness_goals"],
    },
    response_only=True,
)
CLAIM_BAD_PROOF = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="Problem details: no token, a bare user id, or a token that is not a valid refresh token of an "
    "existing anonymous account (expired, tampered, an access token, revoked, already claimed).",
    examples=[
        OpenApiExample(
            "A bare user id",
            value={
                "type": "https://movoai.app/problems/bad-request",
                "title": "Bad request",
                "status": 400,
                "detail": "Invalid input. anonymous_refresh: A user id is not proof of an account: send the "
                "anonymous account's refresh token.",
                "errors": {
                    "anonymous_refresh": [
                        "A user id is not proof of an account: send the anonymous account's refresh token."
                    ]
                },
            },
            response_only=True,
            status_codes=["400"],
        )
    ],
)
CLAIM_CONFLICT = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="Problem details: the account proven has a login method of its own (or is the caller's).",
    examples=[
        OpenApiExample(
            "Not anonymous",
            value={
                "type": "https://movoai.app/problems/conflict",
                "title": "Conflict",
                "status": 409,
                "detail": claim.NotAnonymous.default_detail,
            },
            response_only=True,
            status_codes=["409"],
        )
    ],
)
CLAIM_FLOW = """

How a client uses it: an app that ran without login (`POST /api/v1/users` gave it an anonymous token pair)
lets the user log in (Telegram, phone or email code, Google). With the new account's access token it then
posts the anonymous account's refresh token here. Every plan, workout log, custom plan and later
conversation and AI record of the anonymous account moves into the logged-in account with its id; profile
fields the logged-in account has not filled in are taken over; the anonymous account is deleted and its
tokens stop working (401). The client then forgets the anonymous tokens.

Safe to retry: after a successful claim the anonymous token is revoked, so a retry is a 400 that changes
nothing. A user id alone is not proof (400). An account with a login method of its own cannot be claimed
(409): log in to it instead.
"""

# ---- views ---------------------------------------------------------------------------------------


class AuthMethodListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="The account's login methods",
        description="The ways to log in to the current account, the primary one first: provider (`telegram`, `sms`, "
        "`email`, `google`), identifier (a phone number or an email partly hidden), whether it is the primary "
        "and verified, when it was added and last used. Link more with the providers' `/link` routes.",
        responses={200: AuthMethodListOutput, 401: UNAUTHORIZED},
        examples=[METHODS_EXAMPLE],
    )
    def get(self, request: Request) -> Response:
        reject_unknown_params(request, set())
        return _methods_response(_current_user(request))


class AuthMethodDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="Remove a login method",
        description="Unlinks the method from the current account and answers the methods left. The last method "
        "cannot be removed (409), even by two requests at once: link another one first. Removing the primary "
        "method makes the oldest remaining one primary. Another account's method id is a 404.",
        parameters=[METHOD_ID],
        responses={200: AuthMethodListOutput, 401: UNAUTHORIZED, 404: METHOD_NOT_FOUND, 409: LAST_METHOD},
        examples=[METHODS_EXAMPLE],
    )
    def delete(self, request: Request, method_id: int) -> Response:
        user = _current_user(request)
        removed = methods.auth_method_delete(user=user, method_id=method_id) if method_id <= MAX_ID else None
        if removed is None:
            raise NotFound(f"This account has no login method {method_id}.")
        return _methods_response(user)


class AuthMethodSetPrimaryView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="Make a login method the primary one",
        description="The method becomes the account's only primary method (the one shown first and used to "
        "reach the user). Answers the account's methods. Another account's method id is a 404. No body.",
        parameters=[METHOD_ID],
        request=None,
        responses={200: AuthMethodListOutput, 401: UNAUTHORIZED, 404: METHOD_NOT_FOUND},
        examples=[METHODS_EXAMPLE],
    )
    def post(self, request: Request, method_id: int) -> Response:
        user = _current_user(request)
        method = methods.auth_method_set_primary(user=user, method_id=method_id) if method_id <= MAX_ID else None
        if method is None:
            raise NotFound(f"This account has no login method {method_id}.")
        return _methods_response(user)


class ClaimAccountView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="Claim an anonymous account",
        description="Moves the data of an anonymous account into the logged-in account, proven by the anonymous "
        "account's refresh token (`anonymous_refresh`; `anonymous_refresh_token`, `refresh_token` and `refresh` "
        "are accepted aliases)." + CLAIM_FLOW,
        request=ClaimInput,
        responses={200: ClaimOutput, 400: CLAIM_BAD_PROOF, 401: UNAUTHORIZED, 409: CLAIM_CONFLICT},
        examples=[CLAIM_REQUEST, CLAIM_RESULT],
    )
    def post(self, request: Request) -> Response:
        reject_unknown_params(request, set())
        data = ClaimInput(data=request.data)
        data.is_valid(raise_exception=True)
        result = claim.account_claim(
            user=_current_user(request), anonymous_refresh=data.validated_data[claim.PROOF_FIELD]
        )
        response = Response(
            {
                "user_id": str(result.user.id),
                "claimed_user_id": str(result.claimed_user_id),
                "moved": result.moved,
                "merged_profile_fields": result.merged_profile_fields,
            }
        )
        response["Cache-Control"] = "no-store"
        return response
