"""Keeps the stored embeddings of exercises and template plans in step with their content.

Each row of `exercises` and `workout_plans` carries, next to its `embedding vector(384)`, the id of
the model that made it (`embedding_model`) and `embedding_hash`: the SHA-256 of that model id and
of the document text (coach.embeddings.exercise_document / plan_document). A row is re-embedded
when the hash it would get now differs from the stored one: its content changed, it was never
embedded, or the configured model changed. Everything else is left alone.

The vectors are not fields of the Django models (a list endpoint must not fetch 384 floats a row);
they are read and written here with SQL, as pgvector text literals ('[0.1,...]'::vector).

Embedding the whole library takes tens of seconds on a small CPU, and a fresh database (every test
session, a new developer machine) needs it again. So vectors are also kept in an on-disk cache,
keyed by the same hash (model id + text), in settings.EMBEDDING_CACHE_DIR (a SQLite file; empty
setting: no cache). The cache never changes a result, only how long a refresh takes.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Prefetch, QuerySet
from django.db.models.expressions import RawSQL

from coach.embeddings import (
    DIMENSIONS,
    EmbeddingModelError,
    embedding_model_id,
    exercise_document,
    get_embedder,
    plan_document,
)
from exercises.models import Exercise
from plans.models import PlanExercise, WorkoutPlan

logger = logging.getLogger("movoai.coach.embedding_index")

EXERCISES_TABLE, PLANS_TABLE = "exercises", "workout_plans"
WRITE_BATCH = 200
CACHE_FILE_NAME = "vectors.sqlite3"


@dataclass(frozen=True)
class RefreshReport:
    """What a refresh did. `*_embedded` rows got a new vector (from the model or the cache),
    `*_unchanged` rows already had the vector of their current content; `from_cache` of the new
    vectors came from the on-disk cache instead of the model."""

    model_id: str
    exercises_embedded: int
    exercises_unchanged: int
    plans_embedded: int
    plans_unchanged: int
    from_cache: int
    seconds: float

    @property
    def embedded(self) -> int:
        return self.exercises_embedded + self.plans_embedded

    def summary(self) -> str:
        return (
            f"embeddings ({self.model_id}): exercises {self.exercises_embedded} embedded, "
            f"{self.exercises_unchanged} unchanged; plans {self.plans_embedded} embedded, "
            f"{self.plans_unchanged} unchanged; {self.from_cache} from the cache; {self.seconds:.2f}s"
        )


@dataclass
class _Row:
    table: str
    row_id: int
    document: str
    content_hash: str
    vector: list[float] | None = field(default=None)


def content_hash(model_id: str, document: str) -> str:
    """The hash stored with a vector: SHA-256 of the model id and the document text."""
    return hashlib.sha256(f"{model_id}\n{document}".encode()).hexdigest()


def vector_literal(vector: Sequence[float]) -> str:
    """A pgvector text literal; 9 significant digits give back the exact float32 values."""
    return "[" + ",".join(format(value, ".9g") for value in vector) + "]"


# ---- the on-disk cache --------------------------------------------------------------------------


class _VectorCache:
    """Vectors by content hash in a SQLite file, shared by every process (test sessions run side
    by side). Any error disables it for this refresh: the model then embeds everything."""

    def __init__(self, directory: str) -> None:
        self._path = Path(directory) / CACHE_FILE_NAME if directory else None

    def _connect(self) -> sqlite3.Connection | None:
        if self._path is None:
            return None
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self._path, timeout=30)
            db.execute("CREATE TABLE IF NOT EXISTS vectors (hash TEXT PRIMARY KEY, vector BLOB NOT NULL)")
            return db
        except (sqlite3.Error, OSError) as error:
            logger.warning("embedding cache unavailable", extra={"path": str(self._path), "error": str(error)})
            self._path = None
            return None

    def get_many(self, hashes: Sequence[str]) -> dict[str, list[float]]:
        db = self._connect()
        if db is None or not hashes:
            return {}
        found: dict[str, list[float]] = {}
        try:
            with db:
                for start in range(0, len(hashes), 500):
                    chunk = list(hashes[start : start + 500])
                    placeholders = ",".join("?" * len(chunk))
                    rows = db.execute(f"SELECT hash, vector FROM vectors WHERE hash IN ({placeholders})", chunk)  # noqa: S608 - placeholders only
                    for row_hash, blob in rows:
                        vector = np.frombuffer(blob, dtype=np.float32)
                        if vector.shape == (DIMENSIONS,):
                            found[row_hash] = vector.tolist()
        except sqlite3.Error as error:
            logger.warning("embedding cache read failed", extra={"error": str(error)})
            return {}
        finally:
            db.close()
        return found

    def put_many(self, items: Iterable[tuple[str, list[float]]]) -> None:
        db = self._connect()
        if db is None:
            return
        try:
            with db:
                db.executemany(
                    "INSERT OR REPLACE INTO vectors (hash, vector) VALUES (?, ?)",
                    [(row_hash, np.asarray(vector, dtype=np.float32).tobytes()) for row_hash, vector in items],
                )
        except sqlite3.Error as error:
            logger.warning("embedding cache write failed", extra={"error": str(error)})
        finally:
            db.close()


# ---- the rows and their documents ----------------------------------------------------------------


def _stored_hash(table: str) -> RawSQL:
    return RawSQL(f"{table}.embedding_hash", [])  # noqa: S611 - table is a constant


def _exercise_rows(model_id: str, exercise_ids: Sequence[int] | None) -> list[tuple[_Row, str | None]]:
    queryset: QuerySet[Exercise] = Exercise.objects.annotate(stored_hash=_stored_hash(EXERCISES_TABLE)).order_by("id")
    if exercise_ids is not None:
        queryset = queryset.filter(id__in=list(exercise_ids))
    rows: list[tuple[_Row, str | None]] = []
    for exercise in queryset:
        document = exercise_document(exercise)
        row = _Row(EXERCISES_TABLE, exercise.id, document, content_hash(model_id, document))
        rows.append((row, exercise.stored_hash))  # type: ignore[attr-defined]
    return rows


def _plan_rows(model_id: str, plan_ids: Sequence[int] | None) -> list[tuple[_Row, str | None]]:
    plan_exercises = PlanExercise.objects.select_related("exercise").order_by(
        "week_number", "day_number", "order_in_day"
    )
    queryset: QuerySet[WorkoutPlan] = (
        WorkoutPlan.objects.filter(is_template=True)
        .annotate(stored_hash=_stored_hash(PLANS_TABLE))
        .prefetch_related(Prefetch("plan_exercises", queryset=plan_exercises))
        .order_by("id")
    )
    if plan_ids is not None:
        queryset = queryset.filter(id__in=list(plan_ids))
    rows: list[tuple[_Row, str | None]] = []
    for plan in queryset:
        names = [plan_exercise.exercise.exercise_en for plan_exercise in plan.plan_exercises.all()]
        document = plan_document(plan, exercise_names=names)
        row = _Row(PLANS_TABLE, plan.id, document, content_hash(model_id, document))
        rows.append((row, plan.stored_hash))  # type: ignore[attr-defined]
    return rows


def _write(rows: Sequence[_Row], model_id: str) -> None:
    """Store the rows' vectors, model id and hashes: one UPDATE per table and WRITE_BATCH rows."""
    for table in (EXERCISES_TABLE, PLANS_TABLE):
        table_rows = [row for row in rows if row.table == table and row.vector is not None]
        with connection.cursor() as cursor:
            for start in range(0, len(table_rows), WRITE_BATCH):
                batch = table_rows[start : start + WRITE_BATCH]
                values = ", ".join(["(%s::bigint, %s::vector, %s)"] * len(batch))
                params: list[str | int] = [model_id]
                for row in batch:
                    params.extend((row.row_id, vector_literal(row.vector or []), row.content_hash))
                cursor.execute(
                    f"UPDATE {table} AS t SET embedding = v.embedding, embedding_model = %s, "  # noqa: S608 - constants
                    f"embedding_hash = v.hash FROM (VALUES {values}) AS v(id, embedding, hash) WHERE t.id = v.id",
                    params,
                )


