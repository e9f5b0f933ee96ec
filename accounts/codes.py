"""One-time codes sent by SMS or email, to log in or to link a phone or an email to an account.

Promises:
- a code is 6 digits from `secrets`; only an HMAC-SHA256 of it (keyed by VERIFICATION_CODE_KEY and
  bound to the identifier and the purpose) is stored, and no code is ever logged;
- a code lives 5 minutes (SMS) or 10 (email), works once, and dies after 5 wrong attempts; only the
  newest code of a target (and, for linking, of the asking account) counts;
- at most 3 codes an hour per target and 3 an hour per client IP and channel: a 429 with Retry-After;
- at most 30 SMS and 60 email codes a minute from all clients together, counted in Redis: a 429
  past it, and a 503 (nothing sent) while Redis cannot be reached;
- sending does the same work whether or not an account owns the target, so the answer tells nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.utils import timezone
from django.utils.html import escape
from redis.exceptions import RedisError
from rest_framework.exceptions import Throttled, ValidationError

from accounts.identity import Identity
from accounts.models import AuthMethod, User, VerificationCode
from accounts.sms import SmsDeliveryError, send_sms
from movoai.errors import OUTAGE_RETRY_AFTER_SECONDS, ServiceUnavailable
from movoai.throttling import rate_limit_hit

logger = logging.getLogger("accounts.codes")

Channel = Literal["sms", "email"]
Purpose = Literal["login", "link"]

CODE_DIGITS = 6
CODE_PATTERN = re.compile(r"^\d{6}$")
EXPIRY: dict[str, timedelta] = {"sms": timedelta(minutes=5), "email": timedelta(minutes=10)}
MAX_ATTEMPTS = 5
CODES_PER_TARGET_PER_HOUR = 3
CODES_PER_IP_PER_HOUR = 3
WINDOW = timedelta(hours=1)
# Codes a minute per channel, all clients together. The hourly limits hold per number, address and
# IP, which many numbers and IPs get around (SMS pumping: every message is paid for); this caps what
# such a run can cost. Counted in Redis: with Redis down nothing is sent, the cap is never off.
CODES_PER_MINUTE_ALL_CLIENTS: dict[str, int] = {"sms": 30, "email": 60}
INVALID_CODE = "This code is wrong or no longer valid. Check it, or ask for a new code."

# E.164: "+", then 8 to 15 digits, the first not 0. Spaces, dots, dashes and brackets are dropped.
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")


def normalize_phone(value: str) -> str:
    """The E.164 form of a phone number, or ValueError."""
    phone = _PHONE_SEPARATORS.sub("", value.strip())
    if phone.startswith("00"):
        phone = "+" + phone[2:]
    if not _E164.match(phone):
        raise ValueError("Enter a phone number in international format (E.164), e.g. +33612345678.")
    return phone


def normalize_email(value: str) -> str:
    """An email address as an identity key: trimmed and lower-cased."""
    return value.strip().lower()


def _identifier(channel: str, target: str) -> str:
    return f"{channel}:{target}"


def _digest(identifier: str, purpose: str, code: str) -> str:
    key = settings.VERIFICATION_CODE_KEY.encode()
    message = f"{identifier}\x00{purpose}\x00{code}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _stored_ip(ip: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(ip or ""))
    except ValueError:
        return None


def _lock(*names: str) -> None:
    """Transaction-scoped PostgreSQL advisory locks, always taken in one order (no deadlock), so that
    two concurrent sends cannot both pass the hourly count."""
    keys = sorted({int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True) for name in names})
    with connection.cursor() as cursor:
        for key in keys:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _wait_seconds(times: list[datetime], limit: int, now: datetime) -> int | None:
    """Seconds until one more send fits in the hour, or None when it fits now."""
    if len(times) < limit:
        return None
    frees_at = sorted(times)[len(times) - limit] + WINDOW
    return max(1, math.ceil((frees_at - now).total_seconds()))


def _check_hourly_limits(*, channel: str, identifier: str, ip: str | None, now: datetime) -> None:
    since = now - WINDOW
    by_target = list(
        VerificationCode.objects.filter(identifier=identifier, created_at__gt=since).values_list(
            "created_at", flat=True
        )
    )
    wait = _wait_seconds(by_target, CODES_PER_TARGET_PER_HOUR, now)
    if wait is not None:
        what = "phone number" if channel == "sms" else "email address"
        raise Throttled(wait=wait, detail=f"At most {CODES_PER_TARGET_PER_HOUR} codes an hour for one {what}.")
    by_ip = VerificationCode.objects.filter(identifier__startswith=f"{channel}:", created_at__gt=since)
    by_ip = by_ip.filter(requested_ip=ip) if ip else by_ip.filter(requested_ip__isnull=True)
    wait = _wait_seconds(list(by_ip.values_list("created_at", flat=True)), CODES_PER_IP_PER_HOUR, now)
    if wait is not None:
        kind = "SMS" if channel == "sms" else "email"
        raise Throttled(wait=wait, detail=f"At most {CODES_PER_IP_PER_HOUR} {kind} codes an hour from one address.")


def _count_send_for_all_clients(channel: str) -> None:
    """Count one code about to be sent against the channel's cap for all clients: Throttled (429)
    past it, ServiceUnavailable (503) when the counter in Redis cannot be reached."""
    rate = f"{CODES_PER_MINUTE_ALL_CLIENTS[channel]}/m"
    try:
        count, limit, seconds_left = rate_limit_hit(group="codes-sent", client=f"all:{channel}", rate=rate)
    except RedisError as error:
        logger.error("%s code not sent: the limiter is unavailable: %s", channel, error)
        raise ServiceUnavailable(
            "Codes cannot be sent right now (their rate limiter is unavailable); try again shortly.",
            retry_after=OUTAGE_RETRY_AFTER_SECONDS,
        ) from error
    if count > limit:
        kind = "SMS" if channel == "sms" else "email"
        raise Throttled(wait=max(1, math.ceil(seconds_left)), detail=f"Too many {kind} codes are being sent right now.")


def _recipient_language(channel: str, target: str, user: User | None, fallback: str | None) -> str:
    # The lookup runs whether or not an account owns the target: the same work either way.
    owner_language = (
        AuthMethod.objects.filter(provider=channel, identifier=target)
        .values_list("user__preferred_language", flat=True)
        .first()
    )
    for language in (user.preferred_language if user else None, owner_language, fallback):
        if language in ("en", "fr"):
            return language
    return "en"


_SMS_TEXT = {
    "en": "MovoAI: your code is {code}. It expires in {minutes} minutes. Never share it.",
    "fr": "MovoAI : votre code est {code}. Il expire dans {minutes} minutes. Ne le partagez jamais.",
}
_EMAIL_SUBJECT = {"en": "Your MovoAI code", "fr": "Votre code MovoAI"}
_EMAIL_TEXT = {
    "en": (
        "Your MovoAI code is {code}.\n\n"
        "{why} It expires in {minutes} minutes and works once.\n\n"
        "If you did not ask for it, ignore this email: nobody can use your address without the code.\n"
    ),
    "fr": (
        "Votre code MovoAI est {code}.\n\n"
        "{why} Il expire dans {minutes} minutes et ne sert qu'une fois.\n\n"
        "Si vous ne l'avez pas demandé, ignorez cet e-mail : personne ne peut utiliser votre adresse sans le code.\n"
    ),
}
_EMAIL_WHY = {
    ("en", "login"): "Enter it in MovoAI to log in.",
    ("en", "link"): "Enter it in MovoAI to add this address to your account.",
    ("fr", "login"): "Saisissez-le dans MovoAI pour vous connecter.",
    ("fr", "link"): "Saisissez-le dans MovoAI pour ajouter cette adresse à votre compte.",
}


def _deliver(*, channel: str, target: str, purpose: str, code: str, language: str) -> None:
    minutes = int(EXPIRY[channel].total_seconds() // 60)
    if channel == "sms":
        try:
            send_sms(target, _SMS_TEXT[language].format(code=code, minutes=minutes))
        except SmsDeliveryError as error:
            logger.error("SMS code not delivered: %s", error)
            raise ServiceUnavailable("The code could not be sent; try again shortly.") from None
        return
    why = _EMAIL_WHY[(language, purpose)]
    text = _EMAIL_TEXT[language].format(code=code, why=why, minutes=minutes)
    # the code, in bold, in the first paragraph; every paragraph escaped
    paragraphs = [str(escape(part)) for part in text.strip().split("\n\n")]
    paragraphs[0] = paragraphs[0].replace(code, f"<strong>{code}</strong>")
    body = "".join(f"<p>{part}</p>" for part in paragraphs)
    html = f'<!doctype html><html lang="{language}"><body>{body}</body></html>'
    try:
        send_mail(_EMAIL_SUBJECT[language], text, None, [target], html_message=html)
    except Exception as error:  # SMTP, SendGrid...: never let the message (and its code) reach a log
        logger.error("email code not delivered: %s", type(error).__name__)
        raise ServiceUnavailable("The code could not be sent; try again shortly.") from None


@dataclass(frozen=True)
class CodeSent:
    channel: str
    expires_in: int
    code_length: int = CODE_DIGITS


def code_send(
    *,
    channel: Channel,
    target: str,
    purpose: Purpose,
    user: User | None = None,
    ip: str | None,
    language: str | None = None,
) -> CodeSent:
    """Make a code for the target (an E.164 number or an email), store its HMAC and send it.

    `user` is the account asking to link the target (purpose link). Raises Throttled (429) past the
    hourly limits or the cap for all clients, ServiceUnavailable (503) when the message cannot be
    sent or the cap cannot be counted (Redis down). Does the same work whether or not an account
    owns the target."""
    target = normalize_phone(target) if channel == "sms" else normalize_email(target)
    identifier = _identifier(channel, target)
    stored_ip = _stored_ip(ip)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    with transaction.atomic():
        now = timezone.now()
        _lock(f"codes:target:{identifier}", f"codes:ip:{channel}:{stored_ip}")
        _check_hourly_limits(channel=channel, identifier=identifier, ip=stored_ip, now=now)
        _count_send_for_all_clients(channel)
        VerificationCode.objects.create(
            identifier=identifier,
            purpose=purpose,
            code_hmac=_digest(identifier, purpose, code),
            user=user if purpose == "link" else None,
            requested_ip=stored_ip,
            expires_at=now + EXPIRY[channel],
        )
    language = _recipient_language(channel, target, user, language)
    _deliver(channel=channel, target=target, purpose=purpose, code=code, language=language)
    return CodeSent(channel=channel, expires_in=int(EXPIRY[channel].total_seconds()))


def code_verify(
    *,
    channel: Channel,
    target: str,
    code: str,
    purpose: Purpose,
    user: User | None = None,
    language: str | None = None,
) -> Identity:
    """Check a code against the newest code sent to the target for this purpose (and, for linking, to
    this account) and consume it; returns the proven Identity.

    A wrong, expired, used or dead code is the same 400 (ValidationError on `code`). A wrong code
    counts an attempt (kept even though the request fails); the 5th kills the code. The row is locked
    while it is checked, so two concurrent requests with one code cannot both succeed."""
    target = normalize_phone(target) if channel == "sms" else normalize_email(target)
    identifier = _identifier(channel, target)
    if purpose == "link" and user is None:
        raise ValidationError({"code": [INVALID_CODE]})
    proven = False
    with transaction.atomic():
        now = timezone.now()
        codes = VerificationCode.objects.select_for_update().filter(identifier=identifier, purpose=purpose)
        if purpose == "link":
            codes = codes.filter(user=user)
        record = codes.order_by("-created_at", "-id").first()
        if (
            record is not None
            and record.consumed_at is None
            and record.expires_at > now
            and record.attempts < MAX_ATTEMPTS
        ):
            if hmac.compare_digest(record.code_hmac, _digest(identifier, purpose, code.strip())):
                record.consumed_at = now
                record.save(update_fields=["consumed_at"])
                proven = True
            else:
                record.attempts += 1
                record.save(update_fields=["attempts"])
    if not proven:
        raise ValidationError({"code": [INVALID_CODE]})
    data = {"phone": target} if channel == "sms" else {"email": target}
    return Identity(provider=channel, identifier=target, data=data, language=language)
