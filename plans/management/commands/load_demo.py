"""Load all demo content: the exercise library, then the template plans."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Load the exercise library and the template plans (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("load_exercises", stdout=self.stdout)
        call_command("load_plans", stdout=self.stdout)
