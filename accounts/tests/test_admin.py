"""The back-office's users: staff find a user by anything they know about them (a name, an email, a
phone number, a Telegram id or username, a guest id, a piece of the user id), see how they log in and
the plans they follow or made, and never see a one-time code or a token."""

from __future__ import annotations

import re
import secrets
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import codes
from accounts.models import AuthMethod, User, VerificationCode
from accounts.tests.conftest import ALICE_GUEST_ID, ALICE_TELEGRAM_ID
from accounts.tests.factories import UserFactory
from accounts.tokens import token_pair_for, token_refresh
from plans.models import WorkoutPlan
from plans.tests.factories import WorkoutPlanFactory
from tracking.models import UserPlan, UserWorkoutLog

pytestmark = pytest.mark.django_db

USERS = "/admin/accounts/user/"
DANA_PHONE = "+33612345678"


def change_url(user: User) -> str:
    return f"{USERS}{user.id}/change/"


# ---- the cast: Alice (Telegram and email), Bob (anonymous, from the conftest), Dana (SMS) and
# Charlie, who works in the back-office ------------------------------------------------------------


@pytest.fixture
def charlie(db: None) -> User:
    return User.objects.create_user(
        email="charlie@movoai.test", password="correct horse battery", display_name="Charlie", is_staff=True
    )


@pytest.fixture
def staff_client(charlie: User) -> Client:
    client = Client()
    client.force_login(charlie)
    return client


@pytest.fixture
def alice_logs_in(alice: User) -> User:
    """Alice logs in with Telegram (her primary method) and with an email code."""
    AuthMethod.objects.create(
        user=alice,
        provider=AuthMethod.Provider.TELEGRAM,
        identifier=str(ALICE_TELEGRAM_ID),
        data={"username": "alice_lifts", "first_name": "Alice"},
        is_verified=True,
        is_primary=True,
    )
    AuthMethod.objects.create(
        user=alice,
        provider=AuthMethod.Provider.EMAIL,
        identifier="alice@example.com",
        data={"email": "alice@example.com"},
        is_verified=True,
    )
    return alice


@pytest.fixture
def dana(db: None) -> User:
    """Dana logs in with an SMS code."""
    user: User = UserFactory.create(display_name="Dana", preferred_language="en", fitness_level="advanced")
    AuthMethod.objects.create(
        user=user, provider=AuthMethod.Provider.SMS, identifier=DANA_PHONE, data={"phone": DANA_PHONE}, is_primary=True
    )
    return user


@pytest.fixture
def cast(alice_logs_in: User, bob: User, dana: User, charlie: User) -> dict[str, User]:
    return {"Alice": alice_logs_in, "Bob": bob, "Dana": dana, "Charlie": charlie}


def listed(response: Any) -> list[str]:
    """The names of the users on a changelist page, in order."""
    assert response.status_code == 200
    return [user.display_name for user in response.context["cl"].result_list]


def page(response: Any) -> str:
    assert response.status_code == 200
    html: str = response.content.decode()
    return html


# ---- access ----------------------------------------------------------------------------------------


def test_an_app_user_logged_in_is_sent_to_the_staff_login(alice):
    client = Client()
    client.force_login(alice)

    response = client.get(USERS)

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


# ---- the list -----------------------------------------------------------------------------------


def test_the_list_shows_how_each_user_logs_in(staff_client, cast):
    response = staff_client.get(USERS)

    rows = {
        user.display_name: response.context["cl"].model_admin.login_methods(user)
        for user in response.context["cl"].result_list
    }
    assert rows["Alice"] == "Telegram, Email (code)"  # the primary method first
    assert rows["Dana"] == "Phone (SMS code)"
    assert rows["Bob"] == "— (anonymous)"
    assert rows["Charlie"] == "Password (back-office)"
    assert "Telegram, Email (code)" in page(response)


@pytest.mark.parametrize(
    ("search", "found"),
    [
        ("alice@EXAMPLE.com", ["Alice"]),  # her email login method; her users row has no email
        ("+33 6 12 34 56 78", ["Dana"]),  # a phone number typed with spaces
        ("0033612345678", ["Dana"]),
        ("612345", ["Dana"]),  # part of a number
        (str(ALICE_TELEGRAM_ID), ["Alice"]),
        ("@alice_lifts", ["Alice"]),  # her Telegram username
        (ALICE_GUEST_ID, ["Alice"]),
        ("charlie@movoai", ["Charlie"]),  # a users row's own email
        ("dana", ["Dana"]),
        ("alice", ["Alice"]),  # matches her name, her email and her username: listed once
        ("nobody@example.com", []),
    ],
)
def test_staff_find_a_user_by_what_they_know(staff_client, cast, search, found):
    assert listed(staff_client.get(USERS, {"q": search})) == found


