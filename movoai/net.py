"""The client's IP address, for rate limits and logs."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, unless TRUSTED_PROXY_COUNT proxies stand in front of us: then the address the
    outermost trusted proxy saw, read from the right of X-Forwarded-For. Entries further left are
    written by the client and never trusted, so a spoofed header cannot open a fresh bucket."""
    remote = str(request.META.get("REMOTE_ADDR") or "unknown")
    trusted = settings.TRUSTED_PROXY_COUNT
    if trusted <= 0:
        return remote
    hops = [hop.strip() for hop in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if hop.strip()]
    if len(hops) < trusted:
        return remote
    candidate = hops[-trusted]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
