"""Log in, register or link a phone number with a one-time code sent by SMS.

Thin views over accounts.codes (send and verify) and accounts.identity (login, link)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import codes
from accounts.identity import IdentityTaken, identity_link, identity_login
from accounts.models import User
from accounts.providers.phone.serializers import (
    CodeLinkedMethodSerializer,
    CodeLoginSerializer,
    CodeSentSerializer,
    PhoneCodeInput,
    PhoneSendCodeInput,
)
from accounts.tokens import token_pair_for
from movoai.api import accept_language, reject_unknown_params
from movoai.net import client_ip
from movoai.throttling import LoginRateThrottle, PublicRateThrottle

TAGS = ["auth: phone"]
PHONE = "+33612345678"
SENT_DETAIL = "A code was sent by SMS. Enter it to continue."

FLOW = """

**Flow.** `POST /api/v1/auth/phone/send-code` with `{"phone": "+33612345678"}`, then
`POST /api/v1/auth/phone/verify-code` with the phone and the 6-digit code received: the answer is the
token pair (`access`, `refresh`) and `is_new_user` (true when the login created the account). To add a
phone to the account you are logged in with, send the code with `"purpose": "link"` and your Bearer token,
then `POST /api/v1/auth/phone/link` with the phone and the code.

**Rules.** Numbers are E.164 (`+`, country code, number; spaces and dashes are ignored). A code lives 5
minutes, works once and dies after 5 wrong attempts; only the newest code counts. At most 3 codes an hour per
number and 3 SMS codes an hour per client IP (429 with `Retry-After`). verify-code and link allow 5 attempts a
minute per IP (429 with `Retry-After`).
"""


def problem_example(name: str, status: int, detail: str, errors: dict[str, list[str]] | None = None) -> Any:
    slug = {400: "bad-request", 401: "unauthorized", 409: "conflict", 429: "rate-limited"}[status]
    title = {400: "Bad request", 401: "Authentication required", 409: "Conflict", 429: "Too many requests"}[status]
    value: dict[str, Any] = {
        "type": f"https://movoai.app/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        value["errors"] = errors
    return OpenApiExample(name, value=value, response_only=True, status_codes=[str(status)])


def bad_code_example() -> Any:
    return problem_example(
        "Wrong, expired or used code", 400, f"Invalid input. code: {codes.INVALID_CODE}", {"code": [codes.INVALID_CODE]}
    )


def login_example() -> Any:
    return OpenApiExample(
        "Logged in",
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
        status_codes=["200"],
    )


def too_many_example(detail: str) -> Any:
    return problem_example("Too many codes", 429, detail)


UNAUTHORIZED = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="Problem details: no valid Bearer token (needed for `link`).",
    examples=[problem_example("No token", 401, "Authentication credentials were not provided.")],
)
RATE_LIMITED = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="Problem details: too many attempts from this client; `Retry-After` says when to retry.",
    examples=[problem_example("Too many attempts", 429, "Request was throttled. Expected available in 42 seconds.")],
)


def current_user(request: Request) -> User:
    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated()
    return user


def login_response(result: Any) -> Response:
    """The token pair of a login, with the user id and whether the login created the account."""
    body = {**token_pair_for(result.user), "user_id": str(result.user.id), "is_new_user": result.is_new_user}
    return Response(body, headers={"Cache-Control": "no-store"})


class PhoneSendCodeView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Send a code by SMS",
        description="Sends a 6-digit code to the phone number. The answer is the same whether or not an account "
        "has this number, so it reveals nothing about who uses MovoAI. With `purpose: link` the Bearer token is "
        f"required and the code can only be used by that account, on `POST /phone/link`.{FLOW}",
        request=PhoneSendCodeInput,
        responses={
            202: CodeSentSerializer,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="Problem details: the number is not E.164, or an unknown field.",
                examples=[
                    problem_example(
                        "Not a phone number",
                        400,
                        "Invalid input. phone: Enter a phone number in international format (E.164), e.g. "
                        "+33612345678.",
                        {"phone": ["Enter a phone number in international format (E.164), e.g. +33612345678."]},
                    )
                ],
            ),
            401: UNAUTHORIZED,
            429: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="Problem details: 3 codes this hour for this number, or from this IP; see `Retry-After`.",
                examples=[too_many_example("At most 3 codes an hour for one phone number.")],
            ),
            503: OpenApiResponse(OpenApiTypes.OBJECT, description="Problem details: the SMS could not be sent."),
        },
        examples=[
            OpenApiExample("Log in", value={"phone": PHONE}, request_only=True),
            OpenApiExample("Link to my account", value={"phone": PHONE, "purpose": "link"}, request_only=True),
            OpenApiExample(
                "Sent",
                value={"detail": SENT_DETAIL, "channel": "sms", "expires_in": 300, "code_length": 6},
                response_only=True,
                status_codes=["202"],
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        reject_unknown_params(request, set())
        serializer = PhoneSendCodeInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        purpose = serializer.validated_data["purpose"]
        user = current_user(request) if purpose == "link" else None
        sent = codes.code_send(
            channel="sms",
            target=serializer.validated_data["phone"],
            purpose=purpose,
            user=user,
            ip=client_ip(request._request),
            language=accept_language(request.headers.get("Accept-Language", "")),
        )
        body = {"detail": SENT_DETAIL, "channel": sent.channel, "expires_in": sent.expires_in}
        return Response({**body, "code_length": sent.code_length}, status=202)


class PhoneVerifyCodeView(APIView):
    throttle_classes = [PublicRateThrottle, LoginRateThrottle]

    @extend_schema(
        tags=TAGS,
        summary="Log in with an SMS code",
        description="Checks the code sent to the number and logs in the account that has this number, or creates "
        f"one (`is_new_user: true`). A wrong, expired or used code is a 400 with one message for every case.{FLOW}",
        request=PhoneCodeInput,
        responses={
            200: CodeLoginSerializer,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="Problem details: a wrong, expired, used or dead code, or a bad phone number.",
                examples=[bad_code_example()],
            ),
            429: RATE_LIMITED,
        },
        examples=[OpenApiExample("Code", value={"phone": PHONE, "code": "482913"}, request_only=True), login_example()],
    )
    def post(self, request: Request) -> Response:
        reject_unknown_params(request, set())
        serializer = PhoneCodeInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        identity = codes.code_verify(
            channel="sms",
            target=serializer.validated_data["phone"],
            code=serializer.validated_data["code"],
            purpose="login",
            language=accept_language(request.headers.get("Accept-Language", "")),
        )
        return login_response(identity_login(identity=identity))


class PhoneLinkView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [PublicRateThrottle, LoginRateThrottle]

    @extend_schema(
        tags=TAGS,
        summary="Link a phone number to my account",
        description="Adds the phone number to the account of the Bearer token, with the code sent by "
        "`POST /phone/send-code` with `purpose: link` and that same token. A number another account has is a "
        "409, and only once the code has proven the number is yours; linking a number you already have changes "
        f"nothing.{FLOW}",
        request=PhoneCodeInput,
        responses={
            200: CodeLinkedMethodSerializer,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="Problem details: a wrong, expired, used or dead code (or one sent for another account).",
                examples=[bad_code_example()],
            ),
            401: UNAUTHORIZED,
            409: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="Problem details: another account has this number.",
                examples=[problem_example("Owned elsewhere", 409, str(IdentityTaken.default_detail))],
            ),
            429: RATE_LIMITED,
        },
        examples=[
            OpenApiExample("Code", value={"phone": PHONE, "code": "482913"}, request_only=True),
            OpenApiExample(
                "Linked",
                value={
                    "id": 12,
                    "provider": "sms",
                    "identifier": PHONE,
                    "is_verified": True,
                    "is_primary": False,
                    "created_at": "2026-12-03T18:40:11.020311+00:00",
                    "last_used_at": "2026-12-03T18:40:11.020311+00:00",
                },
                response_only=True,
                status_codes=["200"],
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        reject_unknown_params(request, set())
        user = current_user(request)
        serializer = PhoneCodeInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        identity = codes.code_verify(
            channel="sms",
            target=serializer.validated_data["phone"],
            code=serializer.validated_data["code"],
            purpose="link",
            user=user,
        )
        method = identity_link(user=user, identity=identity)
        return Response(CodeLinkedMethodSerializer(method).data, headers={"Cache-Control": "no-store"})
