"""The signature checks on their own: what Telegram signs is accepted, anything else is refused
with the reason a client would be told."""

from __future__ import annotations

import http.client
import importlib.util
import json
import time
from pathlib import Path
from types import ModuleType
from urllib.parse import parse_qsl, urlencode

import pytest

from accounts.providers.telegram.tests import signing
from accounts.providers.telegram.tests.signing import BOT_TOKEN, OTHER_BOT_TOKEN
from accounts.providers.telegram.verify import (
    INIT_DATA_MAX_AGE,
    WIDGET_MAX_AGE,
    TelegramAuthError,
    verify_init_data,
    verify_widget,
)

TELEGRAM_ID = 5_551_234_567
AUTHHELP = Path("/work/shared/checks/_authhelp.py")


def refusal(call, *args, **kwargs) -> str:
    with pytest.raises(TelegramAuthError) as caught:
        call(*args, **kwargs)
    assert caught.value.message
    assert BOT_TOKEN not in caught.value.message
    return caught.value.reason


# ---- Mini App initData ---------------------------------------------------------------------------
def test_signed_init_data_proves_the_telegram_user():
    identity = verify_init_data(signing.init_data(TELEGRAM_ID), bot_token=BOT_TOKEN)

    assert identity.provider == "telegram"
    assert identity.identifier == str(TELEGRAM_ID)
    assert identity.telegram_id == TELEGRAM_ID
    assert identity.display_name == "Alice Martin"
    assert identity.language == "fr"
    assert identity.data == {
        "username": f"alice{TELEGRAM_ID}",
        "first_name": "Alice",
        "last_name": "Martin",
        "language_code": "fr",
    }


def test_the_signature_field_is_part_of_the_signed_string():
    fields = signing.init_data_fields(signing.telegram_user(TELEGRAM_ID), signature=True)
    assert verify_init_data(urlencode(fields), bot_token=BOT_TOKEN).telegram_id == TELEGRAM_ID

    without_signature = {key: value for key, value in fields.items() if key != "signature"}
    assert refusal(verify_init_data, urlencode(without_signature), bot_token=BOT_TOKEN) == "bad_signature"


def test_init_data_without_a_signature_field_verifies_too():
    assert verify_init_data(signing.init_data(TELEGRAM_ID, signature=False), bot_token=BOT_TOKEN).telegram_id


@pytest.mark.parametrize(
    ("language_code", "language"), [("fr", "fr"), ("fr-CA", "fr"), ("en", "en"), ("de", "en"), (None, "en")]
)
def test_the_language_follows_telegrams_language_code(language_code, language):
    user = signing.telegram_user(TELEGRAM_ID, language_code=language_code)
    if language_code is None:
        del user["language_code"]
    init_data = urlencode(signing.init_data_fields(user))

    assert verify_init_data(init_data, bot_token=BOT_TOKEN).language == language


def test_a_changed_user_field_is_a_bad_signature():
    fields = signing.init_data_fields(signing.telegram_user(TELEGRAM_ID))
    fields["user"] = fields["user"].replace("Alice", "Mallory")

    assert refusal(verify_init_data, urlencode(fields), bot_token=BOT_TOKEN) == "bad_signature"


def test_one_changed_hash_character_is_a_bad_signature():
    fields = signing.with_hash_flipped(signing.init_data_fields(signing.telegram_user(TELEGRAM_ID)))

    assert refusal(verify_init_data, urlencode(fields), bot_token=BOT_TOKEN) == "bad_signature"


def test_another_bots_token_is_a_bad_signature():
    init_data = signing.init_data(TELEGRAM_ID, bot_token=OTHER_BOT_TOKEN)

    assert refusal(verify_init_data, init_data, bot_token=BOT_TOKEN) == "bad_signature"


def test_widget_signing_does_not_verify_as_init_data():
    # Same fields, the other secret-key derivation: the two formats are not interchangeable.
    data = {key: str(value) for key, value in signing.widget(TELEGRAM_ID).items()}

    assert refusal(verify_init_data, urlencode(data), bot_token=BOT_TOKEN) == "bad_signature"


def test_a_non_ascii_hash_is_refused_not_crashed_on():
    fields = {**signing.init_data_fields(signing.telegram_user(TELEGRAM_ID)), "hash": "é" * 64}

    assert refusal(verify_init_data, urlencode(fields), bot_token=BOT_TOKEN) == "bad_signature"


