"""Write the Mermaid diagrams of the compiled workflow graphs into docs/workflows.md."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from coach.workflows.diagrams import docs_path, with_diagrams


class Command(BaseCommand):
    help = "Regenerate the workflow diagrams in docs/workflows.md from the compiled graphs (--check: only compare)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="exit with an error when the file is out of date")

    def handle(self, *args: Any, **options: Any) -> None:
        path = docs_path()
        current = path.read_text(encoding="utf-8") if path.exists() else "# Workflows\n"
        updated = with_diagrams(current)
        if options["check"]:
            if updated != current:
                raise SystemExit(f"{path} is out of date: run `python manage.py workflow_diagrams`.")
            self.stdout.write(f"{path} is up to date.")
            return
        if updated != current:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(updated, encoding="utf-8")
            self.stdout.write(f"Updated the diagrams in {path}.")
        else:
            self.stdout.write(f"{path} is already up to date.")
