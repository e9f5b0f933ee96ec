"""JSON log lines: one object per line, with the request fields our middleware attaches.

Our code never logs a token, a one-time code, a password or a key (movoai/tests/test_log_secrets.py
checks a whole login flow). As a second line of defence for the lines other code writes (an HTTP
client logging a URL with a bot token in it, say), the formatter masks JWTs, bearer tokens and the
values of the secret settings."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

_REQUEST_FIELDS = ("request_id", "method", "path", "status", "duration_ms", "client_ip")

# The settings whose values must never be written out; each is masked as [NAME].
SECRET_SETTINGS = (
    "SECRET_KEY",
    "JWT_SIGNING_KEY",
    "VERIFICATION_CODE_KEY",
    "OPENAI_API_KEY",
    "TELEGRAM_BOT_TOKEN",
    "TWILIO_AUTH_TOKEN",
    "SENDGRID_API_KEY",
    "SOCIAL_AUTH_GOOGLE_OAUTH2_SECRET",
)
# Shorter values would mask ordinary words (and no real key is this short).
_MIN_SECRET_LENGTH = 8
# header.payload.signature, both first parts base64url JSON objects ("eyJ" is '{"').
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_BEARER = re.compile(r"\b(Bearer\s+)[A-Za-z0-9._~+/=-]{16,}", re.IGNORECASE)


def _secret_values() -> list[tuple[str, str]]:
    if not settings.configured:
        return []
    values = ((name, getattr(settings, name, "")) for name in SECRET_SETTINGS)
    found = [(name, value) for name, value in values if isinstance(value, str) and len(value) >= _MIN_SECRET_LENGTH]
    return sorted(found, key=lambda item: -len(item[1]))  # a key containing another is masked whole


def redact(text: str) -> str:
    """The text with secret setting values, JWTs and bearer tokens masked."""
    for name, value in _secret_values():
        text = text.replace(value, f"[{name}]")
    text = _JWT.sub("[JWT]", text)
    return _BEARER.sub(r"\1[redacted]", text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for field in _REQUEST_FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                entry[field] = redact(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)
