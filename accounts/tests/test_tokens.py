"""The token services: the pair a login gets, its rotation, the session's absolute lifetime, reuse
detection and logout. The HTTP side is in test_token_api."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import jwt
import jwt.api_jwt
import pytest
from django.utils import timezone
from rest_framework.exceptions import PermissionDenied
from rest_framework_simplejwt import tokens as simplejwt_tokens
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.tokens import RefreshRefused, token_logout, token_pair_for, token_refresh
from movoai.tests.concurrency import race

DAY = datetime.timedelta(days=1)
MONDAY = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


class FrozenClock:
    """The server's clock stopped at an instant: Django's, simplejwt's (issue and expiry of the
    tokens it makes) and PyJWT's (expiry of the tokens it decodes)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._monkeypatch = monkeypatch
        self.now = MONDAY

    def set(self, instant: datetime.datetime) -> None:
        self.now = instant
        clock = self

        class FrozenDatetime(datetime.datetime):
            @classmethod
            def now(cls, tz: datetime.tzinfo | None = None) -> datetime.datetime:  # type: ignore[override]
                return clock.now.astimezone(tz) if tz else clock.now.replace(tzinfo=None)

        self._monkeypatch.setattr(timezone, "now", lambda: clock.now)
        self._monkeypatch.setattr(simplejwt_tokens, "aware_utcnow", lambda: clock.now)
        self._monkeypatch.setattr(jwt.api_jwt, "datetime", FrozenDatetime)

    def advance(self, delta: datetime.timedelta) -> None:
        self.set(self.now + delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    frozen = FrozenClock(monkeypatch)
    frozen.set(MONDAY)
    return frozen


def claims(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def is_revoked(refresh: str) -> bool:
    return BlacklistedToken.objects.filter(token__jti=claims(refresh)["jti"]).exists()


# ---- the pair --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_login_pair_carries_the_login_time_audience_and_issuer(clock, alice):
    pair = token_pair_for(alice)

    access, refresh = claims(pair["access"]), claims(pair["refresh"])
    assert access["auth_time"] == refresh["auth_time"] == int(MONDAY.timestamp())
    assert access["aud"] == refresh["aud"] == "movoai-api"
    assert access["iss"] == refresh["iss"] == "movoai"
    assert (access["token_type"], refresh["token_type"]) == ("access", "refresh")
    assert access["user_id"] == str(alice.id)
    assert (pair["token_type"], pair["access_expires_in"], pair["refresh_expires_in"]) == ("Bearer", 900, 2592000)


# ---- rotation --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_refresh_rotates_and_keeps_the_login_time(clock, alice):
    login = token_pair_for(alice)
    clock.advance(DAY)

    rotated = token_refresh(refresh=login["refresh"])

    assert rotated["refresh"] != login["refresh"]
    assert claims(rotated["refresh"])["auth_time"] == int(MONDAY.timestamp())
    assert claims(rotated["access"])["auth_time"] == int(MONDAY.timestamp())
    assert claims(rotated["access"])["iat"] == int((MONDAY + DAY).timestamp())
    assert is_revoked(login["refresh"])
    assert not is_revoked(rotated["refresh"])


@pytest.mark.django_db
def test_a_spent_refresh_token_is_refused_and_ends_every_session_of_its_user(alice, bob):
    phone = token_pair_for(alice)
    laptop = token_pair_for(alice)
    bobs = token_pair_for(bob)
    rotated = token_refresh(refresh=phone["refresh"])

    with pytest.raises(RefreshRefused, match="already used"):
        token_refresh(refresh=phone["refresh"])

    for refresh in (rotated["refresh"], laptop["refresh"]):
        with pytest.raises(RefreshRefused):
            token_refresh(refresh=refresh)
    assert token_refresh(refresh=bobs["refresh"])["refresh"]  # another user's sessions live on


@pytest.mark.django_db
def test_a_token_we_never_issued_is_refused(alice):
    forged = simplejwt_tokens.RefreshToken()  # signed with our key, but never recorded as issued
    forged["user_id"] = str(alice.id)

    with pytest.raises(RefreshRefused):
        token_refresh(refresh=str(forged))


@pytest.mark.django_db
def test_an_access_token_cannot_refresh(alice):
    with pytest.raises(RefreshRefused):
        token_refresh(refresh=token_pair_for(alice)["access"])


# ---- users that are gone ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_deactivated_users_refresh_is_refused(alice):
    pair = token_pair_for(alice)
    User.objects.filter(pk=alice.pk).update(is_active=False)

    with pytest.raises(RefreshRefused, match="deactivated"):
        token_refresh(refresh=pair["refresh"])


@pytest.mark.django_db
def test_a_deleted_users_refresh_is_refused(alice):
    pair = token_pair_for(alice)
    alice.delete()

    with pytest.raises(RefreshRefused, match="no longer exists"):
        token_refresh(refresh=pair["refresh"])


# ---- the absolute session lifetime ---------------------------------------------------------------


@pytest.mark.django_db
def test_a_session_refreshed_faithfully_still_ends_90_days_after_its_login(clock, alice):
    refresh = token_pair_for(alice)["refresh"]
    for _ in range(3):  # days 29, 58, 87: each refresh token used within its 30 days
        clock.advance(29 * DAY)
        refresh = token_refresh(refresh=refresh)["refresh"]

    clock.advance(4 * DAY)  # day 91; the last refresh token is 4 days old
    with pytest.raises(RefreshRefused, match="90 days"):
        token_refresh(refresh=refresh)


@pytest.mark.django_db
@pytest.mark.parametrize(("login_days_ago", "refreshes"), [(89, True), (91, False)])
def test_the_session_lifetime_counts_from_the_login(clock, alice, login_days_ago, refreshes):
    login = int((MONDAY - login_days_ago * DAY).timestamp())
    pair = token_pair_for(alice, auth_time=login)

    if refreshes:
        assert claims(token_refresh(refresh=pair["refresh"])["refresh"])["auth_time"] == login
    else:
        with pytest.raises(RefreshRefused):
            token_refresh(refresh=pair["refresh"])
        assert not is_revoked(pair["refresh"])  # refused, not spent: a retry is no theft


# ---- logout ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_logout_revokes_that_session_only_even_when_its_token_comes_back(alice):
    phone, laptop = token_pair_for(alice), token_pair_for(alice)

    assert token_logout(user=alice, refresh=phone["refresh"]) == 1

    with pytest.raises(RefreshRefused):
        token_refresh(refresh=phone["refresh"])
    assert not is_revoked(laptop["refresh"])


@pytest.mark.django_db
def test_logout_twice_revokes_nothing_more(alice):
    pair = token_pair_for(alice)
    token_logout(user=alice, refresh=pair["refresh"])

    assert token_logout(user=alice, refresh=pair["refresh"]) == 0


@pytest.mark.django_db
def test_logout_with_another_users_refresh_token_revokes_nothing(alice, bob):
    bobs = token_pair_for(bob)

    with pytest.raises(PermissionDenied):
        token_logout(user=alice, refresh=bobs["refresh"])

    assert not is_revoked(bobs["refresh"])


@pytest.mark.django_db
def test_logout_everywhere_revokes_every_session_of_the_user(alice, bob):
    sessions = [token_pair_for(alice) for _ in range(3)]
    bobs = token_pair_for(bob)

    assert token_logout(user=alice, refresh=None, everywhere=True) == 3

    assert all(is_revoked(pair["refresh"]) for pair in sessions)
    assert not is_revoked(bobs["refresh"])


# ---- two refreshes of one token at once ----------------------------------------------------------


@pytest.fixture
def carol(transactional_db: None) -> Iterator[User]:
    """Committed for real (the racing threads have their own connections); removed afterwards."""
    user: User = UserFactory.create(display_name="Carol")
    yield user
    OutstandingToken.objects.filter(user=user).delete()
    User.objects.filter(pk=user.pk).delete()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(5))
def test_two_concurrent_refreshes_of_one_token_succeed_once(carol, attempt):
    refresh = token_pair_for(carol)["refresh"]

    results = race(lambda: token_refresh(refresh=refresh), lambda: token_refresh(refresh=refresh))

    winners = [result for result in results if isinstance(result, dict)]
    assert len(winners) == 1, results
    assert sum(isinstance(result, RefreshRefused) for result in results) == 1, results
    with pytest.raises(RefreshRefused):  # the reuse ended the session the winner got too
        token_refresh(refresh=winners[0]["refresh"])
