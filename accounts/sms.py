"""Sending text messages through a pluggable backend, like Django's EMAIL_BACKEND.

settings.SMS_BACKEND names the class: ConsoleBackend (development: prints the message),
MemoryBackend (tests: keeps messages in `outbox`), FileBackend (one file per message in
settings.SMS_FILE_PATH, like Django's file email backend) or TwilioBackend (production).

Messages carry one-time codes: only the console and file backends ever show a body. Nothing here
logs one.
"""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.module_loading import import_string


class SmsDeliveryError(Exception):
    """The provider refused or could not take the message (the message is not in the text)."""


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str
    sent_at: datetime = field(default_factory=timezone.now)


class BaseSmsBackend:
    def send(self, message: SmsMessage) -> None:
        raise NotImplementedError


def _render(message: SmsMessage) -> str:
    return f"To: {message.to}\nDate: {format_datetime(message.sent_at)}\n\n{message.body}\n"


class ConsoleBackend(BaseSmsBackend):
    """Development: writes each message to standard output."""

    _lock = threading.Lock()

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream or sys.stdout

    def send(self, message: SmsMessage) -> None:
        with self._lock:
            self.stream.write(f"---------- SMS ----------\n{_render(message)}-------------------------\n")
            self.stream.flush()


# The messages MemoryBackend "sent", oldest first, like django.core.mail.outbox. Tests clear it.
outbox: list[SmsMessage] = []


class MemoryBackend(BaseSmsBackend):
    """Tests: appends each message to the module-level `outbox`."""

    def send(self, message: SmsMessage) -> None:
        outbox.append(message)


class FileBackend(BaseSmsBackend):
    """One file per message in settings.SMS_FILE_PATH (created if missing), with To, Date and Body.

    A file appears complete or not at all: it is written under a temporary name, then renamed."""

    def __init__(self, file_path: str | None = None) -> None:
        path = file_path or getattr(settings, "SMS_FILE_PATH", None)
        if not path:
            raise ImproperlyConfigured("accounts.sms.FileBackend needs SMS_FILE_PATH (a folder).")
        self.file_path = os.path.abspath(path)
        if os.path.exists(self.file_path) and not os.path.isdir(self.file_path):
            raise ImproperlyConfigured(f"SMS_FILE_PATH {self.file_path} exists and is not a folder.")
        os.makedirs(self.file_path, exist_ok=True)

    def send(self, message: SmsMessage) -> None:
        name = f"{message.sent_at:%Y%m%d-%H%M%S-%f}-{uuid.uuid4().hex[:12]}.sms"
        fd, temporary = tempfile.mkstemp(dir=self.file_path, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(_render(message))
            os.replace(temporary, os.path.join(self.file_path, name))
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise


class TwilioBackend(BaseSmsBackend):
    """Production: Twilio's Messages API with TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, from TWILIO_FROM.

    `http_client` is Twilio's HTTP client interface (request(method, uri, params=, data=, headers=,
    auth=, timeout=, allow_redirects=) -> response with status_code and text); tests inject a fake."""

    def __init__(self, http_client: Any = None) -> None:
        sid, token, sender = settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, settings.TWILIO_FROM
        if not (sid and token and sender):
            raise ImproperlyConfigured("TwilioBackend needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM.")
        # twilio ships no type information: imported here, as Any, so mypy needs no exception for it
        twilio_rest: Any = importlib.import_module("twilio.rest")
        self.sender = sender
        self.client = twilio_rest.Client(sid, token, http_client=http_client)

    def send(self, message: SmsMessage) -> None:
        twilio_exceptions: Any = importlib.import_module("twilio.base.exceptions")
        try:
            self.client.messages.create(to=message.to, from_=self.sender, body=message.body)
        except twilio_exceptions.TwilioException as error:
            # The error names Twilio's status and code, never the message body.
            status = getattr(error, "status", None)
            code = getattr(error, "code", None)
            raise SmsDeliveryError(f"Twilio refused the message (HTTP {status}, code {code}).") from None


def get_backend(backend: str | None = None) -> BaseSmsBackend:
    backend_class = import_string(backend or settings.SMS_BACKEND)
    instance: BaseSmsBackend = backend_class()
    return instance


def send_sms(to: str, body: str) -> None:
    """Send a text message to an E.164 number through settings.SMS_BACKEND. Raises
    SmsDeliveryError when the provider does not take it."""
    get_backend().send(SmsMessage(to=to, body=body))
