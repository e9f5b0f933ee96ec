"""POST /api/v1/auth/refresh, POST /api/v1/auth/logout, and what a Bearer token must be."""

from __future__ import annotations

import base64
import datetime
import json
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.tests.test_tokens import DAY, MONDAY, FrozenClock, claims
from accounts.tokens import token_pair_for
from movoai.tests.concurrency import race

REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
PROBLEM = "application/problem+json"
SIGNING_KEY = str(settings.SIMPLE_JWT["SIGNING_KEY"])


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    frozen = FrozenClock(monkeypatch)
    frozen.set(MONDAY)
    return frozen


def refresh(api: APIClient, token: str, **headers: str) -> Any:
    return api.post(REFRESH, {"refresh": token}, format="json", headers=headers)


def logout(api: APIClient, access: str | None, body: dict[str, Any]) -> Any:
    headers = {"Authorization": f"Bearer {access}"} if access else {}
    return api.post(LOGOUT, body, format="json", headers=headers)


def assert_401_problem(response: Any) -> None:
    assert response.status_code == 401, response.content
    assert response["Content-Type"] == PROBLEM
    assert response.json()["status"] == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


# ---- refresh ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_refresh_answers_a_new_pair_never_cached(api, alice):
    login = token_pair_for(alice)

    response = refresh(api, login["refresh"])

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"access", "refresh", "token_type", "access_expires_in", "refresh_expires_in"}
    assert body["refresh"] != login["refresh"]
    assert claims(body["access"])["user_id"] == str(alice.id)
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_the_old_refresh_token_is_refused_and_its_reuse_kills_the_newest(api, alice):
    login = token_pair_for(alice)
    newest = refresh(api, login["refresh"]).json()

    reused = refresh(api, login["refresh"])

    assert_401_problem(reused)
    assert "already used" in reused.json()["detail"]
    assert_401_problem(refresh(api, newest["refresh"]))


@pytest.mark.django_db
def test_refresh_takes_the_refresh_token_alias(api, alice):
    login = token_pair_for(alice)

    response = api.post(REFRESH, {"refresh_token": login["refresh"]}, format="json")

    assert response.status_code == 200, response.content


@pytest.mark.django_db
def test_refresh_with_both_names_takes_them_if_equal(api, alice):
    token = token_pair_for(alice)["refresh"]

    same = api.post(REFRESH, {"refresh": token, "refresh_token": token}, format="json")
    other = token_pair_for(alice)["refresh"]
    different = api.post(REFRESH, {"refresh": other, "refresh_token": token}, format="json")

    assert same.status_code == 200, same.content
    assert different.status_code == 400
    assert "refresh_token" in different.json()["errors"]


@pytest.mark.django_db
def test_refresh_ignores_an_expired_access_token_sent_along(api, clock, alice):
    login = token_pair_for(alice)
    clock.advance(datetime.timedelta(minutes=16))

    response = refresh(api, login["refresh"], Authorization=f"Bearer {login['access']}")

    assert response.status_code == 200, response.content


@pytest.mark.django_db
@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "garbage.token.value",
        pytest.param("access", id="an access token"),
        pytest.param("tampered", id="a changed payload"),
    ],
)
def test_a_bad_refresh_token_is_a_401_problem(api, alice, token):
    login = token_pair_for(alice)
    if token == "access":
        token = login["access"]
    elif token == "tampered":
        head, _, signature = login["refresh"].split(".")
        token = f"{head}.{b64({**claims(login['refresh']), 'auth_time': 2_000_000_000})}.{signature}"

    assert_401_problem(refresh(api, token))


@pytest.mark.django_db
def test_an_expired_refresh_token_is_a_401_problem(api, clock, alice):
    login = token_pair_for(alice)
    clock.advance(31 * DAY)

    response = refresh(api, login["refresh"])

    assert_401_problem(response)
    assert "expired" in response.json()["detail"]


@pytest.mark.django_db
def test_a_refresh_without_a_token_names_the_field(api):
    response = api.post(REFRESH, {}, format="json")

    assert response.status_code == 400
    assert "refresh" in response.json()["errors"]


@pytest.mark.django_db
@pytest.mark.parametrize(("login_days_ago", "status"), [(89, 200), (91, 401)])
def test_refresh_stops_90_days_after_the_login(api, clock, alice, login_days_ago, status):
    pair = token_pair_for(alice, auth_time=int((MONDAY - login_days_ago * DAY).timestamp()))

    response = refresh(api, pair["refresh"])

    assert response.status_code == status, response.content
    if status == 401:
        assert_401_problem(response)


# ---- users that are gone ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_deactivated_user_is_refused_on_refresh_and_on_bearer(api, alice):
    pair = token_pair_for(alice)
    User.objects.filter(pk=alice.pk).update(is_active=False)

    assert_401_problem(refresh(api, pair["refresh"]))
    assert_401_problem(logout(api, pair["access"], {"all": True}))


@pytest.mark.django_db
def test_a_deleted_user_is_refused_on_refresh_and_on_bearer(api, alice):
    pair = token_pair_for(alice)
    alice.delete()

    assert_401_problem(refresh(api, pair["refresh"]))
    assert_401_problem(logout(api, pair["access"], {"all": True}))


# ---- logout ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_logout_ends_the_session(api, alice):
    pair = token_pair_for(alice)

    response = logout(api, pair["access"], {"refresh": pair["refresh"], "refresh_token": pair["refresh"]})

    assert response.status_code == 204, response.content
    assert_401_problem(refresh(api, pair["refresh"]))


