"""Factories for users: anonymous app users by default."""

from __future__ import annotations

import factory

from accounts.models import User


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User

    display_name = factory.Sequence(lambda n: f"user-{n}")
    preferred_language = "en"
    time_zone = "UTC"
    password = None
