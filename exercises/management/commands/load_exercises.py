"""Load (or refresh) the exercise library from exercises/data/. Idempotent: upsert by slug."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from exercises.services import exercise_library_load, read_library_files


class Command(BaseCommand):
    help = "Load the open exercise dataset and the project's French names (upsert by slug)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data", type=Path, default=settings.EXERCISES_DATA_FILE)
        parser.add_argument("--fr-names", type=Path, default=settings.EXERCISES_FR_NAMES_FILE)

    def handle(self, *args: Any, **options: Any) -> None:
        records, fr_names = read_library_files(options["data"], options["fr_names"])
        result = exercise_library_load(records=records, fr_names=fr_names)
        self.stdout.write(
            f"exercises: {result.created} created, {result.updated} updated, {result.unchanged} unchanged"
        )
