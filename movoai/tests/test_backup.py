"""Backups restore: deploy/backup.sh, deploy/restore.sh and deploy/backup_restore_check.py run, as an
operator runs them, against the test database (a real PostgreSQL database on the same server as
development's: the embedded one, or DATABASE_URL's).

pg_dump reads the database on a connection of its own, so these tests commit for real
(transaction=True); the users they make are removed at the end: the user tables are not Django's to
flush.
"""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from psycopg import sql
from psycopg.conninfo import make_conninfo

from accounts.models import User
from accounts.tests.factories import UserFactory
from plans.models import WorkoutPlan
from tracking.models import UserWorkoutLog
from tracking.tests.factories import UserPlanFactory, WorkoutLogFactory

pytestmark = pytest.mark.django_db(transaction=True)

DEPLOY = Path(settings.BASE_DIR) / "deploy"


@pytest.fixture
def test_database() -> str:
    """The test database as a libpq connection string, from Django's own connection settings."""
    params = connection.settings_dict
    fields = {"host": params["HOST"], "port": params["PORT"], "user": params["USER"], "password": params["PASSWORD"]}
    return make_conninfo(dbname=params["NAME"], **{key: str(value) for key, value in fields.items() if value})


@pytest.fixture
def people() -> Iterator[list[User]]:
    """The users a test makes (Alice, Bob), removed afterwards with what they logged."""
    made: list[User] = []
    yield made
    User.objects.filter(id__in=[user.id for user in made]).delete()


def alice_logs_a_workout(people: list[User]) -> User:
    """Alice follows a demo template plan and logs its first exercise: rows in three tables."""
    alice: User = UserFactory.create(display_name="Alice")
    people.append(alice)
    plan = WorkoutPlan.objects.filter(is_template=True).order_by("id").first()
    assert plan is not None, "the demo content has template plans"
    user_plan = UserPlanFactory.create(user=alice, plan=plan, start_date=datetime.date(2026, 1, 5))
    WorkoutLogFactory.create(user_plan=user_plan, plan_exercise=plan.plan_exercises.order_by("id").first())
    return alice


def run(command: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - the project's own scripts
        command,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=300,
        check=False,
    )


def backup_check(database: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "deploy.backup_restore_check", "--database", database, *arguments])


def backup(database: str, folder: Path) -> Path:
    result = run([str(DEPLOY / "backup.sh"), database], BACKUP_DIR=str(folder))
    assert result.returncode == 0, result.stderr
    dump = Path(result.stdout.strip())
    assert dump.parent == folder
    assert dump.name.startswith("movoai-")
    assert dump.suffix == ".dump"
    return dump


def scratch_databases(database: str) -> list[str]:
    """The databases the check made beside the test database and did not drop."""
    with psycopg.connect(database) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE starts_with(datname, %s)", [f"{connection.settings_dict['NAME']}_"]
        ).fetchall()
    return [str(row[0]) for row in rows]


def user_names(database: str) -> set[str]:
    with psycopg.connect(database) as conn:
        return {str(row[0]) for row in conn.execute("SELECT display_name FROM users")}


def test_a_fresh_backup_restores_with_every_row_and_a_working_search(test_database, people):
    alice_logs_a_workout(people)

    result = backup_check(test_database)

    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    database_line = next(line for line in lines if line.startswith("database:"))
    restore_line = next(line for line in lines if line.startswith("restore:"))
    assert database_line.removeprefix("database:").strip() == restore_line.removeprefix("restore:").strip()
    assert "vector" in restore_line
    assert "pg_trgm" in restore_line
    assert "unaccent" in restore_line
    assert "backup check passed" in result.stdout
    assert "4 sample searches" in result.stdout
    assert scratch_databases(test_database) == []


def test_the_check_reports_rows_missing_from_the_restore(test_database, people, tmp_path):
    users_at_backup = User.objects.count()
    dump = backup(test_database, tmp_path)
    alice_logs_a_workout(people)  # written after the backup: not in it

    result = backup_check(test_database, "--dump", str(dump))

    assert result.returncode == 1
    assert f"table public.users: {users_at_backup + 1} rows in the database, {users_at_backup} in the restore" in (
        result.stderr
    )
    assert "table public.user_workout_logs:" in result.stderr
    assert "backup check FAILED" in result.stderr
    assert scratch_databases(test_database) == []


def test_a_truncated_backup_fails_the_check_with_pg_restores_reason(test_database, tmp_path):
    dump = backup(test_database, tmp_path)
    with dump.open("r+b") as file:
        file.truncate(dump.stat().st_size // 2)

    result = backup_check(test_database, "--dump", str(dump))

    assert result.returncode == 1
    assert f"restore failed: {dump} did not restore into a fresh database" in result.stderr
    assert "pg_restore: error:" in result.stderr
    assert "nothing was restored" in result.stderr
    assert scratch_databases(test_database) == []


def test_restore_refuses_the_live_database_without_force(test_database, people, tmp_path):
    dump = backup(test_database, tmp_path)
    alice_logs_a_workout(people)

    result = run([str(DEPLOY / "restore.sh"), str(dump)], DATABASE_URL=test_database)

    assert result.returncode == 1
    assert "refusing to restore into the live database" in result.stderr
    assert "--force" in result.stderr
    assert "Alice" in user_names(test_database)  # written after the backup, and still there


def test_restore_replaces_what_the_target_database_holds(test_database, people, tmp_path):
    alice_logs_a_workout(people)
    logs_at_backup = UserWorkoutLog.objects.count()
    dump = backup(test_database, tmp_path)
    target_name = f"{connection.settings_dict['NAME']}_restore_target"
    target = make_conninfo(test_database, dbname=target_name)
    with psycopg.connect(test_database, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(target_name)))
        admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(target_name)))
        try:
            first = run([str(DEPLOY / "restore.sh"), str(dump), target])
            assert first.returncode == 0, first.stderr
            with psycopg.connect(target, autocommit=True) as restored:
                restored.execute("DELETE FROM user_workout_logs")
                restored.execute("INSERT INTO users (display_name) VALUES ('Bob')")

            again = run([str(DEPLOY / "restore.sh"), str(dump), target])

            assert again.returncode == 0, again.stderr
            assert "Alice" in user_names(target)
            assert "Bob" not in user_names(target)
            with psycopg.connect(target) as restored:
                logs = restored.execute("SELECT count(*) FROM user_workout_logs").fetchone()
            assert logs is not None
            assert logs[0] == logs_at_backup
        finally:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(target_name)))
