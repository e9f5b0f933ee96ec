"""The LangGraph checkpoint tables (coach.checkpoints), created by the library's own setup().

Not atomic: setup() builds its indexes with CREATE INDEX CONCURRENTLY, on a connection of its own."""

from typing import Any

from django.db import migrations

DROP = "DROP TABLE IF EXISTS checkpoint_writes, checkpoint_blobs, checkpoints, checkpoint_migrations"


def create_checkpoint_tables(apps: Any, schema_editor: Any) -> None:
    from coach.checkpoints import checkpoint_tables_setup

    checkpoint_tables_setup(schema_editor.connection.alias)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("coach", "0002_sessions_conversations_recommendations")]

    operations = [
        migrations.RunPython(create_checkpoint_tables, reverse_code=migrations.RunPython.noop),
        migrations.RunSQL(migrations.RunSQL.noop, reverse_sql=DROP),
    ]
