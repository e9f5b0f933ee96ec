"""Input and output of the Telegram login and link endpoints."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from accounts.models import AuthMethod
from movoai.api import StrictSerializer

INIT_DATA_MAX_LENGTH = 8192


class TelegramWidgetDataSerializer(serializers.Serializer[Any]):
    """The object the Login Widget hands to its callback (`data-onauth`), unchanged. The signature is
    checked on the values exactly as sent, so send them as received."""

    id = serializers.IntegerField(min_value=1, help_text="The Telegram user id.")
    first_name = serializers.CharField(required=False, allow_blank=True, max_length=256, trim_whitespace=False)
    last_name = serializers.CharField(required=False, allow_blank=True, max_length=256, trim_whitespace=False)
    username = serializers.CharField(required=False, allow_blank=True, max_length=256, trim_whitespace=False)
    photo_url = serializers.CharField(required=False, allow_blank=True, max_length=2048, trim_whitespace=False)
    auth_date = serializers.IntegerField(min_value=0, help_text="Unix time of the login; at most 5 minutes old.")
    hash = serializers.CharField(max_length=128, help_text="Telegram's HMAC-SHA256 of the other fields, in hex.")


class TelegramProofSerializer(StrictSerializer):
    """Exactly one of `init_data` (Mini App) or `widget` (Login Widget)."""

    init_data = serializers.CharField(
        required=False,
        max_length=INIT_DATA_MAX_LENGTH,
        trim_whitespace=False,
        help_text="`Telegram.WebApp.initData` of the Mini App: the raw query string, unchanged.",
    )
    widget = TelegramWidgetDataSerializer(required=False, help_text="The Login Widget's callback data, unchanged.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        given = [name for name in ("init_data", "widget") if name in attrs]
        if len(given) != 1:
            raise serializers.ValidationError("Send exactly one of `init_data` (Mini App) or `widget` (Login Widget).")
        return attrs


class TelegramLoginResultSerializer(serializers.Serializer[Any]):
    access = serializers.CharField(help_text="Access token (JWT, 15 minutes): `Authorization: Bearer <access>`.")
    refresh = serializers.CharField(help_text="Refresh token (JWT, 30 days, single use): POST /api/v1/auth/refresh.")
    token_type = serializers.CharField(help_text="Always `Bearer`.")
    access_expires_in = serializers.IntegerField(help_text="Seconds the access token lives.")
    refresh_expires_in = serializers.IntegerField(help_text="Seconds the refresh token lives.")
    user_id = serializers.UUIDField(help_text="The account logged in.")
    is_new_user = serializers.BooleanField(help_text="True when this login created the account.")


class TelegramLinkedMethodSerializer(serializers.ModelSerializer[AuthMethod]):
    class Meta:
        model = AuthMethod
        fields = ["id", "provider", "identifier", "is_primary", "is_verified", "created_at"]
        read_only_fields = fields