def test_init_data_is_accepted_up_to_an_hour_old_and_not_later():
    init_data = signing.init_data(TELEGRAM_ID)
    signed_at = int(dict(parse_qsl(init_data))["auth_date"])

    assert verify_init_data(init_data, bot_token=BOT_TOKEN, now=signed_at + INIT_DATA_MAX_AGE).telegram_id
    assert refusal(verify_init_data, init_data, bot_token=BOT_TOKEN, now=signed_at + INIT_DATA_MAX_AGE + 1) == "stale"


def test_two_hour_old_init_data_is_stale():
    assert refusal(verify_init_data, signing.init_data(TELEGRAM_ID, age=7200), bot_token=BOT_TOKEN) == "stale"


def test_init_data_dated_in_the_future_is_refused():
    init_data = signing.init_data(TELEGRAM_ID)
    signed_at = int(dict(parse_qsl(init_data))["auth_date"])

    assert verify_init_data(init_data, bot_token=BOT_TOKEN, now=signed_at - 60).telegram_id
    assert refusal(verify_init_data, init_data, bot_token=BOT_TOKEN, now=signed_at - 61) == "stale"


def test_a_duplicated_user_key_is_refused_even_before_a_valid_signed_payload():
    forged = urlencode({"user": json.dumps(signing.telegram_user(1))})

    assert refusal(verify_init_data, forged + "&" + signing.init_data(TELEGRAM_ID), bot_token=BOT_TOKEN) == (
        "duplicate_key"
    )
    assert refusal(verify_init_data, signing.init_data(TELEGRAM_ID) + "&" + forged, bot_token=BOT_TOKEN) == (
        "duplicate_key"
    )


def test_a_duplicated_hash_is_refused():
    init_data = signing.init_data(TELEGRAM_ID)

    assert refusal(verify_init_data, init_data + "&hash=00", bot_token=BOT_TOKEN) == "duplicate_key"


@pytest.mark.parametrize("missing", ["hash", "auth_date", "user"])
def test_a_missing_field_is_named(missing):
    fields = signing.init_data_fields(signing.telegram_user(TELEGRAM_ID))
    del fields[missing]
    if missing != "hash":  # re-sign what is left, so that only the missing field is wrong
        fields = signing.resign_init_data(fields)

    with pytest.raises(TelegramAuthError) as caught:
        verify_init_data(urlencode(fields), bot_token=BOT_TOKEN)
    assert caught.value.reason == "missing_field"
    assert f"`{missing}`" in caught.value.message


@pytest.mark.parametrize("init_data", ["", "not a query string", "user"])
def test_malformed_init_data_is_refused(init_data):
    assert refusal(verify_init_data, init_data, bot_token=BOT_TOKEN) in {"malformed", "missing_field"}


@pytest.mark.parametrize(
    "user", ['{"first_name":"NoId"}', '{"id":true}', '{"id":-5}', '{"id":"abc"}', '["id", 1]', "not json"]
)
def test_a_user_without_a_valid_id_is_refused_even_when_signed(user):
    fields = signing.resign_init_data({"auth_date": str(int(time.time())), "user": user})

    assert refusal(verify_init_data, urlencode(fields), bot_token=BOT_TOKEN) in {"malformed", "missing_field"}


@pytest.mark.parametrize("bot_token", ["", None])
def test_no_bot_token_configured_is_its_own_reason(bot_token):
    assert refusal(verify_init_data, signing.init_data(TELEGRAM_ID), bot_token=bot_token) == "not_configured"
    assert refusal(verify_widget, signing.widget(TELEGRAM_ID), bot_token=bot_token) == "not_configured"


# ---- Login Widget --------------------------------------------------------------------------------
def test_signed_widget_data_proves_the_telegram_user():
    identity = verify_widget(signing.widget(TELEGRAM_ID), bot_token=BOT_TOKEN)

    assert identity.identifier == str(TELEGRAM_ID)
    assert identity.telegram_id == TELEGRAM_ID
    assert identity.display_name == "Bob"
    assert identity.language == "en"
    assert identity.data["photo_url"] == f"https://t.me/i/userpic/320/bob{TELEGRAM_ID}.jpg"


