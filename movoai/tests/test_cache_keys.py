"""Library content cached under one content version: a content change makes every cached page stale
at once; the cache accelerates but is never needed."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.core.cache import cache
from django.test import override_settings

from movoai import cache_keys


@pytest.fixture
def unreachable_cache(settings: Any) -> dict[str, Any]:
    return {"default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}}


class Builder:
    """Renders a page and counts how often it had to."""

    def __init__(self, body: bytes = b'{"results": []}') -> None:
        self.body = body
        self.calls = 0

    def __call__(self) -> bytes:
        self.calls += 1
        return self.body


def test_the_content_version_is_stable_until_content_changes():
    version = cache_keys.content_version()

    assert cache_keys.content_version() == version
    cache_keys.content_changed()
    assert cache_keys.content_version() == version + 1
    cache_keys.content_changed()
    assert cache_keys.content_version() == version + 2


def test_a_content_change_makes_every_kind_of_cached_content_stale():
    params = {"view": "WorkoutPlanListView", "lang": "en", "page": 1}
    keys = [
        cache_keys.plan_list(params),
        cache_keys.plan_detail(3, "fr"),
        cache_keys.exercise_list(params),
        cache_keys.exercise_search(params),
        cache_keys.exercise_detail(3, "fr"),
    ]
    builds = [Builder(f"page {n}".encode()) for n in range(len(keys))]
    for key, build in zip(keys, builds, strict=True):
        cache_keys.content_bytes(key, build)
        cache_keys.content_bytes(key, build)
    assert [build.calls for build in builds] == [1] * len(keys)

    cache_keys.content_changed()

    for key, build in zip(keys, builds, strict=True):
        assert cache_keys.content_bytes(key, build) == build.body
    assert [build.calls for build in builds] == [2] * len(keys)


def test_a_page_built_while_content_changed_is_not_served_after_the_change():
    key = cache_keys.plan_detail(1, "en")

    def build_during_a_change() -> bytes:
        cache_keys.content_changed()  # staff save while the old page was being rendered
        return b"old"

    assert cache_keys.content_bytes(key, build_during_a_change) == b"old"
    fresh = Builder(b"new")
    assert cache_keys.content_bytes(key, fresh) == b"new"
    assert cache_keys.content_bytes(key, fresh) == b"new"
    assert fresh.calls == 1


def test_keys_differ_by_parameters_and_language():
    assert cache_keys.plan_list({"goal": "strength"}) != cache_keys.plan_list({"goal": "mobility"})
    assert cache_keys.plan_list({"a": 1, "b": 2}) == cache_keys.plan_list({"b": 2, "a": 1})
    assert cache_keys.plan_detail(3, "en") != cache_keys.plan_detail(3, "fr")
    assert cache_keys.plan_detail(3, "en") != cache_keys.exercise_detail(3, "en")


def test_a_lost_version_restarts_from_the_clock_not_from_1():
    cache_keys.content_version()
    cache.delete(cache_keys.CONTENT_VERSION_KEY)
    now_ms = int(time.time() * 1000)

    version = cache_keys.content_version()

    assert version >= now_ms
    assert cache_keys.content_version() == version


def test_a_change_with_no_version_stored_starts_a_fresh_one():
    cache.delete(cache_keys.CONTENT_VERSION_KEY)
    now_ms = int(time.time() * 1000)

    cache_keys.content_changed()

    assert cache_keys.content_version() >= now_ms


def test_cached_bytes_builds_once_then_serves_from_the_cache():
    build = Builder()
    key = cache_keys.plan_detail(1, "en")

    first = cache_keys.cached_bytes(lambda: key, build)
    second = cache_keys.cached_bytes(lambda: key, build)

    assert first == second == build.body
    assert build.calls == 1
    assert cache.get(key) == build.body


def test_content_bytes_builds_once_then_serves_from_the_cache():
    build = Builder()
    key = cache_keys.exercise_detail(1, "fr")

    first = cache_keys.content_bytes(key, build)
    second = cache_keys.content_bytes(key, build)

    assert first == second == build.body
    assert build.calls == 1


def test_a_failed_build_stores_nothing():
    def failing_build() -> bytes:
        raise LookupError("no such plan")

    with pytest.raises(LookupError):
        cache_keys.cached_bytes(lambda: "plans:detail:test", failing_build)

    build = Builder()
    assert cache_keys.cached_bytes(lambda: "plans:detail:test", build) == build.body
    assert build.calls == 1


def test_with_redis_unreachable_cached_bytes_still_builds(unreachable_cache):
    build = Builder()

    with override_settings(CACHES=unreachable_cache):
        first = cache_keys.cached_bytes(lambda: cache_keys.plan_detail(1, "en"), build)
        second = cache_keys.content_bytes(cache_keys.plan_detail(1, "en"), build)

    assert first == second == build.body
    assert build.calls == 2


def test_with_redis_unreachable_a_content_change_raises_nothing(unreachable_cache):
    with override_settings(CACHES=unreachable_cache):
        cache_keys.content_changed()
