"""Reads of the exercise library."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import BooleanField, Case, F, FloatField, IntegerField, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Length

from exercises.models import Exercise
from exercises.taxonomy import SEARCH_SYNONYMS, STOP_WORDS, normalize

MATCH_ANY, MATCH_ALL = "any", "all"

# An exercise some template plan uses: the common lifts people search for ("bench press" should
# find the barbell bench press before its variations with bands or chains).
STAPLE_SQL = (
    "EXISTS (SELECT 1 FROM plan_exercises pe JOIN workout_plans wp ON wp.id = pe.plan_id "
    "WHERE pe.exercise_id = exercises.id AND wp.is_template)"
)

# Below these trigram word similarities a name is not a fuzzy match (whole query; each word).
FUZZY_THRESHOLD = 0.45
FUZZY_WORD_THRESHOLD = 0.6
# The search's candidate filter uses the index-backed operator %> (word similarity at least
# pg_trgm.word_similarity_threshold), which every database connection sets to this (settings
# DATABASES OPTIONS): the lower of the two, so the candidates hold every fuzzy match.
TRGM_WORD_SIMILARITY_THRESHOLD = min(FUZZY_THRESHOLD, FUZZY_WORD_THRESHOLD)


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
        # Every list the API's media fall back on counts, the openly licensed alt frames included.
        no_media: dict[str, list[str]] = {
            "image_urls": [],
            "alt_image_urls": [],
            "male_gif_urls": [],
            "female_gif_urls": [],
        }
        queryset = queryset.exclude(**no_media) if has_media else queryset.filter(**no_media)
    return queryset


def _word_group(word: str, *, prefix: bool) -> tuple[str, list[str]]:
    """SQL for one query word as a tsquery: the word in the English, French and simple
    configurations (as a prefix for the last word, for search-as-you-type), OR its synonyms.
    A taxonomy word ("épaules", "haltères") is matched as written or through its synonyms, never
    stemmed: the French stem of "épaules" is also that of "épaulé" (a clean)."""
    synonyms = SEARCH_SYNONYMS.get(word, [])
    configs = ("simple",) if synonyms else ("english", "french", "simple")
    parts: list[str] = []
    params: list[str] = []
    for config in configs:
        if prefix and not synonyms:
            parts.append(f"to_tsquery('{config}', %s)")
            params.append(f"{word}:*")
        else:
            parts.append(f"plainto_tsquery('{config}', %s)")
            params.append(word)
    for synonym in synonyms:
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


def _glued_pattern(glued: str) -> str:
    """A POSIX regex for the query's letters with optional spaces between them, so that "pushup"
    finds "push up" and "benchpress" finds "bench press" (the letters come from normalize(): only
    a-z and 0-9, nothing to escape)."""
    return " ?".join(glued)


def exercise_search(queryset: QuerySet[Exercise], *, query: str) -> QuerySet[Exercise]:
    """The exercises matching a free-text query in either language, best first.

    Tiers: 5 the exact name (English or French; accents, case, punctuation and spaces ignored:
    "benchpress" is "Bench Press"), 4 a name starting with the query, 3 every query word in a name
    (PostgreSQL full text in English and French, the last word as a prefix) or the query as whole
    words inside a name, 2 every word somewhere (names, muscles, equipment; French muscle and
    equipment words mapped onto the taxonomy: "abdos", "haltères"), 1 every word close to a word
    of a name, or the whole query close to a name (pg_trgm, for typos: "dumbell curl").
    Within a tier: among name matches, exercises the template plans use (the staples) first; then
    the full-text rank (names over primary muscles over secondary ones), then the closer name
    (trigram similarity), then the shorter name."""
    normalized = normalize(query)
    if not normalized:  # only punctuation or symbols: nothing to look for (LIKE '%' would match all)
        return queryset.none()
    glued = normalized.replace(" ", "")
    words = [w for w in normalized.split() if w not in STOP_WORDS] or normalized.split()
    tsquery = _tsquery(words)
    pattern = _glued_pattern(glued)
    plural = "(e?s)?"

    names = ("search_name_en", "search_name_fr")
    both_names = "(search_name_en || ' ' || search_name_fr)"
    exact = " OR ".join([f"{n} ~ %s" for n in names])
    exact_params = [f"^{pattern}{plural}$"] * 2
    prefix = " OR ".join([f"{n} ~ %s" for n in names])
    prefix_params = [f"^{pattern}{plural}( |$)"] * 2
    contains = " OR ".join([f"{n} ~ %s" for n in names])
    contains_params = [f"(^| ){pattern}{plural}( |$)"] * 2
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
    fuzzy_whole = f"word_similarity(%s, {both_names}) >= %s"
    fuzzy_whole_params: list[object] = [normalized, FUZZY_THRESHOLD]
    similarity = "greatest(similarity(%s, search_name_en), similarity(%s, search_name_fr))"
    similarity_params = [normalized, normalized]

    tier_sql = (
        f"CASE WHEN {exact} THEN 5 WHEN {prefix} THEN 4 WHEN {in_names} OR {contains} THEN 3 "
        f"WHEN {anywhere} THEN 2 WHEN {fuzzy_words} OR {fuzzy_whole} THEN 1 ELSE 0 END"
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
    # Candidates first, by conditions the indexes answer (exercises/migrations/0004): every
    # exercise of tier 5 to 3 (contains) has the query's letters in its glued names, tier 3 (names)
    # and 2 match the full text, tier 1 is a word similarity of at least the connection's threshold.
    # The ranking below then runs on the candidates only, not on the whole library.
    glued_names = f"replace({both_names}, ' ', '')"
    candidate_parts = [f"{glued_names} LIKE %s", f"{both_names} %%> %s"]
    candidate_params: list[object] = [f"%{_like_escape(glued)}%", normalized]
    if tsquery:
        candidate_parts.append(f"search_vector @@ {tsquery[0]}")
        candidate_params.extend(tsquery[1])
    if words:
        candidate_parts.append("(" + " AND ".join([f"{both_names} %%> %s"] * len(words)) + ")")
        candidate_params.extend(words)
    candidates = RawSQL("(" + " OR ".join(candidate_parts) + ")", candidate_params, output_field=BooleanField())  # noqa: S611 - all parameters
    return (
        queryset.filter(candidates)
        .annotate(
            search_tier=RawSQL(tier_sql, tier_params, output_field=IntegerField()),  # noqa: S611 - all parameters
            search_staple=RawSQL(STAPLE_SQL, [], output_field=BooleanField()),  # noqa: S611 - constant SQL
            search_similarity=RawSQL(similarity, similarity_params),  # noqa: S611
            search_rank=RawSQL(rank_sql, rank_params, output_field=FloatField()),  # noqa: S611
            name_length=Length("exercise_en"),
        )
        .filter(search_tier__gt=0)
        .order_by(
            F("search_tier").desc(),
            # the staples lead only among name matches: in the taxonomy and fuzzy tiers, how well an
            # exercise matches (primary over secondary muscle, closer spelling) decides
            Case(When(search_tier__gte=3, then=F("search_staple")), default=Value(False)).desc(),
            Case(When(search_tier__gte=2, then=F("search_rank")), default=Value(0.0)).desc(),
            F("search_similarity").desc(),
            "name_length",
            "id",
        )
    )


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like_prefix(text: str) -> str:
    return _like_escape(text) + "%"
