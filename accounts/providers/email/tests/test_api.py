"""POST /api/v1/auth/email/send-code, /verify-code and /link, end to end on the real database and
Redis, the mail read from Django's locmem outbox.

The cast: Alice logs in with alice@example.com; Bob came from Telegram and adds his address; Carol
already has carol@example.com on her account."""

from __future__ import annotations

import datetime
import itertools
import logging
import re
from typing import Any

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts import codes
from accounts.models import AuthMethod, User, VerificationCode
from accounts.tests.factories import UserFactory
from accounts.tokens import token_pair_for
from exercises.tests.support import assert_problem

pytestmark = pytest.mark.django_db

SEND = "/api/v1/auth/email/send-code"
VERIFY = "/api/v1/auth/email/verify-code"
LINK = "/api/v1/auth/email/link"
ALICE = "alice@example.com"
CAROL = "carol@example.com"

_addresses = itertools.count(1)


def new_ip() -> str:
    n = next(_addresses)
    return f"198.19.{n // 250}.{n % 250 + 1}"


@pytest.fixture
def bob() -> User:
    bob = UserFactory.create(display_name="Bob")
    AuthMethod.objects.create(user=bob, provider="telegram", identifier="5559876543", is_primary=True)
    return bob


@pytest.fixture
def carol() -> User:
    carol = UserFactory.create(display_name="Carol", preferred_language="fr")
    AuthMethod.objects.create(user=carol, provider="email", identifier=CAROL, is_primary=True)
    return carol


def bearer(user: User) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_pair_for(user)['access']}"}


def post(api: APIClient, path: str, body: dict[str, Any], *, ip: str | None = None, **extra: Any) -> Any:
    return api.post(path, body, format="json", REMOTE_ADDR=ip or new_ip(), **extra)


def send_code(api: APIClient, address: str = ALICE, **extra: Any) -> str:
    before = len(mail.outbox)
    response = post(api, SEND, {"email": address, **extra.pop("body", {})}, **extra)
    assert response.status_code == 202, response.content
    assert len(mail.outbox) == before + 1
    message = mail.outbox[-1]
    assert message.to == [address.lower()]
    match = re.search(r"\b(\d{6})\b", str(message.body))
    assert match, message.body
    return match.group(1)