def test_staff_find_a_user_by_a_piece_of_the_user_id(staff_client, cast):
    bob = cast["Bob"]

    assert listed(staff_client.get(USERS, {"q": str(bob.id)})) == ["Bob"]
    assert "Bob" in listed(staff_client.get(USERS, {"q": str(bob.id)[:13]}))


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ({"login": "anonymous"}, {"Bob"}),
        ({"login": "sms"}, {"Dana"}),
        ({"login": "telegram"}, {"Alice"}),
        ({"level": "advanced"}, {"Dana"}),
        ({"preferred_language__exact": "fr"}, {"Alice"}),
        ({"is_staff__exact": "1"}, {"Charlie"}),
    ],
)
def test_staff_filter_users(staff_client, cast, query, found):
    # other users may exist in the database: only the cast is looked at
    assert set(listed(staff_client.get(USERS, query))) & set(cast) == found


def test_the_list_costs_the_same_few_queries_for_a_page_of_users(staff_client, cast, django_assert_max_num_queries):
    for number in range(12):
        user = UserFactory.create(display_name=f"Runner {number}")
        AuthMethod.objects.create(user=user, provider="sms", identifier=f"+3361234{number:04d}", is_primary=True)
        AuthMethod.objects.create(user=user, provider="email", identifier=f"runner{number}@example.com")

    # session, staff user, the page of users, their login methods (one query for all), the count
    with django_assert_max_num_queries(6):
        response = staff_client.get(USERS)
    assert len(listed(response)) >= 16
    with django_assert_max_num_queries(6):
        assert len(listed(staff_client.get(USERS, {"q": "example.com", "login": "email"}))) == 13


# ---- one user --------------------------------------------------------------------------------------


@pytest.fixture
def alices_plans(alice_logs_in: User) -> dict[str, Any]:
    """Alice follows the demo strength template, logged two exercises of it, and made a plan of her own."""
    template = WorkoutPlan.objects.get(slug="beginner-full-body-strength", is_template=True)
    following = UserPlan.objects.create(user=alice_logs_in, plan=template, start_date="2025-03-03")
    for plan_exercise in template.plan_exercises.all()[:2]:
        UserWorkoutLog.objects.create(
            user=alice_logs_in,
            user_plan=following,
            plan_exercise=plan_exercise,
            exercise=plan_exercise.exercise,
            date_performed="2025-03-03",
            sets_completed=3,
            reps_completed=10,
        )
    own = WorkoutPlanFactory.create(
        name_en="Alice's knee-friendly plan", is_template=False, created_by=alice_logs_in, source="custom"
    )
    return {"template": template, "own": own, "following": following}


def test_a_users_page_shows_their_login_methods_and_plans(staff_client, alices_plans):
    alice = alices_plans["following"].user

    html = page(staff_client.get(change_url(alice)))

    assert "alice@example.com" in html
    assert str(ALICE_TELEGRAM_ID) in html
    assert "username: alice_lifts" in html
    # the plan she follows and the one she made, each a link to the plan's admin page
    assert f'href="/admin/plans/workoutplan/{alices_plans["template"].id}/change/"' in html
    assert f'href="/admin/plans/workoutplan/{alices_plans["own"].id}/change/"' in html
    assert "Alice&#x27;s knee-friendly plan" in html
    assert f'href="/admin/tracking/userworkoutlog/?user__id__exact={alice.id}">2 logged exercises</a>' in html


def test_login_methods_are_shown_but_cannot_be_added_changed_or_removed(staff_client, alice_logs_in):
    html = page(staff_client.get(change_url(alice_logs_in)))

    assert 'name="auth_methods-0-identifier"' not in html  # read-only text, not an input
    assert 'name="auth_methods-0-DELETE"' not in html
    assert "Add another login method" not in html


def change_form(response: Any, **changes: Any) -> dict[str, Any]:
    """The user's change form as the page shows it, with some fields changed, ready to post."""
    form = response.context["adminform"].form
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        if value is True:
            data[name] = "on"
        elif value not in (None, False):
            data[name] = value
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        data.update({management[name].html_name: management[name].value() for name in management.fields})
    data.update(changes)
    return data


