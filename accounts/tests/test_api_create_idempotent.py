"""POST /api/v1/users with an Idempotency-Key: a sign-up whose answer was lost can be sent again and
reaches the same account (with a new token pair), in the real Redis that keeps the key's record."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.test import Client

from accounts.models import AuthMethod, User
from accounts.tests.support import USERS
from exercises.tests.support import assert_problem
from movoai import idempotency
from movoai.tests.concurrency import race

pytestmark = pytest.mark.django_db


def sign_up(api: Any, body: dict[str, Any], key: str | None) -> Any:
    headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    return api.post(USERS, body, format="json", **headers)


def test_a_sign_up_sent_again_with_its_key_reaches_the_same_account(api):
    key = str(uuid.uuid4())
    body = {"guest_id": "guest-idem-1", "display_name": "Ines", "preferred_language": "fr"}

    first = sign_up(api, body, key)
    again = sign_up(api, body, key)

    assert first.status_code == again.status_code == 201, again.content
    assert again.json()["user_id"] == first.json()["user_id"]
    assert again.json()["profile"]["display_name"] == "Ines"
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert User.objects.filter(guest_id="guest-idem-1").count() == 1
    # The new token pair works: the retrying client is signed in to its account.
    me = api.get(f"{USERS}/me", HTTP_AUTHORIZATION=f"Bearer {again.json()['access']}")
    assert me.json()["user_id"] == first.json()["user_id"]


def test_the_same_body_in_another_key_order_is_the_same_request(api):
    key = str(uuid.uuid4())
    first = api.post(
        USERS,
        '{"display_name": "Jo", "time_zone": "Europe/Paris"}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    again = api.post(
        USERS,
        '{"time_zone": "Europe/Paris", "display_name": "Jo"}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
    )

    assert again.status_code == 201, again.content
    assert again.json()["user_id"] == first.json()["user_id"]


def test_without_a_key_a_retry_of_a_guest_sign_up_is_still_a_conflict(api):
    body = {"guest_id": "guest-idem-2"}

    assert sign_up(api, body, None).status_code == 201
    assert_problem(sign_up(api, body, None), 409)
    assert_problem(sign_up(api, body, str(uuid.uuid4())), 409)  # another key: another request


def test_a_key_reused_with_another_body_is_a_422_and_creates_nothing(api):
    key = str(uuid.uuid4())
    first = sign_up(api, {"display_name": "Kim"}, key)

    problem = assert_problem(sign_up(api, {"display_name": "Lou"}, key), 422)

    assert "Idempotency-Key" in problem["detail"]
    assert User.objects.filter(display_name="Lou").count() == 0
    assert User.objects.get(id=first.json()["user_id"]).display_name == "Kim"


def test_a_refused_sign_up_does_not_hold_its_key(api, alice):
    """A 409 (the guest id was taken) is not an outcome to replay: once the client fixes the cause
    and sends again with the same key, the account is created."""
    key = str(uuid.uuid4())
    body = {"guest_id": alice.guest_id}

    assert_problem(sign_up(api, body, key), 409)
    User.objects.filter(id=alice.id).delete()
    created = sign_up(api, body, key)

    assert created.status_code == 201, created.content
    assert "Idempotent-Replayed" not in created


def test_a_key_does_not_reach_an_account_that_has_a_login_method_since(api):
    key = str(uuid.uuid4())
    first = sign_up(api, {}, key)
    AuthMethod.objects.create(
        user_id=first.json()["user_id"], provider="email", identifier="m@movoai.test", is_verified=True
    )

    problem = assert_problem(sign_up(api, {}, key), 409)

    assert "login method" in problem["detail"]


def test_a_key_does_not_bring_back_a_deleted_account(api):
    key = str(uuid.uuid4())
    first = sign_up(api, {}, key)
    token = first.json()["access"]
    assert api.delete(f"{USERS}/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 204

    assert "deleted" in assert_problem(sign_up(api, {}, key), 409)["detail"]
    assert not User.objects.filter(id=first.json()["user_id"]).exists()


@pytest.mark.parametrize("key", ["short", "x" * 256, "with space inside", "clé-accentuée-1234"])
def test_a_malformed_key_is_a_400_naming_the_header(api, key):
    before = User.objects.count()

    assert_problem(sign_up(api, {}, key), 400, "Idempotency-Key")
    assert User.objects.count() == before


def test_a_request_still_running_under_the_key_is_a_409_with_retry_after(api):
    """What a concurrent retry sees while the first sign-up runs: the key's record is `pending`."""
    key = str(uuid.uuid4())
    held = idempotency.claim(scope="users.create", key=key, body={})

    response = sign_up(api, {}, key)

    problem = assert_problem(response, 409)
    assert "still being processed" in problem["detail"]
    assert response["Retry-After"] == "1"
    idempotency.abandon(held)
    assert sign_up(api, {}, key).status_code == 201


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sign_ups_with_one_key_make_one_account():
    key = str(uuid.uuid4())
    body = json.dumps({"guest_id": f"guest-race-{key}"})

    def post() -> Any:
        return Client().post(USERS, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)

    answers = race(post, post)

    try:
        statuses = sorted(answer.status_code for answer in answers)
        # The second either waited for nothing (409, still running) or came after (201, replayed).
        assert statuses in ([201, 201], [201, 409])
        assert len({answer.json()["user_id"] for answer in answers if answer.status_code == 201}) == 1
        assert User.objects.filter(guest_id=f"guest-race-{key}").count() == 1
    finally:
        User.objects.filter(guest_id=f"guest-race-{key}").delete()
