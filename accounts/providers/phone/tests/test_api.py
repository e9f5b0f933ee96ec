"""POST /api/v1/auth/phone/send-code, /verify-code and /link, end to end on the real database and
Redis, the SMS read from the memory backend's outbox.

The cast: Alice logs in with her phone +33612345678; Bob came from Telegram and adds a phone to his
account; Carol already has +33798765432 on hers."""

from __future__ import annotations

import datetime
import itertools
import logging
import re
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts import codes, sms
from accounts.models import AuthMethod, User, VerificationCode
from accounts.tests.factories import UserFactory
from accounts.tokens import token_pair_for
from exercises.tests.support import assert_problem

pytestmark = pytest.mark.django_db

SEND = "/api/v1/auth/phone/send-code"
VERIFY = "/api/v1/auth/phone/verify-code"
LINK = "/api/v1/auth/phone/link"
ALICE_PHONE = "+33612345678"
CAROL_PHONE = "+33798765432"

_addresses = itertools.count(1)


def new_ip() -> str:
    """A client address of its own, so the per-IP limits belong to the test that is about them."""
    n = next(_addresses)
    return f"198.18.{n // 250}.{n % 250 + 1}"


@pytest.fixture(autouse=True)
def _empty_sms_outbox() -> None:
    sms.outbox.clear()


@pytest.fixture
def bob() -> User:
    bob = UserFactory.create(display_name="Bob")
    AuthMethod.objects.create(user=bob, provider="telegram", identifier="5559876543", is_primary=True)
    return bob


@pytest.fixture
def carol() -> User:
    carol = UserFactory.create(display_name="Carol")
    AuthMethod.objects.create(user=carol, provider="sms", identifier=CAROL_PHONE, is_primary=True)
    return carol


def bearer(user: User) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_pair_for(user)['access']}"}


def post(api: APIClient, path: str, body: dict[str, Any], *, ip: str | None = None, **extra: Any) -> Any:
    return api.post(path, body, format="json", REMOTE_ADDR=ip or new_ip(), **extra)


def send_code(api: APIClient, phone: str = ALICE_PHONE, **extra: Any) -> str:
    """Ask for a code (the body sends `phone` and its alias, like the acceptance check) and read it."""
    before = len(sms.outbox)
    body = {"phone": phone, "phone_number": phone, **extra.pop("body", {})}
    response = post(api, SEND, body, **extra)
    assert response.status_code == 202, response.content
    assert len(sms.outbox) == before + 1
    message = sms.outbox[-1]
    assert message.to == phone
    match = re.search(r"\b(\d{6})\b", message.body)
    assert match, message.body
    return match.group(1)


