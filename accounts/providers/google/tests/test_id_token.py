"""POST /api/v1/auth/google/login and /link with ID tokens signed like Google's, verified for real."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt as pyjwt
import pytest
from rest_framework.test import APIClient

from accounts.models import AuthMethod, User
from accounts.providers.google.tests.conftest import (
    ALICE_SUB,
    ANDROID_CLIENT_ID,
    BOB_SUB,
    CERTS,
    KEY_ID,
    OTHER_KEY,
    google_claims,
    id_token,
    sign,
)
from accounts.tokens import token_pair_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("google_certs")]

LOGIN = "/api/v1/auth/google/login"
LINK = "/api/v1/auth/google/link"


def login(api: APIClient, token: str, *, field: str = "id_token") -> Any:
    return api.post(LOGIN, {field: token}, format="json")


def bearer(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_for(user)['access']}")
    return client


def assert_refused(response: Any, status: int = 401) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert "access" not in body


# ---- login ---------------------------------------------------------------------------------------
def test_a_first_google_login_creates_the_account_and_returns_a_working_token_pair(api):
    response = login(api, id_token())

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["is_new_user"] is True
    assert body["token_type"] == "Bearer"
    assert body["access_expires_in"] == 15 * 60
    assert body["refresh_expires_in"] == 30 * 24 * 3600
    user = User.objects.get(id=body["user_id"])
    assert user.display_name == "Alice Martin"
    assert user.preferred_language == "fr"  # from the token's locale
    method = AuthMethod.objects.get(user=user)
    assert (method.provider, method.identifier, method.is_primary) == ("google", ALICE_SUB, True)
    assert method.data == {
        "email": "alice.martin@gmail.com",
        "name": "Alice Martin",
        "picture": "https://lh3.googleusercontent.com/a/alice",
    }
    # the access token authenticates: linking the same Google account again is accepted as a no-op
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    again = api.post(LINK, {"id_token": id_token()}, format="json")
    assert again.status_code == 200, again.content
    assert again.json()["method_id"] == method.id


def test_a_returning_user_gets_the_same_account_even_after_changing_email(api):
    first = login(api, id_token()).json()

    second = login(api, id_token(email="alice@martin.fr", hd="martin.fr"))

    assert second.status_code == 200, second.content
    assert second.json()["is_new_user"] is False
    assert second.json()["user_id"] == first["user_id"]
    assert AuthMethod.objects.filter(provider="google").count() == 1
    method = AuthMethod.objects.get(provider="google", identifier=ALICE_SUB)
    assert method.data["email"] == "alice@martin.fr"
    assert method.data["hd"] == "martin.fr"


def test_the_account_is_keyed_on_sub_not_on_the_email_address(api):
    alice = login(api, id_token()).json()

    # another Google account that now holds the same address (a recycled Workspace address)
    other = login(api, id_token(sub=BOB_SUB)).json()

    assert other["is_new_user"] is True
    assert other["user_id"] != alice["user_id"]


def test_a_stale_access_token_sent_along_does_not_block_the_login(api):
    api.credentials(HTTP_AUTHORIZATION="Bearer expired.or.garbage")

    response = login(api, id_token())

    assert response.status_code == 200, response.content


def test_the_gis_credential_field_and_the_android_client_id_are_accepted(api):
    response = login(api, id_token(aud=ANDROID_CLIENT_ID, azp=ANDROID_CLIENT_ID), field="credential")

    assert response.status_code == 200, response.content
    assert response.json()["is_new_user"] is True


@pytest.mark.parametrize(
    ("case", "changes"),
    [
        ("another site's client id", {"aud": "someone-else.apps.googleusercontent.com"}),
        ("expired an hour ago", {"iat": int(time.time()) - 7200, "exp": int(time.time()) - 3600}),
        ("expired a minute ago", {"exp": int(time.time()) - 60}),
        ("issued in the future", {"iat": int(time.time()) + 600}),
        ("another issuer", {"iss": "https://evil.example.com"}),
        ("no issuer", {"iss": None}),
        ("email not verified", {"email_verified": False}),
        ("email_verified missing", {"email_verified": None}),
        ("no subject", {"sub": ""}),
    ],
)
def test_a_token_with_bad_claims_is_a_401_and_creates_nothing(api, case, changes):
    users_before = User.objects.count()

    response = login(api, id_token(**changes))

    assert_refused(response)
    assert User.objects.count() == users_before, case
    assert not AuthMethod.objects.filter(provider="google").exists(), case


def test_a_tampered_token_is_a_401(api):
    header, payload, signature = id_token().split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = BOB_SUB
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()

    assert_refused(login(api, f"{header}.{forged}.{signature}"))
    assert not AuthMethod.objects.filter(identifier=BOB_SUB).exists()


def test_a_token_signed_by_another_key_is_a_401(api):
    assert_refused(login(api, sign(google_claims(), key=OTHER_KEY)))
    assert_refused(login(api, sign(google_claims(), key=OTHER_KEY, kid="unknown-key")))


def test_an_unsigned_token_is_a_401(api):
    unsigned = pyjwt.encode(google_claims(), key="", algorithm="none", headers={"kid": KEY_ID})

    assert_refused(login(api, unsigned))


def test_garbage_is_a_401(api):
    assert_refused(login(api, "not-a-jwt"))


def test_no_token_both_tokens_or_an_unknown_field_is_a_400(api):
    assert_refused(api.post(LOGIN, {}, format="json"), 400)
    assert_refused(api.post(LOGIN, {"id_token": id_token(), "credential": id_token()}, format="json"), 400)
    response = api.post(LOGIN, {"id_token": id_token(), "user_id": "3f0c9a57"}, format="json")
    assert_refused(response, 400)
    assert "user_id" in response.json()["errors"]


def test_without_configured_client_ids_google_login_is_a_503_and_never_verifies_without_audience(
    api, settings, google_certs
):
    settings.GOOGLE_CLIENT_IDS = []

    response = login(api, id_token())

    assert_refused(response, 503)
    assert google_certs.urls == []  # nothing was verified
    assert not User.objects.filter(auth_methods__provider="google").exists()


def test_google_certificates_unreachable_is_a_503(api, google_certs):
    google_certs.status = 500

    assert_refused(login(api, id_token()), 503)


def test_google_certificates_are_fetched_once_and_reused(api, google_certs):
    login(api, id_token())
    login(api, id_token(sub=BOB_SUB))

    assert google_certs.urls == ["https://www.googleapis.com/oauth2/v1/certs"]
    assert KEY_ID in CERTS


def test_the_sixth_login_attempt_in_a_minute_is_a_429_with_retry_after(api):
    for _ in range(5):
        assert login(api, "not-a-jwt").status_code == 401

    response = login(api, id_token())

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert not AuthMethod.objects.filter(provider="google").exists()


def test_the_limit_counts_per_ip(api):
    for _ in range(5):
        login(api, "not-a-jwt")

    response = api.post(LOGIN, {"id_token": id_token()}, format="json", REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 200


# ---- link ----------------------------------------------------------------------------------------
def test_bob_links_his_google_account_and_then_logs_in_with_it(api, bob):
    response = bearer(bob).post(LINK, {"id_token": id_token(sub=BOB_SUB, name="Bob B")}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["provider"] == "google"
    assert response.json()["details"]["email"] == "alice.martin@gmail.com"
    assert AuthMethod.objects.get(provider="google", identifier=BOB_SUB).user_id == bob.id

    again = login(api, id_token(sub=BOB_SUB)).json()
    assert again["user_id"] == str(bob.id)
    assert again["is_new_user"] is False


def test_linking_a_google_account_owned_by_another_account_is_a_409_that_reveals_nothing(api, bob):
    alice = login(api, id_token()).json()

    response = bearer(bob).post(LINK, {"id_token": id_token()}, format="json")

    assert_refused(response, 409)
    text = response.content.decode()
    assert alice["user_id"] not in text
    assert "alice" not in text.lower()
    assert AuthMethod.objects.get(provider="google", identifier=ALICE_SUB).user_id != bob.id
    assert not AuthMethod.objects.filter(user=bob).exists()


def test_linking_needs_an_access_token(api):
    assert_refused(api.post(LINK, {"id_token": id_token()}, format="json"), 401)
    assert not AuthMethod.objects.exists()


def test_linking_with_a_bad_google_token_is_a_401_and_links_nothing(bob):
    response = bearer(bob).post(LINK, {"id_token": id_token(aud="someone-else")}, format="json")

    assert_refused(response, 401)
    assert not AuthMethod.objects.filter(user=bob).exists()
