"""Input shapes of the phone (SMS code) endpoints; the outputs are in accounts.providers.code_views."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from accounts.codes import normalize_phone
from accounts.providers.code_views import PURPOSE_HELP, CodeField
from movoai.api import StrictSerializer


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
