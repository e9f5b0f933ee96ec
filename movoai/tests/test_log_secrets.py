"""No token, code, password or API key in the logs.

Alice logs in the way users do (an SMS code, then an email code to link her address), uses and
refreshes her tokens, chats with the coach (whose model is a stub OpenAI server on 127.0.0.1 that
checks the API key), replays a spent refresh token, logs out; someone tries a forged token; Charlie
logs in to the admin with his password, once wrong. Every record of every logger is captured at
DEBUG, raw and as the JSON lines production writes, and searched for each secret of the run.

SQL statements are not among them: Django logs queries (with their parameters, such as a refresh
token's row) only with DEBUG on, which production refuses."""

from __future__ import annotations

import io
import itertools
import json
import logging
import re
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from rest_framework.test import APIClient

from accounts import sms
from accounts.models import User
from coach.tests.openai_stub import StubServer, fresh_stub, running_stub_server
from movoai.logging import JsonFormatter

pytestmark = pytest.mark.django_db

ALICE_PHONE = "+33612345678"
ALICE_EMAIL = "alice@example.com"
CHARLIE_PASSWORD = "correct horse battery staple"
_addresses = itertools.count(1)


class Capture(logging.Handler):
    """Keeps every record, and the JSON line production's formatter makes of it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.json_lines = io.StringIO()
        self.json_formatter = JsonFormatter()

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.json_lines.write(self.json_formatter.format(record) + "\n")

    def raw_text(self) -> str:
        """Everything a record carries: message, arguments, extra fields, exception and stack."""
        parts = []
        for record in self.records:
            parts.append(record.getMessage())
            parts.append(json.dumps(record.__dict__, default=repr))
            if record.exc_info:
                parts.append(logging.Formatter().formatException(record.exc_info))
        return "\n".join(parts)


@pytest.fixture
def every_log(monkeypatch: pytest.MonkeyPatch) -> Iterator[Capture]:
    """Every logger at DEBUG and enabled; each record any logger handles is captured, whether or not
    it propagates to the root, from loggers that exist now or are made during the test."""
    capture = Capture()
    loggers = [logging.getLogger()] + [
        logger for logger in logging.root.manager.loggerDict.values() if isinstance(logger, logging.Logger)
    ]
    states = {logger: (logger.level, logger.disabled) for logger in loggers}
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
    call_handlers = logging.Logger.callHandlers

    def capture_then_call_handlers(logger: logging.Logger, record: logging.LogRecord) -> None:
        capture.handle(record)
        call_handlers(logger, record)

    monkeypatch.setattr(logging.Logger, "callHandlers", capture_then_call_handlers)
    try:
        yield capture
    finally:
        for logger, (level, disabled) in states.items():
            logger.setLevel(level)
            logger.disabled = disabled


@pytest.fixture(scope="module")
def openai_stub_server() -> Iterator[StubServer]:
    with running_stub_server() as server:
        yield server


def post(client: APIClient, path: str, body: dict[str, Any], **extra: Any) -> Any:
    n = next(_addresses)  # a client address of its own: the per-IP login limits are not this test's
    return client.post(path, body, format="json", REMOTE_ADDR=f"198.19.{n // 250}.{n % 250 + 1}", **extra)


def six_digits(text: str) -> str:
    match = re.search(r"\b(\d{6})\b", text)
    assert match, text
    return match.group(1)


def jwt_parts(token: str) -> list[str]:
    """The token, and its payload and signature alone (the header is the same for every token)."""
    _, payload, signature = token.split(".")
    return [token, payload, signature]


def test_a_full_login_flow_logs_no_secret(every_log, settings, openai_stub_server):
    stub = fresh_stub(openai_stub_server)
    api_key = "sk-movoai-" + secrets.token_urlsafe(24)
    settings.OPENAI_API_KEY = api_key
    settings.OPENAI_BASE_URL = stub.base_url
    settings.LLM_MAX_RETRIES = 0
    settings.LLM_TIMEOUT_SECONDS = 5
    sms.outbox.clear()
    api = APIClient()
    secrets_seen: dict[str, str] = {"OpenAI API key": api_key, "admin password": CHARLIE_PASSWORD}

    # an SMS code logs Alice in (a wrong code first)
    assert post(api, "/api/v1/auth/phone/send-code", {"phone": ALICE_PHONE}).status_code == 202
    sms_code = six_digits(sms.outbox[-1].body)
    wrong_code = f"{(int(sms_code) + 1) % 1_000_000:06d}"
    refused = post(api, "/api/v1/auth/phone/verify-code", {"phone": ALICE_PHONE, "code": wrong_code})
    assert refused.status_code == 400
    login = post(api, "/api/v1/auth/phone/verify-code", {"phone": ALICE_PHONE, "code": sms_code})
    assert login.status_code == 200, login.content
    first = login.json()
    bearer: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {first['access']}"}

    # an email code links her address
    body = {"email": ALICE_EMAIL, "purpose": "link"}
    assert post(api, "/api/v1/auth/email/send-code", body, **bearer).status_code == 202
    email_code = six_digits(str(mail.outbox[-1].body))
    linked = post(api, "/api/v1/auth/email/link", {"email": ALICE_EMAIL, "code": email_code}, **bearer)
    assert linked.status_code == 200, linked.content

    # the access token reads and changes her profile, and talks to the coach's model
    assert api.get("/api/v1/users/me", **bearer).status_code == 200
    assert api.patch("/api/v1/users/me", {"display_name": "Alice"}, format="json", **bearer).status_code == 200
    chat = post(api, "/api/v1/ai/chat", {"message": "How do I warm up before squats?"}, **bearer)
    assert chat.status_code == 200, chat.content
    assert chat.json()["engine"] != "rules"  # the model answered: the key travelled
    assert stub.headers[-1]["authorization"] == f"Bearer {api_key}"

    # refresh, replay the spent refresh token (which ends every session), log in again, log out
    refreshed = post(api, "/api/v1/auth/refresh", {"refresh": first["refresh"]})
    assert refreshed.status_code == 200, refreshed.content
    second = refreshed.json()
    assert post(api, "/api/v1/auth/refresh", {"refresh": first["refresh"]}).status_code == 401
    assert post(api, "/api/v1/auth/phone/send-code", {"phone": ALICE_PHONE}).status_code == 202
    sms_code_again = six_digits(sms.outbox[-1].body)
    third = post(api, "/api/v1/auth/phone/verify-code", {"phone": ALICE_PHONE, "code": sms_code_again}).json()
    logout = post(
        api, "/api/v1/auth/logout", {"refresh": third["refresh"]}, HTTP_AUTHORIZATION=f"Bearer {third['access']}"
    )
    assert logout.status_code == 204, logout.content

    # a forged token (Alice's, its payload changed) and an expired-looking garbage one are refused
    header, payload, signature = first["access"].split(".")
    forged = f"{header}.{payload[:-4]}AAAA.{signature}"
    assert api.get("/api/v1/users/me", HTTP_AUTHORIZATION=f"Bearer {forged}").status_code == 401
    garbage = "not-a-jwt-" + secrets.token_urlsafe(16)
    assert api.get("/api/v1/users/me", HTTP_AUTHORIZATION=f"Bearer {garbage}").status_code == 401

    # Charlie logs in to the admin, with a wrong password first
    User.objects.create_user(email="charlie@movoai.test", password=CHARLIE_PASSWORD, is_staff=True)
    admin = Client()
    wrong_password = "Tr0ub4dor&3-" + secrets.token_hex(4)
    admin.post("/admin/login/", {"username": "charlie@movoai.test", "password": wrong_password})
    signed_in = admin.post(
        "/admin/login/?next=/admin/", {"username": "charlie@movoai.test", "password": CHARLIE_PASSWORD}
    )
    assert signed_in.status_code == 302

    secrets_seen |= {
        "SMS code": sms_code,
        "wrong code": wrong_code,
        "email code": email_code,
        "second SMS code": sms_code_again,
        "forged token": forged,
        "garbage token": garbage,
        "wrong password": wrong_password,
    }
    for name, pair in (("first", first), ("second", second), ("third", third)):
        for kind in ("access", "refresh"):
            for i, part in enumerate(jwt_parts(pair[kind])):
                secrets_seen[f"{name} {kind} token, part {i}"] = part
    assert len(every_log.records) > 20  # the requests were logged: the search has something to search
    raw, lines = every_log.raw_text(), every_log.json_lines.getvalue()
    leaked = {name for name, value in secrets_seen.items() if value in raw or value in lines}
    assert leaked == set()


def test_the_json_formatter_masks_a_token_or_key_a_library_would_log(settings):
    """Defence in depth, for a log line we did not write: a JWT, a bearer token and the value of a
    secret setting are masked in what production writes."""
    settings.OPENAI_API_KEY = api_key = "sk-movoai-" + secrets.token_urlsafe(24)
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoiYWxpY2UifQ.c2lnbmF0dXJlLW9mLWFsaWNl"
    bot = settings.TELEGRAM_BOT_TOKEN
    record = logging.LogRecord(
        "httpx",
        logging.INFO,
        __file__,
        1,
        "HTTP Request: POST https://api.telegram.org/bot%s/sendMessage; auth %s; Authorization: Bearer %s",
        (bot, api_key, jwt),
        None,
    )

    entry = json.loads(JsonFormatter().format(record))

    assert bot not in entry["message"]
    assert api_key not in entry["message"]
    assert jwt not in entry["message"]
    assert "https://api.telegram.org/bot[TELEGRAM_BOT_TOKEN]/sendMessage" in entry["message"]
    assert "auth [OPENAI_API_KEY]" in entry["message"]
