"""Staff mark an exercise as reviewed (a back-office bulk action): when, and by whom.

Columns of the unmanaged `exercises` table, added with RunSQL like the embedding columns; the
model's fields are declared in the migration state so that the ORM state matches the table.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

FORWARD = """
ALTER TABLE exercises
    ADD COLUMN IF NOT EXISTS reviewed_at timestamptz,
    ADD COLUMN IF NOT EXISTS reviewed_by uuid REFERENCES users (id) ON DELETE SET NULL;
"""

REVERSE = """
ALTER TABLE exercises
    DROP COLUMN IF EXISTS reviewed_at,
    DROP COLUMN IF EXISTS reviewed_by;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("exercises", "0002_exercise_embedding"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunSQL(
            FORWARD,
            reverse_sql=REVERSE,
            state_operations=[
                migrations.AddField(
                    model_name="exercise",
                    name="reviewed_at",
                    field=models.DateTimeField(blank=True, null=True, verbose_name="reviewed at"),
                ),
                migrations.AddField(
                    model_name="exercise",
                    name="reviewed_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_column="reviewed_by",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="reviewed by",
                    ),
                ),
            ],
        )
    ]
