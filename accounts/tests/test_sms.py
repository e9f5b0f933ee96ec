"""The SMS backends: chosen by SMS_BACKEND; the file backend writes one file per message that the
acceptance check can read; Twilio is spoken to through an injected HTTP client, never the network."""

from __future__ import annotations

import io
import json
import os
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from accounts import sms

TWILIO = {"TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_AUTH_TOKEN": "test-token", "TWILIO_FROM": "+15005550006"}


@pytest.fixture(autouse=True)
def _empty_outbox() -> None:
    sms.outbox.clear()


def test_send_sms_goes_through_the_configured_backend(settings):
    settings.SMS_BACKEND = "accounts.sms.MemoryBackend"
    sms.send_sms("+33612345678", "MovoAI: your code is 123456.")
    assert [(m.to, m.body) for m in sms.outbox] == [("+33612345678", "MovoAI: your code is 123456.")]


def test_the_console_backend_prints_the_message():
    stream = io.StringIO()
    sms.ConsoleBackend(stream=stream).send(sms.SmsMessage(to="+33612345678", body="code 123456"))
    assert "To: +33612345678" in stream.getvalue()
    assert "code 123456" in stream.getvalue()
    assert sms.outbox == []


def test_the_file_backend_writes_one_file_per_message_into_a_folder_it_creates(settings, tmp_path):
    folder = tmp_path / "sms-out" / "nested"
    settings.SMS_BACKEND = "accounts.sms.FileBackend"
    settings.SMS_FILE_PATH = str(folder)
    sms.send_sms("+33612345678", "MovoAI: your code is 123456.")
    sms.send_sms("+33612345678", "MovoAI: your code is 654321.")
    sms.send_sms("+33798765432", "MovoAI: your code is 111222.")
    files = sorted(folder.iterdir())
    assert len(files) == 3
    assert len({f.name for f in files}) == 3
    assert not [name for name in os.listdir(folder) if name.startswith(".")], "a temporary file was left behind"
    texts = [f.read_text(encoding="utf-8") for f in files]
    first = next(t for t in texts if "123456" in t)
    assert re.search(r"(?m)^To: \+33612345678$", first)
    assert re.search(r"(?m)^Date: \w{3}, \d{2} \w{3} \d{4} ", first)
    assert first.rstrip().endswith("MovoAI: your code is 123456.")
    assert sum("+33612345678" in t for t in texts) == 2


def test_the_file_backend_needs_a_folder(settings, tmp_path):
    settings.SMS_FILE_PATH = None
    with pytest.raises(ImproperlyConfigured):
        sms.FileBackend()
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    with pytest.raises(ImproperlyConfigured):
        sms.FileBackend(str(a_file))


@dataclass
class FakeResponse:
    """What Twilio's client reads of an HTTP answer."""

    status_code: int
    text: str
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def content(self) -> str:
        return self.text


@dataclass
class FakeTwilioHttp:
    """Twilio's HttpClient interface, answering like the Messages API without any network."""

    status_code: int = 201
    requests: list[dict[str, Any]] = field(default_factory=list)
    is_async: bool = False
    timeout: float | None = None

    def request(self, method: str, uri: str, params: Any = None, data: Any = None, **kwargs: Any) -> FakeResponse:
        self.requests.append({"method": method, "uri": uri, "data": dict(data or {}), **kwargs})
        if self.status_code >= 400:
            body = {"code": 21211, "message": "The 'To' number is not a valid phone number.", "status": 400}
            return FakeResponse(self.status_code, json.dumps(body))
        fields = dict(data or {})
        message = {
            "sid": "SM" + "1" * 32,
            "account_sid": TWILIO["TWILIO_ACCOUNT_SID"],
            "to": fields.get("To"),
            "from": fields.get("From"),
            "body": fields.get("Body"),
            "status": "queued",
            "num_segments": "1",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "date_created": "Thu, 03 Dec 2026 18:40:11 +0000",
            "uri": f"/2010-04-01/Accounts/{TWILIO['TWILIO_ACCOUNT_SID']}/Messages/SM{'1' * 32}.json",
        }
        return FakeResponse(201, json.dumps(message))


def test_the_twilio_backend_posts_to_the_messages_api(settings):
    for name, value in TWILIO.items():
        setattr(settings, name, value)
    http = FakeTwilioHttp()
    sms.TwilioBackend(http_client=http).send(sms.SmsMessage(to="+33612345678", body="MovoAI: your code is 123456."))
    (request,) = http.requests
    assert request["method"] == "POST"
    assert request["uri"] == f"https://api.twilio.com/2010-04-01/Accounts/{TWILIO['TWILIO_ACCOUNT_SID']}/Messages.json"
    sent = request["data"]
    assert (sent["To"], sent["From"], sent["Body"]) == ("+33612345678", "+15005550006", "MovoAI: your code is 123456.")
    assert request["auth"] == (TWILIO["TWILIO_ACCOUNT_SID"], "test-token")


def test_a_twilio_refusal_is_a_delivery_error_that_does_not_carry_the_message(settings):
    for name, value in TWILIO.items():
        setattr(settings, name, value)
    backend = sms.TwilioBackend(http_client=FakeTwilioHttp(status_code=400))
    with pytest.raises(sms.SmsDeliveryError) as caught:
        backend.send(sms.SmsMessage(to="+33612345678", body="MovoAI: your code is 123456."))
    assert "400" in str(caught.value)
    assert "21211" in str(caught.value)
    assert "123456" not in str(caught.value)
    assert caught.value.__cause__ is None


def test_the_twilio_backend_needs_its_settings(settings):
    settings.TWILIO_ACCOUNT_SID = None
    with pytest.raises(ImproperlyConfigured):
        sms.TwilioBackend(http_client=FakeTwilioHttp())


def test_the_files_can_be_read_by_the_acceptance_check(settings, tmp_path):
    """The check's reader (shared/checks/_authhelp.py) finds the code in the newest file that names the
    number; its rules: a 6-digit run not glued to other digits, the number found with or without +."""
    settings.SMS_FILE_PATH = str(tmp_path)
    backend = sms.FileBackend()
    backend.send(sms.SmsMessage(to="+33612345678", body="MovoAI: your code is 482913. It expires in 5 minutes."))
    (path,) = tmp_path.iterdir()
    text = path.read_text(encoding="utf-8")
    code_re = re.compile(r"(?<![\w.+/\-#&])(\d{6})(?!\w|[.,:]\d|-\d|/)")
    assert {m.group(1) for m in code_re.finditer(text)} == {"482913"}
    assert "33612345678" in text
