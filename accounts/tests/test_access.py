"""Who may act on which user (accounts.access): the deprecated /users/{user_id} routes with and
without a token, the unclaimed anonymous account, the setting that allows id access, staff reads,
the cached progress, and the deprecated flags of the schema."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.identity import Identity, identity_link
from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.tokens import token_pair_for
from movoai import cache_keys
from plans.models import WorkoutPlan
from tracking.models import UserPlan
from tracking.tests.factories import UserPlanFactory

pytestmark = pytest.mark.django_db

USERS = "/api/v1/users"
# A read of each kind of legacy route: the user, a collection, an item, the cached progress.
LEGACY_READS = ["", "/plans", "/plans/{user_plan_id}", "/workout-logs", "/progress"]


def claim(user: User, telegram_id: int = 7_000_000_001) -> None:
    """Give the account a login method, as a Telegram login linked to it would."""
    identity_link(user=user, identity=Identity(provider="telegram", identifier=str(telegram_id)))


def with_token(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_for(user)['access']}")
    return client


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = json.loads(response.content)
    assert body["status"] == status
    if status == 401:
        assert response["WWW-Authenticate"].startswith("Bearer")
    return body


@pytest.fixture
def carol(db: None) -> User:
    """An anonymous account of the first phase: no login method, only its id."""
    user: User = UserFactory.create(display_name="Carol")
    return user


@pytest.fixture
def dave(db: None) -> User:
    """An account that logged in with Telegram: it has a login method."""
    user: User = UserFactory.create(display_name="Dave")
    claim(user)
    return user


@pytest.fixture
def erin(db: None) -> User:
    """Another logged-in user."""
    user: User = UserFactory.create(display_name="Erin")
    claim(user, telegram_id=7_000_000_002)
    return user


@pytest.fixture
def strength_plan(db: None) -> WorkoutPlan:
    return WorkoutPlan.objects.get(slug="beginner-full-body-strength", is_template=True)


def plan_of(user: User, plan: WorkoutPlan) -> UserPlan:
    user_plan: UserPlan = UserPlanFactory.create(user=user, plan=plan)
    return user_plan


def legacy(user_id: uuid.UUID, tail: str, user_plan: UserPlan | None = None) -> str:
    return f"{USERS}/{user_id}" + tail.format(user_plan_id=user_plan.id if user_plan else 0)


# ---- without a token -----------------------------------------------------------------------------
@pytest.mark.parametrize("tail", LEGACY_READS)
def test_an_unclaimed_anonymous_account_is_served_by_its_id_alone(api, carol, strength_plan, tail):
    response = api.get(legacy(carol.id, tail, plan_of(carol, strength_plan)))

    assert response.status_code == 200, response.content


@pytest.mark.parametrize("tail", LEGACY_READS)
def test_an_account_with_a_login_method_needs_its_token(api, dave, strength_plan, tail):
    assert_problem(api.get(legacy(dave.id, tail, plan_of(dave, strength_plan))), 401)


def test_a_claimed_account_cannot_be_written_by_its_id_either(api, dave, strength_plan):
    assert_problem(api.post(f"{USERS}/{dave.id}/plans", {"plan_id": strength_plan.id}, format="json"), 401)
    assert_problem(api.patch(f"{USERS}/{dave.id}", {"display_name": "Mallory"}, format="json"), 401)

    assert not UserPlan.objects.filter(user=dave).exists()
    dave.refresh_from_db()
    assert dave.display_name == "Dave"


def test_the_id_stops_working_alone_once_the_account_gets_a_login_method(api, carol):
    assert api.get(f"{USERS}/{carol.id}/plans").status_code == 200

    claim(carol)

    assert_problem(api.get(f"{USERS}/{carol.id}/plans"), 401)
    assert with_token(carol).get(f"{USERS}/{carol.id}/plans").status_code == 200


@pytest.mark.parametrize("tail", LEGACY_READS)
def test_an_unknown_id_is_a_404(api, tail):
    assert_problem(api.get(legacy(uuid.uuid4(), tail)), 404)


@pytest.mark.parametrize("tail", LEGACY_READS)
def test_with_id_access_turned_off_every_tokenless_request_is_a_401(api, carol, strength_plan, settings, tail):
    settings.ALLOW_ANONYMOUS_ID_ACCESS = False
    user_plan = plan_of(carol, strength_plan)

    assert_problem(api.get(legacy(carol.id, tail, user_plan)), 401)
    assert_problem(api.get(legacy(uuid.uuid4(), tail, user_plan)), 401)  # an unknown id tells nothing either
    assert with_token(carol).get(legacy(carol.id, tail, user_plan)).status_code == 200


# ---- with a token --------------------------------------------------------------------------------
@pytest.mark.parametrize("tail", LEGACY_READS)
def test_the_owners_token_is_served_on_the_legacy_path(dave, strength_plan, tail):
    response = with_token(dave).get(legacy(dave.id, tail, plan_of(dave, strength_plan)))

    assert response.status_code == 200, response.content


@pytest.mark.parametrize("tail", LEGACY_READS)
def test_another_users_token_is_a_404_claimed_or_not(dave, carol, erin, strength_plan, tail):
    for victim in (dave, carol):  # carol is readable without a token, but not with someone else's
        body = assert_problem(with_token(erin).get(legacy(victim.id, tail, plan_of(victim, strength_plan))), 404)
        assert victim.display_name not in json.dumps(body)


def test_another_users_token_writes_nothing(dave, erin, strength_plan):
    client = with_token(erin)

    assert_problem(client.post(f"{USERS}/{dave.id}/plans", {"plan_id": strength_plan.id}, format="json"), 404)
    assert_problem(client.patch(f"{USERS}/{dave.id}", {"display_name": "Mallory"}, format="json"), 404)
    assert_problem(client.delete(f"{USERS}/{dave.id}/plans/{plan_of(dave, strength_plan).id}"), 404)

    assert UserPlan.objects.filter(user=dave).count() == 1
    assert not UserPlan.objects.filter(user=erin).exists()
    dave.refresh_from_db()
    assert dave.display_name == "Dave"


def test_an_unknown_id_with_a_token_is_a_404(erin):
    assert_problem(with_token(erin).get(f"{USERS}/{uuid.uuid4()}/plans"), 404)


def test_a_bad_token_is_a_401_even_where_no_token_would_do(api, carol):
    api.credentials(HTTP_AUTHORIZATION="Bearer not.a.token")

    assert_problem(api.get(f"{USERS}/{carol.id}/plans"), 401)


# ---- staff ----------------------------------------------------------------------------------------
@pytest.fixture
def staff(db: None) -> User:
    user: User = UserFactory.create(display_name="Coach", is_staff=True, email="coach@movoai.test")
    return user


def test_staff_read_any_user_by_id_without_marking_them_active(staff, dave, carol):
    client = with_token(staff)

    for user in (dave, carol):
        response = client.get(f"{USERS}/{user.id}")
        assert response.status_code == 200, response.content
        assert response.json()["user_id"] == str(user.id)
        assert response.json()["profile"]["display_name"] == user.display_name
        assert cache.get(cache_keys.user_last_active(user.id)) is None


def test_staff_may_only_read_the_user_not_change_it_nor_reach_its_data(staff, dave, strength_plan):
    client = with_token(staff)

    assert_problem(client.patch(f"{USERS}/{dave.id}", {"display_name": "Changed"}, format="json"), 404)
    assert_problem(client.get(f"{USERS}/{dave.id}/plans/{plan_of(dave, strength_plan).id}"), 404)
    assert_problem(client.get(f"{USERS}/{dave.id}/progress"), 404)
    dave.refresh_from_db()
    assert dave.display_name == "Dave"


def test_a_user_who_is_not_staff_cannot_read_another_user(erin, dave):
    assert_problem(with_token(erin).get(f"{USERS}/{dave.id}"), 404)


def test_an_unknown_id_is_a_404_for_staff_too(staff):
    assert_problem(with_token(staff).get(f"{USERS}/{uuid.uuid4()}"), 404)


# ---- the cached progress ---------------------------------------------------------------------------
def test_the_access_rule_runs_before_the_cached_progress_is_served(api, dave, erin):
    owner = with_token(dave)
    cached = owner.get(f"{USERS}/{dave.id}/progress")
    assert cached.status_code == 200
    assert owner.get(f"{USERS}/me/progress").content == cached.content  # served from the cache

    assert_problem(api.get(f"{USERS}/{dave.id}/progress"), 401)
    assert_problem(with_token(erin).get(f"{USERS}/{dave.id}/progress"), 404)


def test_a_claim_after_the_progress_was_cached_closes_the_id_route(api, carol):
    assert api.get(f"{USERS}/{carol.id}/progress").status_code == 200

    claim(carol)

    assert_problem(api.get(f"{USERS}/{carol.id}/progress"), 401)


# ---- the same cost with or without a token ---------------------------------------------------------
def test_the_legacy_path_costs_the_same_queries_with_or_without_a_token(
    api, carol, strength_plan, django_assert_num_queries
):
    plan_of(carol, strength_plan)
    owner = with_token(carol)
    api.get(f"{USERS}/{carol.id}/plans")  # the first request of the window writes last_active

    # without a token: the user with whether a login method is theirs, the count, the page
    with django_assert_num_queries(3):
        assert api.get(f"{USERS}/{carol.id}/plans").status_code == 200
    # with a token: the token's user, the count, the page
    with django_assert_num_queries(3):
        assert owner.get(f"{USERS}/me/plans").status_code == 200


# ---- the schema ------------------------------------------------------------------------------------
@pytest.fixture
def paths(api: APIClient) -> dict[str, Any]:
    response = api.get("/api/schema", {"format": "json"})
    assert response.status_code == 200
    found: dict[str, Any] = json.loads(response.content)["paths"]
    return found


def operations_under(paths: dict[str, Any], prefix: str) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method, path): operation
        for path, item in paths.items()
        if path.startswith(prefix)
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    }


def test_every_legacy_id_route_is_deprecated_and_points_to_its_me_route(paths):
    legacy_operations = operations_under(paths, f"{USERS}/{{user_id}}/")

    assert len(legacy_operations) == 14 + 1  # the tracking routes, and the coach conversations
    for (method, path), operation in legacy_operations.items():
        me_path = path.replace("{user_id}", "me")
        assert operation.get("deprecated") is True, (method, path)
        assert f"`{me_path}`" in operation["description"], (method, path)
        assert method in paths[me_path], (method, path)


def test_the_me_routes_are_not_deprecated_and_need_a_token(paths):
    me_operations = operations_under(paths, f"{USERS}/me")

    # the tracking routes, GET/PUT/PATCH/DELETE /users/me, and the coach conversations
    assert len(me_operations) == 14 + 4 + 1
    for (method, path), operation in me_operations.items():
        assert not operation.get("deprecated"), (method, path)
        assert operation["security"] == [{"jwtAuth": []}], (method, path)
        assert "401" in operation["responses"], (method, path)
        assert "Deprecated" not in operation["description"], (method, path)
