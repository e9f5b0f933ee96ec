"""Input and output shapes of the phone (SMS code) endpoints. The output serializers are shared with
the email endpoints, which answer the same shapes."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from accounts.codes import CODE_PATTERN, normalize_phone
from accounts.models import AuthMethod
from movoai.api import StrictSerializer

PURPOSE_HELP = (
    "`login` (default): the code logs in or creates an account. `link`: the code adds this login method to "
    "the account of the Bearer token, which is then required."
)


class PhoneField(serializers.CharField):
    """An E.164 phone number (spaces, dots, dashes and brackets are ignored)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 32)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        try:
            return normalize_phone(value)
        except ValueError as error:
            raise ValidationError(str(error)) from None


class CodeField(serializers.RegexField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "The 6-digit code received.")
        kwargs.setdefault("error_messages", {"invalid": "Enter the 6-digit code you received."})
        super().__init__(CODE_PATTERN, max_length=6, min_length=6, **kwargs)


class _PhoneInput(StrictSerializer):
    phone = PhoneField(required=False, help_text="The phone number in E.164 format, e.g. +33612345678.")
    phone_number = PhoneField(required=False, help_text="Alias of `phone`; if both are sent they must match.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        phone, alias = attrs.pop("phone", None), attrs.pop("phone_number", None)
        if phone is None and alias is None:
            raise ValidationError({"phone": ["This field is required."]})
        if phone is not None and alias is not None and phone != alias:
            raise ValidationError({"phone_number": ["Must be the same number as `phone`."]})
        attrs["phone"] = phone or alias
        return attrs


class PhoneSendCodeInput(_PhoneInput):
    purpose = serializers.ChoiceField(["login", "link"], default="login", help_text=PURPOSE_HELP)


class PhoneCodeInput(_PhoneInput):
    code = CodeField()


# ---- outputs (shared with the email endpoints) -----------------------------------------------------


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
