"""POST /api/v1/auth/telegram/login and /link: Telegram proves who the user is (Mini App initData or
Login Widget data, signed with our bot's token); accounts.identity logs in or links that identity."""

from __future__ import annotations

import logging
from typing import Any, cast

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.identity import Identity, identity_link, identity_login
from accounts.models import User
from accounts.providers.telegram.serializers import (
    TelegramLinkedMethodSerializer,
    TelegramLoginResultSerializer,
    TelegramProofSerializer,
)
from accounts.providers.telegram.verify import TelegramAuthError, verify_init_data, verify_widget
from accounts.tokens import token_pair_for
from movoai.errors import ServiceUnavailable
from movoai.throttling import LoginRateThrottle, PublicRateThrottle

logger = logging.getLogger("movoai.auth.telegram")

TAGS = ["auth"]


class TelegramDataRejected(exceptions.APIException):
    """Telegram data whose signature or age does not hold: the client did not prove the identity.
    A 401 of its own (not AuthenticationFailed, which DRF turns into a 403 on a view without
    authentication classes)."""

    status_code = 401
    default_detail = "The Telegram data could not be verified."
    default_code = "telegram_rejected"


_REFUSED = {TelegramAuthError.BAD_SIGNATURE, TelegramAuthError.STALE, TelegramAuthError.DUPLICATE_KEY}


def _proof_body(data: Any) -> Any:
    """The body with the aliases clients send folded in: `initData` (Telegram's own spelling) for
    `init_data`, and a bare widget object (with `id` and `hash`) for `{"widget": {...}}`."""
    if not isinstance(data, dict):
        return data
    body = dict(data)
    if "initData" in body and "init_data" not in body:
        body["init_data"] = body.pop("initData")
    if "id" in body and "hash" in body and not {"init_data", "widget"} & body.keys():
        body = {"widget": body}
    return body


def _proven_identity(request: Request) -> Identity:
    """The identity the request's Telegram data proves, or a problem: 400 malformed, 401 refused,
    503 when the server has no bot token."""
    body = _proof_body(request.data)
    serializer = TelegramProofSerializer(data=body)
    serializer.is_valid(raise_exception=True)
    bot_token = settings.TELEGRAM_BOT_TOKEN
    field = "init_data" if "init_data" in serializer.validated_data else "widget"
    try:
        if field == "init_data":
            return verify_init_data(serializer.validated_data["init_data"], bot_token=bot_token)
        # The signature covers the values exactly as sent, not as the serializer coerced them.
        return verify_widget(body["widget"], bot_token=bot_token)
    except TelegramAuthError as error:
        logger.info("telegram %s refused: %s", field, error.reason)
        if error.reason == TelegramAuthError.NOT_CONFIGURED:
            logger.error("TELEGRAM_BOT_TOKEN is not set: Telegram login is unavailable")
            raise ServiceUnavailable(error.message) from None
        if error.reason in _REFUSED:
            raise TelegramDataRejected(error.message) from None
        raise exceptions.ValidationError({field: [error.message]}) from None


# ---- OpenAPI documentation -------------------------------------------------------------------------
FLOWS = """

**Mini App (inside Telegram).** Send `Telegram.WebApp.initData` exactly as the Mini App received it (the raw
query string, not `initDataUnsafe`): `{"init_data": "query_id=...&user=...&auth_date=...&signature=...&hash=..."}`.
Telegram signs it with the bot's token; it is accepted for one hour after `auth_date` (reopen the Mini App for a
fresh one). `initData` is accepted as an alias of `init_data`.

**Login Widget (on the web).** Pass the object the widget gives its `data-onauth` callback, unchanged:
`{"widget": {"id": ..., "first_name": ..., "username": ..., "photo_url": ..., "auth_date": ..., "hash": ...}}`
(the bare object is accepted too). It is accepted for five minutes after `auth_date`.

Refused: a signature that does not match our bot (tampered data, another bot's token), data too old or dated in
the future, a key given twice in `initData`: **401**. Malformed data or a missing `hash`/`auth_date`/`user`:
**400** naming the field. The server has no bot token configured: **503**. Rate limit: **5 requests a minute per
client IP** on every login route (429 with `Retry-After`), on top of the general 100 a minute."""

