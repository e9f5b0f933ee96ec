"""No column statistics for the search's name expressions: they made planning a search cost more
than running it (issue #8).

To estimate how many rows `names %> 'query'` (trigram word similarity) or `name ~ 'regex'` keep,
PostgreSQL runs the operator on every value of the column's histogram: about 100 trigram
comparisons per %> clause and per regular expression, 0.75 ms and 0.3 ms of planning each, 2.5 ms
of a 2-word search that then executes in 1.7 ms (measured on the 926 exercises). Without
statistics the planner uses its default selectivity for these operators, which also favours the
index candidates (migration 0004) the search is built for. The columns keep their indexes; only
their histograms go, and ANALYZE no longer collects them (statistics target 0).
"""

from django.db import migrations

COLUMNS = [
    ("exercises_search_names_trgm", "1", "expr"),
    ("exercises_search_glued_trgm", "1", "replace"),
    ("exercises", "search_name_en", "search_name_en"),
    ("exercises", "search_name_fr", "search_name_fr"),
]


def _forward() -> str:
    statements = []
    for relation, column, attname in COLUMNS:
        kind = "INDEX" if relation != "exercises" else "TABLE"
        statements.append(f"ALTER {kind} {relation} ALTER COLUMN {column} SET STATISTICS 0;")
        # PostgreSQL 18: drop what ANALYZE collected before (needs only ownership of the table)
        statements.append(f"SELECT pg_clear_attribute_stats(current_schema(), '{relation}', '{attname}', false);")
    return "\n".join(statements)


def _reverse() -> str:
    statements = []
    for relation, column, _attname in COLUMNS:
        kind = "INDEX" if relation != "exercises" else "TABLE"
        statements.append(f"ALTER {kind} {relation} ALTER COLUMN {column} SET STATISTICS -1;")
    statements.append("ANALYZE exercises;")
    return "\n".join(statements)


class Migration(migrations.Migration):
    dependencies = [("exercises", "0004_search_candidate_indexes")]

    operations = [migrations.RunSQL(_forward(), reverse_sql=_reverse())]
