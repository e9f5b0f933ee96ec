"""Telegram's signing, done the way core.telegram.org documents it, written here independently of
the code under test: the test bot's token signs real Mini App initData and Login Widget data."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode

BOT_TOKEN = "123456:TEST-TOKEN"
OTHER_BOT_TOKEN = "654321:OTHER-TOKEN"


def _hash(fields: dict[str, str], secret: bytes) -> str:
    check = "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")
    return hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()


def telegram_user(telegram_id: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": telegram_id,
        "first_name": "Alice",
        "last_name": "Martin",
        "username": f"alice{telegram_id}",
        "language_code": "fr",
        "allows_write_to_pm": True,
        **extra,
    }


def init_data_fields(
    user: dict[str, Any], *, age: int = 0, signature: bool = True, bot_token: str = BOT_TOKEN
) -> dict[str, str]:
    """initData's fields, `hash` included."""
    fields = {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(user, separators=(",", ":"), ensure_ascii=False),
        "auth_date": str(int(time.time()) - age),
    }
    if signature:
        fields["signature"] = "SGVsbG8gVGVsZWdyYW0gRWQyNTUxOSBzaWduYXR1cmUgb2YgdGhlIGRhdGEgY2hlY2sgc3RyaW5n"
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    fields["hash"] = _hash(fields, secret)
    return fields


def init_data(telegram_id: int, **kwargs: Any) -> str:
    """A signed Mini App initData query string for this Telegram user."""
    return urlencode(init_data_fields(telegram_user(telegram_id), **kwargs))


def widget(telegram_id: int, *, age: int = 0, bot_token: str = BOT_TOKEN, **extra: Any) -> dict[str, Any]:
    """Signed Login Widget data, as the widget's callback receives it (numbers as numbers)."""
    data: dict[str, Any] = {
        "id": telegram_id,
        "first_name": "Bob",
        "username": f"bob{telegram_id}",
        "photo_url": f"https://t.me/i/userpic/320/bob{telegram_id}.jpg",
        "auth_date": int(time.time()) - age,
        **extra,
    }
    data["hash"] = _hash({key: str(value) for key, value in data.items()}, hashlib.sha256(bot_token.encode()).digest())
    return data


def resign_init_data(fields: dict[str, str], bot_token: str = BOT_TOKEN) -> dict[str, str]:
    """These initData fields (any `hash` dropped) with a valid hash."""
    unsigned = {key: value for key, value in fields.items() if key != "hash"}
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    return {**unsigned, "hash": _hash(unsigned, secret)}


def with_hash_flipped(fields: dict[str, str]) -> dict[str, str]:
    """The same fields with the last character of `hash` changed."""
    last = fields["hash"][-1]
    return {**fields, "hash": fields["hash"][:-1] + ("0" if last != "0" else "1")}