def refresh_embeddings(
    *, exercise_ids: Sequence[int] | None = None, plan_ids: Sequence[int] | None = None, force: bool = False
) -> RefreshReport:
    """Give every exercise and template plan the vector of its current content with the
    configured model, embedding only rows whose stored hash is missing or stale (all of them with
    force=True). `exercise_ids` / `plan_ids` restrict the refresh: None is every row, an empty
    list none. Plans that are not templates are never embedded.

    The model runs only on rows the on-disk cache lacks, texts batched by length; the vectors are
    written in one transaction. Raises coach.embeddings.EmbeddingModelError when the model cannot
    be used (nothing is written then)."""
    started = time.perf_counter()
    model_id = embedding_model_id()
    candidates = _exercise_rows(model_id, exercise_ids) + _plan_rows(model_id, plan_ids)
    stale = [row for row, stored in candidates if force or stored != row.content_hash]

    cache = _VectorCache(str(getattr(settings, "EMBEDDING_CACHE_DIR", "") or ""))
    cached = cache.get_many([row.content_hash for row in stale])
    for row in stale:
        row.vector = cached.get(row.content_hash)
    missing = [row for row in stale if row.vector is None]
    if missing:
        vectors = get_embedder().embed_documents([row.document for row in missing])
        for row, vector in zip(missing, vectors, strict=True):
            row.vector = vector
        cache.put_many((row.content_hash, vector) for row, vector in zip(missing, vectors, strict=True))

    with transaction.atomic():
        _write(stale, model_id)

    def count(table: str, rows: Iterable[_Row]) -> int:
        return sum(1 for row in rows if row.table == table)

    exercises_embedded, plans_embedded = count(EXERCISES_TABLE, stale), count(PLANS_TABLE, stale)
    report = RefreshReport(
        model_id=model_id,
        exercises_embedded=exercises_embedded,
        exercises_unchanged=count(EXERCISES_TABLE, (row for row, _ in candidates)) - exercises_embedded,
        plans_embedded=plans_embedded,
        plans_unchanged=count(PLANS_TABLE, (row for row, _ in candidates)) - plans_embedded,
        from_cache=len(stale) - len(missing),
        seconds=time.perf_counter() - started,
    )
    if report.embedded:
        logger.info("embeddings refreshed", extra={"summary": report.summary()})
    return report


def refresh_after_edit(*, exercise_ids: Sequence[int] = (), plan_ids: Sequence[int] = ()) -> str | None:
    """Refresh the vectors of rows staff just edited, and of the template plans that name an
    edited exercise (a plan's text lists its exercises). Returns None, or why the model could not
    run (logged): the edit stands and the rows keep their old vectors until the next refresh."""
    plans_naming = PlanExercise.objects.filter(exercise_id__in=list(exercise_ids), plan__is_template=True)
    all_plan_ids = sorted({*plan_ids, *plans_naming.values_list("plan_id", flat=True)})
    try:
        refresh_embeddings(exercise_ids=list(exercise_ids), plan_ids=all_plan_ids)
    except EmbeddingModelError as error:
        logger.exception("embeddings not refreshed after an edit")
        return str(error)
    return None
