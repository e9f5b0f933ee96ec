"""Log in, register or link a phone number or an email address with a one-time code.

The phone and email endpoints are the same three views over accounts.codes (send and verify) and
accounts.identity (login, link); a CodeChannel describes what differs: the channel, its input field and
serializers, and the OpenAPI texts. A channel's views subclass the three base views with that description:

    class PhoneSendCodeView(CodeSendView, channel=SMS): ...
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import codes
from accounts.identity import IdentityTaken, LoginResult, identity_link, identity_login
from accounts.models import AuthMethod, User
from accounts.tokens import token_pair_for
from movoai.api import StrictSerializer, accept_language, reject_unknown_params
from movoai.net import client_ip
from movoai.throttling import LoginRateThrottle, PublicRateThrottle

# ---- serializers shared by the channels ----------------------------------------------------------

PURPOSE_HELP = (
    "`login` (default): the code logs in or creates an account. `link`: the code adds this login method to "
    "the account of the Bearer token, which is then required."
)


class CodeField(serializers.RegexField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "The 6-digit code received.")
        kwargs.setdefault("error_messages", {"invalid": "Enter the 6-digit code you received."})
        super().__init__(codes.CODE_PATTERN, max_length=6, min_length=6, **kwargs)


class CodeSentSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()
    channel = serializers.ChoiceField(["sms", "email"])
    expires_in = serializers.IntegerField(help_text="Seconds the code stays valid (300 for SMS, 600 for email).")
    code_length = serializers.IntegerField()


class CodeLoginSerializer(serializers.Serializer[Any]):
    access = serializers.CharField(help_text="Access token (JWT, 15 minutes): `Authorization: Bearer <access>`.")
    refresh = serializers.CharField(help_text="Refresh token (JWT, 30 days, rotated on every refresh).")
    token_type = serializers.CharField()
    access_expires_in = serializers.IntegerField()
    refresh_expires_in = serializers.IntegerField()
    user_id = serializers.UUIDField()
    is_new_user = serializers.BooleanField(help_text="True when this login created the account.")


class CodeLinkedMethodSerializer(serializers.ModelSerializer[AuthMethod]):
    class Meta:
        model = AuthMethod
        fields = ["id", "provider", "identifier", "is_verified", "is_primary", "created_at", "last_used_at"]
        read_only_fields = fields


# ---- what differs between the channels -----------------------------------------------------------


@dataclass(frozen=True)
class CodeChannel:
    channel: codes.Channel  # "sms" or "email": how the code travels
    field: str  # the input field naming the target; also the URL segment (/auth/<field>/) and the tag
    noun: str  # "number", "address": "an account has this <noun>"
    send_input: type[StrictSerializer]  # <field> and purpose
    code_input: type[StrictSerializer]  # <field> and code
    example: str  # a target, for the examples
    sent_detail: str
    flow: str  # the flow and its rules, appended to every description
    # OpenAPI texts of send-code
    send_summary: str
    send_lead: str  # the first sentence of the description
    invalid_target: str  # what a 400 is, e.g. "the number is not E.164"
    invalid_example: str  # the name of the 400 example
    invalid_message: str  # the message on <field> in that example
    too_many_detail: str  # the 429 example: the limit per target
    unsent: str  # what could not be sent (503), e.g. "the SMS"
    # OpenAPI texts of verify-code and link
    verify_summary: str
    bad_target: str  # the other 400 of verify-code, e.g. "a bad phone number"
    link_summary: str
    link_description: str
    linked_example_id: int

    @property
    def tags(self) -> list[str]:
        return [f"auth: {self.field}"]

    @property
    def expires_in(self) -> int:
        return int(codes.EXPIRY[self.channel].total_seconds())


# ---- shared OpenAPI pieces -----------------------------------------------------------------------


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


def code_example(channel: CodeChannel) -> Any:
    return OpenApiExample("Code", value={channel.field: channel.example, "code": "482913"}, request_only=True)


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


def send_code_schema(channel: CodeChannel) -> Any:
    field, noun = channel.field, channel.noun
    return extend_schema(
        tags=channel.tags,
        summary=channel.send_summary,
        description=f"{channel.send_lead} The answer is the same whether or not an account has this {noun}, so it "
        "reveals nothing about who uses MovoAI. With `purpose: link` the Bearer token is required and the code can "
        f"only be used by that account, on `POST /{field}/link`.{channel.flow}",
        request=channel.send_input,
        responses={
            202: CodeSentSerializer,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description=f"Problem details: {channel.invalid_target}, or an unknown field.",
                examples=[
                    problem_example(
                        channel.invalid_example,
                        400,
                        f"Invalid input. {field}: {channel.invalid_message}",
                        {field: [channel.invalid_message]},
                    )
                ],
            ),
            401: UNAUTHORIZED,
            429: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description=f"Problem details: 3 codes this hour for this {noun}, or from this IP; see `Retry-After`.",
                examples=[problem_example("Too many codes", 429, channel.too_many_detail)],
            ),
            503: OpenApiResponse(
                OpenApiTypes.OBJECT, description=f"Problem details: {channel.unsent} could not be sent."
            ),
        },
        examples=[
            OpenApiExample("Log in", value={field: channel.example}, request_only=True),
            OpenApiExample("Link to my account", value={field: channel.example, "purpose": "link"}, request_only=True),
            OpenApiExample(
                "Sent",
                value={
                    "detail": channel.sent_detail,
                    "channel": channel.channel,
                    "expires_in": channel.expires_in,
                    "code_length": codes.CODE_DIGITS,
                },
                response_only=True,
                status_codes=["202"],
            ),
        ],
    )


def verify_code_schema(channel: CodeChannel) -> Any:
    noun = channel.noun
    return extend_schema(
        tags=channel.tags,
        summary=channel.verify_summary,
        description=f"Checks the code sent to the {noun} and logs in the account that has this {noun}, or creates "
        "one (`is_new_user: true`). A wrong, expired or used code is a 400 with one message for every "
        f"case.{channel.flow}",
        request=channel.code_input,
        responses={
            200: CodeLoginSerializer,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description=f"Problem details: a wrong, expired, used or dead code, or {channel.bad_target}.",
                examples=[bad_code_example()],
            ),
            429: RATE_LIMITED,
        },
        examples=[code_example(channel), login_example()],
    )


def link_schema(channel: CodeChannel) -> Any:
    return extend_schema(
        tags=channel.tags,
        summary=channel.link_summary,
        description=f"{channel.link_description}{channel.flow}",
        request=channel.code_input,
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
                description=f"Problem details: another account has this {channel.noun}.",
                examples=[problem_example("Owned elsewhere", 409, str(IdentityTaken.default_detail))],
            ),
            429: RATE_LIMITED,
        },
        examples=[
            code_example(channel),
            OpenApiExample(
                "Linked",
                value={
                    "id": channel.linked_example_id,
                    "provider": channel.channel,
                    "identifier": channel.example,
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


# ---- the views -----------------------------------------------------------------------------------


def current_user(request: Request) -> User:
    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated()
    return user


def login_response(result: LoginResult) -> Response:
    """The token pair of a login, with the user id and whether the login created the account."""
    body = {**token_pair_for(result.user), "user_id": str(result.user.id), "is_new_user": result.is_new_user}
    return Response(body, headers={"Cache-Control": "no-store"})


class CodeSendView(APIView):
    """POST /auth/<field>/send-code: send a code to the target, to log in or (with a token) to link it."""

    code_channel: ClassVar[CodeChannel]

    def __init_subclass__(cls, channel: CodeChannel, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.code_channel = channel
        send_code_schema(channel)(cls)

    def post(self, request: Request) -> Response:
        channel = self.code_channel
        reject_unknown_params(request, set())
        serializer = channel.send_input(data=request.data)
        serializer.is_valid(raise_exception=True)
        purpose = serializer.validated_data["purpose"]
        user = current_user(request) if purpose == "link" else None
        sent = codes.code_send(
            channel=channel.channel,
            target=serializer.validated_data[channel.field],
            purpose=purpose,
            user=user,
            ip=client_ip(request._request),
            language=accept_language(request.headers.get("Accept-Language", "")),
        )
        body = {"detail": channel.sent_detail, "channel": sent.channel, "expires_in": sent.expires_in}
        return Response({**body, "code_length": sent.code_length}, status=202)


class CodeVerifyView(APIView):
    """POST /auth/<field>/verify-code: log in (or register) with the code."""

    code_channel: ClassVar[CodeChannel]
    throttle_classes = [PublicRateThrottle, LoginRateThrottle]

    def __init_subclass__(cls, channel: CodeChannel, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.code_channel = channel
        verify_code_schema(channel)(cls)

    def post(self, request: Request) -> Response:
        channel = self.code_channel
        reject_unknown_params(request, set())
        serializer = channel.code_input(data=request.data)
        serializer.is_valid(raise_exception=True)
        identity = codes.code_verify(
            channel=channel.channel,
            target=serializer.validated_data[channel.field],
            code=serializer.validated_data["code"],
            purpose="login",
            language=accept_language(request.headers.get("Accept-Language", "")),
        )
        return login_response(identity_login(identity=identity))


class CodeLinkView(APIView):
    """POST /auth/<field>/link: add the target to the account of the Bearer token, with the code."""

    code_channel: ClassVar[CodeChannel]
    permission_classes = [IsAuthenticated]
    throttle_classes = [PublicRateThrottle, LoginRateThrottle]

    def __init_subclass__(cls, channel: CodeChannel, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.code_channel = channel
        link_schema(channel)(cls)

    def post(self, request: Request) -> Response:
        channel = self.code_channel
        reject_unknown_params(request, set())
        user = current_user(request)
        serializer = channel.code_input(data=request.data)
        serializer.is_valid(raise_exception=True)
        identity = codes.code_verify(
            channel=channel.channel,
            target=serializer.validated_data[channel.field],
            code=serializer.validated_data["code"],
            purpose="link",
            user=user,
        )
        method = identity_link(user=user, identity=identity)
        return Response(CodeLinkedMethodSerializer(method).data, headers={"Cache-Control": "no-store"})
