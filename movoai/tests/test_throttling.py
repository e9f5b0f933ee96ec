"""The public rate limit, counted in the real Redis: N requests a minute per client IP, then a 429
problem with Retry-After; a spoofed X-Forwarded-For never opens a fresh bucket."""

from __future__ import annotations

import random
import time
from typing import Any

import pytest
from django.test import override_settings
from django_ratelimit.core import _get_window
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

URL = "/api/v1/workout-plans/featured"
LIMIT = 5


@pytest.fixture(autouse=True)
def _five_a_minute(settings: Any) -> None:
    settings.PUBLIC_RATE_LIMIT = f"{LIMIT}/m"
    settings.TRUSTED_PROXY_COUNT = 0


def address_with_time_left(prefix: str, seconds: int = 20) -> str:
    """An address whose one-minute counting window ends at least `seconds` from now, so that a
    test's burst never straddles two windows (each address's window is offset by a hash of it)."""
    for last in range(1, 255):
        address = f"{prefix}.{last}"
        if _get_window(address, 60) - time.time() >= seconds:
            return address
    raise AssertionError("no address found")  # pragma: no cover - 60-second windows, 254 tries


def random_address() -> str:
    return ".".join(str(random.randint(1, 223)) for _ in range(4))


def burst(api: APIClient, count: int, **headers: Any) -> list[int]:
    return [api.get(URL, **headers).status_code for _ in range(count)]


def test_the_request_over_the_limit_is_a_429_problem_with_retry_after(api):
    dave = address_with_time_left("203.0.113")

    assert burst(api, LIMIT, REMOTE_ADDR=dave) == [200] * LIMIT
    response = api.get(URL, REMOTE_ADDR=dave)

    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 429
    assert body["title"] == "Too many requests"
    retry_after = response["Retry-After"]
    assert retry_after.isdigit()
    assert 0 < int(retry_after) <= 60


def test_each_client_address_has_its_own_bucket(api):
    dave = address_with_time_left("203.0.113")
    erin = address_with_time_left("198.51.100")

    assert burst(api, LIMIT + 1, REMOTE_ADDR=dave)[-1] == 429

    assert burst(api, LIMIT, REMOTE_ADDR=erin) == [200] * LIMIT
    assert api.get(URL, REMOTE_ADDR=dave).status_code == 429


def test_a_random_x_forwarded_for_does_not_open_a_fresh_bucket(api):
    dave = address_with_time_left("203.0.113")

    statuses = [
        api.get(URL, REMOTE_ADDR=dave, HTTP_X_FORWARDED_FOR=random_address()).status_code for _ in range(LIMIT + 1)
    ]

    assert statuses == [200] * LIMIT + [429]


def test_behind_one_trusted_proxy_the_last_forwarded_hop_is_the_client(api, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    dave = address_with_time_left("203.0.113")
    erin = address_with_time_left("198.51.100")

    # Dave prepends a random address on each request: only the hop the proxy appended counts.
    statuses = [
        api.get(URL, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=f"{random_address()}, {dave}").status_code
        for _ in range(LIMIT + 1)
    ]
    assert statuses == [200] * LIMIT + [429]

    # Erin, behind the same proxy, is not limited by Dave's requests.
    assert api.get(URL, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=erin).status_code == 200


def test_health_is_not_rate_limited(api):
    dave = address_with_time_left("203.0.113")

    assert burst(api, LIMIT + 3, REMOTE_ADDR=dave) == [200] * LIMIT + [429] * 3
    assert api.get("/api/v1/health", REMOTE_ADDR=dave).status_code == 200


def test_with_redis_unreachable_requests_are_let_through(api, settings):
    unreachable = {"default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}}

    with override_settings(CACHES=unreachable):
        statuses = burst(api, LIMIT + 2)

    assert statuses == [200] * (LIMIT + 2)


# The cached content views count the limit in the same Redis round trip as their cache read.


def test_a_cached_page_counts_against_the_limit_like_any_other(api):
    dave = address_with_time_left("203.0.113")
    api.get("/api/v1/exercises/3", REMOTE_ADDR=address_with_time_left("198.51.100"))  # now cached

    statuses = [api.get("/api/v1/exercises/3", REMOTE_ADDR=dave).status_code for _ in range(LIMIT + 1)]

    assert statuses == [200] * LIMIT + [429]


def test_requests_with_a_bad_parameter_count_too_and_get_the_429_once_over(api):
    dave = address_with_time_left("203.0.113")

    statuses = [api.get(URL, {"bogus": "1"}, REMOTE_ADDR=dave).status_code for _ in range(LIMIT + 1)]

    assert statuses == [400] * LIMIT + [429]
    assert api.get(URL, REMOTE_ADDR=dave).status_code == 429


def test_an_over_limit_client_builds_no_page(api, django_assert_num_queries):
    dave = address_with_time_left("203.0.113")
    burst(api, LIMIT, REMOTE_ADDR=dave)

    with django_assert_num_queries(0):  # the uncached plan detail is not rendered for a refused client
        response = api.get("/api/v1/workout-plans/1", REMOTE_ADDR=dave)

    assert response.status_code == 429
