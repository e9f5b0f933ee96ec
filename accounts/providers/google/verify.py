"""Google sign-in: verify an ID token from Google Identity Services and turn it into an Identity.

The token is an RS256 JWT signed with one of Google's rotating keys, published as PEM certificates
at CERTS_URL. google-auth checks the signature, `iat`/`exp` and the audience (always one of our
GOOGLE_CLIENT_IDS: a token minted for another site must never log in here); we add the issuer and
`email_verified`. The certificates are cached in Redis for as long as Google's Cache-Control allows,
so a login does not wait for a request to Google.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

import jwt as pyjwt
from django.conf import settings
from django.core.cache import cache
from google.auth import exceptions as google_exceptions
from google.auth import transport
from google.auth.transport.requests import Request as RequestsTransport
from google.oauth2 import id_token as google_id_token
from rest_framework.exceptions import AuthenticationFailed

from accounts.identity import Identity
from movoai.errors import ServiceUnavailable

logger = logging.getLogger("movoai.auth.google")

PROVIDER = "google"
CERTS_URL = "https://www.googleapis.com/oauth2/v1/certs"
ISSUERS = ("accounts.google.com", "https://accounts.google.com")
CLOCK_SKEW_SECONDS = 10
CERTS_TIMEOUT_SECONDS = 5
CERTS_CACHE_KEY = "auth:google:certs"
CERTS_DEFAULT_MAX_AGE = 3600
CERTS_LONGEST_MAX_AGE = 6 * 3600
_MAX_AGE = re.compile(r"max-age=(\d+)")


class GoogleTokenInvalid(AuthenticationFailed):
    default_detail = "The Google ID token is invalid or expired."
    default_code = "google_token_invalid"


class _StoredResponse(transport.Response):
    """A certificates answer read back from the cache."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    @property
    def status(self) -> int:
        return 200

    @property
    def headers(self) -> Mapping[str, str]:
        return {}

    @property
    def data(self) -> bytes:
        return self._data


class CachedCertsRequest(transport.Request):
    """Wraps a google-auth transport: GETs of Google's certificates are answered from Redis while
    Google's max-age lasts (at most 6 hours), with a short timeout when they are fetched."""

    def __init__(self, transport_request: transport.Request) -> None:
        self.transport_request = transport_request

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> transport.Response:
        if method != "GET" or url != CERTS_URL:
            passed: transport.Response = self.transport_request(
                url, method=method, body=body, headers=headers, timeout=timeout, **kwargs
            )
            return passed
        stored = cache.get(CERTS_CACHE_KEY)
        if isinstance(stored, bytes):
            return _StoredResponse(stored)
        response: transport.Response = self.transport_request(
            url, method="GET", headers=headers, timeout=timeout or CERTS_TIMEOUT_SECONDS
        )
        if response.status == 200:
            cache.set(CERTS_CACHE_KEY, bytes(response.data), _max_age(response.headers))
        return response


def _max_age(headers: Mapping[str, str]) -> int:
    cache_control = next((value for name, value in headers.items() if name.lower() == "cache-control"), "")
    match = _MAX_AGE.search(cache_control)
    seconds = int(match.group(1)) if match else CERTS_DEFAULT_MAX_AGE
    return max(1, min(seconds, CERTS_LONGEST_MAX_AGE))


def _google_transport() -> transport.Request:
    return RequestsTransport()


# The HTTP transport that fetches the certificates. Tests replace it with one serving a local certificate.
certificate_transport: Callable[[], transport.Request] = _google_transport


def configured_client_ids() -> list[str]:
    return [client_id for client_id in settings.GOOGLE_CLIENT_IDS if client_id]


def verify_id_token(token: str, *, request: transport.Request | None = None) -> dict[str, Any]:
    """The verified claims of a Google ID token meant for one of our client ids. Raises
    GoogleTokenInvalid (401) for a bad signature, audience, issuer or expiry and for an email
    Google has not verified; ServiceUnavailable (503) when no client id is configured or Google's
    certificates cannot be fetched."""
    client_ids = configured_client_ids()
    if not client_ids:
        # Verifying with the audience unset would accept any site's Google token.
        raise ServiceUnavailable("Google sign-in is not configured on this server.")
    certs_request = request if request is not None else CachedCertsRequest(certificate_transport())
    try:
        claims = dict(
            google_id_token.verify_token(
                token,
                certs_request,
                audience=client_ids,
                certs_url=CERTS_URL,
                clock_skew_in_seconds=CLOCK_SKEW_SECONDS,
            )
        )
    except google_exceptions.TransportError as error:
        logger.warning("Google certificates unavailable: %s", error)
        raise ServiceUnavailable("Google's signing keys could not be fetched; try again shortly.") from error
    except (google_exceptions.GoogleAuthError, ValueError, pyjwt.PyJWTError) as error:
        logger.info("Google ID token refused: %s", error)
        raise GoogleTokenInvalid() from error
    if claims.get("iss") not in ISSUERS:
        raise GoogleTokenInvalid("The Google ID token was not issued by Google.")
    if not claims.get("sub"):
        raise GoogleTokenInvalid()
    if not email_is_verified(claims):
        raise GoogleTokenInvalid("Google has not verified this account's email address.")
    return claims


def email_is_verified(claims: Mapping[str, Any]) -> bool:
    # Google sends a JSON boolean; very old tokens carried the string "true".
    return claims.get("email_verified") in (True, "true")


def identity_from_claims(claims: Mapping[str, Any]) -> Identity:
    """The Identity of a Google account from verified ID-token claims or userinfo: keyed on `sub`,
    Google's stable account id (an email address can change hands)."""
    locale = str(claims.get("locale") or "")
    name = str(claims.get("name") or "")
    return Identity(
        provider=PROVIDER,
        identifier=str(claims["sub"]),
        data={key: claims[key] for key in ("email", "name", "picture", "hd") if claims.get(key)},
        display_name=name,
        language=locale.split("-")[0].split("_")[0].lower() or None,
    )


def google_identity(token: str, *, request: transport.Request | None = None) -> Identity:
    """Verify a Google ID token and return the identity it proves."""
    return identity_from_claims(verify_id_token(token, request=request))