_INIT_DATA = (
    "query_id=AAHdF6IQAAAAAN0XohDhrOrc&user=%7B%22id%22%3A279058397%2C%22first_name%22%3A%22Alice%22%2C"
    "%22username%22%3A%22alice%22%2C%22language_code%22%3A%22fr%22%7D&auth_date=1764923400"
    "&signature=6fbdaab833d39f54518bd5c3eb3f511d035e68cb&hash=c0d3f1b2a4e5d6c7b8a9f0e1d2c3b4a5968778695a4b3c2d1e0f1a2b3c4d5e6f"
)
INIT_DATA_EXAMPLE = OpenApiExample(
    "Mini App initData", value={"init_data": _INIT_DATA}, request_only=True, description="From a Telegram Mini App."
)
WIDGET_EXAMPLE = OpenApiExample(
    "Login Widget data",
    value={
        "widget": {
            "id": 279058397,
            "first_name": "Alice",
            "username": "alice",
            "photo_url": "https://t.me/i/userpic/320/alice.jpg",
            "auth_date": 1764923400,
            "hash": "9a1f0c2e3d4b5a6978877665544332211ffeeddccbbaa99887766554433221100",
        }
    },
    request_only=True,
    description="From the Telegram Login Widget on the web.",
)
LOGIN_RESULT_EXAMPLE = OpenApiExample(
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
)
LINKED_EXAMPLE = OpenApiExample(
    "Telegram linked",
    value={
        "id": 42,
        "provider": "telegram",
        "identifier": "279058397",
        "is_primary": False,
        "is_verified": True,
        "created_at": "2026-12-05T08:30:00.000000+00:00",
    },
    response_only=True,
)


def _problem(status: int, title: str, detail: str, description: str) -> OpenApiResponse:
    example = OpenApiExample(
        title,
        value={"type": f"https://movoai.app/problems/{title}", "title": title, "status": status, "detail": detail},
        response_only=True,
        status_codes=[str(status)],
    )
    return OpenApiResponse(OpenApiTypes.OBJECT, description=description, examples=[example])


BAD_REQUEST = _problem(
    400,
    "bad-request",
    "Invalid input. init_data: The Telegram data has no `hash`.",
    "Problem details: malformed Telegram data, a missing field, or neither/both of `init_data` and `widget`.",
)
REFUSED = _problem(
    401,
    "unauthorized",
    "The Telegram data's signature does not match this bot.",
    "Problem details: bad signature, data too old (initData 1 hour, widget 5 minutes), or a duplicated key.",
)
RATE_LIMITED = _problem(
    429, "rate-limited", "Request was throttled. Expected available in 42 seconds.", "5 logins a minute per IP."
)
NOT_CONFIGURED = _problem(
    503, "service-unavailable", "Telegram login is not configured on this server.", "No bot token configured."
)
LINK_UNAUTHORIZED = _problem(
    401,
    "unauthorized",
    "Authentication credentials were not provided.",
    "Problem details: no valid access token, or the Telegram data was refused (as for login).",
)
TAKEN = _problem(
    409,
    "conflict",
    "This login method cannot be linked to this account.",
    "Problem details: this Telegram account already belongs to another MovoAI account (nothing is changed).",
)


class TelegramLoginView(APIView):
    # No token needed; a stale Authorization header must not stand in the way of logging in again.
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [PublicRateThrottle, LoginRateThrottle]

    @extend_schema(
        tags=TAGS,
        summary="Log in with Telegram",
        description="Logs in the account that owns this Telegram user, creating it (with Telegram as its primary "
        "login method) on the first login; an account made earlier by `POST /api/v1/users` with this `telegram_id` "
        "is the one logged in. Answers the token pair and `is_new_user`." + FLOWS,
        request=TelegramProofSerializer,
        responses={
            200: TelegramLoginResultSerializer,
            400: BAD_REQUEST,
            401: REFUSED,
            429: RATE_LIMITED,
            503: NOT_CONFIGURED,
        },
        examples=[INIT_DATA_EXAMPLE, WIDGET_EXAMPLE, LOGIN_RESULT_EXAMPLE],
    )
    def post(self, request: Request) -> Response:
        identity = _proven_identity(request)
        result = identity_login(identity=identity)
        if not result.user.is_active:
            raise exceptions.PermissionDenied("This account is deactivated.")
        body = {**token_pair_for(result.user), "user_id": result.user.id, "is_new_user": result.is_new_user}
        response = Response(TelegramLoginResultSerializer(body).data)
        response["Cache-Control"] = "no-store"
        return response


class TelegramLinkView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [PublicRateThrottle, LoginRateThrottle]

    @extend_schema(
        tags=TAGS,
        summary="Link Telegram to the current account",
        description="Adds the proven Telegram identity to the logged-in account as a login method (primary if the "
        "account has none). Idempotent when it is already this account's. Takes the same body as "
        "`POST /api/v1/auth/telegram/login`; requires `Authorization: Bearer <access>`. A Telegram account that "
        "belongs to another MovoAI account is a 409 and nothing changes." + FLOWS,
        request=TelegramProofSerializer,
        responses={
            200: TelegramLinkedMethodSerializer,
            400: BAD_REQUEST,
            401: LINK_UNAUTHORIZED,
            409: TAKEN,
            429: RATE_LIMITED,
            503: NOT_CONFIGURED,
        },
        examples=[INIT_DATA_EXAMPLE, WIDGET_EXAMPLE, LINKED_EXAMPLE],
    )
    def post(self, request: Request) -> Response:
        identity = _proven_identity(request)
        method = identity_link(user=cast(User, request.user), identity=identity)
        return Response(TelegramLinkedMethodSerializer(method).data)
