"""The client's IP address: REMOTE_ADDR, or the hop our trusted proxies wrote in X-Forwarded-For."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory

from movoai.net import client_ip

PROXY = "10.0.0.2"


def client_ip_of(remote_addr: str | None = PROXY, forwarded_for: str | None = None) -> str:
    headers: dict[str, Any] = {}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    request = RequestFactory().get("/api/v1/exercises", **headers)
    if remote_addr is None:
        del request.META["REMOTE_ADDR"]
    else:
        request.META["REMOTE_ADDR"] = remote_addr
    return client_ip(request)


@pytest.mark.parametrize(
    ("forwarded_for", "expected"),
    [
        (None, PROXY),
        ("203.0.113.7", PROXY),
        ("1.2.3.4, 203.0.113.7", PROXY),
    ],
)
def test_without_trusted_proxies_x_forwarded_for_is_ignored(settings, forwarded_for, expected):
    settings.TRUSTED_PROXY_COUNT = 0

    assert client_ip_of(forwarded_for=forwarded_for) == expected


@pytest.mark.parametrize(
    ("forwarded_for", "expected"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("1.2.3.4, 203.0.113.7", "203.0.113.7"),
        ("1.2.3.4,203.0.113.7 ", "203.0.113.7"),
        ("1.2.3.4, 2001:DB8::1", "2001:db8::1"),
        ("203.0.113.7, not-an-ip", PROXY),
        ("203.0.113.7, 999.1.1.1", PROXY),
        ("", PROXY),
        (" , ", PROXY),
        (None, PROXY),
    ],
)
def test_behind_one_trusted_proxy_the_last_hop_is_the_client(settings, forwarded_for, expected):
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_ip_of(forwarded_for=forwarded_for) == expected


def test_behind_two_trusted_proxies_the_second_hop_from_the_right_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 2

    assert client_ip_of(forwarded_for="6.6.6.6, 203.0.113.7, 10.0.0.1") == "203.0.113.7"
    assert client_ip_of(forwarded_for="203.0.113.7") == PROXY


def test_a_request_without_remote_addr_is_unknown(settings):
    settings.TRUSTED_PROXY_COUNT = 0

    assert client_ip_of(remote_addr=None) == "unknown"
