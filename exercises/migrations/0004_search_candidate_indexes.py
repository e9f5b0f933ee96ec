"""Indexes that let a search find its candidates without reading every exercise (issue #8).

exercises.selectors.exercise_search ranks with regular expressions and trigram similarities that
PostgreSQL cannot take from an index; evaluated on every row they cost ~20 ms a search on the 926
exercises, and grow with the library. A candidate filter made of indexable conditions now runs
first: the full-text match (exercises_search_vector_gin), the query's letters inside the names with
the spaces removed (LIKE on the glued names) and the trigram word similarity of the query and of
each word against both names (%> on the names). Every exercise the ranking keeps passes it.
"""

from django.db import migrations

FORWARD = """
CREATE INDEX IF NOT EXISTS exercises_search_names_trgm
    ON exercises USING gin ((search_name_en || ' ' || search_name_fr) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS exercises_search_glued_trgm
    ON exercises USING gin ((replace(search_name_en || ' ' || search_name_fr, ' ', '')) gin_trgm_ops);
ANALYZE exercises;
"""

REVERSE = """
DROP INDEX IF EXISTS exercises_search_names_trgm;
DROP INDEX IF EXISTS exercises_search_glued_trgm;
"""


class Migration(migrations.Migration):
    dependencies = [("exercises", "0003_exercise_reviewed")]

    operations = [migrations.RunSQL(FORWARD, reverse_sql=REVERSE)]
