"""Every cache key of the project, in one place (after wger's utils/cache.py).

Library content (exercises, plans) is cached with the content version it was built at: changing any
of it bumps the version (`content_changed`), which makes every cached page and plan detail stale at
once, in one Redis INCR. Services that write content call it; nothing else does. A cached page is
read with the current version in one round trip (`content_bytes`: MGET of both).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from typing import Any

from django.core.cache import cache
from redis.exceptions import RedisError

logger = logging.getLogger("movoai.cache")

CONTENT_VERSION_KEY = "content:version"


def _fresh_version() -> int:
    # Starting from the clock (not from 1) means a version lost to eviction or a flush can never
    # come back to a number under which stale pages are still stored.
    return int(time.time() * 1000)


def _version(key: str) -> int:
    version = cache.get(key)
    if version is None:
        cache.add(key, _fresh_version(), timeout=None)
        version = cache.get(key, 0)
    return int(version)


def _bump(key: str) -> None:
    """Runs after the write has committed, so with Redis down it logs rather than fails the saved
    change."""
    try:
        try:
            cache.incr(key)
        except ValueError:  # no version stored: start a fresh one
            cache.add(key, _fresh_version(), timeout=None)
    except RedisError as error:
        logger.error("cache unavailable, cached pages under %s not invalidated: %s", key, error)


def content_version() -> int:
    """The current content version."""
    return _version(CONTENT_VERSION_KEY)


def content_changed() -> None:
    """Invalidate every cached exercise page and plan detail."""
    _bump(CONTENT_VERSION_KEY)


def _user_version_key(user_id: Any) -> str:
    return f"user:{user_id}:version"


def user_data_changed(user_id: Any) -> None:
    """Invalidate everything cached for one user (progress, plan progress): called by the services
    on every write to the user's plans or logs."""
    _bump(_user_version_key(user_id))


def user_progress(user_id: Any, today: str) -> str:
    return f"users:progress:v{_version(_user_version_key(user_id))}:{user_id}:{today}"


def user_plan_detail(user_id: Any, user_plan_id: int, lang: str, today: str) -> str:
    return f"users:plan:v{_version(_user_version_key(user_id))}:{user_id}:{user_plan_id}:{lang}:{today}"


def user_last_active(user_id: Any) -> str:
    return f"users:last-active:{user_id}"


def user_last_active_flushed(user_id: Any) -> str:
    return f"users:last-active-flushed:{user_id}"


def user_last_active_record(user_id: Any, when: str, *, timeout: int, flush_every: int) -> bool:
    """Store the user's last-active time and claim the window in which it is written to the
    database, in one round trip (cache.set then cache.add took two); True when this call opened a
    new window, so the caller writes the time to the users table. Raises RedisError."""
    dumps = cache._cache._serializer.dumps  # type: ignore[attr-defined]
    active_key = cache.make_and_validate_key(user_last_active(user_id))
    flushed_key = cache.make_and_validate_key(user_last_active_flushed(user_id))
    pipeline = cache._cache.get_client(active_key, write=True).pipeline(transaction=False)  # type: ignore[attr-defined]
    pipeline.set(active_key, dumps(when), ex=timeout)
    pipeline.set(flushed_key, dumps(1), ex=flush_every, nx=True)  # as cache.add
    _stored, opened = pipeline.execute()
    return bool(opened)


def _digest(params: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[:32]


def exercise_list(params: dict[str, Any]) -> str:
    return f"exercises:list:{_digest(params)}"


def exercise_search(params: dict[str, Any]) -> str:
    return f"exercises:search:{_digest(params)}"


def exercise_detail(exercise_id: int, lang: str) -> str:
    return f"exercises:detail:{exercise_id}:{lang}"


def plan_list(params: dict[str, Any]) -> str:
    return f"plans:list:{_digest(params)}"


def plan_detail(plan_id: int, lang: str) -> str:
    return f"plans:detail:{plan_id}:{lang}"


def ai_answer(endpoint: str, params: dict[str, Any], *, model: str) -> str:
    """An anonymous AI answer: the same input, library and model (or rules) give the same answer."""
    return f"ai:{endpoint}:v{content_version()}:{model}:{_digest(params)}"


def ai_daily_calls(user_id: Any, day: str) -> str:
    return f"ai:daily:{user_id}:{day}"


def idempotency(scope: str, key: str) -> str:
    """The record of a request sent with `Idempotency-Key: key` (movoai.idempotency); the client's
    key is hashed, so its length and characters never shape ours."""
    return f"idempotency:{scope}:{hashlib.sha256(key.encode()).hexdigest()}"


def _read_counted(key: str, rate_limit: Any) -> tuple[Any, Any, int]:
    """The content version and the cached value under `key`, and the request counted against its
    rate limit (RateLimitEntry), in one pipeline: one round trip for all three."""
    made = [cache.make_and_validate_key(CONTENT_VERSION_KEY), cache.make_and_validate_key(key)]
    client = cache._cache.get_client(rate_limit.key, write=True)  # type: ignore[attr-defined]
    pipeline = client.pipeline(transaction=False)
    rate_limit.queue(pipeline)
    pipeline.mget(made)
    _created, count, (raw_version, raw_cached) = pipeline.execute()
    loads = cache._cache._serializer.loads  # type: ignore[attr-defined]
    version = None if raw_version is None else loads(raw_version)
    cached = None if raw_cached is None else loads(raw_cached)
    return version, cached, int(count)


def content_bytes(
    key: str, build: Any, timeout: int | None = None, *, rate_limit: Any = None, admit: Any = None
) -> bytes:
    """Library content (a page of exercises or plans, one exercise or plan) cached under `key` with
    the content version it was built at, served only while that version is current; else `build()`
    stored. One round trip on a hit (the version and the page in one MGET), where a key made from the
    version needs two. A change racing a build only wastes it: the page carries the version read
    before the build, now stale. With Redis down the page is built every time. Given a rate limit
    entry (movoai.throttling), the request is counted in the same round trip and `admit(count)`
    decides, before any build, whether it goes on."""
    try:
        if rate_limit is None:
            found = cache.get_many([CONTENT_VERSION_KEY, key])
            version, cached = found.get(CONTENT_VERSION_KEY), found.get(key)
        else:
            version, cached, count = _read_counted(key, rate_limit)
            admit(count)  # raises when the client is over its limit: nothing is built
        if version is None:
            version = _version(CONTENT_VERSION_KEY)
    except RedisError as error:
        logger.warning("cache unavailable, answering uncached: %s", error)
        return bytes(build())
    if isinstance(cached, tuple) and len(cached) == 2 and cached[0] == int(version):
        return bytes(cached[1])
    body = bytes(build())
    try:
        cache.set(key, (int(version), body), timeout)
    except RedisError as error:
        logger.warning("cache unavailable, not stored: %s", error)
    return body


def cached_bytes(key_builder: Any, build: Any, timeout: int | None = None) -> bytes:
    """The cached value under the key `key_builder()` makes, else `build()` stored there.
    With Redis down the page is built every time: the cache is an accelerator, not a dependency."""
    try:
        key = key_builder()
        value = cache.get(key)
    except RedisError as error:
        logger.warning("cache unavailable, answering uncached: %s", error)
        return bytes(build())
    if value is None:
        value = bytes(build())
        try:
            cache.set(key, value, timeout)
        except RedisError as error:
            logger.warning("cache unavailable, not stored: %s", error)
    return bytes(value)
