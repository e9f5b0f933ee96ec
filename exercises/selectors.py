"""Reads of the exercise library."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import F, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Length

from exercises.models import Exercise
from exercises.taxonomy import SEARCH_SYNONYMS, STOP_WORDS, normalize

MATCH_ANY, MATCH_ALL = "any", "all"

# Below these trigram word similarities a name is not a fuzzy match (whole query; each word).
FUZZY_THRESHOLD = 0.45
FUZZY_WORD_THRESHOLD = 0.6


def exercise_list() -> QuerySet[Exercise]:
    """Every exercise, in library order."""
    return Exercise.objects.order_by("id")


def exercise_get(*, exercise_id: int) -> Exercise | None:
    return Exercise.objects.filter(id=exercise_id).first()


def exercise_filter(
    queryset: QuerySet[Exercise],
    *,
    difficulty: str | None = None,
    goal: str | None = None,
    category: str | None = None,
    muscles: Sequence[str] = (),
    muscles_match: str = MATCH_ANY,
    secondary_muscles: Sequence[str] = (),
    equipment: Sequence[str] = (),
    equipment_match: str = MATCH_ANY,
    exclude_equipment: Sequence[str] = (),
    has_french_instructions: bool | None = None,
    has_media: bool | None = None,
) -> QuerySet[Exercise]:
    """The exercises matching every given filter. `muscles` are primary muscles; with
    muscles_match=any an exercise works at least one of them, with all it works every one.
    Array filters use the GIN indexes (&& and @>)."""
    if difficulty:
        queryset = queryset.filter(difficulty=difficulty)
    if goal:
        queryset = queryset.filter(goal=goal)
    if category:
        queryset = queryset.filter(category=category)
    if muscles:
        lookup = "muscles__contains" if muscles_match == MATCH_ALL else "muscles__overlap"
        queryset = queryset.filter(**{lookup: list(muscles)})
    if secondary_muscles:
        queryset = queryset.filter(secondary_muscles__overlap=list(secondary_muscles))
    if equipment:
        lookup = "equipments__contains" if equipment_match == MATCH_ALL else "equipments__overlap"
        queryset = queryset.filter(**{lookup: list(equipment)})
    if exclude_equipment:
        queryset = queryset.exclude(equipments__overlap=list(exclude_equipment))
    if has_french_instructions is not None:
        queryset = queryset.filter(instructions_fr__isnull=not has_french_instructions)
    if has_media is not None:
        with_media = queryset.exclude(image_urls=[], male_gif_urls=[], female_gif_urls=[])
        queryset = with_media if has_media else queryset.filter(image_urls=[], male_gif_urls=[], female_gif_urls=[])
    return queryset


def _word_group(word: str, *, prefix: bool) -> tuple[str, list[str]]:
    """SQL for one query word as a tsquery: the word in the English, French and simple
    configurations (as a prefix for the last word, for search-as-you-type), OR its synonyms."""
    parts: list[str] = []
    params: list[str] = []
    for config in ("english", "french", "simple"):
        if prefix:
            parts.append(f"to_tsquery('{config}', %s)")
            params.append(f"{word}:*")
        else:
            parts.append(f"plainto_tsquery('{config}', %s)")
            params.append(word)
    for synonym in SEARCH_SYNONYMS.get(word, []):
        parts.append("plainto_tsquery('english', %s)")
        params.append(synonym)
    return "(" + " || ".join(parts) + ")", params


def _tsquery(words: list[str]) -> tuple[str, list[str]] | None:
    if not words:
        return None
    sql_parts, params = [], []
    for index, word in enumerate(words):
        sql, word_params = _word_group(word, prefix=index == len(words) - 1)
        sql_parts.append(sql)
        params.extend(word_params)
    return "(" + " && ".join(sql_parts) + ")", params


def exercise_search(queryset: QuerySet[Exercise], *, query: str) -> QuerySet[Exercise]:
    """The exercises matching a free-text query in either language, best first.

    Tiers: 6 the exact name (English or French; accents, case, punctuation and spaces ignored:
    "benchpress"), 5 a name starting with the query, 4 every word in a name (stemmed in English and
    French; the last word as a prefix), or the glued query inside a name, 3 every word somewhere
    (names, muscles, equipment; French muscle and equipment words mapped onto the taxonomy: "abdos",
    "haltères"), 2 every word close to a word of a name (pg_trgm, for typos: "dumbell curl"),
    1 the whole query close to a name. Within a tier: the closer name (trigram similarity), then
    the full-text rank, then the shorter name."""
    normalized = normalize(query)
    glued = normalized.replace(" ", "")
    words = [w for w in normalized.split() if w not in STOP_WORDS] or normalized.split()
    tsquery = _tsquery(words)

    names = ("search_name_en", "search_name_fr")
    both_names = "(search_name_en || ' ' || search_name_fr)"
    exact = " OR ".join([f"{n} = %s OR replace({n}, ' ', '') = %s" for n in names])
    exact_params = [normalized, glued] * 2
    prefix = " OR ".join([f"{n} LIKE %s OR replace({n}, ' ', '') LIKE %s" for n in names])
    prefix_params = [_like_prefix(normalized + " "), _like_prefix(glued)] * 2
    contains = " OR ".join([f"replace({n}, ' ', '') LIKE %s" for n in names])
    contains_params = [f"%{_like_escape(glued)}%"] * 2
    if tsquery:
        in_names = f"ts_filter(search_vector, '{{a}}') @@ {tsquery[0]}"
        anywhere = f"search_vector @@ {tsquery[0]}"
        ts_params = tsquery[1]
        rank_sql, rank_params = f"ts_rank(search_vector, {tsquery[0]}, 1)", tsquery[1]
    else:
        in_names = anywhere = "false"
        ts_params, rank_sql, rank_params = [], "0", []
    fuzzy_words = " AND ".join(["word_similarity(%s, " + both_names + ") >= %s"] * len(words)) or "false"
    fuzzy_words_params: list[object] = [p for w in words for p in (w, FUZZY_WORD_THRESHOLD)]
    similarity = "greatest(similarity(%s, search_name_en), similarity(%s, search_name_fr))"
    similarity_params = [normalized, normalized]
    fuzzy_whole = f"word_similarity(%s, {both_names}) >= %s"
    fuzzy_whole_params: list[object] = [normalized, FUZZY_THRESHOLD]

    tier_sql = (
        f"CASE WHEN {exact} THEN 6 WHEN {prefix} THEN 5 WHEN {in_names} OR {contains} THEN 4 "
        f"WHEN {anywhere} THEN 3 WHEN {fuzzy_words} THEN 2 WHEN {fuzzy_whole} THEN 1 ELSE 0 END"
    )
    tier_params = [
        *exact_params,
        *prefix_params,
        *ts_params,
        *contains_params,
        *ts_params,
        *fuzzy_words_params,
        *fuzzy_whole_params,
    ]
    return (
        queryset.annotate(
            search_tier=RawSQL(tier_sql, tier_params),  # noqa: S611 - every value is a parameter
            search_similarity=RawSQL(similarity, similarity_params),  # noqa: S611
            search_rank=RawSQL(rank_sql, rank_params),  # noqa: S611
            name_length=Length("exercise_en"),
        )
        .filter(search_tier__gt=0)
        .order_by(F("search_tier").desc(), F("search_similarity").desc(), F("search_rank").desc(), "name_length", "id")
    )


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like_prefix(text: str) -> str:
    return _like_escape(text) + "%"
