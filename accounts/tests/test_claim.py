"""POST /api/v1/auth/claim-account: the data an anonymous account made moves into the logged-in
account, proven by the anonymous account's refresh token, once; then the anonymous account is gone.

The cast: Frank, who logs in with his phone and has filled in little of his profile; the guest, the
anonymous account Frank used on the web before logging in: a plan assigned, two workouts logged, a
custom plan of his own, and a profile; Grace, who has a Telegram login of her own.
"""

from __future__ import annotations

import datetime
import threading
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.db import connections
from rest_framework.test import APIClient
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import claim
from accounts.models import AuthMethod, User
from accounts.tests.factories import UserFactory
from accounts.tokens import token_pair_for
from coach.models import AgentSession, Conversation
from movoai import cache_keys
from plans.models import PlanExercise, WorkoutPlan
from tracking.models import UserPlan, UserWorkoutLog
from tracking.services import user_plan_copy
from tracking.tests.factories import UserPlanFactory, WorkoutLogFactory

CLAIM = "/api/v1/auth/claim-account"
REFRESH = "/api/v1/auth/refresh"
GUEST_PLAN_CLIENT_ID = uuid.UUID("0b7f3c2e-5d41-4a8e-9f60-2c1d3e4f5a6b")


def client_of(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_for(user)['access']}")
    return client


def holdings(user_id: Any) -> dict[str, set[Any]]:
    """The ids of everything the user holds."""
    return {
        "plans": set(UserPlan.objects.filter(user_id=user_id).values_list("id", flat=True)),
        "logs": set(UserWorkoutLog.objects.filter(user_id=user_id).values_list("id", flat=True)),
        "custom_plans": set(WorkoutPlan.objects.filter(created_by_id=user_id).values_list("id", flat=True)),
    }


def make_guest() -> User:
    user: User = UserFactory.create(
        display_name="Web guest",
        preferred_language="en",
        time_zone="Europe/Paris",
        age=34,
        weight_kg=Decimal("81.20"),
        fitness_level="intermediate",
        fitness_goals=["strength"],
        available_equipment=["dumbbell"],
    )
    return user


def give_guest_data(guest: User) -> dict[str, set[Any]]:
    """A template plan assigned offline (with a client_id), two workouts logged under it, and a
    custom plan copied from it and assigned too."""
    template = WorkoutPlan.objects.get(slug="beginner-full-body-strength", is_template=True)
    assigned = UserPlanFactory.create(
        user=guest, plan=template, client_id=GUEST_PLAN_CLIENT_ID, start_date=datetime.date(2026, 1, 5)
    )
    first_day: list[PlanExercise] = list(
        template.plan_exercises.filter(week_number=1, day_number=1).order_by("order_in_day")[:2]
    )
    for offset, plan_exercise in enumerate(first_day):
        WorkoutLogFactory.create(
            user_plan=assigned, plan_exercise=plan_exercise, date_performed=datetime.date(2026, 1, 5 + offset)
        )
    custom = user_plan_copy(user_plan=assigned)
    UserPlanFactory.create(user=guest, plan=custom, start_date=datetime.date(2026, 2, 2))
    return holdings(guest.id)


@pytest.fixture
def frank(db: None) -> User:
    user: User = UserFactory.create(display_name="Frank", preferred_language="fr", time_zone="UTC", age=None)
    AuthMethod.objects.create(user=user, provider="sms", identifier="+33698765432", is_verified=True, is_primary=True)
    return user


@pytest.fixture
def guest(db: None) -> User:
    return make_guest()


@pytest.fixture
def guest_data(guest: User) -> dict[str, set[Any]]:
    return give_guest_data(guest)


@pytest.fixture
def guest_tokens(guest: User) -> dict[str, Any]:
    return token_pair_for(guest)


@pytest.fixture
def grace(db: None) -> User:
    user: User = UserFactory.create(display_name="Grace")
    AuthMethod.objects.create(
        user=user, provider="telegram", identifier="7123456789", is_verified=True, is_primary=True
    )
    return user


# ---- the claim -----------------------------------------------------------------------------------


