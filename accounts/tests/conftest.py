"""The small cast of the user tests: Alice, who came from Telegram and filled in her profile, and
Bob, who opened the web app once and told it nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import User
from accounts.tests.factories import UserFactory

ALICE_TELEGRAM_ID = 5_551_234_567
ALICE_GUEST_ID = "guest-alice-7f3a"


@pytest.fixture
def alice(db: None) -> User:
    return UserFactory.create(
        display_name="Alice",
        telegram_id=ALICE_TELEGRAM_ID,
        guest_id=ALICE_GUEST_ID,
        preferred_language="fr",
        time_zone="Europe/Paris",
        gender="female",
        age=29,
        weight_kg=Decimal("61.50"),
        height_cm=Decimal("168.0"),
        fitness_level="beginner",
        fitness_goals=["strength", "mobility"],
        workout_style="home",
        daily_activity="lightly_active",
        available_equipment=["dumbbell", "gym mat"],
        limitations=["Sore left knee"],
    )


@pytest.fixture
def bob(db: None) -> User:
    return UserFactory.create(display_name="Bob")
