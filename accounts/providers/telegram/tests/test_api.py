"""POST /api/v1/auth/telegram/login and /link, end to end on the real database and Redis, with
payloads signed by the test bot's token.

The cast: Alice opens the Mini App (Telegram id 5551234567), Bob logs in on the web with the Login
Widget (Telegram id 5559876543), Carol has an account with no Telegram yet."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.models import AuthMethod, User
from accounts.providers.telegram.tests import signing
from accounts.providers.telegram.tests.signing import BOT_TOKEN, OTHER_BOT_TOKEN
from accounts.tests.factories import UserFactory
from accounts.tokens import token_pair_for
from exercises.tests.support import assert_problem

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/telegram/login"
LINK = "/api/v1/auth/telegram/link"
ALICE = 5_551_234_567
BOB = 5_559_876_543


@pytest.fixture
def carol() -> User:
    return UserFactory.create(display_name="Carol")


def login(api: APIClient, body: dict[str, Any], **extra: Any) -> Any:
    return api.post(LOGIN, body, format="json", **extra)


def link(api: APIClient, user: User, body: dict[str, Any]) -> Any:
    return api.post(LINK, body, format="json", HTTP_AUTHORIZATION=f"Bearer {token_pair_for(user)['access']}")


def logged_in(response: Any) -> dict[str, Any]:
    """The body of a successful login, its tokens checked to belong to the user it names."""
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    body: dict[str, Any] = response.json()
    assert body["token_type"] == "Bearer"
    assert body["access_expires_in"] == 15 * 60
    assert body["refresh_expires_in"] == 30 * 24 * 3600
    assert str(AccessToken(body["access"])["user_id"]) == body["user_id"]
    assert str(RefreshToken(body["refresh"])["user_id"]) == body["user_id"]
    return body


def telegram_methods(telegram_id: int) -> list[AuthMethod]:
    return list(AuthMethod.objects.filter(provider="telegram", identifier=str(telegram_id)))


# ---- login ---------------------------------------------------------------------------------------
def test_a_first_mini_app_login_creates_the_account(api):
    body = logged_in(login(api, {"init_data": signing.init_data(ALICE)}))

    assert body["is_new_user"] is True
    user = User.objects.get(id=body["user_id"])
    assert user.telegram_id == ALICE
    assert user.display_name == "Alice Martin"
    assert user.preferred_language == "fr"
    assert user.password is None
    (method,) = telegram_methods(ALICE)
    assert method.user_id == user.id
    assert method.is_primary
    assert method.is_verified
    assert method.data["username"] == f"alice{ALICE}"


def test_the_same_telegram_user_logs_into_the_same_account(api):
    first = logged_in(login(api, {"init_data": signing.init_data(ALICE)}))

    again = logged_in(login(api, {"init_data": signing.init_data(ALICE)}))

    assert again["user_id"] == first["user_id"]
    assert again["is_new_user"] is False
    assert again["refresh"] != first["refresh"]
    assert User.objects.filter(telegram_id=ALICE).count() == 1
    assert len(telegram_methods(ALICE)) == 1


def test_an_account_made_earlier_with_this_telegram_id_is_the_one_logged_in(api):
    created = api.post("/api/v1/users", {"telegram_id": ALICE, "display_name": "Alice"}, format="json")
    assert created.status_code == 201, created.content
    anonymous_id = created.json()["user_id"]

    body = logged_in(login(api, {"init_data": signing.init_data(ALICE)}))

    assert body["user_id"] == anonymous_id
    assert body["is_new_user"] is False
    assert User.objects.filter(telegram_id=ALICE).count() == 1
    (method,) = telegram_methods(ALICE)
    assert str(method.user_id) == anonymous_id


def test_a_login_widget_login_creates_the_account(api):
    body = logged_in(login(api, {"widget": signing.widget(BOB)}))

    assert body["is_new_user"] is True
    user = User.objects.get(id=body["user_id"])
    assert user.telegram_id == BOB
    assert user.display_name == "Bob"
    (method,) = telegram_methods(BOB)
    assert method.data["photo_url"] == f"https://t.me/i/userpic/320/bob{BOB}.jpg"


def test_mini_app_and_widget_logins_of_one_telegram_user_reach_one_account(api):
    from_mini_app = logged_in(login(api, {"init_data": signing.init_data(ALICE)}))

    from_web = logged_in(login(api, {"widget": signing.widget(ALICE)}))

    assert from_web["user_id"] == from_mini_app["user_id"]
    assert from_web["is_new_user"] is False


def test_init_data_with_telegrams_signature_field_logs_in(api):
    fields = signing.init_data_fields(signing.telegram_user(ALICE), signature=True)
    assert "signature" in fields

    assert logged_in(login(api, {"init_data": urlencode(fields)}))["is_new_user"] is True


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(lambda: {"initData": signing.init_data(ALICE)}, id="initData alias"),
        pytest.param(lambda: signing.widget(ALICE), id="bare widget object"),
    ],
)
def test_the_aliases_clients_send_are_accepted(api, body):
    assert logged_in(login(api, body()))["is_new_user"] is True


def test_a_stale_authorization_header_does_not_block_logging_in(api):
    response = login(api, {"init_data": signing.init_data(ALICE)}, HTTP_AUTHORIZATION="Bearer expired.or.garbage")

    assert logged_in(response)["is_new_user"] is True


def test_a_deactivated_account_cannot_log_in(api):
    user_id = logged_in(login(api, {"init_data": signing.init_data(ALICE)}))["user_id"]
    User.objects.filter(id=user_id).update(is_active=False)

    assert_problem(login(api, {"init_data": signing.init_data(ALICE)}), 403)


# ---- refusals ------------------------------------------------------------------------------------
def _tampered_user() -> dict[str, Any]:
    fields = signing.init_data_fields(signing.telegram_user(ALICE))
    user = json.loads(fields["user"])
    user["first_name"] += "X"
    return {"init_data": urlencode({**fields, "user": json.dumps(user, separators=(",", ":"))})}


def _flipped_hash() -> dict[str, Any]:
    return {"init_data": urlencode(signing.with_hash_flipped(signing.init_data_fields(signing.telegram_user(ALICE))))}


def _duplicated_user() -> dict[str, Any]:
    forged = urlencode({"user": json.dumps(signing.telegram_user(BOB))})
    return {"init_data": forged + "&" + signing.init_data(ALICE)}


def _without_hash() -> dict[str, Any]:
    pairs = [(key, value) for key, value in parse_qsl(signing.init_data(ALICE)) if key != "hash"]
    return {"init_data": urlencode(pairs)}


def _widget_without_hash() -> dict[str, Any]:
    data = signing.widget(BOB)
    del data["hash"]
    return {"widget": data}


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        pytest.param(_tampered_user, 401, "signature", id="user field changed after signing"),
        pytest.param(_flipped_hash, 401, "signature", id="one hash character changed"),
        pytest.param(
            lambda: {"init_data": signing.init_data(ALICE, bot_token=OTHER_BOT_TOKEN)},
            401,
            "signature",
            id="another bot's token",
        ),
        pytest.param(lambda: {"init_data": signing.init_data(ALICE, age=7200)}, 401, "too old", id="2-hour-old"),
        pytest.param(lambda: {"init_data": signing.init_data(ALICE, age=-600)}, 401, "future", id="from the future"),
        pytest.param(_duplicated_user, 401, "twice", id="user key twice"),
        pytest.param(_without_hash, 400, "hash", id="initData without hash"),
        pytest.param(lambda: {"widget": signing.widget(BOB, age=600)}, 401, "too old", id="10-minute-old widget"),
        pytest.param(
            lambda: {"widget": {**signing.widget(BOB), "username": "someone_else"}},
            401,
            "signature",
            id="widget field changed",
        ),
        pytest.param(
            lambda: {"widget": signing.widget(BOB, bot_token=OTHER_BOT_TOKEN)}, 401, "signature", id="widget other bot"
        ),
        pytest.param(_widget_without_hash, 400, "hash", id="widget without hash"),
    ],
)
def test_unproven_telegram_data_is_refused_and_creates_nothing(api, body, status, reason):
    users_before = User.objects.count()

    response = login(api, body())

    problem = assert_problem(response, status)
    assert reason in problem["detail"]
    assert BOT_TOKEN not in response.content.decode()
    assert User.objects.count() == users_before
    assert not User.objects.filter(telegram_id__in=[ALICE, BOB]).exists()
    assert not AuthMethod.objects.filter(provider="telegram").exists()


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({}, id="empty"),
        pytest.param({"init_data": "x=1", "widget": {"id": 1, "auth_date": 1, "hash": "a"}}, id="both"),
        pytest.param({"init_data": 42}, id="init_data not a string"),
        pytest.param({"widget": "id=1"}, id="widget not an object"),
        pytest.param({"init_data": signing.init_data(ALICE), "remember_me": True}, id="unknown field"),
    ],
)
def test_malformed_bodies_are_400_problems(api, body):
    assert_problem(login(api, body), 400)
    assert not User.objects.filter(telegram_id=ALICE).exists()


def test_without_a_bot_token_telegram_login_is_unavailable(api, settings):
    settings.TELEGRAM_BOT_TOKEN = ""

    problem = assert_problem(login(api, {"init_data": signing.init_data(ALICE)}), 503)

    assert "not configured" in problem["detail"]
    assert not User.objects.filter(telegram_id=ALICE).exists()


# ---- link ----------------------------------------------------------------------------------------
def test_telegram_links_to_the_current_account(api, carol):
    response = link(api, carol, {"init_data": signing.init_data(ALICE)})

    assert response.status_code == 200, response.content
    method = response.json()
    assert method["provider"] == "telegram"
    assert method["identifier"] == str(ALICE)
    assert method["is_verified"] is True
    assert method["is_primary"] is True  # Carol had no login method yet
    assert set(method) == {"id", "provider", "identifier", "is_primary", "is_verified", "created_at"}
    assert AuthMethod.objects.get(id=method["id"]).user_id == carol.id
    carol.refresh_from_db()
    assert carol.telegram_id == ALICE
    # and from now on, logging in with that Telegram account reaches Carol's account
    assert logged_in(login(api, {"widget": signing.widget(ALICE)}))["user_id"] == str(carol.id)


def test_linking_the_same_telegram_again_is_idempotent(api, carol):
    first = link(api, carol, {"widget": signing.widget(ALICE)})
    again = link(api, carol, {"init_data": signing.init_data(ALICE)})

    assert again.status_code == 200, again.content
    assert again.json()["id"] == first.json()["id"]
    assert len(telegram_methods(ALICE)) == 1


def test_linking_a_telegram_account_owned_by_another_account_is_409(api, carol):
    alice_id = logged_in(login(api, {"init_data": signing.init_data(ALICE)}))["user_id"]

    response = link(api, carol, {"init_data": signing.init_data(ALICE)})

    problem = assert_problem(response, 409)
    assert alice_id not in problem["detail"]
    assert not AuthMethod.objects.filter(user=carol).exists()
    (method,) = telegram_methods(ALICE)
    assert str(method.user_id) == alice_id
    carol.refresh_from_db()
    assert carol.telegram_id is None


def test_linking_needs_an_access_token(api):
    response = api.post(LINK, {"init_data": signing.init_data(ALICE)}, format="json")

    assert_problem(response, 401)
    assert not AuthMethod.objects.filter(provider="telegram").exists()


def test_linking_refuses_unproven_data(api, carol):
    response = link(api, carol, {"init_data": signing.init_data(ALICE, age=7200)})

    assert_problem(response, 401)
    assert not AuthMethod.objects.filter(user=carol).exists()


# ---- rate limit ----------------------------------------------------------------------------------
@pytest.fixture
def stopped_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The clock stopped for the test: the limiter counts in fixed one-minute windows, and a window
    turning over between the 5th and the 6th request would let the 6th through."""
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now)


