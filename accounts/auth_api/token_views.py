"""POST /api/v1/auth/refresh and POST /api/v1/auth/logout: thin views over accounts.tokens."""

from __future__ import annotations

from typing import Any, cast

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import tokens
from accounts.models import User
from movoai.api import StrictSerializer, reject_unknown_params
from movoai.throttling import PublicRateThrottle

TAGS = ["auth"]
_ACCESS = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIn0.c2lnbmF0dXJl"
_REFRESH = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoicmVmcmVzaCJ9.c2lnbmF0dXJl"


class TokenPairSerializer(serializers.Serializer[dict[str, Any]]):
    """The answer of every login and of a refresh."""

    access = serializers.CharField(help_text="Bearer token for `Authorization: Bearer ...`, valid 15 minutes.")
    refresh = serializers.CharField(help_text="Single-use token for POST /api/v1/auth/refresh, valid 30 days.")
    token_type = serializers.CharField(help_text="Always `Bearer`.")
    access_expires_in = serializers.IntegerField(help_text="Seconds the access token is valid.")
    refresh_expires_in = serializers.IntegerField(help_text="Seconds the refresh token is valid.")


class _RefreshField(StrictSerializer):
    refresh = serializers.CharField(required=False, max_length=4096, help_text="The refresh token.")
    refresh_token = serializers.CharField(required=False, max_length=4096, help_text="Another name for `refresh`.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        refresh, alias = attrs.get("refresh"), attrs.get("refresh_token")
        if refresh is not None and alias is not None and refresh != alias:
            raise serializers.ValidationError({"refresh_token": ["Differs from `refresh`: send one of them."]})
        attrs["refresh"] = refresh if refresh is not None else alias
        return attrs


class RefreshInputSerializer(_RefreshField):
    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if attrs["refresh"] is None:
            raise serializers.ValidationError({"refresh": ["This field is required."]})
        return attrs


class LogoutInputSerializer(_RefreshField):
    all = serializers.BooleanField(
        required=False, default=False, help_text="`true` ends every session of the account, on every device."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if attrs["refresh"] is None and not attrs["all"]:
            raise serializers.ValidationError({"refresh": ["This field is required unless `all` is true."]})
        return attrs


def _problem(description: str, title: str, status: int, detail: str) -> OpenApiResponse:
    return OpenApiResponse(
        OpenApiTypes.OBJECT,
        description=description,
        examples=[
            OpenApiExample(
                title,
                value={
                    "type": "https://movoai.app/problems/" + ("unauthorized" if status == 401 else "forbidden"),
                    "title": "Authentication required" if status == 401 else "Forbidden",
                    "status": status,
                    "detail": detail,
                },
                response_only=True,
                status_codes=[str(status)],
            )
        ],
    )


BAD_REQUEST = OpenApiResponse(OpenApiTypes.OBJECT, description="Problem details: a missing or unknown field.")
PAIR_EXAMPLE = OpenApiExample(
    "A new pair",
    value={
        "access": _ACCESS,
        "refresh": _REFRESH,
        "token_type": "Bearer",
        "access_expires_in": 900,
        "refresh_expires_in": 2592000,
    },
    response_only=True,
)

REFRESH_DESCRIPTION = """Trades a refresh token for a new pair; no access token needed (send none, or an expired one:
it is ignored). The refresh token is **single use**: the answer carries a new one, and the one sent is
revoked. Keep only the newest.

- Sending a spent refresh token again (a replay, or two tabs refreshing at once) is taken as theft:
  it is refused, and **every session of the account is ended** (all its refresh tokens revoked). Two
  concurrent refreshes of one token: at most one succeeds.
- A session lasts at most 90 days after its login (`auth_time`, kept across refreshes), then the
  user logs in again.
- Every refusal is a 401 problem (bad, expired, spent or revoked token; deleted or deactivated
  account; session too old): the client drops its tokens and shows the login.

A frontend refreshes when a call answers 401 with an expired access token (or shortly before
`access_expires_in` runs out), one refresh at a time, and retries the call with the new access token."""

LOGOUT_DESCRIPTION = """Ends the session of the refresh token sent: it can no longer be refreshed. The token must
belong to the account of the access token (another account's is a 403 and nothing is revoked). An expired
or already revoked token is accepted: there is nothing left to revoke. With `"all": true` every session of
the account ends, on every device (`refresh` may then be left out). Access tokens already issued stay valid
until they expire (at most 15 minutes): the client drops them."""


class TokenRefreshView(APIView):
    authentication_classes = ()  # the refresh token is the credential; a stale access token is ignored
    throttle_classes = (PublicRateThrottle,)

    def get_authenticate_header(self, request: Request) -> str:
        # Without it DRF turns our 401s into 403s (this view has no authenticator).
        return 'Bearer realm="api"'

    @extend_schema(
        tags=TAGS,
        summary="Refresh the tokens",
        description=REFRESH_DESCRIPTION,
        auth=[],
        request=RefreshInputSerializer,
        responses={
            200: TokenPairSerializer,
            400: BAD_REQUEST,
            401: _problem(
                "Problem details: the refresh token gives nothing (bad, expired, spent, revoked, its account "
                "deleted or deactivated, or the session older than 90 days). Log in again.",
                "A spent token",
                401,
                "This refresh token was already used. Every session of this account has been ended: log in again.",
            ),
        },
        examples=[OpenApiExample("Refresh", value={"refresh": _REFRESH}, request_only=True), PAIR_EXAMPLE],
    )
    def post(self, request: Request) -> Response:
        reject_unknown_params(request, set())
        serializer = RefreshInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pair = tokens.token_refresh(refresh=serializer.validated_data["refresh"])
        return Response(TokenPairSerializer(pair).data, headers={"Cache-Control": "no-store"})


class LogoutView(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        tags=TAGS,
        summary="Log out",
        description=LOGOUT_DESCRIPTION,
        request=LogoutInputSerializer,
        responses={
            204: OpenApiResponse(description="Logged out."),
            400: BAD_REQUEST,
            401: _problem(
                "Problem details: no valid access token.", "No access token", 401, "The access token is not valid."
            ),
            403: _problem(
                "Problem details: the refresh token belongs to another account; nothing was revoked.",
                "Another account's token",
                403,
                "This refresh token belongs to another account.",
            ),
        },
        examples=[
            OpenApiExample("This session", value={"refresh": _REFRESH}, request_only=True),
            OpenApiExample("Every session", value={"all": True}, request_only=True),
        ],
    )
    def post(self, request: Request) -> Response:
        reject_unknown_params(request, set())
        serializer = LogoutInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tokens.token_logout(
            user=cast(User, request.user),  # IsAuthenticated lets only a token's user through
            refresh=serializer.validated_data["refresh"],
            everywhere=serializer.validated_data["all"],
        )
        return Response(status=204)
