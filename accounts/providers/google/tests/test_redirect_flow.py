"""The Google redirect flow: GET /login -> Google -> GET /callback -> frontend ?code= -> POST /exchange.

social-auth runs for real (state in the session, single-use nonce, token request, userinfo); only
its HTTP calls to Google are answered by a fake (`GoogleRedirectBackend.request`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.models import AuthMethod, User
from accounts.providers.google import exchange
from accounts.providers.google.pipeline import GoogleRedirectBackend
from accounts.providers.google.tests.conftest import ALICE_SUB, BOB_SUB, google_claims

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/google/login"
CALLBACK = "/api/v1/auth/google/callback"
EXCHANGE = "/api/v1/auth/google/exchange"
FRONTEND = "https://app.movoai.test/auth/callback"
CLIENT_ID = "movoai-test-web.apps.googleusercontent.com"
CLIENT_SECRET = "test-client-secret"
GOOGLE_CODE = "4/0AfJohXn-google-authorization-code"
GOOGLE_ACCESS_TOKEN = "ya29.test-google-access-token"


@dataclass
class FakeGoogle:
    """Google's token and userinfo endpoints as social-auth's backend calls them."""

    userinfo: dict[str, Any] = field(default_factory=lambda: google_claims())
    calls: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    def request(self, backend: Any, url: str, *, method: str = "GET", **kwargs: Any) -> requests.Response:
        self.calls.append((method, url, kwargs))
        if url == "https://accounts.google.com/o/oauth2/token":
            assert kwargs["data"]["code"] == GOOGLE_CODE
            body: dict[str, Any] = {"access_token": GOOGLE_ACCESS_TOKEN, "token_type": "Bearer", "expires_in": 3599}
        elif url == "https://www.googleapis.com/oauth2/v3/userinfo":
            assert kwargs["headers"]["Authorization"] == f"Bearer {GOOGLE_ACCESS_TOKEN}"
            body = {
                key: value for key, value in self.userinfo.items() if key not in ("iss", "aud", "azp", "iat", "exp")
            }
        else:
            raise AssertionError(f"unexpected request to {url}")
        response = requests.Response()
        response.status_code = 200
        response._content = json.dumps(body).encode()
        response.headers["Content-Type"] = "application/json"
        return response


@pytest.fixture
def google(monkeypatch: pytest.MonkeyPatch, settings: Any) -> FakeGoogle:
    settings.SOCIAL_AUTH_GOOGLE_OAUTH2_KEY = CLIENT_ID
    settings.SOCIAL_AUTH_GOOGLE_OAUTH2_SECRET = CLIENT_SECRET
    settings.FRONTEND_LOGIN_REDIRECT_URL = FRONTEND
    fake = FakeGoogle()
    monkeypatch.setattr(GoogleRedirectBackend, "request", lambda backend, url, **kw: fake.request(backend, url, **kw))
    return fake


def start(browser: APIClient) -> str:
    """Follow GET /login to Google's consent page; the state Google will echo back."""
    response = browser.get(LOGIN)
    assert response.status_code == 302, response.content
    target = urlsplit(response["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == "https://accounts.google.com/o/oauth2/auth"
    query = parse_qs(target.query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["redirect_uri"] == [f"http://testserver{CALLBACK}"]
    assert query["response_type"] == ["code"]
    assert set(query["scope"][0].split()) == {"openid", "email", "profile"}
    return query["state"][0]


def callback(browser: APIClient, **params: str) -> dict[str, list[str]]:
    """Google's redirect back; the query the frontend receives."""
    response = browser.get(CALLBACK, params)
    assert response.status_code == 302, response.content
    location = response["Location"]
    assert location.startswith(FRONTEND + "?")
    assert "eyJ" not in location  # never a token (JWT) in a URL
    return parse_qs(urlsplit(location).query)


def token_requests(google: FakeGoogle) -> int:
    return sum(1 for _, url, _ in google.calls if url.endswith("/token"))


def test_the_redirect_flow_ends_with_a_code_that_trades_once_for_tokens(api, google):
    state = start(api)

    frontend = callback(api, state=state, code=GOOGLE_CODE, scope="openid email profile")

    assert set(frontend) == {"code"}
    code = frontend["code"][0]
    method = AuthMethod.objects.get(provider="google", identifier=ALICE_SUB)
    assert method.data["email"] == "alice.martin@gmail.com"
    assert method.user.display_name == "Alice Martin"
    # Google got our secret and the same redirect_uri with the code
    _, _, token_call = next(call for call in google.calls if call[1].endswith("/token"))
    assert token_call["data"]["client_secret"] == CLIENT_SECRET
    assert token_call["data"]["redirect_uri"] == f"http://testserver{CALLBACK}"

    tokens = APIClient().post(EXCHANGE, {"code": code}, format="json")
    assert tokens.status_code == 200, tokens.content
    assert tokens.json()["user_id"] == str(method.user_id)
    assert tokens.json()["is_new_user"] is True
    assert tokens["Cache-Control"] == "no-store"
    # the access token works
    me = APIClient()
    me.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens.json()['access']}")
    assert me.post("/api/v1/auth/google/link", {}, format="json").status_code == 400  # authenticated, no id_token

    replay = APIClient().post(EXCHANGE, {"code": code}, format="json")
    assert replay.status_code == 400
    assert replay["Content-Type"] == "application/problem+json"
    assert "access" not in replay.json()


def test_a_returning_user_comes_back_to_the_same_account(api, google):
    callback(api, state=start(api), code=GOOGLE_CODE)
    first = User.objects.get(auth_methods__identifier=ALICE_SUB)

    code = callback(api, state=start(api), code=GOOGLE_CODE)["code"][0]

    body = api.post(EXCHANGE, {"code": code}, format="json").json()
    assert body["user_id"] == str(first.id)
    assert body["is_new_user"] is False


def test_a_wrong_state_is_refused_before_google_is_asked(api, google):
    start(api)

    frontend = callback(api, state="forged-state-value", code=GOOGLE_CODE)

    assert frontend == {"error": ["state_mismatch"]}
    assert token_requests(google) == 0
    assert not AuthMethod.objects.exists()


def test_a_missing_state_is_refused(api, google):
    start(api)

    assert callback(api, code=GOOGLE_CODE) == {"error": ["state_mismatch"]}
    assert token_requests(google) == 0


def test_a_state_given_to_another_browser_is_refused(api, google):
    state = start(api)
    attacker = APIClient()
    start(attacker)

    assert callback(attacker, state=state, code=GOOGLE_CODE) == {"error": ["state_mismatch"]}
    assert not AuthMethod.objects.exists()


def test_a_state_works_once(api, google):
    state = start(api)
    assert "code" in callback(api, state=state, code=GOOGLE_CODE)

    assert callback(api, state=state, code=GOOGLE_CODE) == {"error": ["state_mismatch"]}
    assert token_requests(google) == 1


def test_a_user_who_cancels_on_google_is_sent_back_with_access_denied(api, google):
    state = start(api)

    assert callback(api, state=state, error="access_denied") == {"error": ["access_denied"]}
    assert token_requests(google) == 0


def test_an_unverified_google_email_is_refused(api, google):
    google.userinfo = google_claims(sub=BOB_SUB, email_verified=False)

    frontend = callback(api, state=start(api), code=GOOGLE_CODE)

    assert frontend == {"error": ["email_not_verified"]}
    assert not AuthMethod.objects.exists()


def test_the_frontend_url_keeps_its_own_query(api, google, settings):
    settings.FRONTEND_LOGIN_REDIRECT_URL = FRONTEND + "?next=%2Fplans"

    frontend = callback(api, state=start(api), code=GOOGLE_CODE)

    assert frontend["next"] == ["/plans"]
    assert len(frontend["code"][0]) >= 40


@pytest.mark.parametrize("missing", ["SOCIAL_AUTH_GOOGLE_OAUTH2_KEY", "SOCIAL_AUTH_GOOGLE_OAUTH2_SECRET"])
def test_without_client_id_or_secret_the_redirect_flow_is_a_503(api, google, settings, missing):
    setattr(settings, missing, "")

    for path in (LOGIN, CALLBACK):
        response = api.get(path, {"state": "x", "code": GOOGLE_CODE} if path == CALLBACK else {})
        assert response.status_code == 503, path
        assert response["Content-Type"] == "application/problem+json"
    assert google.calls == []


# ---- exchange codes ------------------------------------------------------------------------------
def test_an_exchange_code_lives_60_seconds_in_redis(bob):
    code = exchange.exchange_code_issue(user=bob, is_new_user=False)

    key = cache.make_and_validate_key(exchange._key(code))
    ttl = cache._cache.get_client(key).ttl(key)  # type: ignore[attr-defined]
    assert 55 <= ttl <= 60
    assert code not in key  # only a hash of the code is stored


def test_an_expired_exchange_code_is_refused(api, bob):
    code = exchange.exchange_code_issue(user=bob, is_new_user=False)
    key = cache.make_and_validate_key(exchange._key(code))
    cache._cache.get_client(key, write=True).pexpire(key, 1)  # type: ignore[attr-defined]  # 60 s have passed
    while cache._cache.get_client(key).exists(key):  # type: ignore[attr-defined]
        pass

    response = api.post(EXCHANGE, {"code": code}, format="json")

    assert response.status_code == 400
    assert "code" in response.json()["errors"]


def test_an_unknown_exchange_code_is_refused(api):
    response = api.post(EXCHANGE, {"code": "made-up"}, format="json")

    assert response.status_code == 400
    assert "access" not in response.json()


def test_an_exchange_code_of_a_deactivated_account_gives_no_tokens(api, bob):
    code = exchange.exchange_code_issue(user=bob, is_new_user=False)
    User.objects.filter(id=bob.id).update(is_active=False)

    assert api.post(EXCHANGE, {"code": code}, format="json").status_code == 400


def test_exchanging_codes_is_rate_limited_like_a_login(api, bob):
    for _ in range(5):
        api.post(EXCHANGE, {"code": "guess"}, format="json")

    code = exchange.exchange_code_issue(user=bob, is_new_user=False)
    response = api.post(EXCHANGE, {"code": code}, format="json")

    assert response.status_code == 429
    assert "Retry-After" in response