@pytest.mark.usefixtures("stopped_clock")
def test_the_sixth_login_attempt_in_a_minute_from_one_ip_is_429_whatever_x_forwarded_for_says(api):
    attacker = {"REMOTE_ADDR": "203.0.113.7"}
    statuses = [login(api, _flipped_hash(), **attacker).status_code for _ in range(5)]
    assert statuses == [401] * 5

    limited = login(api, {"init_data": signing.init_data(ALICE)}, **attacker)

    assert_problem(limited, 429)
    assert 1 <= int(limited["Retry-After"]) <= 60
    spoofed = login(api, {"init_data": signing.init_data(ALICE)}, HTTP_X_FORWARDED_FOR="198.51.100.23", **attacker)
    assert_problem(spoofed, 429)
    assert not User.objects.filter(telegram_id=ALICE).exists()
    # the limit is per client: another address still logs in
    other = login(api, {"init_data": signing.init_data(ALICE)}, REMOTE_ADDR="203.0.113.8")
    assert logged_in(other)["is_new_user"] is True


@pytest.mark.usefixtures("stopped_clock")
def test_link_attempts_count_against_the_login_limit_too(api, carol):
    for _ in range(5):
        assert link(api, carol, _flipped_hash()).status_code == 401

    assert_problem(link(api, carol, {"init_data": signing.init_data(ALICE)}), 429)
