"""GET /auth/methods, DELETE /auth/methods/{id}, POST /auth/methods/{id}/set-primary: a user sees
and manages their own login methods only, and can never remove the last one, not even with two
requests at once.

The cast: Carol, who signed up with Telegram and later linked her phone and her email; Dave, who
has one Telegram login.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import AuthMethod, User
from accounts.tests.factories import UserFactory
from accounts.tokens import token_pair_for
from movoai.tests.concurrency import race

METHODS = "/api/v1/auth/methods"
CAROL_TELEGRAM_ID = 7_001_002_003
CAROL_PHONE = "+33612345678"
CAROL_EMAIL = "carol.martin@example.com"


def method_url(method: AuthMethod | int) -> str:
    return f"{METHODS}/{method.id if isinstance(method, AuthMethod) else method}"


def add_method(user: User, provider: str, identifier: str, *, primary: bool = False, days_ago: int = 0) -> AuthMethod:
    method = AuthMethod.objects.create(
        user=user, provider=provider, identifier=identifier, is_verified=True, is_primary=primary
    )
    # created_at is auto_now_add: set the history the test needs afterwards
    created = timezone.now() - datetime.timedelta(days=days_ago)
    AuthMethod.objects.filter(id=method.id).update(created_at=created, last_used_at=created)
    method.refresh_from_db()
    return method


def client_of(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_for(user)['access']}")
    return client


def listed(client: APIClient) -> list[dict[str, Any]]:
    response = client.get(METHODS)
    assert response.status_code == 200, response.content
    methods: list[dict[str, Any]] = response.json()["methods"]
    return methods


@pytest.fixture
def carol(db: None) -> User:
    user: User = UserFactory.create(display_name="Carol", telegram_id=CAROL_TELEGRAM_ID)
    return user


@pytest.fixture
def carols_methods(carol: User) -> dict[str, AuthMethod]:
    return {
        "telegram": add_method(carol, "telegram", str(CAROL_TELEGRAM_ID), primary=True, days_ago=30),
        "sms": add_method(carol, "sms", CAROL_PHONE, days_ago=20),
        "email": add_method(carol, "email", CAROL_EMAIL, days_ago=10),
    }


@pytest.fixture
def dave(db: None) -> User:
    user: User = UserFactory.create(display_name="Dave")
    return user


@pytest.fixture
def daves_method(dave: User) -> AuthMethod:
    return add_method(dave, "telegram", "7009998887", primary=True)


# ---- list ----------------------------------------------------------------------------------------


def test_the_list_shows_the_users_own_methods_primary_first_with_phone_and_email_partly_hidden(
    carol, carols_methods, daves_method
):
    methods = listed(client_of(carol))

    assert [m["id"] for m in methods] == [carols_methods[p].id for p in ("telegram", "sms", "email")]
    assert [m["is_primary"] for m in methods] == [True, False, False]
    telegram, sms, email = methods
    assert telegram["provider"] == "telegram"
    assert telegram["identifier"] == str(CAROL_TELEGRAM_ID)
    # enough to recognise the phone and the email, not to read them
    assert sms["identifier"].startswith("+336")
    assert sms["identifier"].endswith("78")
    assert CAROL_PHONE not in sms["identifier"]
    assert "2345" not in sms["identifier"]
    assert email["identifier"].endswith("@example.com")
    assert email["identifier"].startswith("ca")
    assert "carol.martin" not in email["identifier"]
    assert set(telegram) == {
        "id",
        "provider",
        "identifier",
        "is_primary",
        "is_verified",
        "created_at",
        "last_used_at",
    }
    assert telegram["is_verified"] is True
    assert telegram["created_at"]
    assert telegram["last_used_at"]
    assert daves_method.id not in [m["id"] for m in methods]


def test_the_methods_routes_need_a_token(api, carols_methods):
    sms = carols_methods["sms"]
    assert api.get(METHODS).status_code == 401
    assert api.delete(method_url(sms)).status_code == 401
    assert api.post(f"{method_url(sms)}/set-primary").status_code == 401
    assert AuthMethod.objects.filter(id=sms.id).exists()


# ---- delete --------------------------------------------------------------------------------------


def test_removing_a_method_answers_the_ones_left(carol, carols_methods):
    response = client_of(carol).delete(method_url(carols_methods["email"]))

    assert response.status_code == 200, response.content
    assert [m["provider"] for m in response.json()["methods"]] == ["telegram", "sms"]
    assert not AuthMethod.objects.filter(id=carols_methods["email"].id).exists()


def test_removing_the_primary_makes_the_oldest_remaining_one_primary(carol, carols_methods):
    client = client_of(carol)
    # the email method is older than the phone now: the oldest, not the first linked, takes over
    older = timezone.now() - datetime.timedelta(days=25)
    AuthMethod.objects.filter(id=carols_methods["email"].id).update(created_at=older)

    response = client.delete(method_url(carols_methods["telegram"]))

    assert response.status_code == 200, response.content
    primaries = AuthMethod.objects.filter(user=carol, is_primary=True)
    assert list(primaries.values_list("provider", flat=True)) == ["email"]
    first = listed(client)[0]
    assert (first["provider"], first["is_primary"]) == ("email", True)


def test_removing_the_telegram_method_forgets_the_telegram_id(carol, carols_methods):
    client_of(carol).delete(method_url(carols_methods["telegram"]))

    carol.refresh_from_db()
    assert carol.telegram_id is None


def test_the_last_method_cannot_be_removed(dave, daves_method):
    response = client_of(dave).delete(method_url(daves_method))

    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert "only login method" in response.json()["detail"]
    assert AuthMethod.objects.filter(id=daves_method.id, is_primary=True).exists()


def test_the_last_method_stays_after_the_others_are_removed(carol, carols_methods):
    client = client_of(carol)
    assert client.delete(method_url(carols_methods["telegram"])).status_code == 200
    assert client.delete(method_url(carols_methods["sms"])).status_code == 200

    assert client.delete(method_url(carols_methods["email"])).status_code == 409
    assert [(m["provider"], m["is_primary"]) for m in listed(client)] == [("email", True)]


def test_another_users_method_is_not_found_and_stays(carol, carols_methods, daves_method):
    client = client_of(carol)

    assert client.delete(method_url(daves_method)).status_code == 404
    assert client.post(f"{method_url(daves_method)}/set-primary").status_code == 404
    assert client.delete(method_url(10**12)).status_code == 404
    assert client.delete(method_url(2**63)).status_code == 404
    daves_method.refresh_from_db()
    assert daves_method.is_primary
    assert AuthMethod.objects.filter(user=carol).count() == 3


# ---- set-primary ---------------------------------------------------------------------------------


def test_set_primary_makes_the_method_the_only_primary(carol, carols_methods):
    client = client_of(carol)

    response = client.post(f"{method_url(carols_methods['sms'])}/set-primary")

    assert response.status_code == 200, response.content
    assert [(m["provider"], m["is_primary"]) for m in response.json()["methods"]] == [
        ("sms", True),
        ("telegram", False),
        ("email", False),
    ]
    assert list(AuthMethod.objects.filter(user=carol, is_primary=True)) == [carols_methods["sms"]]


def test_set_primary_on_the_primary_changes_nothing(carol, carols_methods):
    response = client_of(carol).post(f"{method_url(carols_methods['telegram'])}/set-primary")

    assert response.status_code == 200
    assert list(AuthMethod.objects.filter(user=carol, is_primary=True)) == [carols_methods["telegram"]]


# ---- concurrency ---------------------------------------------------------------------------------

ROUNDS = 5


@pytest.fixture
def erin() -> Iterator[User]:
    """Erin, whose rows are committed for real (the threads use their own connections): removed
    afterwards, the users table not being Django's to flush."""
    user: User = UserFactory.create(display_name="Erin")
    yield user
    User.objects.filter(id=user.id).delete()


@pytest.mark.django_db(transaction=True)
def test_two_requests_removing_the_last_two_methods_at_once_leave_one(erin):
    access = token_pair_for(erin)["access"]

    def remove(method: AuthMethod) -> Callable[[], int]:
        def call() -> int:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
            return int(client.delete(method_url(method)).status_code)

        return call

    for round_number in range(ROUNDS):
        AuthMethod.objects.filter(user=erin).delete()
        first = add_method(erin, "sms", f"+3361000000{round_number}", primary=True, days_ago=2)
        second = add_method(erin, "email", f"erin{round_number}@example.com", days_ago=1)

        statuses = race(remove(first), remove(second))

        assert sorted(statuses) == [200, 409], statuses
        left = list(AuthMethod.objects.filter(user=erin))
        assert len(left) == 1
        assert left[0].is_primary
