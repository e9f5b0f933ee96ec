"""Input shapes of the email (code) endpoints; the outputs are in accounts.providers.code_views."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from accounts.codes import normalize_email
from accounts.providers.code_views import PURPOSE_HELP, CodeField
from movoai.api import StrictSerializer


class EmailAddressField(serializers.EmailField):
    """An email address, trimmed and lower-cased: the identity's key."""

    def __init__(self, **kwargs: Any) -> None:
        # RFC 5321's 254; a code's key, "email:<address>", has room for it (VerificationCode.identifier)
        kwargs.setdefault("max_length", 254)
        kwargs.setdefault("help_text", "The email address (case does not matter).")
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        return normalize_email(super().to_internal_value(data))


class EmailSendCodeInput(StrictSerializer):
    email = EmailAddressField()
    purpose = serializers.ChoiceField(["login", "link"], default="login", help_text=PURPOSE_HELP)


class EmailCodeInput(StrictSerializer):
    email = EmailAddressField()
    code = CodeField()
