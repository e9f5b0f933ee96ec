"""The small cast of the exercise tests: Alice, a staff editor, and exercises made for one test."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from exercises.models import Exercise

ALICE_EMAIL = "alice@movoai.test"
ALICE_PASSWORD = "alice-curates-exercises"


@pytest.fixture
def alice() -> User:
    """A staff member who curates the library in the back-office."""
    return User.objects.create_superuser(email=ALICE_EMAIL, password=ALICE_PASSWORD)


@pytest.fixture
def alice_client(client: Client, alice: User) -> Client:
    assert client.login(email=ALICE_EMAIL, password=ALICE_PASSWORD)
    return client


@pytest.fixture
def sit_up() -> Exercise:
    """3/4 Sit-Up: English-only in the dataset, named in French by the project, frames but no gifs."""
    return Exercise.objects.get(slug="3-4-sit-up")


@pytest.fixture
def dumbbell_bench_press() -> Exercise:
    """Dumbbell Bench Press: French name and instructions from wger."""
    return Exercise.objects.get(slug="dumbbell-bench-press")