def test_widget_values_sent_as_strings_verify_too():
    data = {key: str(value) for key, value in signing.widget(TELEGRAM_ID).items()}

    assert verify_widget(data, bot_token=BOT_TOKEN).telegram_id == TELEGRAM_ID


def test_a_changed_widget_field_is_a_bad_signature():
    data = {**signing.widget(TELEGRAM_ID), "id": TELEGRAM_ID + 1}

    assert refusal(verify_widget, data, bot_token=BOT_TOKEN) == "bad_signature"


def test_a_widget_signed_by_another_bot_is_a_bad_signature():
    assert refusal(verify_widget, signing.widget(TELEGRAM_ID, bot_token=OTHER_BOT_TOKEN), bot_token=BOT_TOKEN) == (
        "bad_signature"
    )


def test_widget_data_is_accepted_up_to_five_minutes_old_and_not_later():
    data = signing.widget(TELEGRAM_ID)

    assert verify_widget(data, bot_token=BOT_TOKEN, now=data["auth_date"] + WIDGET_MAX_AGE).telegram_id
    assert refusal(verify_widget, data, bot_token=BOT_TOKEN, now=data["auth_date"] + WIDGET_MAX_AGE + 1) == "stale"
    assert refusal(verify_widget, signing.widget(TELEGRAM_ID, age=600), bot_token=BOT_TOKEN) == "stale"


@pytest.mark.parametrize("value", [{"nested": 1}, [1], 1.5, True])
def test_widget_values_must_be_strings_or_numbers(value):
    assert refusal(verify_widget, {**signing.widget(TELEGRAM_ID), "first_name": value}, bot_token=BOT_TOKEN) == (
        "malformed"
    )


def test_a_widget_value_with_a_line_break_is_refused():
    # A newline could pass one field off as two in the data-check string.
    data = signing.widget(TELEGRAM_ID, first_name="Bob\nid=1")

    assert refusal(verify_widget, data, bot_token=BOT_TOKEN) == "malformed"


def test_widget_data_without_hash_is_a_missing_field():
    data = signing.widget(TELEGRAM_ID)
    del data["hash"]

    assert refusal(verify_widget, data, bot_token=BOT_TOKEN) == "missing_field"


# ---- agreement with the acceptance check's signer ------------------------------------------------
@pytest.fixture(scope="module")
def authhelp() -> ModuleType:
    """/work/shared/checks/_authhelp.py, the acceptance check's Telegram signer (outside the repo)."""
    if not AUTHHELP.exists():
        pytest.skip(f"{AUTHHELP} is not on this machine")
    spec = importlib.util.spec_from_file_location("_authhelp", AUTHHELP)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    original_init = http.client.HTTPConnection.__init__
    try:
        spec.loader.exec_module(module)
    finally:  # it patches http.client to pick source addresses; keep the test process untouched
        http.client.HTTPConnection.__init__ = original_init  # type: ignore[method-assign]
    return module


def test_our_init_data_signing_agrees_with_the_checks(authhelp):
    theirs = dict(parse_qsl(authhelp.sign_init_data(authhelp.telegram_user(TELEGRAM_ID), BOT_TOKEN)))

    ours = signing.resign_init_data({key: value for key, value in theirs.items() if key != "hash"})

    assert ours["hash"] == theirs["hash"]


def test_our_widget_signing_agrees_with_the_checks(authhelp):
    ours = signing.widget(TELEGRAM_ID)

    theirs = authhelp.sign_widget({key: value for key, value in ours.items() if key != "hash"}, BOT_TOKEN)

    assert theirs["hash"] == ours["hash"]


@pytest.mark.parametrize("with_signature", [True, False])
def test_the_checks_init_data_verifies(authhelp, with_signature):
    init_data = authhelp.sign_init_data(authhelp.telegram_user(TELEGRAM_ID), BOT_TOKEN, with_signature=with_signature)

    assert verify_init_data(init_data, bot_token=BOT_TOKEN).telegram_id == TELEGRAM_ID
    assert refusal(verify_init_data, authhelp.tamper_init_data(init_data), bot_token=BOT_TOKEN) == "bad_signature"


def test_the_checks_widget_data_verifies(authhelp):
    data = authhelp.sign_widget({"id": TELEGRAM_ID, "first_name": "Web", "username": "web"}, BOT_TOKEN)

    assert verify_widget(data, bot_token=BOT_TOKEN).telegram_id == TELEGRAM_ID