def other(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def logged_in(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    body: dict[str, Any] = response.json()
    assert body["token_type"] == "Bearer"
    assert str(AccessToken(body["access"])["user_id"]) == body["user_id"]
    assert str(RefreshToken(body["refresh"])["user_id"]) == body["user_id"]
    return body


# ---- login ------------------------------------------------------------------------------------------


def test_a_new_number_registers_and_the_same_number_logs_in_that_account_again(api):
    code = send_code(api)
    first = logged_in(post(api, VERIFY, {"phone": ALICE_PHONE, "code": code}))
    assert first["is_new_user"] is True
    method = AuthMethod.objects.get(provider="sms", identifier=ALICE_PHONE)
    assert str(method.user_id) == first["user_id"]
    assert method.is_primary
    assert method.is_verified

    code = send_code(api)
    again = logged_in(post(api, VERIFY, {"phone_number": ALICE_PHONE, "code": code}))
    assert again["is_new_user"] is False
    assert again["user_id"] == first["user_id"]
    assert User.objects.filter(auth_methods__provider="sms").count() == 1


def test_the_send_code_answer_says_how_long_the_code_lives(api):
    response = post(api, SEND, {"phone": "+33 6 12 34 56 78"})
    assert response.status_code == 202
    assert response.json() == {
        "detail": "A code was sent by SMS. Enter it to continue.",
        "channel": "sms",
        "expires_in": 300,
        "code_length": 6,
    }
    assert sms.outbox[-1].to == ALICE_PHONE


def test_the_sms_is_in_french_for_a_french_client(api):
    send_code(api, HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    assert sms.outbox[-1].body.startswith("MovoAI : votre code est ")


@pytest.mark.parametrize("phone", ["+123", "not-a-phone", "0612345678", "+33 6 12"])
def test_a_number_that_is_not_e164_is_a_400_naming_the_field(api, phone):
    response = post(api, SEND, {"phone": phone, "phone_number": phone})
    body = assert_problem(response, 400, "phone")
    assert "E.164" in body["errors"]["phone"][0]
    assert sms.outbox == []
    assert not VerificationCode.objects.exists()


def test_a_missing_number_an_unknown_field_or_two_different_numbers_are_400s(api):
    assert_problem(post(api, SEND, {}), 400, "phone")
    assert_problem(post(api, SEND, {"phone": ALICE_PHONE, "mobile": ALICE_PHONE}), 400, "mobile")
    assert_problem(post(api, SEND, {"phone": ALICE_PHONE, "phone_number": CAROL_PHONE}), 400, "phone_number")
    assert_problem(post(api, SEND, {"phone": ALICE_PHONE, "purpose": "reset"}), 400, "purpose")
    assert sms.outbox == []


def test_a_wrong_an_expired_and_a_used_code_get_the_same_400(api, monkeypatch):
    code = send_code(api)
    wrong = assert_problem(post(api, VERIFY, {"phone": ALICE_PHONE, "code": other(code)}), 400, "code")
    logged_in(post(api, VERIFY, {"phone": ALICE_PHONE, "code": code}))
    used = assert_problem(post(api, VERIFY, {"phone": ALICE_PHONE, "code": code}), 400, "code")

    code = send_code(api)
    later = timezone.now() + datetime.timedelta(minutes=5, seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    expired = assert_problem(post(api, VERIFY, {"phone": ALICE_PHONE, "code": code}), 400, "code")
    never_sent = assert_problem(post(api, VERIFY, {"phone": CAROL_PHONE, "code": code}), 400, "code")
    assert wrong == used == expired == never_sent
    assert wrong["errors"]["code"] == [codes.INVALID_CODE]


def test_a_code_that_is_not_six_digits_is_a_400(api):
    assert_problem(post(api, VERIFY, {"phone": ALICE_PHONE, "code": "12345"}), 400, "code")
    assert_problem(post(api, VERIFY, {"phone": ALICE_PHONE, "code": "abcdef"}), 400, "code")
    assert_problem(post(api, VERIFY, {"phone": ALICE_PHONE}), 400, "code")


def test_five_wrong_codes_kill_the_code(api):
    code = send_code(api)
    for _ in range(5):
        assert_problem(post(api, VERIFY, {"phone": ALICE_PHONE, "code": other(code)}), 400, "code")
    assert_problem(post(api, VERIFY, {"phone": ALICE_PHONE, "code": code}), 400, "code")
    assert not AuthMethod.objects.filter(identifier=ALICE_PHONE).exists()


def test_the_code_never_reaches_the_logs(api, caplog):
    caplog.set_level(logging.DEBUG)
    code = send_code(api)
    assert_problem(post(api, VERIFY, {"phone": ALICE_PHONE, "code": other(code)}), 400, "code")
    logged_in(post(api, VERIFY, {"phone": ALICE_PHONE, "code": code}))
    assert any("/api/v1/auth/phone/verify-code" in record.getMessage() for record in caplog.records)
    assert code not in caplog.text


# ---- limits -----------------------------------------------------------------------------------------


def test_a_fourth_code_in_an_hour_for_one_number_is_a_429_with_retry_after(api):
    for _ in range(3):
        send_code(api)
    response = post(api, SEND, {"phone": ALICE_PHONE})
    body = assert_problem(response, 429)
    assert 3500 <= int(response["Retry-After"]) <= 3600
    assert "phone number" in body["detail"]
    assert len(sms.outbox) == 3


def test_a_fourth_sms_code_in_an_hour_from_one_address_is_a_429_with_retry_after(api):
    ip = new_ip()
    for n in range(3):
        send_code(api, f"+3361234560{n}", ip=ip)
    response = post(api, SEND, {"phone": "+33612345609"}, ip=ip)
    assert_problem(response, 429)
    assert int(response["Retry-After"]) > 0
    send_code(api, "+33612345609")  # from another address it goes through


def test_verify_code_allows_five_attempts_a_minute_per_address(api):
    code = send_code(api)
    ip = new_ip()
    statuses = [post(api, VERIFY, {"phone": CAROL_PHONE, "code": other(code)}, ip=ip).status_code for _ in range(5)]
    assert statuses == [400] * 5
    response = post(api, VERIFY, {"phone": ALICE_PHONE, "code": code}, ip=ip)
    assert_problem(response, 429)
    assert int(response["Retry-After"]) > 0
    logged_in(post(api, VERIFY, {"phone": ALICE_PHONE, "code": code}))


# ---- linking ----------------------------------------------------------------------------------------


def test_bob_links_a_phone_to_his_account(api, bob):
    code = send_code(api, body={"purpose": "link"}, **bearer(bob))
    response = post(api, LINK, {"phone": ALICE_PHONE, "phone_number": ALICE_PHONE, "code": code}, **bearer(bob))
    assert response.status_code == 200, response.content
    assert response.json()["provider"] == "sms"
    assert response.json()["identifier"] == ALICE_PHONE
    assert response.json()["is_primary"] is False
    assert sorted(bob.auth_methods.values_list("provider", flat=True)) == ["sms", "telegram"]
    # and the phone now logs in to Bob's account
    code = send_code(api)
    body = logged_in(post(api, VERIFY, {"phone": ALICE_PHONE, "code": code}))
    assert body["user_id"] == str(bob.id)
    assert body["is_new_user"] is False


def test_linking_needs_a_token(api, bob):
    assert_problem(post(api, SEND, {"phone": ALICE_PHONE, "purpose": "link"}), 401)
    assert sms.outbox == []
    assert_problem(post(api, LINK, {"phone": ALICE_PHONE, "code": "123456"}), 401)


def test_a_login_code_does_not_link_and_a_link_code_does_not_log_in(api, bob):
    login_code = send_code(api)
    assert_problem(post(api, LINK, {"phone": ALICE_PHONE, "code": login_code}, **bearer(bob)), 400, "code")
    link_code = send_code(api, body={"purpose": "link"}, **bearer(bob))
    assert_problem(post(api, VERIFY, {"phone": ALICE_PHONE, "code": link_code}), 400, "code")
    assert not AuthMethod.objects.filter(identifier=ALICE_PHONE).exists()


def test_a_link_code_works_only_for_the_account_that_asked_for_it(api, bob):
    dave = UserFactory.create(display_name="Dave")
    code = send_code(api, body={"purpose": "link"}, **bearer(bob))
    assert_problem(post(api, LINK, {"phone": ALICE_PHONE, "code": code}, **bearer(dave)), 400, "code")
    assert not AuthMethod.objects.filter(identifier=ALICE_PHONE).exists()


def test_linking_a_number_another_account_has_is_a_409_only_once_the_code_proves_it(api, bob, carol):
    send_code(api, CAROL_PHONE, body={"purpose": "link"}, **bearer(bob))
    code = re.search(r"\d{6}", sms.outbox[-1].body).group(0)  # type: ignore[union-attr]
    # a wrong code says nothing about who has the number
    assert_problem(post(api, LINK, {"phone": CAROL_PHONE, "code": other(code)}, **bearer(bob)), 400, "code")
    response = post(api, LINK, {"phone": CAROL_PHONE, "code": code}, **bearer(bob))
    assert_problem(response, 409)
    assert list(bob.auth_methods.values_list("provider", flat=True)) == ["telegram"]
    assert AuthMethod.objects.get(identifier=CAROL_PHONE).user_id == carol.id


def test_send_code_for_linking_answers_alike_whether_another_account_has_the_number(api, bob, carol):
    taken = post(api, SEND, {"phone": CAROL_PHONE, "purpose": "link"}, **bearer(bob))
    free = post(api, SEND, {"phone": ALICE_PHONE, "purpose": "link"}, **bearer(bob))
    assert (taken.status_code, taken.json()) == (free.status_code, free.json())
