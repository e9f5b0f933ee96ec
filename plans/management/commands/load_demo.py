"""Load all demo content: the exercise library, then the template plans, then their embeddings."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from coach.embedding_index import refresh_embeddings
from coach.embeddings import EmbeddingModelError


class Command(BaseCommand):
    help = "Load the exercise library and the template plans (idempotent), and embed what changed."

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("load_exercises", stdout=self.stdout)
        call_command("load_plans", stdout=self.stdout)
        try:
            report = refresh_embeddings()
        except EmbeddingModelError as error:
            # The content is loaded; search works lexically until `manage.py embed_content` succeeds.
            self.stderr.write(f"embeddings not refreshed: {error}")
            return
        self.stdout.write(report.summary())
