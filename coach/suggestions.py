"""Exercise suggestions: library exercises for target muscles, equipment and a difficulty, ranked by
their meaning's closeness to a free-text context ("knee friendly", "posture", "no jumping").

Filters are hard: every result works one of the target muscles as a primary muscle, uses one of the
given pieces of equipment, has the difficulty asked, and nothing the context's limitations (and the
user's recorded ones) rule out (coach.safety). Within them, coach.semantic orders by similarity
(hybrid with the lexical search) in one SQL query. With a model configured, the model may re-rank
those candidates and write the reasons; any failure falls back to the rules' ranking and reasons.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from pydantic import BaseModel, Field

from coach import llm
from coach.fallback import FallbackReason, InvalidModelOutput, fallback, fallback_for
from coach.intents import detect_intent
from coach.models import Recommendation
from coach.safety import (
    NO_IMPACT,
    UNSPECIFIED,
    area_label,
    contraindications_for,
    exercise_exclusions,
    limitation_areas,
    limitation_words,
    medical_notice,
    mentions_pain,
)
from coach.semantic import ExerciseMatch, semantic_exercise_search
from coach.validation import BODY_WEIGHT, equipment_codes, level_code, muscle_codes
from exercises.models import Exercise
from exercises.selectors import STAPLE_SQL, exercise_filter, exercise_list
from exercises.taxonomy import DIFFICULTIES, EQUIPMENT, MUSCLES, label, normalize

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger("movoai.coach.suggestions")

MAX_LIMIT = 20
# How many candidates the ranking looks at for each result asked for (staples re-ranked in).
CANDIDATE_FACTOR = 3
MIN_CANDIDATES = 30
STAPLE_BONUS = 0.1  # without a context: the common lifts first
STAPLE_BONUS_WITH_CONTEXT = 0.03
# Stretches come after training exercises unless the context asks for them.
STRETCH_PENALTY = 0.15
STRETCH_WORDS = frozenset(
    {
        *("stretch", "stretching", "stretches", "mobility", "flexibility", "flexible", "posture", "yoga", "relax"),
        *("cool", "warm", "etirement", "etirements", "etirer", "souplesse", "mobilite", "detente", "echauffement"),
    }
)
CONTEXT_MATCH = 0.5  # a similarity from which a result is said to be close to the context


@dataclass
class SuggestRequest:
    """Target muscles (primary; any of them), difficulty, equipment (results use one of them),
    free-text context, and how many results. Codes or English/French words."""

    target_muscles: list[str] = field(default_factory=list)
    difficulty: str | None = None
    equipment: list[str] = field(default_factory=list)
    context: str = ""
    limit: int = 10


@dataclass
class _Query:
    muscles: list[str]
    equipment: list[str]
    difficulty: str | None
    context: str
    areas: frozenset[str]
    pain: frozenset[str]
    limit: int
    language: str
    within: frozenset[str] | None  # the user's available equipment when the request names none
    warnings: list[str]

    def t(self, english: str, french: str) -> str:
        return french if self.language == "fr" else english

    @property
    def search_text(self) -> str:
        """The text ranked against: the context without its limitation words (the exclusions take
        care of those: "knee friendly leg exercises" ranks by "leg exercises", not by exercises
        named after the knee), else words made from the filters (in English, the language of the
        embedding model)."""
        wanted = limitation_words(self.context) if self.areas else self.context
        if wanted:
            return wanted
        parts = [
            (label(DIFFICULTIES, self.difficulty, "en") or "").lower() if self.difficulty else "",
            _english_list(self.muscles),
            "exercise",
            f"with {' or '.join(self.equipment)}" if self.equipment else "",
        ]
        return " ".join(part for part in parts if part)


def _english_list(words: list[str]) -> str:
    return f"{', '.join(words[:-1])} and {words[-1]}" if len(words) > 1 else "".join(words)


def _read(request: SuggestRequest, user: User | None, language: str) -> _Query:
    fr = language == "fr"
    muscles, unknown_muscles = muscle_codes(request.target_muscles)
    equipment, unknown_equipment = equipment_codes(request.equipment)
    difficulty = level_code(request.difficulty)
    warnings = [
        f"« {value} » n'a pas été compris et a été ignoré." if fr else f"'{value}' was not understood and was ignored."
        for value in [
            *unknown_muscles,
            *unknown_equipment,
            *([request.difficulty] if request.difficulty and not difficulty else []),
        ]
    ]
    context = " ".join(request.context.split())
    if difficulty is None and context:
        # "for beginners", "pour débutant": a level said in the context filters like `difficulty`
        difficulty = detect_intent(context).difficulty
    areas = limitation_areas([context], free_text=True) | mentions_pain(context)
    within: frozenset[str] | None = None
    if user is not None:
        areas |= limitation_areas(user.limitations or [])
        if not equipment and user.available_equipment:
            codes, _ = equipment_codes(user.available_equipment)
            within = frozenset({*codes, BODY_WEIGHT}) if codes else None
    return _Query(
        muscles=muscles,
        equipment=equipment,
        difficulty=difficulty,
        context=context,
        areas=areas - {UNSPECIFIED},
        pain=mentions_pain(context),
        limit=max(1, min(request.limit, MAX_LIMIT)),
        language=language,
        within=within,
        warnings=warnings,
    )


def _candidates(query: _Query) -> list[tuple[ExerciseMatch, bool]]:
    """The filtered exercises, ranked: semantic similarity to the text (hybrid with the lexical
    search), the staples of the template plans a little ahead."""
    queryset = exercise_filter(
        exercise_list(), muscles=query.muscles, equipment=query.equipment, difficulty=query.difficulty
    )
    if query.within is not None:
        queryset = queryset.filter(equipments__contained_by=sorted(query.within))
    # no level rules unless a difficulty is asked: "advanced" leaves only the areas' rules
    queryset = queryset.exclude(exercise_exclusions(query.areas, query.difficulty or "advanced"))
    count = max(MIN_CANDIDATES, query.limit * CANDIDATE_FACTOR)
    matches = semantic_exercise_search(queryset, text=query.search_text, limit=count, language=query.language)
    ids = [match.exercise.id for match in matches]
    staple = RawSQL(STAPLE_SQL, [], output_field=BooleanField())  # noqa: S611 - constant SQL
    staples = set(
        Exercise.objects.filter(id__in=ids)
        .annotate(is_staple=staple)
        .filter(Q(is_staple=True))
        .values_list("id", flat=True)
    )
    bonus = STAPLE_BONUS_WITH_CONTEXT if query.context else STAPLE_BONUS
    stretching_asked = bool(STRETCH_WORDS.intersection(normalize(query.context).split()))

    def rank(match: ExerciseMatch) -> tuple[float, int]:
        value = match.score + (bonus if match.exercise.id in staples else 0.0)
        if match.exercise.category == "stretching" and not stretching_asked:
            value -= STRETCH_PENALTY
        return -value, ids.index(match.exercise.id)

    ranked = sorted(matches, key=rank)
    return [(match, match.exercise.id in staples) for match in ranked]


def _similarity(match: ExerciseMatch) -> float:
    value = match.similarity if match.similarity is not None else match.score
    return round(max(0.0, min(1.0, value)), 4)


def _labels(vocabulary: dict[str, tuple[str, str]], codes: list[str], language: str) -> str:
    texts = [label(vocabulary, code, language) or code for code in codes]
    return ", ".join(text[:1].lower() + text[1:] if text[1:2].islower() else text for text in texts)


def _reason(match: ExerciseMatch, staple: bool, query: _Query) -> str:
    exercise = match.exercise
    language = query.language
    worked = [m for m in exercise.muscles or [] if not query.muscles or m in query.muscles] or list(
        exercise.muscles or []
    )
    parts: list[str] = []
    if worked:
        parts.append(
            query.t(
                f"works the {_labels(MUSCLES, worked, language)} (primary)",
                f"travaille : {_labels(MUSCLES, worked, language)} (muscle principal)",
            )
        )
    equipment = [e for e in exercise.equipments or [] if not query.equipment or e in query.equipment]
    if equipment and equipment != [BODY_WEIGHT]:
        labels = _labels(EQUIPMENT, equipment, language)
        parts.append(query.t(f"equipment: {labels}", f"matériel : {labels}"))
    else:
        parts.append(query.t("no equipment needed", "sans matériel"))
    if query.difficulty:
        level = label(DIFFICULTIES, query.difficulty, language) or query.difficulty
        parts.append(query.t(f"{level.lower()} level", f"niveau {level.lower()}"))
    if query.context:
        spared = [rule.key for rule in contraindications_for(query.areas, "advanced") if rule.key != NO_IMPACT]
        avoided: list[str] = []
        if spared:
            names = ", ".join(area_label(area, language) for area in spared)
            avoided.append(query.t(f"nothing that loads your {names}", f"rien qui sollicite votre {names}"))
        if NO_IMPACT in query.areas:
            avoided.append(query.t("no jumping or running", "ni saut ni course"))
        if avoided:
            parts.append(
                query.t(
                    f"fits '{query.context}': {' and '.join(avoided)}",
                    f"convient à « {query.context} » : {' et '.join(avoided)}",
                )
            )
        elif (match.similarity is not None and match.similarity >= CONTEXT_MATCH) or match.lexical_rank:
            parts.append(query.t(f"close to '{query.context}'", f"proche de « {query.context} »"))
    if staple:
        parts.append(query.t("a staple of our template plans", "un classique de nos programmes"))
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] + "."


def _result(match: ExerciseMatch, staple: bool, query: _Query, reason: str | None = None) -> dict[str, Any]:
    exercise = match.exercise
    return {
        "exercise_id": exercise.id,
        "name": exercise.name_in(query.language),
        "muscles": list(exercise.muscles or []),
        "equipment": list(exercise.equipments or []),
        "difficulty": exercise.difficulty,
        "similarity": _similarity(match),
        "reason": reason or _reason(match, staple, query),
    }


# ---------------------------------------------------------------- the model's ranking


class SuggestedExercise(BaseModel):
    exercise_id: int = Field(description="The id of one of the candidate exercises")
    reason: str = Field(description="One short sentence: why it fits the request")


class ExerciseSuggestions(BaseModel):
    """The best candidate exercises for the request, best first."""

    exercises: list[SuggestedExercise]


def _model_results(
    query: _Query, candidates: list[tuple[ExerciseMatch, bool]], user: User | None
) -> list[dict[str, Any]] | None:
    model = llm.chat_model("suggest", max_tokens=1024)
    if model is None:
        return None
    offered = candidates[: max(query.limit * 2, 10)]
    by_id = {match.exercise.id: (match, staple) for match, staple in offered}
    language_name = "French" if query.language == "fr" else "English"
    system = (
        f"You are MovoAI's coach. Choose up to {query.limit} exercises for the request, best first, ONLY from the "
        "candidates (given by id; they already fit the muscles, equipment, difficulty and limitations), and give "
        f"each a one-sentence reason naming what fits (muscle, equipment, the context). Write in {language_name}."
    )
    request = {
        "target_muscles": query.muscles,
        "equipment": query.equipment,
        "difficulty": query.difficulty,
        "context": query.context,
        "limitations": sorted(query.areas),
    }
    lines = [
        f"{match.exercise.id} | {match.exercise.name_in(query.language)}"
        f" | muscles: {', '.join(match.exercise.muscles or [])}"
        f" | equipment: {', '.join(match.exercise.equipments or []) or 'none'} | {match.exercise.difficulty or '-'}"
        f" | similarity {_similarity(match)}"
        for match, _staple in offered
    ]
    human = f"Request: {json.dumps(request, ensure_ascii=False)}\n\nCandidates:\n" + "\n".join(lines)
    structured = model.with_structured_output(ExerciseSuggestions)
    answer = structured.invoke(
        [("system", system), ("human", human)], config=llm.recorded_config(purpose="suggest", user=user)
    )
    if not isinstance(answer, ExerciseSuggestions):
        raise InvalidModelOutput(f"expected ExerciseSuggestions, got {type(answer).__name__}")
    if not answer.exercises:
        raise InvalidModelOutput("no exercise suggested")
    results: list[dict[str, Any]] = []
    seen: set[int] = set()
    for item in answer.exercises[: query.limit]:
        if item.exercise_id not in by_id:
            raise InvalidModelOutput(f"exercise {item.exercise_id} is not among the candidates")
        if item.exercise_id in seen:
            raise InvalidModelOutput(f"exercise {item.exercise_id} suggested twice")
        if not item.reason.strip() or len(item.reason) > 400:
            raise InvalidModelOutput(f"exercise {item.exercise_id} has an empty or overlong reason")
        seen.add(item.exercise_id)
        match, staple = by_id[item.exercise_id]
        results.append(_result(match, staple, query, reason=item.reason.strip()))
    return results


# ---------------------------------------------------------------- the service


def suggest_exercises(request: SuggestRequest, *, user: User | None = None, language: str = "en") -> dict[str, Any]:
    """Exercises for the request, best first, each with its similarity to the context (0..1) and the
    reason it was chosen; saved as a Recommendation (type exercise_suggestions).

    Returns {"engine", "fallback_reason", "fallback_detail", "language", "query": the text ranked
    against, "filters": {"muscles", "equipment", "difficulty", "avoid": [areas]}, "results":
    [{"exercise_id", "name", "muscles", "equipment", "difficulty", "similarity", "reason"}],
    "warnings", "recommendation_id"}."""
    language = "fr" if language == "fr" else "en"
    query = _read(request, user, language)
    candidates = _candidates(query)
    envelope: dict[str, Any]
    results: list[dict[str, Any]] | None = None
    try:
        results = _model_results(query, candidates, user) if candidates else None
        if results is None:
            envelope = fallback(FallbackReason.NOT_CONFIGURED).as_fields()
        else:
            envelope = {"engine": "llm", "fallback_reason": None, "fallback_detail": None}
    except Exception as error:
        envelope = fallback_for(error, what="exercise suggestions").as_fields()
        results = None
    if results is None:
        results = [_result(match, staple, query) for match, staple in candidates[: query.limit]]
    warnings = list(query.warnings)
    if query.pain:
        warnings.append(medical_notice(language))
    if not results:
        warnings.append(
            query.t(
                "No exercise matches every filter: try fewer muscles, more equipment or another difficulty.",
                "Aucun exercice ne correspond à tous les filtres : essayez moins de muscles, plus de matériel ou un "
                "autre niveau.",
            )
        )
    answer = {
        **envelope,
        "language": language,
        "query": query.search_text,
        "filters": {
            "muscles": query.muscles,
            "equipment": query.equipment,
            "difficulty": query.difficulty,
            "avoid": sorted(query.areas),
        },
        "results": results,
        "warnings": warnings,
    }
    scores = [item["similarity"] for item in results]
    saved = Recommendation.objects.create(
        user=user,
        recommendation_type=Recommendation.RecommendationType.EXERCISE_SUGGESTIONS,
        data=answer,
        confidence_score=round(sum(scores) / len(scores), 2) if scores else 0.0,
        engine=answer["engine"],
    )
    return {**answer, "recommendation_id": saved.id}