def test_claiming_moves_the_plans_logs_and_custom_plans_with_their_ids(frank, guest, guest_data, guest_tokens):
    franks_before = holdings(frank.id)
    assert all(guest_data.values())
    assert not any(franks_before.values())

    response = client_of(frank).post(CLAIM, {"anonymous_refresh": guest_tokens["refresh"]}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["user_id"] == str(frank.id)
    assert body["claimed_user_id"] == str(guest.id)
    assert body["moved"]["user_plans.user_id"] == 2
    assert body["moved"]["user_workout_logs.user_id"] == 2
    assert body["moved"]["workout_plans.created_by"] == 1
    assert holdings(frank.id) == guest_data
    # the logs still belong to the assignment they were logged under
    assignment = UserPlan.objects.get(user=frank, client_id=GUEST_PLAN_CLIENT_ID)
    assert set(assignment.logs.values_list("id", flat=True)) == guest_data["logs"]


def test_claiming_moves_the_guests_conversations_with_the_coach(frank, guest, guest_tokens):
    session = AgentSession.objects.create(user=guest, language="fr")
    Conversation.objects.create(user=guest, session=session, role="user", message="Quels exercices pour les abdos ?")

    response = client_of(frank).post(CLAIM, {"anonymous_refresh": guest_tokens["refresh"]}, format="json")

    assert response.status_code == 200, response.content
    conversations = client_of(frank).get("/api/v1/users/me/conversations").json()["results"]
    assert [c["session_id"] for c in conversations] == [str(session.id)]
    assert Conversation.objects.get(session=session).user == frank


def test_claiming_deletes_the_anonymous_account_and_ends_its_tokens(frank, guest, guest_data, guest_tokens):
    client_of(frank).post(CLAIM, {"anonymous_refresh": guest_tokens["refresh"]}, format="json")

    assert not User.objects.filter(id=guest.id).exists()
    with pytest.raises(TokenError):
        RefreshToken(guest_tokens["refresh"])
    assert APIClient().post(REFRESH, {"refresh": guest_tokens["refresh"]}, format="json").status_code == 401
    guests_access = APIClient()
    guests_access.credentials(HTTP_AUTHORIZATION=f"Bearer {guest_tokens['access']}")
    assert guests_access.get("/api/v1/auth/methods").status_code == 401


def test_claiming_fills_in_the_profile_fields_the_account_lacks_and_keeps_its_own(frank, guest, guest_tokens):
    response = client_of(frank).post(CLAIM, {"refresh_token": guest_tokens["refresh"]}, format="json")

    assert response.status_code == 200, response.content
    frank.refresh_from_db()
    assert frank.display_name == "Frank"  # his own
    assert frank.preferred_language == "fr"  # chosen by his login
    assert (frank.age, frank.weight_kg, frank.fitness_level) == (34, Decimal("81.20"), "intermediate")
    assert (frank.fitness_goals, frank.available_equipment) == (["strength"], ["dumbbell"])
    assert frank.time_zone == "Europe/Paris"  # his was still the default
    assert set(response.json()["merged_profile_fields"]) == {
        "age",
        "weight_kg",
        "fitness_level",
        "fitness_goals",
        "available_equipment",
        "time_zone",
    }


def test_an_assignment_the_account_already_has_is_kept_once_with_all_its_logs(frank, guest, guest_data, guest_tokens):
    """The same offline assignment migrated into both accounts (same client_id): Frank's is kept and
    the guest's logs of it are moved onto it."""
    template = WorkoutPlan.objects.get(slug="beginner-full-body-strength", is_template=True)
    franks = UserPlanFactory.create(user=frank, plan=template, client_id=GUEST_PLAN_CLIENT_ID)

    response = client_of(frank).post(CLAIM, {"anonymous_refresh": guest_tokens["refresh"]}, format="json")

    assert response.status_code == 200, response.content
    assert list(UserPlan.objects.filter(user=frank, client_id=GUEST_PLAN_CLIENT_ID)) == [franks]
    assert set(franks.logs.values_list("id", flat=True)) == guest_data["logs"]
    assert UserPlan.objects.filter(user=frank).count() == 2  # his, and the custom plan's assignment
    assert holdings(frank.id)["logs"] == guest_data["logs"]


def test_claiming_invalidates_both_accounts_cached_pages_once_committed(
    frank, guest, guest_tokens, django_capture_on_commit_callbacks
):
    def versions() -> list[str]:
        return [cache_keys.user_progress(user_id, "") for user_id in (frank.id, guest.id)]

    before = versions()
    with django_capture_on_commit_callbacks(execute=True):
        client_of(frank).post(CLAIM, {"anonymous_refresh": guest_tokens["refresh"]}, format="json")

    after = versions()
    assert after[0] != before[0]
    assert after[1] != before[1]


def test_claiming_twice_changes_nothing(frank, guest, guest_data, guest_tokens):
    client = client_of(frank)
    assert client.post(CLAIM, {"anonymous_refresh": guest_tokens["refresh"]}, format="json").status_code == 200
    after_first = holdings(frank.id)

    again = client.post(CLAIM, {"anonymous_refresh": guest_tokens["refresh"]}, format="json")

    assert again.status_code == 400
    assert "anonymous_refresh" in again.json()["errors"]
    assert holdings(frank.id) == after_first == guest_data


def test_all_the_proof_field_names_may_be_sent_together(frank, guest, guest_data, guest_tokens):
    token = guest_tokens["refresh"]
    body = dict.fromkeys(("anonymous_refresh", "anonymous_refresh_token", "refresh_token", "refresh"), token)

    response = client_of(frank).post(CLAIM, body, format="json")

    assert response.status_code == 200, response.content
    assert holdings(frank.id) == guest_data


# ---- what is not proof ---------------------------------------------------------------------------


@pytest.mark.parametrize("body_of", [lambda g: {"user_id": str(g.id)}, lambda g: {"anonymous_user_id": str(g.id)}])
def test_a_bare_user_id_is_not_proof(frank, guest, guest_data, body_of):
    response = client_of(frank).post(CLAIM, body_of(guest), format="json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert "not proof" in response.json()["errors"]["anonymous_refresh"][0]
    assert holdings(guest.id) == guest_data
    assert not any(holdings(frank.id).values())


def test_an_access_token_is_not_proof(frank, guest, guest_data, guest_tokens):
    response = client_of(frank).post(CLAIM, {"anonymous_refresh": guest_tokens["access"]}, format="json")

    assert response.status_code == 400
    assert holdings(guest.id) == guest_data
    assert User.objects.filter(id=guest.id).exists()


def test_a_tampered_token_is_not_proof(frank, guest, guest_data, guest_tokens):
    header, payload, signature = guest_tokens["refresh"].split(".")
    tampered = f"{header}.{payload}.{signature[:-4]}{'AAAA' if signature[-4:] != 'AAAA' else 'BBBB'}"

    response = client_of(frank).post(CLAIM, {"anonymous_refresh": tampered}, format="json")

    assert response.status_code == 400
    assert holdings(guest.id) == guest_data


def test_different_tokens_under_two_names_are_refused(frank, guest, guest_data, guest_tokens):
    other = token_pair_for(make_guest())["refresh"]
    body = {"anonymous_refresh": guest_tokens["refresh"], "refresh": other}

    assert client_of(frank).post(CLAIM, body, format="json").status_code == 400
    assert holdings(guest.id) == guest_data


def test_an_account_with_a_login_method_cannot_be_claimed(frank, grace):
    give_guest_data(grace)
    graces = holdings(grace.id)

    response = client_of(frank).post(CLAIM, {"anonymous_refresh": token_pair_for(grace)["refresh"]}, format="json")

    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert holdings(grace.id) == graces
    assert User.objects.filter(id=grace.id).exists()
    assert not any(holdings(frank.id).values())


def test_an_account_cannot_claim_itself(frank):
    response = client_of(frank).post(CLAIM, {"anonymous_refresh": token_pair_for(frank)["refresh"]}, format="json")

    assert response.status_code == 409
    assert User.objects.filter(id=frank.id).exists()


def test_claiming_needs_the_logged_in_accounts_token(api, guest, guest_data, guest_tokens):
    response = api.post(CLAIM, {"anonymous_refresh": guest_tokens["refresh"]}, format="json")

    assert response.status_code == 401
    assert holdings(guest.id) == guest_data


# ---- what moves ----------------------------------------------------------------------------------


def test_every_relation_to_users_holding_user_data_moves_and_none_of_the_login_machinery(db):
    labels = [claim.relation_label(relation) for relation in claim.user_data_relations()]

    assert {"user_plans.user_id", "user_workout_logs.user_id", "workout_plans.created_by"} <= set(labels)
    # the coach's records of the user: sessions, messages, recommendations, model calls
    assert {"agent_sessions.user_id", "conversations.user_id", "recommendations.user_id", "llm_calls.user_id"} <= set(
        labels
    )
    tables = {label.split(".")[0] for label in labels}
    assert not tables & {"auth_methods", "verification_codes", "token_blacklist_outstandingtoken"}


# ---- two claims at once --------------------------------------------------------------------------


@pytest.fixture
def committed_cast() -> Iterator[tuple[User, User]]:
    """Frank and his guest committed for real (the threads use their own connections), removed
    afterwards: the users table is not Django's to flush."""
    frank = UserFactory.create(display_name="Frank")
    AuthMethod.objects.create(user=frank, provider="sms", identifier="+33698765400", is_verified=True, is_primary=True)
    guest = make_guest()
    yield frank, guest
    # assignments first: a custom plan's assignment protects the plan from the owner's cascade
    UserPlan.objects.filter(user_id__in=[frank.id, guest.id]).delete()
    User.objects.filter(id__in=[frank.id, guest.id]).delete()


@pytest.mark.django_db(transaction=True)
def test_two_claims_of_one_account_at_once_move_it_once(committed_cast):
    frank, guest = committed_cast
    guests = give_guest_data(guest)
    refresh = token_pair_for(guest)["refresh"]
    access = token_pair_for(frank)["access"]
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def claim_once() -> None:
        try:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
            barrier.wait(timeout=10)
            statuses.append(client.post(CLAIM, {"anonymous_refresh": refresh}, format="json").status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim_once) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(statuses) == [200, 400], statuses
    assert holdings(frank.id) == guests
    assert not User.objects.filter(id=guest.id).exists()