def test_staff_edit_a_profile_but_a_login_method_slipped_into_the_form_is_not_added(staff_client, alice_logs_in):
    response = staff_client.get(change_url(alice_logs_in))
    data = change_form(
        response,
        display_name="Alice M.",
        **{
            "auth_methods-TOTAL_FORMS": "3",
            "auth_methods-2-provider": "email",
            "auth_methods-2-identifier": "mallory@example.com",
        },
    )

    response = staff_client.post(change_url(alice_logs_in), data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    alice_logs_in.refresh_from_db()
    assert alice_logs_in.display_name == "Alice M."
    assert sorted(AuthMethod.objects.filter(user=alice_logs_in).values_list("identifier", flat=True)) == [
        str(ALICE_TELEGRAM_ID),
        "alice@example.com",
    ]


def test_staff_cannot_add_a_user_here(staff_client):
    assert staff_client.get(f"{USERS}add/").status_code == 403


def test_deleting_a_user_removes_their_data_and_ends_their_sessions(staff_client, alices_plans):
    alice = alices_plans["following"].user
    alices_plans["own_following"] = UserPlan.objects.create(
        user=alice, plan=alices_plans["own"], start_date="2025-03-10"
    )
    tokens = token_pair_for(alice)
    delete_url = f"{USERS}{alice.id}/delete/"

    confirmation = staff_client.get(delete_url)
    # following her own plan does not protect it: user_delete removes her assignments first
    assert confirmation.status_code == 200
    assert not confirmation.context["perms_lacking"]
    assert not confirmation.context["protected"]

    response = staff_client.post(delete_url, {"post": "yes"})

    assert response.status_code == 302
    assert not User.objects.filter(id=alice.id).exists()
    assert not WorkoutPlan.objects.filter(id=alices_plans["own"].id).exists()
    assert BlacklistedToken.objects.filter(token__jti=_jti(tokens["refresh"])).exists()


def _jti(refresh: str) -> str:
    return str(RefreshToken(refresh, verify=False)["jti"])  # type: ignore[arg-type]


# ---- secrets ---------------------------------------------------------------------------------------


@pytest.fixture
def pinned_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The codes the service makes are 739154 then 862047, so that no page can hold them by chance."""
    values = iter([739_154, 862_047])
    monkeypatch.setattr(secrets, "randbelow", lambda _upper: next(values))


def test_staff_never_see_a_code_its_hmac_or_a_token(staff_client, alice_logs_in, pinned_codes):
    alice = alice_logs_in
    codes.code_send(channel="email", target="alice@example.com", purpose="login", ip="203.0.113.7")
    codes.code_send(channel="email", target="alice.new@example.com", purpose="link", user=alice, ip="203.0.113.7")
    sent = [re.search(r"\b(\d{6})\b", str(message.body)).group(1) for message in mail.outbox]  # type: ignore[union-attr]
    assert sent == ["739154", "862047"]  # the codes exist and were sent
    hmacs = list(VerificationCode.objects.values_list("code_hmac", flat=True))
    assert len(hmacs) == 2
    first = token_pair_for(alice)
    second = token_refresh(refresh=first["refresh"])  # the first refresh token is now spent
    shown_nowhere = [*sent, *hmacs, first["access"], first["refresh"], second["access"], second["refresh"]]

    pages = {
        "index": page(staff_client.get("/admin/")),
        "list": page(staff_client.get(USERS)),
        "search": page(staff_client.get(USERS, {"q": "alice"})),
        "user": page(staff_client.get(change_url(alice))),
        "history": page(staff_client.get(f"{USERS}{alice.id}/history/")),
    }

    for name, html in pages.items():
        for secret in shown_nowhere:
            assert secret not in html, f"a secret is shown on the {name} page"
    assert "Verification code" not in pages["index"]
    assert "Outstanding token" not in pages["index"]


@pytest.mark.parametrize(
    "url",
    [
        "/admin/accounts/verificationcode/",
        "/admin/accounts/spentrefreshtoken/",
        "/admin/token_blacklist/outstandingtoken/",
        "/admin/token_blacklist/blacklistedtoken/",
        "/admin/social_django/usersocialauth/",
        "/admin/social_django/association/",
    ],
)
def test_codes_and_tokens_have_no_admin_page(staff_client, url):
    assert staff_client.get(url).status_code == 404


def test_a_user_whose_plan_someone_else_follows_is_not_deleted(staff_client, alices_plans, bob):
    alice = alices_plans["following"].user
    UserPlan.objects.create(user=bob, plan=alices_plans["own"], start_date="2025-03-10")
    delete_url = f"{USERS}{alice.id}/delete/"

    assert staff_client.get(delete_url).context["protected"]
    staff_client.post(delete_url, {"post": "yes"})

    assert User.objects.filter(id=alice.id).exists()
