"""Reads of the exercise library."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.postgres.fields import ArrayField
from django.db.models import BooleanField, F, FloatField, QuerySet
from django.db.models.expressions import RawSQL

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
    fuzzy_whole = f"{both_names} %%> %s"  # word_similarity(query, names) >= FUZZY_THRESHOLD (below)
    fuzzy_whole_params: list[object] = [normalized]
    similarity = "greatest(similarity(%s, search_name_en), similarity(%s, search_name_fr))"
    similarity_params = [normalized, normalized]
    glued_names = f"replace({both_names}, ' ', '')"

    # Which exercises match: a tier above 0, written as conditions the indexes answer
    # (exercises/migrations/0004), each arm of the OR with an indexed part, the cheap arms first:
    # the query as whole words of a name (its letters are in the glued names; an exact or prefix
    # name is such a name), the full text (a match in the names is one), the whole query close to
    # the words of the names (the operator %> is word_similarity at least the connection's
    # pg_trgm.word_similarity_threshold, which settings set to FUZZY_THRESHOLD), and, for several
    # words, every word close to a word of the names (%> for the index, then the stricter check).
    arms = [f"({glued_names} LIKE %s AND ({contains}))"]
    arm_params: list[object] = [f"%{_like_escape(glued)}%", *contains_params]
    if tsquery:
        arms.append(anywhere)
        arm_params.extend(ts_params)
    arms.append(fuzzy_whole)
    arm_params.extend(fuzzy_whole_params)
    if len(words) > 1 or words != [normalized]:
        near = [f"{both_names} %%> %s" for _ in words] + [f"word_similarity(%s, {both_names}) >= %s" for _ in words]
        arms.append("(" + " AND ".join(near) + ")")
        arm_params.extend([*words, *[p for w in words for p in (w, FUZZY_WORD_THRESHOLD)]])
    matched = RawSQL("(" + " OR ".join(arms) + ")", arm_params, output_field=BooleanField())  # noqa: S611 - all parameters

    # Every matching exercise has a tier of at least 1 (a near spelling); the tier and the rest of
    # the order are one sort key (an array, compared element by element) computed once per row:
    # PostgreSQL does not share an expression between WHERE, the select list and ORDER BY, so a
    # scalar subquery names the tier once, and ORDER BY reuses the select list's key.
    tier_sql = (
        f"CASE WHEN {exact} THEN 5 WHEN {prefix} THEN 4 WHEN {in_names} OR {contains} THEN 3 "
        f"WHEN {anywhere} THEN 2 ELSE 1 END"
    )
    tier_params = [*exact_params, *prefix_params, *ts_params, *contains_params, *ts_params]
    key_sql = (
        "(SELECT ARRAY[t.tier, "  # noqa: S608 - every value is a parameter
        f"CASE WHEN t.tier >= 3 AND {STAPLE_SQL} THEN 1 ELSE 0 END, "
        f"CASE WHEN t.tier >= 2 THEN {rank_sql} ELSE 0 END, "
        f"{similarity}, -length(exercises.exercise_en)]::float8[] "
        f"FROM (SELECT {tier_sql} AS tier) t)"
    )
    key_params = [*rank_params, *similarity_params, *tier_params]
    return (
        queryset.filter(matched)
        .annotate(search_key=RawSQL(key_sql, key_params, output_field=ArrayField(FloatField())))  # noqa: S611
        .order_by(F("search_key").desc(), "id")
    )


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like_prefix(text: str) -> str:
    return _like_escape(text) + "%"
