"""CSRF: the API takes bearer tokens only, so a cross-site request cannot ride on a cookie; the admin,
which does use a session cookie, keeps Django's CSRF protection.

The cast: Charlie works in the back-office (staff, logged in to the admin with his password); Alice
is a user whose profile he edits."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.views import APIView

from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.tokens import TokenAuthentication, token_pair_for

pytestmark = pytest.mark.django_db

CHARLIE_PASSWORD = "correct horse battery staple"


@pytest.fixture
def charlie() -> User:
    return User.objects.create_user(
        email="charlie@movoai.test", password=CHARLIE_PASSWORD, display_name="Charlie", is_staff=True
    )


@pytest.fixture
def alice() -> User:
    return UserFactory.create(display_name="Alice")


def logged_in_admin(charlie: User, *, enforce_csrf_checks: bool = False) -> Client:
    client = Client(enforce_csrf_checks=enforce_csrf_checks)
    assert client.login(email=charlie.email, password=CHARLIE_PASSWORD)
    assert client.get("/admin/").status_code == 200  # the session cookie really is an admin's
    return client


# ---- the API ignores the admin's session cookie ---------------------------------------------------


def test_an_admin_session_cookie_cannot_change_the_profile_through_the_api(charlie):
    client = logged_in_admin(charlie)

    response = client.patch("/api/v1/users/me", {"display_name": "Mallory"}, content_type="application/json")

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    charlie.refresh_from_db()
    assert charlie.display_name == "Charlie"


def test_an_admin_session_cookie_cannot_log_the_account_out_everywhere_through_the_api(charlie):
    client = logged_in_admin(charlie)

    response = client.post("/api/v1/auth/logout", {"all": True}, content_type="application/json")

    assert response.status_code == 401


def test_the_same_request_with_the_bearer_token_works(charlie):
    """The 401 above is about the credential, not the request."""
    client = logged_in_admin(charlie)
    access = token_pair_for(charlie)["access"]

    response = client.patch(
        "/api/v1/users/me",
        {"display_name": "Charles"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {access}"},
    )

    assert response.status_code == 200, response.content
    charlie.refresh_from_db()
    assert charlie.display_name == "Charles"


def _api_views(patterns: list[URLPattern | URLResolver], prefix: str = "") -> list[tuple[str, Any]]:
    views: list[tuple[str, Any]] = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            views += _api_views(pattern.url_patterns, route)
        elif route.startswith("api/"):
            view_class = getattr(pattern.callback, "cls", None)
            if view_class is not None and issubclass(view_class, APIView):
                views.append((route, view_class))
    return views


def test_no_api_view_accepts_a_cookie_or_a_password():
    views = _api_views(get_resolver().url_patterns)
    assert len(views) > 30  # every route of /api, not an empty walk

    configured = settings.REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]
    assert configured == ["accounts.tokens.TokenAuthentication"]
    cookie_or_password = [
        (route, authentication.__name__)
        for route, view_class in views
        for authentication in view_class.authentication_classes
        if issubclass(authentication, SessionAuthentication | BasicAuthentication)
        or not issubclass(authentication, TokenAuthentication)
    ]
    assert cookie_or_password == []


# ---- the admin keeps Django's CSRF protection -----------------------------------------------------


def _change_form(client: Client, user: User) -> tuple[str, dict[str, Any], str]:
    """The user's change form as the browser would post it back: its URL, its fields, its CSRF token."""
    url = f"/admin/accounts/user/{user.id}/change/"
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        if value is True:
            data[name] = "on"
        elif value not in (None, False):
            data[name] = value
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        data.update({management[name].html_name: management[name].value() for name in management.fields})
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert token
    return url, data, token.group(1)


def test_an_admin_post_without_the_csrf_token_is_refused(charlie, alice):
    client = logged_in_admin(charlie, enforce_csrf_checks=True)
    url, data, _ = _change_form(client, alice)

    response = client.post(url, {**data, "display_name": "Mallory"})

    assert response.status_code == 403
    assert b"CSRF" in response.content
    alice.refresh_from_db()
    assert alice.display_name == "Alice"


def test_an_admin_post_with_the_csrf_token_saves(charlie, alice):
    client = logged_in_admin(charlie, enforce_csrf_checks=True)
    url, data, token = _change_form(client, alice)

    response = client.post(url, {**data, "display_name": "Alice M.", "csrfmiddlewaretoken": token})

    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.display_name == "Alice M."
