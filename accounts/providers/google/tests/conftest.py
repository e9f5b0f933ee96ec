"""Google, faked only at the HTTP boundary: a locally made RSA key signs real RS256 ID tokens, and
the certificate fetcher google-auth calls serves that key's X.509 certificate in the JSON format of
https://www.googleapis.com/oauth2/v1/certs. Everything else (signature, audience, issuer and
expiry checks, the database, Redis) is real.

The cast: Alice, who signs in with Google for the first time, and Bob, who already has an account.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt as pyjwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from google.auth import transport

from accounts.models import User
from accounts.providers.google import verify
from accounts.tests.factories import UserFactory

WEB_CLIENT_ID = "movoai-test-web.apps.googleusercontent.com"
ANDROID_CLIENT_ID = "movoai-test-android.apps.googleusercontent.com"
KEY_ID = "test-key-1"
ALICE_SUB = "110248495921238986420"
BOB_SUB = "104277113650993821005"


def _private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _certificate_pem(key: rsa.RSAPrivateKey) -> str:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "accounts.google.com-test")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


GOOGLE_KEY = _private_key()
OTHER_KEY = _private_key()  # a key Google never published
CERTS = {KEY_ID: _certificate_pem(GOOGLE_KEY)}


def sign(claims: Mapping[str, Any], *, key: rsa.RSAPrivateKey = GOOGLE_KEY, kid: str = KEY_ID) -> str:
    return pyjwt.encode(dict(claims), key, algorithm="RS256", headers={"kid": kid})


def google_claims(sub: str = ALICE_SUB, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": "https://accounts.google.com",
        "azp": WEB_CLIENT_ID,
        "aud": WEB_CLIENT_ID,
        "sub": sub,
        "email": "alice.martin@gmail.com",
        "email_verified": True,
        "name": "Alice Martin",
        "picture": "https://lh3.googleusercontent.com/a/alice",
        "given_name": "Alice",
        "locale": "fr",
        "iat": now,
        "exp": now + 3600,
    }
    claims.update(changes)
    return {key: value for key, value in claims.items() if value is not None}


def id_token(sub: str = ALICE_SUB, **changes: Any) -> str:
    return sign(google_claims(sub, **changes))


class _CertsResponse(transport.Response):
    def __init__(self, status: int, body: bytes) -> None:
        self._status, self._body = status, body

    @property
    def status(self) -> int:
        return self._status

    @property
    def headers(self) -> Mapping[str, str]:
        return {"Cache-Control": "public, max-age=20000, must-revalidate, no-transform"}

    @property
    def data(self) -> bytes:
        return self._body


@dataclass
class FakeGoogleCerts(transport.Request):
    """Google's certificate endpoint, served from memory. `status` 500 plays an outage."""

    status: int = 200
    urls: list[str] = field(default_factory=list)

    def __call__(
        self, url: Any, method: Any = "GET", body: Any = None, headers: Any = None, timeout: Any = None, **kw: Any
    ) -> Any:
        self.urls.append(url)
        return _CertsResponse(self.status, json.dumps(CERTS).encode() if self.status == 200 else b"error")


@pytest.fixture
def google_certs(monkeypatch: pytest.MonkeyPatch) -> FakeGoogleCerts:
    fake = FakeGoogleCerts()
    monkeypatch.setattr(verify, "certificate_transport", lambda: fake)
    return fake


@pytest.fixture
def bob(db: None) -> User:
    return UserFactory.create(display_name="Bob")
