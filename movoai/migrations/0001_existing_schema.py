"""Applies db/schema.sql: the app's existing tables, created only where missing.

On the production database (which already has them) this is a no-op: every statement in the file
is idempotent. Later changes to these tables are RunSQL migrations of their own.
"""

from pathlib import Path

from django.db import migrations

SCHEMA = Path(__file__).resolve().parents[2] / "db" / "schema.sql"


class Migration(migrations.Migration):
    initial = True
    dependencies: list[tuple[str, str]] = []
    operations = [migrations.RunSQL(SCHEMA.read_text(encoding="utf-8"), reverse_sql=migrations.RunSQL.noop)]