def other(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def logged_in(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    body: dict[str, Any] = response.json()
    assert str(AccessToken(body["access"])["user_id"]) == body["user_id"]
    return body


def test_a_new_address_registers_and_logs_in_the_same_account_again_whatever_its_case(api):
    code = send_code(api, "Alice@Example.COM")
    first = logged_in(post(api, VERIFY, {"email": ALICE, "code": code}))
    assert first["is_new_user"] is True
    assert str(AuthMethod.objects.get(provider="email", identifier=ALICE).user_id) == first["user_id"]
    code = send_code(api, ALICE)
    again = logged_in(post(api, VERIFY, {"email": "ALICE@example.com", "code": code}))
    assert (again["user_id"], again["is_new_user"]) == (first["user_id"], False)


def test_the_mail_has_the_subject_and_a_plain_and_html_part(api):
    code = send_code(api)
    message = mail.outbox[-1]
    assert message.subject == "Your MovoAI code"
    assert f"Your MovoAI code is {code}." in str(message.body)
    assert "10 minutes" in str(message.body)
    assert isinstance(message, EmailMultiAlternatives)
    html, kind = message.alternatives[0]
    assert kind == "text/html"
    assert f"<strong>{code}</strong>" in str(html)


def test_the_mail_is_in_french_for_a_french_account(api, carol):
    send_code(api, CAROL)
    assert mail.outbox[-1].subject == "Votre code MovoAI"


def test_the_mail_is_in_french_for_a_french_client(api):
    send_code(api, HTTP_ACCEPT_LANGUAGE="fr")
    assert mail.outbox[-1].subject == "Votre code MovoAI"


@pytest.mark.parametrize("address", ["not-an-email", "alice@", "@example.com", ""])
def test_an_invalid_address_is_a_400_naming_the_field(api, address):
    assert_problem(post(api, SEND, {"email": address}), 400, "email")
    assert mail.outbox == []
    assert not VerificationCode.objects.exists()


# The longest address RFC 5321 allows: 254 characters (a 64-character local part, labels of 63).
LONGEST = f"{'l' * 64}@{'a' * 63}.{'b' * 63}.{'c' * 58}.fr"


def test_the_longest_address_a_mail_server_takes_logs_in(api):
    assert len(LONGEST) == 254
    code = send_code(api, LONGEST)

    body = logged_in(post(api, VERIFY, {"email": LONGEST, "code": code}))

    assert AuthMethod.objects.get(user_id=body["user_id"], provider="email").identifier == LONGEST


def test_an_address_longer_than_254_characters_is_a_400_naming_the_field(api):
    assert_problem(post(api, SEND, {"email": "l" + LONGEST}), 400, "email")
    assert not VerificationCode.objects.exists()


def test_send_code_answers_identically_for_a_registered_and_an_unknown_address(api, carol):
    registered = post(api, SEND, {"email": CAROL})
    unknown = post(api, SEND, {"email": "nobody@example.com"})
    assert registered.status_code == unknown.status_code == 202
    assert registered.json() == unknown.json()
    assert {k: v for k, v in registered.items() if k.lower() not in ("x-request-id", "date")} == {
        k: v for k, v in unknown.items() if k.lower() not in ("x-request-id", "date")
    }
    assert len(mail.outbox) == 2


def test_a_wrong_an_expired_and_a_used_code_get_the_same_400(api, monkeypatch):
    code = send_code(api)
    wrong = assert_problem(post(api, VERIFY, {"email": ALICE, "code": other(code)}), 400, "code")
    logged_in(post(api, VERIFY, {"email": ALICE, "code": code}))
    used = assert_problem(post(api, VERIFY, {"email": ALICE, "code": code}), 400, "code")
    code = send_code(api)
    later = timezone.now() + datetime.timedelta(minutes=10, seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    expired = assert_problem(post(api, VERIFY, {"email": ALICE, "code": code}), 400, "code")
    assert wrong == used == expired
    assert wrong["errors"]["code"] == [codes.INVALID_CODE]


def test_an_email_code_lives_ten_minutes(api, monkeypatch):
    code = send_code(api)
    later = timezone.now() + datetime.timedelta(minutes=9, seconds=50)
    monkeypatch.setattr(timezone, "now", lambda: later)
    logged_in(post(api, VERIFY, {"email": ALICE, "code": code}))


def test_five_wrong_codes_kill_the_code(api):
    code = send_code(api)
    for _ in range(5):
        assert_problem(post(api, VERIFY, {"email": ALICE, "code": other(code)}), 400, "code")
    assert_problem(post(api, VERIFY, {"email": ALICE, "code": code}), 400, "code")


def test_a_fourth_code_in_an_hour_for_one_address_is_a_429_with_retry_after(api):
    for address in (ALICE, "ALICE@example.com", "alice@EXAMPLE.com"):
        send_code(api, address)
    response = post(api, SEND, {"email": ALICE})
    body = assert_problem(response, 429)
    assert 3500 <= int(response["Retry-After"]) <= 3600
    assert "email address" in body["detail"]
    assert len(mail.outbox) == 3


def test_a_fourth_email_code_in_an_hour_from_one_address_is_a_429(api):
    ip = new_ip()
    for n in range(3):
        send_code(api, f"user{n}@example.com", ip=ip)
    response = post(api, SEND, {"email": "user9@example.com"}, ip=ip)
    assert_problem(response, 429)
    assert int(response["Retry-After"]) > 0


def test_the_code_never_reaches_the_logs(api, caplog):
    caplog.set_level(logging.DEBUG)
    code = send_code(api)
    logged_in(post(api, VERIFY, {"email": ALICE, "code": code}))
    assert any("/api/v1/auth/email/send-code" in record.getMessage() for record in caplog.records)
    assert code not in caplog.text


def test_bob_links_his_address_and_then_logs_in_with_it(api, bob):
    code = send_code(api, body={"purpose": "link"}, **bearer(bob))
    response = post(api, LINK, {"email": ALICE, "code": code}, **bearer(bob))
    assert response.status_code == 200, response.content
    assert (response.json()["provider"], response.json()["identifier"]) == ("email", ALICE)
    assert sorted(bob.auth_methods.values_list("provider", flat=True)) == ["email", "telegram"]
    code = send_code(api)
    assert logged_in(post(api, VERIFY, {"email": ALICE, "code": code}))["user_id"] == str(bob.id)


def test_linking_needs_a_token(api):
    assert_problem(post(api, SEND, {"email": ALICE, "purpose": "link"}), 401)
    assert_problem(post(api, LINK, {"email": ALICE, "code": "123456"}), 401)
    assert mail.outbox == []


def test_linking_an_address_another_account_has_is_a_409_and_adds_nothing(api, bob, carol):
    code = send_code(api, CAROL, body={"purpose": "link"}, **bearer(bob))
    assert_problem(post(api, LINK, {"email": CAROL, "code": other(code)}, **bearer(bob)), 400, "code")
    assert_problem(post(api, LINK, {"email": CAROL, "code": code}, **bearer(bob)), 409)
    assert list(bob.auth_methods.values_list("provider", flat=True)) == ["telegram"]
    assert AuthMethod.objects.get(identifier=CAROL).user_id == carol.id
