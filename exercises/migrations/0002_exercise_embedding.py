"""Exercise embeddings for semantic search (coach/embedding_index.py fills them).

Columns outside the Django model on purpose: list endpoints never fetch 384 floats a row. The
vector extension is created by movoai/0001 (db/schema.sql).
"""

from django.db import migrations

FORWARD = """
ALTER TABLE exercises
    ADD COLUMN IF NOT EXISTS embedding vector(384),
    -- the model that made the vector: a search only compares vectors of the configured model
    ADD COLUMN IF NOT EXISTS embedding_model text,
    -- sha256 of the model id and the embedded text: a row is re-embedded only when it changes
    ADD COLUMN IF NOT EXISTS embedding_hash text;
CREATE INDEX IF NOT EXISTS exercises_embedding_hnsw ON exercises USING hnsw (embedding vector_cosine_ops);
"""

REVERSE = """
DROP INDEX IF EXISTS exercises_embedding_hnsw;
ALTER TABLE exercises
    DROP COLUMN IF EXISTS embedding,
    DROP COLUMN IF EXISTS embedding_model,
    DROP COLUMN IF EXISTS embedding_hash;
"""


class Migration(migrations.Migration):
    dependencies = [("movoai", "0001_existing_schema"), ("exercises", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, reverse_sql=REVERSE)]
