"""Embed the exercise library and the template plans for semantic search."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coach.embedding_index import refresh_embeddings
from coach.embeddings import EmbeddingModelError


class Command(BaseCommand):
    help = (
        "Embed every exercise and template plan whose content (or the configured model) changed since "
        "its vector was made; --force embeds them all again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="Re-embed every row, changed or not.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = refresh_embeddings(force=options["force"])
        except EmbeddingModelError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(report.summary())
