"""The one-time code service: what is stored, how long a code lives, how often it may be tried and
sent, and that two requests with one code cannot both win. The HTTP side is in the phone and email
providers' tests."""

from __future__ import annotations

import datetime
import logging
import re
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.exceptions import Throttled, ValidationError

from accounts import codes, sms
from accounts.identity import Identity
from accounts.models import AuthMethod, VerificationCode
from accounts.tests.factories import UserFactory
from movoai.errors import ServiceUnavailable
from movoai.tests.concurrency import race

PHONE = "+33612345678"
EMAIL = "alice@example.com"
IP = "203.0.113.7"


class FrozenClock:
    """Django's clock (timezone.now) stopped at an instant, moved by hand."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = timezone.now()
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def advance(self, **delta: float) -> None:
        self.now += datetime.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    return FrozenClock(monkeypatch)


@pytest.fixture(autouse=True)
def _empty_sms_outbox() -> None:
    sms.outbox.clear()


def last_sms_code(phone: str = PHONE) -> str:
    message = [m for m in sms.outbox if m.to == phone][-1]
    match = re.search(r"\b(\d{6})\b", message.body)
    assert match, message.body
    return match.group(1)


def last_email_code(address: str = EMAIL) -> str:
    message = [m for m in mail.outbox if address in m.to][-1]
    match = re.search(r"\b(\d{6})\b", str(message.body))
    assert match, message.body
    return match.group(1)


def send_sms_code(phone: str = PHONE, *, ip: str = IP, purpose: Any = "login", user: Any = None) -> str:
    codes.code_send(channel="sms", target=phone, purpose=purpose, user=user, ip=ip)
    return last_sms_code(phone)


def other(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def verify_sms(code: str, phone: str = PHONE, **kwargs: Any) -> Identity:
    return codes.code_verify(channel="sms", target=phone, code=code, purpose=kwargs.pop("purpose", "login"), **kwargs)


def rejected(call: Callable[[], Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        call()
    detail: Any = caught.value.detail
    return str(detail["code"][0])


# ---- input ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "e164"),
    [("+33612345678", "+33612345678"), ("+33 6 12 34 56 78", "+33612345678"), ("0033612345678", "+33612345678")],
)
def test_phone_numbers_are_read_as_e164(raw, e164):
    assert codes.normalize_phone(raw) == e164


@pytest.mark.parametrize("raw", ["+123", "not-a-phone", "0612345678", "+0612345678", "+1234567890123456", ""])
def test_what_is_not_an_e164_number_is_refused(raw):
    with pytest.raises(ValueError, match=r"E\.164"):
        codes.normalize_phone(raw)


# ---- storing and sending ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_only_an_hmac_of_the_code_is_stored():
    code = send_sms_code()
    row = VerificationCode.objects.get()
    assert row.identifier == f"sms:{PHONE}"
    assert re.fullmatch(r"[0-9a-f]{64}", row.code_hmac)
    stored = " ".join(str(value) for value in VerificationCode.objects.values().get().values())
    assert code not in stored
    assert row.requested_ip == IP


@pytest.mark.django_db
def test_the_hmac_is_bound_to_the_number_and_the_purpose():
    code = send_sms_code()
    row = VerificationCode.objects.get()
    assert row.code_hmac != codes._digest(f"sms:{PHONE}", "link", code)
    assert row.code_hmac != codes._digest("sms:+33600000000", "login", code)


@pytest.mark.django_db
def test_codes_are_six_random_digits():
    sent = {send_sms_code(f"+3361234567{n}") for n in range(3)} | {
        send_sms_code(f"+3361234567{n}", ip="203.0.113.8") for n in range(3)
    }
    assert all(re.fullmatch(r"\d{6}", code) for code in sent)
    assert len(sent) > 1


@pytest.mark.django_db
def test_the_code_never_reaches_the_logs(caplog):
    caplog.set_level(logging.DEBUG)
    code = send_sms_code()
    verify_sms(code)
    rejected(lambda: verify_sms(code))
    codes.code_send(channel="email", target=EMAIL, purpose="login", ip=IP)
    email_code = last_email_code()
    for record in caplog.records:
        assert code not in record.getMessage()
        assert email_code not in record.getMessage()
    assert code not in caplog.text
    assert email_code not in caplog.text


@pytest.mark.django_db
def test_the_email_is_in_english_by_default_with_a_plain_and_an_html_part():
    codes.code_send(channel="email", target="Alice@Example.com", purpose="login", ip=IP)
    (message,) = mail.outbox
    assert message.to == [EMAIL]
    assert message.subject == "Your MovoAI code"
    code = last_email_code()
    assert isinstance(message, EmailMultiAlternatives)
    html, kind = message.alternatives[0]
    assert kind == "text/html"
    assert f"<strong>{code}</strong>" in str(html)


@pytest.mark.django_db
def test_the_email_is_in_french_for_a_french_account_and_for_a_french_client():
    claire = UserFactory.create(preferred_language="fr")
    AuthMethod.objects.create(user=claire, provider="email", identifier="claire@example.com", is_primary=True)
    codes.code_send(channel="email", target="claire@example.com", purpose="login", ip=IP)
    codes.code_send(channel="email", target="new@example.com", purpose="login", ip="203.0.113.9", language="fr")
    codes.code_send(channel="email", target="en@example.com", purpose="login", ip="203.0.113.10")
    assert [m.subject for m in mail.outbox] == ["Votre code MovoAI", "Votre code MovoAI", "Your MovoAI code"]
    assert "Votre code MovoAI est" in str(mail.outbox[0].body)


@pytest.mark.django_db
def test_sending_does_the_same_work_for_a_registered_and_an_unknown_address():
    owner = UserFactory.create()
    AuthMethod.objects.create(user=owner, provider="email", identifier=EMAIL, is_primary=True)
    runs = []
    for address, ip in ((EMAIL, "203.0.113.20"), ("nobody@example.com", "203.0.113.21")):
        with CaptureQueriesContext(connection) as queries:
            codes.code_send(channel="email", target=address, purpose="login", ip=ip)
        runs.append([re.sub(r"'[^']*'|\s*-?\d+", "?", q["sql"]) for q in queries.captured_queries])
    assert runs[0] == runs[1]
    assert len(mail.outbox) == 2


# ---- verifying ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_right_code_proves_the_number():
    code = send_sms_code()
    identity = verify_sms(code, phone="+33 6 12 34 56 78")
    assert (identity.provider, identity.identifier) == ("sms", PHONE)
    assert VerificationCode.objects.get().consumed_at is not None


@pytest.mark.django_db
def test_a_wrong_code_is_refused_and_counted():
    code = send_sms_code()
    message = rejected(lambda: verify_sms(other(code)))
    assert message == codes.INVALID_CODE
    assert VerificationCode.objects.get().attempts == 1
    assert verify_sms(code).identifier == PHONE


@pytest.mark.django_db
def test_a_code_works_once():
    code = send_sms_code()
    verify_sms(code)
    assert rejected(lambda: verify_sms(code)) == codes.INVALID_CODE


@pytest.mark.django_db
def test_a_code_expires_after_five_minutes_by_sms_and_ten_by_email(clock):
    sms_code = send_sms_code()
    codes.code_send(channel="email", target=EMAIL, purpose="login", ip=IP)
    email_code = last_email_code()
    clock.advance(minutes=5, seconds=1)
    assert rejected(lambda: verify_sms(sms_code)) == codes.INVALID_CODE
    identity = codes.code_verify(channel="email", target=EMAIL, code=email_code, purpose="login")
    assert identity.identifier == EMAIL

    codes.code_send(channel="email", target="late@example.com", purpose="login", ip=IP)
    late_code = last_email_code("late@example.com")
    clock.advance(minutes=10, seconds=1)
    assert (
        rejected(lambda: codes.code_verify(channel="email", target="late@example.com", code=late_code, purpose="login"))
        == codes.INVALID_CODE
    )


@pytest.mark.django_db
def test_a_code_still_works_just_before_it_expires(clock):
    code = send_sms_code()
    clock.advance(minutes=4, seconds=59)
    assert verify_sms(code).identifier == PHONE


@pytest.mark.django_db
def test_five_wrong_attempts_kill_the_code():
    code = send_sms_code()
    for _ in range(5):
        rejected(lambda: verify_sms(other(code)))
    assert rejected(lambda: verify_sms(code)) == codes.INVALID_CODE
    assert VerificationCode.objects.get().attempts == 5


@pytest.mark.django_db
def test_only_the_newest_code_counts():
    first = send_sms_code()
    second = send_sms_code()
    if first != second:
        rejected(lambda: verify_sms(first))
    assert verify_sms(second).identifier == PHONE


@pytest.mark.django_db
def test_a_login_code_does_not_link_and_a_link_code_does_not_log_in():
    alice, bob = UserFactory.create(), UserFactory.create()
    login_code = send_sms_code()
    rejected(lambda: verify_sms(login_code, purpose="link", user=alice))
    link_code = send_sms_code("+33699999999", purpose="link", user=alice)
    rejected(lambda: verify_sms(link_code, phone="+33699999999"))
    # nor may another account use it
    rejected(lambda: verify_sms(link_code, phone="+33699999999", purpose="link", user=bob))
    assert verify_sms(link_code, phone="+33699999999", purpose="link", user=alice).identifier == "+33699999999"


# ---- hourly limits -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_fourth_code_in_an_hour_for_one_number_is_refused_until_the_first_is_an_hour_old(clock):
    for minute in range(3):
        send_sms_code(ip=f"203.0.113.{30 + minute}")
        clock.advance(minutes=10)
    with pytest.raises(Throttled) as caught:
        send_sms_code(ip="203.0.113.40")
    assert vars(caught.value)["wait"] == 30 * 60
    assert len(sms.outbox) == 3
    clock.advance(minutes=30, seconds=1)
    send_sms_code(ip="203.0.113.40")
    assert len(sms.outbox) == 4


@pytest.mark.django_db
def test_the_limit_per_target_counts_the_lower_cased_address():
    for n, address in enumerate(["Alice@example.com", "alice@EXAMPLE.com", "ALICE@example.com"]):
        codes.code_send(channel="email", target=address, purpose="login", ip=f"203.0.113.{50 + n}")
    with pytest.raises(Throttled):
        codes.code_send(channel="email", target=EMAIL, purpose="login", ip="203.0.113.60")


@pytest.mark.django_db
def test_one_address_gets_three_codes_an_hour_per_channel(clock):
    for n in range(3):
        send_sms_code(f"+3370000000{n}")
    with pytest.raises(Throttled) as caught:
        send_sms_code("+33700000009")
    assert vars(caught.value)["wait"] == 3600
    # the other channel, and another address, have buckets of their own
    codes.code_send(channel="email", target=EMAIL, purpose="login", ip=IP)
    send_sms_code("+33700000009", ip="203.0.113.99")
    clock.advance(hours=1, seconds=1)
    send_sms_code("+33700000008")


# ---- concurrency ---------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_verifies_of_one_code_succeed_once(monkeypatch):
    code = send_sms_code()
    # Slow down the write that consumes the code, so that both requests have read the row before
    # either writes: without the row lock both would succeed.
    original_save = VerificationCode.save

    def slow_save(self: VerificationCode, *args: Any, **kwargs: Any) -> None:
        threading.Event().wait(0.3)
        original_save(self, *args, **kwargs)

    monkeypatch.setattr(VerificationCode, "save", slow_save)
    results = race(lambda: verify_sms(code), lambda: verify_sms(code))
    assert sum(isinstance(result, Identity) for result in results) == 1, results
    assert sum(isinstance(result, ValidationError) for result in results) == 1, results
    assert VerificationCode.objects.get().consumed_at is not None


@pytest.mark.django_db(transaction=True)
def test_concurrent_sends_for_one_number_stay_within_the_hourly_limit():
    ips = [f"203.0.113.{70 + n}" for n in range(6)]
    results = race(*[lambda ip=ip: codes.code_send(channel="sms", target=PHONE, purpose="login", ip=ip) for ip in ips])
    assert sum(isinstance(result, codes.CodeSent) for result in results) == 3, results
    assert sum(isinstance(result, Throttled) for result in results) == 3, results
    assert VerificationCode.objects.count() == 3


@pytest.mark.django_db
def test_past_the_cap_for_all_clients_codes_are_refused_whoever_asks(monkeypatch):
    monkeypatch.setitem(codes.CODES_PER_MINUTE_ALL_CLIENTS, "sms", 2)
    for n in range(2):
        send_sms_code(f"+3371000000{n}", ip=f"203.0.113.{70 + n}")
    with pytest.raises(Throttled) as caught:
        send_sms_code("+33710000009", ip="203.0.113.79")
    assert "Too many SMS codes" in str(caught.value.detail)
    assert 0 < vars(caught.value)["wait"] <= 60
    assert len(sms.outbox) == 2
    codes.code_send(channel="email", target=EMAIL, purpose="login", ip="203.0.113.79")  # another channel's cap
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_with_redis_unreachable_no_code_is_sent(settings):
    unreachable = {"default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}}
    with override_settings(CACHES=unreachable), pytest.raises(ServiceUnavailable) as caught:
        send_sms_code()
    assert caught.value.retry_after
    assert sms.outbox == []
    assert not VerificationCode.objects.filter(identifier=f"sms:{PHONE}").exists()
