"""What the user tests share: the endpoints' paths and reading a user back."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import User

USERS = "/api/v1/users"


def user_url(user: User | str) -> str:
    return f"{USERS}/{user.id if isinstance(user, User) else user}"


def get_user(api: APIClient, user: User) -> dict[str, Any]:
    response = api.get(user_url(user))
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def updates_of_users(queries: CaptureQueriesContext) -> int:
    return sum(1 for query in queries.captured_queries if query["sql"].startswith('UPDATE "users"'))


def capture() -> CaptureQueriesContext:
    return CaptureQueriesContext(connection)
