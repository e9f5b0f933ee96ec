"""Google sign-in under /api/v1/auth/google: an ID token from Google Identity Services (web, Android),
or the server-side redirect flow ending in a single-use exchange code. Thin views over
accounts.identity, verify, pipeline and exchange."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.identity import identity_link, identity_login
from accounts.models import AuthMethod, User
from accounts.providers.google import exchange, pipeline, verify
from accounts.tokens import token_pair_for
from movoai.api import StrictSerializer
from movoai.errors import PROBLEM_BASE
from movoai.throttling import LoginRateThrottle, PublicRateThrottle

TAGS = ["auth"]
LOGIN_THROTTLES = [PublicRateThrottle, LoginRateThrottle]
LIMITS = "At most 5 attempts a minute per IP on every login route (429 with `Retry-After`)."


# ---- serializers --------------------------------------------------------------------------------
class IdTokenInput(StrictSerializer):
    id_token = serializers.CharField(
        required=False, max_length=8192, help_text="The ID token (a JWT) Google Identity Services returned."
    )
    credential = serializers.CharField(
        required=False,
        max_length=8192,
        help_text="The same, under the name GIS gives it (`CredentialResponse.credential`).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        tokens = [attrs[name] for name in ("id_token", "credential") if attrs.get(name)]
        if len(tokens) != 1:
            raise ValidationError({"id_token": ["Send the Google ID token as `id_token` (or `credential`), once."]})
        return {"id_token": tokens[0]}


class ExchangeInput(StrictSerializer):
    code = serializers.CharField(max_length=128, help_text="The `code` the redirect flow put in the frontend URL.")


class LoginOutput(serializers.Serializer[Any]):
    access = serializers.CharField(help_text="Access token (JWT), 15 minutes: `Authorization: Bearer <access>`.")
    refresh = serializers.CharField(help_text="Refresh token (JWT), 30 days, rotated on every refresh.")
    token_type = serializers.CharField()
    access_expires_in = serializers.IntegerField(help_text="Seconds.")
    refresh_expires_in = serializers.IntegerField(help_text="Seconds.")
    user_id = serializers.UUIDField()
    is_new_user = serializers.BooleanField(help_text="True when this login created the account.")


class LinkedMethodOutput(serializers.Serializer[Any]):
    method_id = serializers.IntegerField(source="id")
    provider = serializers.CharField()
    is_primary = serializers.BooleanField()
    is_verified = serializers.BooleanField()
    details = serializers.DictField(
        source="data", help_text="What Google told: email, name, picture, hd (Workspace domain)."
    )
    created_at = serializers.DateTimeField()


def _login_response(user: User, *, is_new_user: bool) -> Response:
    body = {**token_pair_for(user), "user_id": str(user.id), "is_new_user": is_new_user}
    return Response(LoginOutput(body).data, headers={"Cache-Control": "no-store"})


def _frontend_redirect(**params: str) -> HttpResponseRedirect:
    parts = urlsplit(settings.FRONTEND_LOGIN_REDIRECT_URL)
    query = urlencode([*parse_qsl(parts.query), *params.items()])
    response = HttpResponseRedirect(urlunsplit(parts._replace(query=query)))
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


# ---- OpenAPI ------------------------------------------------------------------------------------
SAMPLE_JWT = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjFmNDBmMGE4ZWYzZDg4MDk3OGRjODJmMjVjM2VjMzE3YzZhNWI3ODEiLCJ0eXAiOiJKV1QifQ..."
LOGIN_EXAMPLE = OpenApiExample(
    "Tokens",
    value={
        "access": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIn0.c2lnbmF0dXJl",
        "refresh": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoicmVmcmVzaCJ9.c2lnbmF0dXJl",
        "token_type": "Bearer",
        "access_expires_in": 900,
        "refresh_expires_in": 2592000,
        "user_id": "3f0c9a57-8d1e-4b7a-9c2d-5e6f7a8b9c0d",
        "is_new_user": True,
    },
    response_only=True,
)


def _problem_example(name: str, status: int, slug: str, title: str, detail: str) -> OpenApiExample:
    value = {"type": PROBLEM_BASE + slug, "title": title, "status": status, "detail": detail}
    return OpenApiExample(name, value=value, response_only=True, status_codes=[str(status)])


def _problem(description: str, example: OpenApiExample) -> OpenApiResponse:
    return OpenApiResponse(OpenApiTypes.OBJECT, description=description, examples=[example])


BAD_REQUEST = _problem(
    "Problem details: no ID token, or an unknown field.",
    _problem_example("No token", 400, "bad-request", "Bad request", "Invalid input. id_token: Send the token."),
)
BAD_CODE = _problem(
    "Problem details: the code is unknown, expired (60 seconds) or already used; start the flow again.",
    _problem_example(
        "Used code",
        400,
        "bad-request",
        "Bad request",
        "Invalid input. code: This code is unknown, expired or already used.",
    ),
)
TOKEN_REFUSED = _problem(
    "Problem details: the ID token's signature, audience (not one of our client ids), issuer or expiry is "
    "wrong, or Google has not verified the account's email address.",
    _problem_example(
        "Token refused", 401, "unauthorized", "Authentication required", "The Google ID token is invalid or expired."
    ),
)
NOT_CONFIGURED = _problem(
    "Problem details: Google sign-in is not configured on this server (no client id, or no client secret "
    "for the redirect flow), or Google's signing keys cannot be fetched.",
    _problem_example(
        "Not configured",
        503,
        "service-unavailable",
        "Service unavailable",
        "Google sign-in is not configured on this server.",
    ),
)
RATE_LIMITED = _problem(
    "Problem details: more than 5 login attempts this minute from this IP; `Retry-After` says when to retry.",
    _problem_example("Too many attempts", 429, "rate-limited", "Too many requests", "Request was throttled."),
)
LOCATION = OpenApiParameter(
    "Location",
    OpenApiTypes.URI,
    OpenApiParameter.HEADER,
    response=[302],
    description="Where the browser goes next.",
)


# ---- views --------------------------------------------------------------------------------------
class _PublicAuthView(APIView):
    """A login step: a stale or foreign `Authorization` header the client still sends must not turn
    it into a 401, so the bearer token is never read here (authentication stays lazy)."""

    def perform_authentication(self, request: Request) -> None:
        pass


class GoogleLoginView(_PublicAuthView):
    throttle_classes = LOGIN_THROTTLES

    def get_throttles(self) -> list[Any]:
        # Starting the redirect flow is not a login attempt: only the public limit applies.
        if self.request.method == "GET":
            return [PublicRateThrottle()]
        return super().get_throttles()

    @extend_schema(
        tags=TAGS,
        operation_id="auth_google_login_id_token",
        summary="Log in with a Google ID token",
        description=(
            "For Google Identity Services on the web (the One Tap prompt or the Sign in with Google button, "
            "whose callback receives `CredentialResponse.credential`) and for Android's Credential Manager: post "
            "the ID token as `id_token` (or `credential`). The token must be signed by Google, issued by "
            "accounts.google.com for one of this server's client ids, unexpired, and its email verified by "
            "Google. The account is keyed on Google's `sub`: the first login creates the account (`is_new_user` "
            f"true), later logins return the same account. Answers a fresh token pair. {LIMITS}"
        ),
        request=IdTokenInput,
        responses={200: LoginOutput, 400: BAD_REQUEST, 401: TOKEN_REFUSED, 429: RATE_LIMITED, 503: NOT_CONFIGURED},
        examples=[
            OpenApiExample("ID token", value={"id_token": SAMPLE_JWT}, request_only=True),
            OpenApiExample("GIS credential", value={"credential": SAMPLE_JWT}, request_only=True),
            LOGIN_EXAMPLE,
        ],
    )
    def post(self, request: Request) -> Response:
        serializer = IdTokenInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        identity = verify.google_identity(serializer.validated_data["id_token"])
        result = identity_login(identity=identity)
        return _login_response(result.user, is_new_user=result.is_new_user)

    @extend_schema(
        tags=TAGS,
        operation_id="auth_google_login_redirect",
        summary="Start the Google redirect flow",
        description=(
            "For a web page without Google's JavaScript: navigate the browser here (a link, not a fetch). It is "
            "redirected to Google's consent page with a random `state` kept in this server's session cookie. "
            "Google sends it back to `GET /api/v1/auth/google/callback`, which ends on the frontend "
            "(`FRONTEND_LOGIN_REDIRECT_URL`) with `?code=...`: post that code to `POST /api/v1/auth/google/exchange` "
            "within 60 seconds to get the tokens. No token ever travels in a URL."
        ),
        request=None,
        parameters=[LOCATION],
        responses={
            302: OpenApiResponse(description="To Google's consent page (accounts.google.com), with `state`."),
            503: NOT_CONFIGURED,
        },
    )
    def get(self, request: Request) -> HttpResponse:
        return pipeline.redirect_flow_start(request._request)


class GoogleCallbackView(_PublicAuthView):
    throttle_classes = LOGIN_THROTTLES

    @extend_schema(
        tags=TAGS,
        summary="Google redirect flow: Google's callback",
        description=(
            "Google redirects the browser here; not called by clients. The `state` must be the one this browser "
            "was given by `GET /api/v1/auth/google/login`. On success the browser is redirected to the frontend's "
            "`FRONTEND_LOGIN_REDIRECT_URL` with `?code=<single-use code, 60 seconds>` for "
            "`POST /api/v1/auth/google/exchange`; on failure with `?error=` one of `access_denied` (the user "
            "cancelled), `state_mismatch` (missing, reused or another browser's state), `email_not_verified`, "
            f"`invalid_request` or `google_error`, and no code. {LIMITS}"
        ),
        request=None,
        parameters=[LOCATION],
        responses={
            302: OpenApiResponse(description="To the frontend with `code` (success) or `error` (failure)."),
            429: RATE_LIMITED,
            503: NOT_CONFIGURED,
        },
    )
    def get(self, request: Request) -> HttpResponse:
        try:
            identity = pipeline.redirect_flow_complete(request._request)
        except pipeline.GoogleRedirectFlowError as error:
            return _frontend_redirect(error=error.code)
        result = identity_login(identity=identity)
        code = exchange.exchange_code_issue(user=result.user, is_new_user=result.is_new_user)
        return _frontend_redirect(code=code)


class GoogleExchangeView(_PublicAuthView):
    throttle_classes = LOGIN_THROTTLES

    @extend_schema(
        tags=TAGS,
        summary="Trade a redirect-flow code for tokens",
        description=(
            "The last step of the Google redirect flow: the frontend page at `FRONTEND_LOGIN_REDIRECT_URL` reads "
            "`code` from its URL, removes it from the address bar (`history.replaceState`) and posts it here. A "
            "code works once and for 60 seconds. Answers the token pair, like `POST /api/v1/auth/google/login`. "
            f"{LIMITS}"
        ),
        request=ExchangeInput,
        responses={200: LoginOutput, 400: BAD_CODE, 429: RATE_LIMITED},
        examples=[
            OpenApiExample("Code", value={"code": "Vq3kS9m2yA0bXcD4eF5gH6iJ7kL8mN9oP0qR1sT2uV3"}, request_only=True),
            LOGIN_EXAMPLE,
        ],
    )
    def post(self, request: Request) -> Response:
        serializer = ExchangeInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        login = exchange.exchange_code_redeem(code=serializer.validated_data["code"])
        if login is None:
            raise ValidationError({"code": ["This code is unknown, expired or already used."]})
        return _login_response(login.user, is_new_user=login.is_new_user)


class GoogleLinkView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = LOGIN_THROTTLES

    @extend_schema(
        tags=TAGS,
        summary="Link a Google account to the current account",
        description=(
            "With the access token of the logged-in account, post a Google ID token (as for "
            "`POST /api/v1/auth/google/login`) to add that Google account as a login method. Linking one that "
            "is already linked here changes nothing; one that belongs to another account is a 409 that says "
            f"nothing about that account. {LIMITS}"
        ),
        request=IdTokenInput,
        responses={
            200: LinkedMethodOutput,
            400: BAD_REQUEST,
            401: _problem(
                "Problem details: no valid access token, or the Google ID token is refused (as for login).",
                _problem_example(
                    "Token refused",
                    401,
                    "unauthorized",
                    "Authentication required",
                    "The Google ID token is invalid or expired.",
                ),
            ),
            409: _problem(
                "Problem details: this Google account is another account's login method.",
                _problem_example(
                    "Owned elsewhere",
                    409,
                    "conflict",
                    "Conflict",
                    "This login method cannot be linked to this account.",
                ),
            ),
            429: RATE_LIMITED,
            503: NOT_CONFIGURED,
        },
        examples=[
            OpenApiExample("ID token", value={"id_token": SAMPLE_JWT}, request_only=True),
            OpenApiExample(
                "Linked",
                value={
                    "method_id": 42,
                    "provider": "google",
                    "is_primary": False,
                    "is_verified": True,
                    "details": {"email": "alice@example.com", "name": "Alice Martin", "picture": "https://lh3..."},
                    "created_at": "2026-12-03T18:40:11.020311Z",
                },
                response_only=True,
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        serializer = IdTokenInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        identity = verify.google_identity(serializer.validated_data["id_token"])
        user: User = request.user  # type: ignore[assignment]
        method: AuthMethod = identity_link(user=user, identity=identity)
        return Response(LinkedMethodOutput(method).data, headers={"Cache-Control": "no-store"})
