"""Delete expired anonymous chat sessions (and their messages) and mark users' idle sessions expired.
Safe to run often (cron, Celery beat): each run only touches sessions past their time to live."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from coach.memory import sessions_purge_expired


class Command(BaseCommand):
    help = "Delete expired anonymous chat sessions and mark users' idle chat sessions expired."

    def handle(self, *args: Any, **options: Any) -> None:
        count = sessions_purge_expired()
        self.stdout.write(f"chat sessions purged or expired: {count}")
