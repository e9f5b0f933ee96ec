"""Checking data signed by Telegram: a Mini App's `initData` and the Login Widget's callback data.

Both follow core.telegram.org: the data-check string is every received field except `hash`, sorted
by key, as `key=value` lines joined by "\\n"; `hash` is the hex HMAC-SHA256 of that string.
- Mini App: secret key = HMAC-SHA256(key=b"WebAppData", msg=bot_token). A `signature` field (Telegram's
  Ed25519 signature for third parties) is an ordinary field here: it stays inside the data-check string.
- Login Widget: secret key = SHA-256(bot_token).

Pure functions: no database, no settings. Every refusal is a TelegramAuthError with a reason.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from typing import Any
from urllib.parse import parse_qsl

from accounts.identity import Identity

PROVIDER = "telegram"
INIT_DATA_MAX_AGE = 3600  # seconds: Telegram re-signs initData whenever the Mini App opens
WIDGET_MAX_AGE = 300  # seconds: the widget's data is sent right after the user confirms
FUTURE_SKEW = 60  # seconds of clock difference tolerated for an auth_date ahead of ours
MAX_FIELDS = 32
MAX_TELEGRAM_ID = 2**63 - 1  # users.telegram_id is a bigint
PROFILE_FIELDS = ("username", "first_name", "last_name", "photo_url", "language_code")
# Field names as Telegram writes them. Anything else (a newline, an "=") could make two different
# field sets share one data-check string.
_KEY = re.compile(r"[a-z][a-z0-9_]{0,63}")


class TelegramAuthError(Exception):
    """Telegram data that does not prove an identity. `reason` is one of the constants below;
    the message is safe to show to the client (it never contains the bot token or the hash)."""

    BAD_SIGNATURE = "bad_signature"
    STALE = "stale"
    DUPLICATE_KEY = "duplicate_key"
    MISSING_FIELD = "missing_field"
    MALFORMED = "malformed"
    NOT_CONFIGURED = "not_configured"

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def data_check_string(fields: dict[str, str]) -> str:
    """Every field except `hash`, sorted by key, as `key=value` lines."""
    return "\n".join(f"{key}={value}" for key, value in sorted(fields.items()) if key != "hash")


def init_data_secret(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def widget_secret(bot_token: str) -> bytes:
    return hashlib.sha256(bot_token.encode()).digest()


def verify_init_data(init_data: str, *, bot_token: str | None, now: float | None = None) -> Identity:
    """The identity a Mini App's `initData` query string proves: signed with this bot's token, each
    key once, `auth_date` at most an hour old, `user` a JSON object with an `id`."""
    token = _require_token(bot_token)
    fields = parse_init_data(init_data)
    _check_hash(fields, init_data_secret(token))
    _check_fresh(fields, max_age=INIT_DATA_MAX_AGE, now=now)
    raw_user = fields.get("user")
    if raw_user is None:
        raise TelegramAuthError(TelegramAuthError.MISSING_FIELD, "initData has no `user` field.")
    try:
        user = json.loads(raw_user)
    except ValueError:
        raise TelegramAuthError(TelegramAuthError.MALFORMED, "initData's `user` is not JSON.") from None
    if not isinstance(user, dict):
        raise TelegramAuthError(TelegramAuthError.MALFORMED, "initData's `user` is not a JSON object.")
    return _identity(user)


def verify_widget(widget: dict[str, Any], *, bot_token: str | None, now: float | None = None) -> Identity:
    """The identity Login Widget data proves: signed with this bot's token, `auth_date` at most five
    minutes old. Values are checked as received (numbers as their decimal text, as Telegram signs)."""
    token = _require_token(bot_token)
    fields = _widget_fields(widget)
    _check_hash(fields, widget_secret(token))
    _check_fresh(fields, max_age=WIDGET_MAX_AGE, now=now)
    return _identity(fields)


def parse_init_data(init_data: str) -> dict[str, str]:
    """initData's fields. A key given twice is refused: keeping either value would let a forged
    field ride along a validly signed one."""
    if not init_data:
        raise TelegramAuthError(TelegramAuthError.MISSING_FIELD, "initData is empty.")
    try:
        pairs = parse_qsl(
            init_data, keep_blank_values=True, strict_parsing=True, errors="strict", max_num_fields=MAX_FIELDS
        )
    except ValueError:
        raise TelegramAuthError(TelegramAuthError.MALFORMED, "initData is not a valid query string.") from None
    fields: dict[str, str] = {}
    for key, value in pairs:
        if key in fields:
            raise TelegramAuthError(TelegramAuthError.DUPLICATE_KEY, f"initData gives the key `{key[:64]}` twice.")
        if not _KEY.fullmatch(key):
            raise TelegramAuthError(TelegramAuthError.MALFORMED, "initData has a field with an invalid name.")
        fields[key] = value
    return fields


def _widget_fields(widget: dict[str, Any]) -> dict[str, str]:
    if len(widget) > MAX_FIELDS:
        raise TelegramAuthError(TelegramAuthError.MALFORMED, "The widget data has too many fields.")
    fields: dict[str, str] = {}
    for key, value in widget.items():
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise TelegramAuthError(TelegramAuthError.MALFORMED, "The widget data has a field with an invalid name.")
        if value is None:  # an absent field, as Telegram omits it
            continue
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise TelegramAuthError(TelegramAuthError.MALFORMED, f"The widget field `{key}` is not a string or number.")
        text = str(value)
        if "\n" in text:
            raise TelegramAuthError(TelegramAuthError.MALFORMED, f"The widget field `{key}` contains a line break.")
        fields[key] = text
    return fields


def _require_token(bot_token: str | None) -> str:
    if not bot_token:
        raise TelegramAuthError(TelegramAuthError.NOT_CONFIGURED, "Telegram login is not configured on this server.")
    return bot_token


def _check_hash(fields: dict[str, str], secret: bytes) -> None:
    received = fields.get("hash")
    if not received:
        raise TelegramAuthError(TelegramAuthError.MISSING_FIELD, "The Telegram data has no `hash`.")
    expected = hmac.new(secret, data_check_string(fields).encode(), hashlib.sha256).hexdigest()
    # bytes: compare_digest refuses str with non-ASCII characters
    if not hmac.compare_digest(expected.encode(), received.encode()):
        raise TelegramAuthError(
            TelegramAuthError.BAD_SIGNATURE, "The Telegram data's signature does not match this bot."
        )


def _check_fresh(fields: dict[str, str], *, max_age: int, now: float | None) -> None:
    raw = fields.get("auth_date")
    if raw is None:
        raise TelegramAuthError(TelegramAuthError.MISSING_FIELD, "The Telegram data has no `auth_date`.")
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12:
        raise TelegramAuthError(TelegramAuthError.MALFORMED, "`auth_date` is not a Unix time.")
    age = (time.time() if now is None else now) - int(raw)
    if age > max_age:
        raise TelegramAuthError(
            TelegramAuthError.STALE, f"The Telegram data is too old (signed more than {max_age} seconds ago)."
        )
    if age < -FUTURE_SKEW:
        raise TelegramAuthError(TelegramAuthError.STALE, "The Telegram data is dated in the future.")


def _identity(user: dict[str, Any]) -> Identity:
    telegram_id = _telegram_id(user.get("id"))
    data = {name: str(user[name]) for name in PROFILE_FIELDS if user.get(name) not in (None, "")}
    full_name = " ".join(part for part in (data.get("first_name"), data.get("last_name")) if part)
    language_code = data.get("language_code", "").lower()
    return Identity(
        provider=PROVIDER,
        identifier=str(telegram_id),
        data=data,
        display_name=full_name or data.get("username", ""),
        language="fr" if language_code.startswith("fr") else "en",
        telegram_id=telegram_id,
    )


def _telegram_id(value: Any) -> int:
    if value is None:
        raise TelegramAuthError(TelegramAuthError.MISSING_FIELD, "The Telegram user has no `id`.")
    if isinstance(value, bool):
        value = None
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        value = int(value)
    if not isinstance(value, int) or not 0 < value <= MAX_TELEGRAM_ID:
        raise TelegramAuthError(TelegramAuthError.MALFORMED, "The Telegram user's `id` is not a valid user id.")
    return value