@pytest.mark.django_db
def test_logout_of_another_users_refresh_token_is_refused_and_revokes_nothing(api, alice, bob):
    alices, bobs = token_pair_for(alice), token_pair_for(bob)

    response = logout(api, alices["access"], {"refresh": bobs["refresh"]})

    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
    assert refresh(api, bobs["refresh"]).status_code == 200
    assert refresh(api, alices["refresh"]).status_code == 200


@pytest.mark.django_db
def test_logout_everywhere_ends_every_session(api, alice):
    phone, laptop = token_pair_for(alice), token_pair_for(alice)

    response = logout(api, phone["access"], {"all": True})

    assert response.status_code == 204
    assert_401_problem(refresh(api, phone["refresh"]))
    assert_401_problem(refresh(api, laptop["refresh"]))


@pytest.mark.django_db
def test_logout_needs_an_access_token(api, alice):
    pair = token_pair_for(alice)

    assert_401_problem(logout(api, None, {"refresh": pair["refresh"]}))
    assert_401_problem(logout(api, pair["refresh"], {"refresh": pair["refresh"]}))
    assert refresh(api, pair["refresh"]).status_code == 200


@pytest.mark.django_db
def test_logout_without_a_token_or_all_names_the_field(api, alice):
    response = logout(api, token_pair_for(alice)["access"], {})

    assert response.status_code == 400
    assert "refresh" in response.json()["errors"]


@pytest.mark.django_db
def test_logout_with_a_token_that_is_no_refresh_token_is_a_400(api, alice):
    pair = token_pair_for(alice)

    response = logout(api, pair["access"], {"refresh": pair["access"]})

    assert response.status_code == 400
    assert "refresh" in response.json()["errors"]


# ---- what a Bearer token must be ------------------------------------------------------------------


def forged(access: str, *, key: str = SIGNING_KEY, **changes: Any) -> str:
    return jwt.encode({**claims(access), **changes}, key, algorithm="HS256")


def unsigned(access: str) -> str:
    return b64({"alg": "none", "typ": "JWT"}) + "." + access.split(".")[1] + "."


def changed_payload(access: str) -> str:
    head, _, signature = access.split(".")
    return f"{head}.{b64({**claims(access), 'exp': 2_000_000_000})}.{signature}"


BAD_BEARERS = {
    "garbage": lambda pair: "garbage.token.value",
    "alg none": lambda pair: unsigned(pair["access"]),
    "changed payload": lambda pair: changed_payload(pair["access"]),
    "another key": lambda pair: forged(pair["access"], key="not-our-signing-key-but-long-enough-for-hs256"),
    "wrong audience": lambda pair: forged(pair["access"], aud="another-api"),
    "wrong issuer": lambda pair: forged(pair["access"], iss="someone-else"),
    "refresh as access": lambda pair: pair["refresh"],
}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", BAD_BEARERS)
def test_a_bad_bearer_token_is_a_401_problem(api, alice, kind):
    pair = token_pair_for(alice)

    response = logout(api, BAD_BEARERS[kind](pair), {"all": True})

    assert_401_problem(response)
    assert refresh(api, pair["refresh"]).status_code == 200  # and nothing was logged out


@pytest.mark.django_db
def test_the_forged_bearers_differ_from_a_good_one_only_where_named(api, alice):
    pair = token_pair_for(alice)

    assert logout(api, forged(pair["access"]), {"all": True}).status_code == 204


@pytest.mark.django_db
def test_an_expired_access_token_is_a_401_problem_that_says_refresh(api, clock, alice):
    pair = token_pair_for(alice)
    clock.advance(datetime.timedelta(minutes=14))
    assert logout(api, pair["access"], {"refresh": pair["refresh"]}).status_code == 204

    clock.advance(datetime.timedelta(minutes=2))
    response = logout(api, pair["access"], {"all": True})

    assert_401_problem(response)
    assert "refresh" in response.json()["detail"]


# ---- two refreshes at once, over HTTP -------------------------------------------------------------


@pytest.fixture
def dave(transactional_db: None) -> Iterator[User]:
    """Committed for real (the racing requests have their own connections); removed afterwards."""
    user: User = UserFactory.create(display_name="Dave")
    yield user
    OutstandingToken.objects.filter(user=user).delete()
    User.objects.filter(pk=user.pk).delete()


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_http_refreshes_of_one_token_succeed_once(dave):
    token = token_pair_for(dave)["refresh"]

    def post() -> int:
        response = Client().post(REFRESH, json.dumps({"refresh": token}), content_type="application/json")
        return int(response.status_code)

    assert sorted(race(post, post)) == [200, 401]


# ---- the documentation ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_docs_declare_the_bearer_scheme_and_document_both_routes(api):
    schema = json.loads(api.get("/api/schema", {"format": "json"}).content)

    assert schema["components"]["securitySchemes"]["jwtAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": schema["components"]["securitySchemes"]["jwtAuth"]["description"],
    }
    refresh_operation = schema["paths"][REFRESH]["post"]
    logout_operation = schema["paths"][LOGOUT]["post"]
    assert refresh_operation.get("security") in (None, [])
    assert {"jwtAuth": []} in logout_operation["security"]
    assert {"200", "400", "401"} <= set(refresh_operation["responses"])
    assert {"204", "400", "401", "403"} <= set(logout_operation["responses"])
