"""The search fields' trigger fires only when a column they are made of is written.

db/schema.sql's `exercises_search_fields` trigger ran on every UPDATE of an exercise, so writing an
embedding (`embed_content`, the admin, `load_demo`) also recomputed the names' normalization and the
full-text vector of every row written. EXPLAIN ANALYZE of an embedding-only update of the 926
exercises (2 cores, November 2026): the trigger took 25-26 ms of 340-395 ms; with this migration it
does not run. Most of such an update is index upkeep: a new row version enters every index of the
table (the HNSW one included), whatever the trigger does.

A BEFORE trigger limited to `UPDATE OF exercise_en, exercise_fr, muscles, secondary_muscles,
equipments` fires whenever one of them is in the statement's SET list (Django's save() without
update_fields lists them all), so the search fields still follow every change of what they are
made of.
"""

from django.db import migrations

TRIGGER = """
CREATE OR REPLACE TRIGGER exercises_search_fields
    BEFORE INSERT OR UPDATE {columns}ON exercises FOR EACH ROW EXECUTE FUNCTION exercises_search_fields();
"""
SOURCE_COLUMNS = "OF exercise_en, exercise_fr, muscles, secondary_muscles, equipments "


class Migration(migrations.Migration):
    dependencies = [("exercises", "0005_search_planning_statistics")]

    operations = [
        migrations.RunSQL(
            TRIGGER.format(columns=SOURCE_COLUMNS),
            reverse_sql=TRIGGER.format(columns=""),
        )
    ]
