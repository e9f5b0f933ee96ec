"""Load (or refresh) the demo template plans. Idempotent: upsert by slug."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from plans.demo.template_plans import template_plans
from plans.services import template_plans_load


class Command(BaseCommand):
    help = "Load the bilingual template workout plans (needs the exercise library loaded first)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = template_plans_load(plans=template_plans())
        self.stdout.write(f"plans: {result.created} created, {result.updated} updated, {result.unchanged} unchanged")
