"""Test set-up: real PostgreSQL (the embedded server, or DATABASE_URL) and real Redis (the embedded
server, or REDIS_URL, on a database of its own).

The test database is migrated once and loaded once with the real demo content (926 exercises, the
template plans), so search ranking and plans are tested on the data users get. Each test runs in a
transaction that is rolled back, and starts with an empty cache.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from rest_framework.test import APIClient


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    with django_db_blocker.unblock():
        call_command("load_demo", verbosity=0)


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api() -> APIClient:
    return APIClient()
