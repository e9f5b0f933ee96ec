"""The public API's rate limit: N requests a minute per client IP, counted atomically in Redis and
shared by every server worker. django-ratelimit's windows and keys (each client's window offset by a
hash of it), counted in one round trip: SET NX with the expiry and INCR in one pipeline, where
django-ratelimit's get_usage takes three (ADD, then EXISTS and INCR)."""

from __future__ import annotations

import datetime
import logging
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django_ratelimit import ALL
from django_ratelimit.core import EXPIRATION_FUDGE, _get_window, _make_cache_key, _split_rate
from redis.exceptions import RedisError
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from movoai import cache_keys
from movoai.errors import OUTAGE_RETRY_AFTER_SECONDS, ServiceUnavailable
from movoai.net import client_ip

logger = logging.getLogger("movoai.throttling")


@dataclass(frozen=True)
class RateLimitEntry:
    """Where one request of a client is counted: the (prefixed) Redis key of its window, the limit,
    how long the key lives, and when the window ends (epoch seconds)."""

    key: str
    limit: int
    expires: int
    window_end: float

    def queue(self, pipeline: Any) -> None:
        """Add the count to a Redis pipeline: SET NX with the expiry, then INCR (two replies)."""
        pipeline.set(self.key, 0, ex=self.expires, nx=True)
        pipeline.incr(self.key)


def rate_limit_entry(*, group: str, client: str, rate: str) -> RateLimitEntry:
    limit, period = _split_rate(rate)
    window = _get_window(client, period)
    key = cache.make_and_validate_key(_make_cache_key(group, window, rate, client, ALL))
    return RateLimitEntry(key=key, limit=limit, expires=period + EXPIRATION_FUDGE, window_end=window)


def rate_limit_hit(*, group: str, client: str, rate: str) -> tuple[int, int, float]:
    """Count one request of `client` in `group`: (requests in the current window, the limit,
    seconds until the window ends). Raises RedisError when Redis cannot be reached."""
    entry = rate_limit_entry(group=group, client=client, rate=rate)
    pipeline = cache._cache.get_client(entry.key, write=True).pipeline(transaction=False)  # type: ignore[attr-defined]
    entry.queue(pipeline)
    _created, count = pipeline.execute()
    return int(count), entry.limit, max(0.0, entry.window_end - time.time())


class PublicRateThrottle(BaseThrottle):
    """Per-IP limit for the public API. When Redis is unreachable, public reads are let through
    (they are cheap and cached) rather than refused: the limiter is a guard, not a dependency.
    Subclasses set another group and rate setting, and may fail closed."""

    group = "public-api"
    rate_setting = "PUBLIC_RATE_LIMIT"
    fail_closed = False

    def __init__(self) -> None:
        self._wait: float | None = None

    def entry(self, request: Request) -> RateLimitEntry:
        """Where this request is counted, for a view that counts it in its own Redis round trip
        (movoai.views.CountedContentMixin); then `judge` says whether it is let through."""
        return rate_limit_entry(
            group=self.group, client=client_ip(request._request), rate=getattr(settings, self.rate_setting)
        )

    def judge(self, count: int, entry: RateLimitEntry) -> bool:
        if count <= entry.limit:
            return True
        self._wait = float(max(1, int(entry.window_end - time.time())))
        return False

    def allow_request(self, request: Request, view: Any) -> bool:
        try:
            count, limit, time_left = rate_limit_hit(
                group=self.group, client=client_ip(request._request), rate=getattr(settings, self.rate_setting)
            )
        except RedisError as error:
            if self.fail_closed:
                logger.error("rate limiter unavailable, request refused: %s", error)
                raise ServiceUnavailable(
                    "The rate limiter is unavailable; try again shortly.", retry_after=OUTAGE_RETRY_AFTER_SECONDS
                ) from error
            logger.warning("rate limiter unavailable, request allowed: %s", error)
            return True
        if count <= limit:
            return True
        self._wait = float(max(1, int(time_left)))
        return False

    def wait(self) -> float | None:
        return self._wait


class LoginRateThrottle(PublicRateThrottle):
    """Login attempts per IP on every login route (LOGIN_RATE_LIMIT, 5 a minute by default), on
    top of the public limit. A guard against guessing: with Redis down it refuses (503)."""

    group = "auth-login"
    rate_setting = "LOGIN_RATE_LIMIT"
    fail_closed = True


class AIRateThrottle(PublicRateThrottle):
    """Calls per IP to the AI endpoints (AI_RATE_LIMIT, 20 a minute by default), on top of the public
    limit. Fails open like the public limit: with no model configured an answer costs little, and the
    daily per-user limit (ai_daily_quota_take) refuses when Redis is down."""

    group = "ai"
    rate_setting = "AI_RATE_LIMIT"


def _seconds_to_utc_midnight() -> int:
    now = datetime.datetime.now(datetime.UTC)
    midnight = datetime.datetime.combine(now.date() + datetime.timedelta(days=1), datetime.time(), datetime.UTC)
    return max(1, int((midnight - now).total_seconds()))


def ai_daily_quota_take(user_id: Any) -> None:
    """Count one AI call against a known user's daily allowance (AI_DAILY_LIMIT_PER_USER, per UTC
    day, in Redis); raise Throttled (429 with Retry-After until midnight UTC) beyond it, and
    ServiceUnavailable (503) when the counter cannot be reached."""
    limit = int(settings.AI_DAILY_LIMIT_PER_USER)
    key = cache_keys.ai_daily_calls(user_id, datetime.datetime.now(datetime.UTC).date().isoformat())
    try:
        cache.add(key, 0, timeout=60 * 60 * 25)
        used = cache.incr(key)
    except (RedisError, ValueError) as error:
        logger.error("AI daily limit unavailable, request refused: %s", error)
        raise ServiceUnavailable(
            "The AI usage counter is unavailable; try again shortly.", retry_after=OUTAGE_RETRY_AFTER_SECONDS
        ) from error
    if used > limit:
        raise Throttled(
            wait=_seconds_to_utc_midnight(),
            detail=f"This user has used today's {limit} AI requests; the allowance renews at midnight UTC.",
        )
