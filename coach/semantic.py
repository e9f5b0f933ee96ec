"""Semantic search over the exercise library and the template plans (reads).

`semantic_exercise_search` orders a caller's already filtered queryset (difficulty, equipment,
muscles, safety exclusions...) by meaning: the filters, the cosine distance to the embedded text
and the limit run as one SQL query, on the pgvector column that coach/embedding_index.py fills.
Free text is also searched lexically (exercises.selectors.exercise_search, bilingual), and the two
rankings are fused by reciprocal rank fusion, so that "knee friendly leg exercises" finds what the
words never say and "Dumbbell Bench Press" or "développé couché haltères" still finds that exercise
first.

Only vectors of the configured model are compared (a row embedded by another model, or not yet
embedded, can still come from the lexical side). When the model cannot run, the search is lexical
only and says so by similarity None.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import BooleanField, F, FloatField, QuerySet, Value
from django.db.models.expressions import RawSQL

from coach.embedding_index import vector_literal
from coach.embeddings import EmbeddingModelError, embed_query, embedding_model_id
from exercises.models import Exercise
from exercises.selectors import STAPLE_SQL, exercise_search
from exercises.taxonomy import SEARCH_SYNONYMS, normalize
from plans.models import WorkoutPlan

logger = logging.getLogger("movoai.coach.semantic")

MAX_LIMIT = 100
# Reciprocal rank fusion: each ranking adds weight / (RRF_K + rank). 60 is the usual constant
# (Cormack et al. 2009): a ranking's top few count much more than its tail, and no ranking alone
# decides.
RRF_K = 60
LEXICAL_CANDIDATES = 50
SEMANTIC_CANDIDATES = 50
# The local model reads English only: for a French text, its lexical matches count twice.
LEXICAL_WEIGHT = {"en": 1.0, "fr": 2.0}
SEMANTIC_WEIGHT = 1.0
EXACT_NAME_TIER = 5  # exercise_search's tier of an exact English or French name
# exercise_search's lowest tier is a near spelling (trigrams: "dumbell"), which also catches
# unrelated names ("posture" ~ "postérieurs"): such a match counts half.
FUZZY_TIER, FUZZY_WEIGHT = 1, 0.5
# Should the planner use the HNSW index, it visits this many candidates, and with an iterative scan
# (pgvector >= 0.8) keeps going while the filters reject rows: without it, "cardio" exercises near
# "stretch for tight hamstrings" through the index were 0 of 21. With ~1,000 exercises the planner
# prefers the filters' own indexes or a sequential scan (a few milliseconds) anyway.
HNSW_EF_SEARCH = 100


@dataclass(frozen=True)
class ExerciseMatch:
    """One result. `score` in (0, 1] orders the results (higher first, never rising down the
    list); `similarity` is the cosine similarity of the exercise to the text (None without a text,
    a vector of the current model, or a working model); `lexical_rank` its 1-based rank in the
    lexical search (None when the words did not match it)."""

    exercise: Exercise
    score: float
    similarity: float | None
    lexical_rank: int | None


@dataclass(frozen=True)
class PlanMatch:
    """One template plan. `score` in [0, 1] orders the results (the similarity clamped at 0, or
    the featured order's rank score without a text); `similarity` as in ExerciseMatch."""

    plan: WorkoutPlan
    score: float
    similarity: float | None


def _rank_score(rank: int) -> float:
    """The normalised reciprocal-rank score of a 1-based rank in a single ranking: 1 at the top."""
    return (RRF_K + 1) / (RRF_K + rank)


def embedding_text(text: str) -> str:
    """The text given to the embedding model: the query, plus the English taxonomy words of the
    French (or slang) muscle and equipment words it holds ("haltères" adds "dumbbell"), since the
    local model reads English only."""
    additions: list[str] = []
    for word in normalize(text).split():
        for synonym in SEARCH_SYNONYMS.get(word, []):
            if synonym not in additions and synonym != word:
                additions.append(synonym)
    return f"{text} ({', '.join(additions)})" if additions else text


def _query_vector(text: str) -> list[float] | None:
    try:
        return embed_query(embedding_text(text))
    except EmbeddingModelError:
        logger.exception("semantic search without embeddings: the model is unavailable")
        return None


def _distance_sql(table: str) -> str:
    """Cosine distance to the query vector, NULL for rows without a vector of the current model."""
    return f"CASE WHEN {table}.embedding_model = %s THEN {table}.embedding <=> %s::vector END"


def _nearest_exercise_ids(
    queryset: QuerySet[Exercise], vector: str, model_id: str, count: int
) -> list[tuple[int, float]]:
    """(id, cosine distance) of the `count` exercises of the queryset nearest to the vector,
    nearest first: one SQL query (the caller's filters, the vector order, the limit). It runs where
    an HNSW index scan keeps going past rows the filters reject (pgvector's iterative scan, in exact
    distance order), should the planner pick the index over the filters' own indexes."""
    nearest = (
        queryset.filter(RawSQL("exercises.embedding_model = %s", [model_id], output_field=BooleanField()))
        .annotate(embedding_distance=RawSQL("exercises.embedding <=> %s::vector", [vector], output_field=FloatField()))
        .order_by("embedding_distance", "id")
        .values_list("id", "embedding_distance")
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL hnsw.ef_search = {HNSW_EF_SEARCH}; SET LOCAL hnsw.iterative_scan = strict_order")
        return list(nearest[:count])


def _lexical_exercise_ids(
    queryset: QuerySet[Exercise], text: str, vector: str | None, model_id: str, count: int
) -> list[tuple[int, int, float | None]]:
    """(id, lexical tier, cosine distance or None) of the top `count` lexical matches, best first."""
    if vector is None:
        distance: RawSQL | Value = Value(None, output_field=FloatField())
    else:
        distance = RawSQL(_distance_sql("exercises"), [model_id, vector], output_field=FloatField())  # noqa: S611
    lexical = exercise_search(queryset, query=text).annotate(embedding_distance=distance)
    if lexical.query.is_empty():  # nothing to look for (only symbols): no search_key to read
        return []
    rows = lexical.values_list("id", "search_key", "embedding_distance")
    # the search's sort key starts with the tier
    return [(exercise_id, int(key[0]), distance) for exercise_id, key, distance in rows[:count]]


def _staples_first(queryset: QuerySet[Exercise], limit: int) -> list[ExerciseMatch]:
    """The exercises the template plans use first, then library order; no similarity."""
    staple = RawSQL(STAPLE_SQL, [], output_field=BooleanField())  # noqa: S611 - constant SQL
    ordered = queryset.annotate(search_staple=staple).order_by(F("search_staple").desc(), "id")
    return [
        ExerciseMatch(exercise=exercise, score=_rank_score(rank), similarity=None, lexical_rank=None)
        for rank, exercise in enumerate(ordered[:limit], start=1)
    ]


def semantic_exercise_search(
    queryset: QuerySet[Exercise], *, text: str, limit: int = 10, language: str = "en"
) -> list[ExerciseMatch]:
    """At most `limit` exercises of `queryset` (already filtered by the caller; unsliced; its
    ordering is replaced, its annotations kept), best first, every one of them a row of `queryset`.

    - Empty text: the exercises the template plans use first, then library order (as the coach's
      search tool does); no similarity. One SQL query.
    - Text: the SEMANTIC_CANDIDATES nearest exercises by cosine distance (one SQL query: filters,
      vector order, limit) fused with the top LEXICAL_CANDIDATES of the bilingual lexical search by
      reciprocal rank fusion; an exact English or French name match comes first whatever its
      similarity, and a lexical match that is only a near spelling counts half. `language` is the
      language of the text ("en" or "fr"): French lexical matches weigh twice, the model being
      English-only. Exercises without a vector of the current model come only from the lexical
      side; when the model is unavailable the search is lexical only, and when no word matches
      either, as with an empty text. Three SQL queries (semantic ids, lexical ids, the chosen rows)."""
    limit = max(1, min(MAX_LIMIT, limit))
    text = " ".join(text.split())
    if not text:
        return _staples_first(queryset, limit)

    model_id = embedding_model_id()
    query_vector = _query_vector(text)
    vector = vector_literal(query_vector) if query_vector is not None else None
    semantic = (
        _nearest_exercise_ids(queryset, vector, model_id, max(SEMANTIC_CANDIDATES, limit)) if vector is not None else []
    )
    lexical = _lexical_exercise_ids(queryset, text, vector, model_id, max(LEXICAL_CANDIDATES, limit))
    if vector is None and not lexical:
        # No model (the embedder down) and no word matched: the filtered exercises as without a
        # text, rather than nothing ("shoulder friendly" matches no name, yet the filters do).
        return _staples_first(queryset, limit)

    lexical_weight = LEXICAL_WEIGHT.get(language, LEXICAL_WEIGHT["en"])
    semantic_weight = SEMANTIC_WEIGHT if vector is not None else 0.0
    best_possible = (lexical_weight + semantic_weight) / (RRF_K + 1)
    fused: dict[int, float] = {}
    similarity: dict[int, float | None] = {}
    lexical_rank: dict[int, int] = {}
    exact: set[int] = set()
    for rank, (exercise_id, distance) in enumerate(semantic, start=1):
        fused[exercise_id] = semantic_weight / (RRF_K + rank)
        similarity[exercise_id] = 1.0 - distance
    for rank, (exercise_id, tier, distance_or_none) in enumerate(lexical, start=1):
        weight = lexical_weight * (FUZZY_WEIGHT if tier <= FUZZY_TIER else 1.0)
        fused[exercise_id] = fused.get(exercise_id, 0.0) + weight / (RRF_K + rank)
        lexical_rank[exercise_id] = rank
        similarity.setdefault(exercise_id, None if distance_or_none is None else 1.0 - distance_or_none)
        if tier >= EXACT_NAME_TIER:
            exact.add(exercise_id)

    ranked = sorted(fused, key=lambda exercise_id: (exercise_id not in exact, -fused[exercise_id], exercise_id))
    chosen = ranked[:limit]
    exercises = {exercise.id: exercise for exercise in queryset.order_by().filter(id__in=chosen)}
    return [
        ExerciseMatch(
            exercise=exercises[exercise_id],
            # an exact name is a perfect match; the rest are scored by fusion, so scores never rise
            score=1.0 if exercise_id in exact else min(1.0, fused[exercise_id] / best_possible),
            similarity=similarity.get(exercise_id),
            lexical_rank=lexical_rank.get(exercise_id),
        )
        for exercise_id in chosen
        if exercise_id in exercises
    ]


def semantic_plan_search(*, text: str, limit: int = 5) -> list[PlanMatch]:
    """At most `limit` template plans, the nearest to `text` first (cosine similarity of their
    embedded name, goal, level, schedule, equipment, description and exercises). Plans without a
    vector of the current model come last. Empty text, or no working model: the featured plans in
    their order, then the others by id, with no similarity. One SQL query."""
    limit = max(1, min(MAX_LIMIT, limit))
    text = " ".join(text.split())
    templates = WorkoutPlan.objects.filter(is_template=True)
    query_vector = _query_vector(text) if text else None
    if query_vector is None:
        featured = templates.order_by(F("featured_order").asc(nulls_last=True), "id")
        return [
            PlanMatch(plan=plan, score=_rank_score(rank), similarity=None)
            for rank, plan in enumerate(featured[:limit], start=1)
        ]
    distance = RawSQL(  # noqa: S611 - parameters
        _distance_sql("workout_plans"), [embedding_model_id(), vector_literal(query_vector)], output_field=FloatField()
    )
    nearest = templates.annotate(embedding_distance=distance).order_by(
        F("embedding_distance").asc(nulls_last=True), "id"
    )
    matches: list[PlanMatch] = []
    for plan in nearest[:limit]:
        distance_value: float | None = plan.embedding_distance
        plan_similarity = None if distance_value is None else 1.0 - distance_value
        score = 0.0 if plan_similarity is None else max(0.0, min(1.0, plan_similarity))
        matches.append(PlanMatch(plan=plan, score=score, similarity=plan_similarity))
    return matches
