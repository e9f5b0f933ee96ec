"""Recompute users' progress: drop what is cached for them and cache it again, in every language.

Progress is computed from the logs on each cache miss, so there is no stored figure to repair; this
rebuilds the cache after a change made outside the services (SQL, a data fix, a restored backup)
that did not invalidate it, and warms it.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from tracking import progress


class Command(BaseCommand):
    help = "Recompute (invalidate and rebuild the cache of) one user's or every active app user's progress."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", type=uuid.UUID, metavar="UUID", help="Only this user (default: every user).")

    def handle(self, *args: Any, **options: Any) -> None:
        users = User.objects.filter(is_active=True, is_staff=False).order_by("id")
        if options["user"] is not None:
            users = users.filter(id=options["user"])
            if not users.exists():
                raise CommandError(f"No active app user with id {options['user']}.")
        started = time.perf_counter()
        count = 0
        for user in users.iterator(chunk_size=500):
            progress.user_progress_rebuild(user=user)
            count += 1
        elapsed = time.perf_counter() - started
        noun = "user" if count == 1 else "users"
        self.stdout.write(f"Recalculated the progress of {count} {noun} in {elapsed:.2f} s.")
