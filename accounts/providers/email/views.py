"""Log in, register or link an email address with a one-time code sent by email.

Thin views over accounts.codes (send and verify) and accounts.identity (login, link); they answer the
shapes of the phone endpoints."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import codes
from accounts.identity import IdentityTaken, identity_link, identity_login
from accounts.providers.email.serializers import EmailCodeInput, EmailSendCodeInput
from accounts.providers.phone.serializers import CodeLinkedMethodSerializer, CodeLoginSerializer, CodeSentSerializer
from accounts.providers.phone.views import (
    RATE_LIMITED,
    UNAUTHORIZED,
    bad_code_example,
    current_user,
    login_example,
    login_response,
    problem_example,
    too_many_example,
)
from movoai.api import accept_language, reject_unknown_params
from movoai.net import client_ip
from movoai.throttling import LoginRateThrottle, PublicRateThrottle

TAGS = ["auth: email"]
EMAIL = "alice@example.com"
SENT_DETAIL = "A code was sent by email. Enter it to continue."

FLOW = """

**Flow.** `POST /api/v1/auth/email/send-code` with `{"email": "alice@example.com"}`, then
`POST /api/v1/auth/email/verify-code` with the email and the 6-digit code received (subject "Your MovoAI code",
in French when the account or the `Accept-Language` is French): the answer is the token pair (`access`,
`refresh`) and `is_new_user`. To add an email to the account you are logged in with, send the code with
`"purpose": "link"` and your Bearer token, then `POST /api/v1/auth/email/link` with the email and the code.

**Rules.** Addresses are compared lower-cased. A code lives 10 minutes, works once and dies after 5 wrong
attempts; only the newest code counts. At most 3 codes an hour per address and 3 email codes an hour per client
IP (429 with `Retry-After`). verify-code and link allow 5 attempts a minute per IP (429 with `Retry-After`).
"""


class EmailSendCodeView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Send a code by email",
        description="Emails a 6-digit code to the address. The answer is the same whether or not an account has "
        "this address, so it reveals nothing about who uses MovoAI. With `purpose: link` the Bearer token is "
        f"required and the code can only be used by that account, on `POST /email/link`.{FLOW}",
        request=EmailSendCodeInput,
        responses={
            202: CodeSentSerializer,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="Problem details: not an email address, or an unknown field.",
                examples=[
                    problem_example(
                        "Not an email address",
                        400,
                        "Invalid input. email: Enter a valid email address.",
                        {"email": ["Enter a valid email address."]},
                    )
                ],
            ),
            401: UNAUTHORIZED,
            429: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="Problem details: 3 codes this hour for this address, or from this IP; see `Retry-After`.",
                examples=[too_many_example("At most 3 codes an hour for one email address.")],
            ),
            503: OpenApiResponse(OpenApiTypes.OBJECT, description="Problem details: the email could not be sent."),
        },
        examples=[
            OpenApiExample("Log in", value={"email": EMAIL}, request_only=True),
            OpenApiExample("Link to my account", value={"email": EMAIL, "purpose": "link"}, request_only=True),
            OpenApiExample(
                "Sent",
                value={"detail": SENT_DETAIL, "channel": "email", "expires_in": 600, "code_length": 6},
                response_only=True,
                status_codes=["202"],
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        reject_unknown_params(request, set())
        serializer = EmailSendCodeInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        purpose = serializer.validated_data["purpose"]
        user = current_user(request) if purpose == "link" else None
        sent = codes.code_send(
            channel="email",
            target=serializer.validated_data["email"],
            purpose=purpose,
            user=user,
            ip=client_ip(request._request),
            language=accept_language(request.headers.get("Accept-Language", "")),
        )
        body = {"detail": SENT_DETAIL, "channel": sent.channel, "expires_in": sent.expires_in}
        return Response({**body, "code_length": sent.code_length}, status=202)


class EmailVerifyCodeView(APIView):
    throttle_classes = [PublicRateThrottle, LoginRateThrottle]

    @extend_schema(
        tags=TAGS,
        summary="Log in with an email code",
        description="Checks the code sent to the address and logs in the account that has this address, or "
        "creates one (`is_new_user: true`). A wrong, expired or used code is a 400 with one message for every "
        f"case.{FLOW}",
        request=EmailCodeInput,
        responses={
            200: CodeLoginSerializer,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="Problem details: a wrong, expired, used or dead code, or a bad address.",
                examples=[bad_code_example()],
            ),
            429: RATE_LIMITED,
        },
        examples=[OpenApiExample("Code", value={"email": EMAIL, "code": "482913"}, request_only=True), login_example()],
    )
    def post(self, request: Request) -> Response:
        reject_unknown_params(request, set())
        serializer = EmailCodeInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        identity = codes.code_verify(
            channel="email",
            target=serializer.validated_data["email"],
            code=serializer.validated_data["code"],
            purpose="login",
            language=accept_language(request.headers.get("Accept-Language", "")),
        )
        return login_response(identity_login(identity=identity))


class EmailLinkView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [PublicRateThrottle, LoginRateThrottle]

    @extend_schema(
        tags=TAGS,
        summary="Link an email address to my account",
        description="Adds the address to the account of the Bearer token, with the code sent by "
        "`POST /email/send-code` with `purpose: link` and that same token. An address another account has is a "
        "409, and only once the code has proven the address is yours; linking an address you already have "
        f"changes nothing.{FLOW}",
        request=EmailCodeInput,
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
                description="Problem details: another account has this address.",
                examples=[problem_example("Owned elsewhere", 409, str(IdentityTaken.default_detail))],
            ),
            429: RATE_LIMITED,
        },
        examples=[
            OpenApiExample("Code", value={"email": EMAIL, "code": "482913"}, request_only=True),
            OpenApiExample(
                "Linked",
                value={
                    "id": 13,
                    "provider": "email",
                    "identifier": EMAIL,
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
        serializer = EmailCodeInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        identity = codes.code_verify(
            channel="email",
            target=serializer.validated_data["email"],
            code=serializer.validated_data["code"],
            purpose="link",
            user=user,
        )
        method = identity_link(user=user, identity=identity)
        return Response(CodeLinkedMethodSerializer(method).data, headers={"Cache-Control": "no-store"})
