"""The `Idempotency-Key` request header (IETF draft-ietf-httpapi-idempotency-key-header), for a POST
that creates something and has no client-made id of its own to make a retry safe: sign-up.

A client that lost the answer sends the same request with the same key again and gets the outcome
of the first one instead of a second creation. The record is kept in Redis for a day, under the
key's hash: first `pending` while the request runs (a concurrent retry is a 409 with Retry-After),
then the created resource's id, which the view turns into the same answer again. The same key with
another body is a 422: the client reused a key by mistake. A request whose key cannot be recorded
(Redis down) is a 503 rather than run without the guarantee the client asked for.

Limits: a request that dies between its commit and its record leaves `pending` for
PENDING_SECONDS, after which a retry runs again; a record evicted by Redis under memory pressure is
forgotten. Both need a rare coincidence with a lost answer.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from redis.exceptions import RedisError
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from movoai import cache_keys
from movoai.errors import OUTAGE_RETRY_AFTER_SECONDS, Conflict, ServiceUnavailable, Unprocessable

logger = logging.getLogger("movoai.idempotency")

HEADER = "Idempotency-Key"
KEY_PATTERN = re.compile(r"[\x21-\x7e]{8,255}")  # visible ASCII, as a UUID or a ULID is
RECORD_SECONDS = 24 * 3600
PENDING_SECONDS = 60
PENDING = "pending"

PARAMETER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Makes the request safe to retry: a key the client makes for this one request (a UUID), "
    "8 to 255 visible ASCII characters. The same request with the same key within 24 hours gets the "
    "first one's outcome again (`Idempotent-Replayed: true`) and creates nothing; while the first is "
    "still running it is a 409 with Retry-After; the same key with another body is a 422.",
    pattern=KEY_PATTERN.pattern,
)


@dataclass(frozen=True)
class Claim:
    """A key this request holds (`replay` None: run it, then `finish` or `abandon`), or the outcome
    stored by the first request with the key (`replay`: the created resource's id)."""

    record_key: str
    fingerprint: str
    replay: str | None = None


def request_key(request: Request) -> str | None:
    """The request's Idempotency-Key, None without one; a 400 naming the header when malformed."""
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    if not KEY_PATTERN.fullmatch(raw):
        raise ValidationError({HEADER: ["Must be 8 to 255 visible ASCII characters (a UUID, say)."]})
    return raw


def fingerprint(data: Any) -> str:
    """The request body, canonical: the same JSON in another key order is the same request."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":"), default=str).encode()).hexdigest()


def claim(*, scope: str, key: str, body: Any) -> Claim:
    """Hold `key` for this request, or return the first request's outcome. Raises Conflict (409,
    the first is still running), Unprocessable (422, the key was used for another body) and
    ServiceUnavailable (503, Redis cannot keep the record)."""
    record_key = cache_keys.idempotency(scope, key)
    digest = fingerprint(body)
    try:
        if cache.add(record_key, {"fingerprint": digest, "result": PENDING}, timeout=PENDING_SECONDS):
            return Claim(record_key, digest)
        record = cache.get(record_key)
    except RedisError as error:
        logger.warning("idempotency record unavailable: %s", error)
        raise ServiceUnavailable(
            f"The {HEADER} cannot be recorded right now, so the request was not run: try again shortly.",
            retry_after=OUTAGE_RETRY_AFTER_SECONDS,
        ) from error
    if record is None:  # expired in between: take it again
        return claim(scope=scope, key=key, body=body)
    if record["fingerprint"] != digest:
        raise Unprocessable(f"This {HEADER} was used for a request with another body: use a new key for a new request.")
    if record["result"] == PENDING:
        raise Conflict(f"A request with this {HEADER} is still being processed: retry shortly.", retry_after=1)
    return Claim(record_key, digest, replay=str(record["result"]))


def finish(held: Claim, result: str) -> None:
    """Record the outcome of the request that held the key: later retries replay it."""
    cache.set(held.record_key, {"fingerprint": held.fingerprint, "result": result}, timeout=RECORD_SECONDS)


def abandon(held: Claim) -> None:
    """Free the key of a request that failed: a retry runs again."""
    cache.delete(held.record_key)
