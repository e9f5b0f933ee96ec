"""The injury prevention agent: reviews planned exercises against the person's stated limitations,
their level and what each training day combines, and adds a warm-up and a cool-down.

The rules (always available, and the floor of any model's answer):
- every exercise that loads a stated limitation (coach.safety's contraindications, limitations read
  as English or French words: "knee", "genou", "lower back pain") is a high-severity warning, with
  a substitute: the same primary muscle, similar equipment, not contraindicated, not a heavy hinge
  nor a jump;
- per training day (week + day; exercises without them count as one day): two or more heavy
  spinal-loading hinges (deadlifts, good mornings, heavy bent-over rows) are a high-severity
  combination (the later ones must move or be replaced); jumps beside heavy lower-body lifts are a
  moderate one; more than DAY_SETS_MODERATE sets for one primary muscle is a volume warning (high
  above DAY_SETS_HIGH);
- an exercise above the person's level (when the level is known) is a level warning: high for
  technical lifts or advanced exercises given to a beginner;
- the review is approved only when no high-severity warning remains; `required_changes` says, one
  string per change and naming the exercise id, what the planner must change.

The model path gets the same input, tools to read exercises and find substitutes, and its answer
is checked: unknown exercise ids, contraindicated substitutes or warm-up items, and an answer that
approves a plan the rules reject (or drops a limitation warning) are refused, and the rules answer.
Messages never go beyond "see a professional if it hurts": no diagnosis, no treatment.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Literal

from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, Field, ValidationError

from coach.agents.base import INJURY_PREVENTION, Agent, AgentContext, AgentOutput, ReasoningStep, step
from coach.safety import (
    CONTRAINDICATIONS,
    NO_IMPACT,
    Contraindication,
    area_label,
    contraindication_reasons,
    exercise_exclusions,
    limitation_areas,
)
from coach.validation import BODY_WEIGHT, level_code
from exercises.models import Exercise
from exercises.selectors import STAPLE_SQL
from exercises.taxonomy import MUSCLES, label

# ---------------------------------------------------------------- thresholds

DEFAULT_SETS = 3  # a planned exercise without sets counts as three
HEAVY_ROW_REPS = 6  # a bent-over row at this many reps or fewer is heavy on the lower back
DAY_SETS_MODERATE = 10  # more sets than this for one primary muscle on one day: a moderate warning
DAY_SETS_HIGH = 16  # more than this: a high one (the planner must cut sets)
WARM_UP_MIN_SECONDS, WARM_UP_MAX_SECONDS = 5 * 60, 10 * 60
GENERAL_WARM_UP_SECONDS = 3 * 60
SPECIFIC_WARM_UP_SECONDS = 60
EASY_COOL_DOWN_SECONDS = 2 * 60
STRETCH_SECONDS = 45
MAX_SPECIFIC_MUSCLES = 4
MAX_TOOL_IDS = 30
MAX_TOOL_RESULTS = 8

LEVEL_RANK = {"beginner": 0, "intermediate": 1, "advanced": 2}
# Where loaded equipment makes a hinge or a leg exercise heavy (a bar, a machine, a trap bar).
HEAVY_EQUIPMENT = frozenset({"barbell", "machine", "other"})
LOWER_BODY = frozenset({"quadriceps", "hamstrings", "glutes", "lower back", "adductors", "abductors"})
# The order in which an exercise's secondary muscles are worth replacing it by, big movers first.
SECONDARY_PRIORITY = (
    *("hamstrings", "glutes", "quadriceps", "lats", "middle back", "chest", "shoulders", "lower back", "traps"),
    *("triceps", "biceps", "abdominals", "adductors", "abductors", "calves", "forearms", "neck"),
)
RESISTANCE = frozenset({"strength", "powerlifting", "olympic weightlifting", "strongman"})
# The categories a substitute may come from, by the category of the exercise it replaces: never a
# technical lift (olympic weightlifting, strongman) nor a jump.
SUBSTITUTE_CATEGORIES: dict[str, frozenset[str]] = {
    **dict.fromkeys(RESISTANCE, frozenset({"strength", "powerlifting"})),
    "plyometrics": frozenset({"strength", "powerlifting", "cardio"}),
    "cardio": frozenset({"cardio", "strength"}),
    "stretching": frozenset({"stretching"}),
}
FIELDS = (
    "id",
    "exercise_en",
    "exercise_fr",
    "difficulty",
    "category",
    "mechanic",
    "force",
    "muscles",
    "secondary_muscles",
    "equipments",
)

_HINGE_RE = re.compile(r"\b(deadlifts?|good mornings?|rack pulls?)\b", re.IGNORECASE)
_ROW_RE = re.compile(r"\b(bent[- ]over|pendlay|t-bar)\b.*\brows?\b", re.IGNORECASE)
_JUMP_RE = re.compile(r"\b(jump|jumps|jumping|hops?|hopping|bounds?|bounding|depth)\b", re.IGNORECASE)
# Technical lifts are no substitute, whatever their category says.
_TECHNICAL_RE = re.compile(r"\b(clean|snatch|jerk|muscle[- ]up|kipping)\b", re.IGNORECASE)
_LOW_IMPACT_RE = re.compile(r"\b(jacks|rope)\b", re.IGNORECASE)
# Moving stretches, for a warm-up (the other stretches are held: for the cool-down).
_DYNAMIC_RE = re.compile(
    r"circles?|rotation|dynamic|leg raises|inchworm|world's greatest|cat stretch|groiners|pelvic tilt|"
    r"elbows back|toe touches|head turns|iron cross|swing",
    re.IGNORECASE,
)
# Loaded or deep positions are no warm-up or cool-down material, whatever their category.
_NOT_MOBILITY_RE = re.compile(r"squat|lunge|split|burpee|thrust|sprint|jump|hop|superman", re.IGNORECASE)
_GENERAL_WARM_UP_RE = re.compile(r"jumping jacks|high knees|jump rope", re.IGNORECASE)


# ---------------------------------------------------------------- input and output


class PlannedExercise(BaseModel):
    exercise_id: int = Field(ge=1, description="The library id of the exercise")
    week: int | None = Field(default=None, ge=1, le=52, description="The plan week (None: a single day)")
    day: int | None = Field(default=None, ge=1, le=7, description="The day of the week, 1-7")
    sets: int | None = Field(default=None, ge=1, le=20)
    reps: int | None = Field(default=None, ge=1, le=200)


class InjuryInput(BaseModel):
    exercises: list[PlannedExercise] = Field(default_factory=list, max_length=4000)
    limitations: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=20)
    level: str | None = Field(default=None, max_length=40)


Kind = Literal["limitation", "combination", "volume", "level"]
Severity = Literal["low", "moderate", "high"]


class RiskWarning(BaseModel):
    kind: Kind = Field(description="limitation, combination, volume or level")
    severity: Severity = Field(description="high: the plan must change before it is approved")
    exercise_ids: list[int] = Field(description="The planned exercises concerned (ids from the input)")
    week: int | None = Field(default=None, description="The week of the day concerned, if one day")
    day: int | None = Field(default=None, description="The day concerned, if one day")
    message: str = Field(description="For the person, in their language; no diagnosis")


class Substitution(BaseModel):
    exercise_id: int = Field(description="The planned exercise to replace")
    substitute_id: int = Field(description="A library exercise, same primary muscle, not contraindicated")
    substitute_name: str
    why: str


class RoutineItem(BaseModel):
    name: str
    duration_seconds: int = Field(ge=10, le=900)
    exercise_id: int | None = Field(default=None, description="A library exercise (body weight), or None")


class InjuryReview(AgentOutput):
    approved: bool = Field(description="False while any high-severity warning remains")
    risk_level: Literal["low", "moderate", "high"] = Field(description="The highest severity among the warnings")
    warnings: list[RiskWarning] = Field(default_factory=list)
    substitutions: list[Substitution] = Field(default_factory=list)
    warm_up: list[RoutineItem] = Field(default_factory=list, description="5-10 minutes, body weight only")
    cool_down: list[RoutineItem] = Field(default_factory=list)
    required_changes: list[str] = Field(
        default_factory=list, description="What the planner must change, one string per change, naming the id"
    )


# ---------------------------------------------------------------- what an exercise is


def _name(exercise: Exercise, language: str) -> str:
    return exercise.name_in(language)


def _primary(exercise: Exercise) -> list[str]:
    return list(exercise.muscles or [])


def _equipment(exercise: Exercise) -> frozenset[str]:
    return frozenset(exercise.equipments or [])


def _rank(difficulty: str | None) -> int:
    return LEVEL_RANK.get(difficulty or "", 1)


def is_hinge_like(exercise: Exercise) -> bool:
    """A deadlift, good morning, rack pull or bent-over row with a bar or a machine: the lifts that
    load the lower back most."""
    if not _equipment(exercise) & HEAVY_EQUIPMENT:
        return False
    name = exercise.exercise_en
    if _HINGE_RE.search(name):
        return True
    return bool(_ROW_RE.search(name)) and "lying" not in name.lower() and exercise.mechanic != "isolation"


def is_heavy_hinge(exercise: Exercise, reps: int | None = None) -> bool:
    """A heavy spinal-loading hinge: a deadlift, good morning or rack pull with a bar or a machine,
    at any reps; a bent-over row only when heavy (HEAVY_ROW_REPS reps or fewer)."""
    if not is_hinge_like(exercise):
        return False
    if _HINGE_RE.search(exercise.exercise_en):
        return True
    return reps is not None and reps <= HEAVY_ROW_REPS


def is_plyometric(exercise: Exercise) -> bool:
    """A high-impact jump (plyometrics, jump squats, hops, bounds); jumping jacks and rope are not."""
    if exercise.category == "plyometrics":
        return True
    return bool(_JUMP_RE.search(exercise.exercise_en)) and not _LOW_IMPACT_RE.search(exercise.exercise_en)


def is_heavy_lower(exercise: Exercise) -> bool:
    """A loaded compound lift for the legs or the hips (a bar or a machine)."""
    if is_plyometric(exercise) or exercise.mechanic == "isolation":
        return False
    return bool(_equipment(exercise) & HEAVY_EQUIPMENT) and bool(LOWER_BODY.intersection(_primary(exercise)))


def _area_rules(areas: Iterable[str]) -> list[Contraindication]:
    return [CONTRAINDICATIONS[area] for area in sorted(set(areas)) if area in CONTRAINDICATIONS]


def _level_rules(level: str | None) -> list[Contraindication]:
    return [rule for rule in CONTRAINDICATIONS.values() if level is not None and level in rule.levels]


def _muscle(code: str, language: str) -> str:
    text = label(MUSCLES, code, language) or code
    return text[:1].lower() + text[1:]


def _join(parts: Sequence[str], language: str) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    conjunction = " et " if language == "fr" else " and "
    return ", ".join(parts[:-1]) + conjunction + parts[-1]


# ---------------------------------------------------------------- the analysis


@dataclass(frozen=True)
class Occurrence:
    exercise: Exercise
    week: int | None
    day: int | None
    sets: int
    reps: int | None = None

    @property
    def group(self) -> tuple[int | None, int | None]:
        return (self.week, self.day)


@dataclass
class Finding:
    """A warning before its message is written: what was found, on which exercises and which day,
    and which exercises the planner must replace or move."""

    kind: str
    severity: str
    exercise_ids: list[int]
    week: int | None = None
    day: int | None = None
    replace_ids: list[int] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)
    repeats: int = 0  # the same finding on other days (a plan repeats its week)


@dataclass
class Analysis:
    areas: frozenset[str]
    level: str | None
    library: dict[int, Exercise]
    occurrences: list[Occurrence]
    unknown_ids: list[int]
    findings: list[Finding]

    @property
    def planned_ids(self) -> list[int]:
        return list(dict.fromkeys(o.exercise.id for o in self.occurrences))

    def days_of(self, exercise_id: int) -> list[tuple[int | None, int | None]]:
        return list(dict.fromkeys(o.group for o in self.occurrences if o.exercise.id == exercise_id))

    @property
    def high(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.severity == "high"]


def analyse(data: InjuryInput) -> Analysis:
    """What the rules find in the planned exercises (one query), before substitutes and messages."""
    areas = limitation_areas(data.limitations)
    level = level_code(data.level)
    ids = list(dict.fromkeys(item.exercise_id for item in data.exercises))
    library: dict[int, Exercise] = Exercise.objects.only(*FIELDS).in_bulk(ids)
    occurrences = [
        Occurrence(library[item.exercise_id], item.week, item.day, item.sets or DEFAULT_SETS, item.reps)
        for item in data.exercises
        if item.exercise_id in library
    ]
    analysis = Analysis(areas, level, library, occurrences, [i for i in ids if i not in library], [])
    analysis.findings = [
        *_limitation_findings(analysis),
        *_level_findings(analysis),
        *_day_findings(analysis),
    ]
    return analysis


def _one_day(analysis: Analysis, exercise_id: int) -> tuple[int | None, int | None]:
    days = analysis.days_of(exercise_id)
    return days[0] if len(days) == 1 else (None, None)


def _limitation_findings(analysis: Analysis) -> list[Finding]:
    rules = _area_rules(analysis.areas)
    findings: list[Finding] = []
    for exercise_id in analysis.planned_ids:
        exercise = analysis.library[exercise_id]
        matched = [rule for rule in rules if rule.matches(exercise)]
        if matched:
            week, day = _one_day(analysis, exercise_id)
            findings.append(
                Finding(
                    "limitation",
                    "high",
                    [exercise_id],
                    week,
                    day,
                    replace_ids=[exercise_id],
                    detail={"areas": [rule.key for rule in matched], "rules": matched},
                )
            )
    return findings


def _level_findings(analysis: Analysis) -> list[Finding]:
    if analysis.level is None:  # an unknown level is not judged (the limitation rules still apply)
        return []
    user_rank = LEVEL_RANK[analysis.level]
    technical = _level_rules(analysis.level)
    findings: list[Finding] = []
    for exercise_id in analysis.planned_ids:
        exercise = analysis.library[exercise_id]
        gap = _rank(exercise.difficulty) - user_rank if exercise.difficulty else 0
        is_technical = any(rule.matches(exercise) for rule in technical)
        if gap <= 0 and not is_technical:
            continue
        severity = "high" if is_technical or gap >= 2 else ("moderate" if user_rank >= 1 else "low")
        week, day = _one_day(analysis, exercise_id)
        findings.append(
            Finding(
                "level",
                severity,
                [exercise_id],
                week,
                day,
                replace_ids=[exercise_id] if severity == "high" else [],
                detail={"difficulty": exercise.difficulty or "", "technical": is_technical},
            )
        )
    return findings


def _day_findings(analysis: Analysis) -> list[Finding]:
    """Combinations and volume, day by day; the same finding on several days (a plan repeats its
    weeks) is reported once, on its first day, with the number of other days."""
    days: dict[tuple[int | None, int | None], list[Occurrence]] = defaultdict(list)
    for occurrence in analysis.occurrences:
        days[occurrence.group].append(occurrence)
    found: dict[tuple[Any, ...], Finding] = {}

    def add(key: tuple[Any, ...], finding: Finding) -> None:
        if key in found:
            found[key].repeats += 1
        else:
            found[key] = finding

    for (week, day), occurrences in days.items():
        exercises = list({o.exercise.id: o.exercise for o in occurrences}.values())
        hinges = [e for e in exercises if any(is_heavy_hinge(e, o.reps) for o in occurrences if o.exercise.id == e.id)]
        if len(hinges) >= 2:
            ids = [e.id for e in hinges]
            add(("hinges", *ids), Finding("combination", "high", ids, week, day, replace_ids=ids[1:]))
        jumps = [e for e in exercises if is_plyometric(e)]
        heavy = [e for e in exercises if is_heavy_lower(e)]
        if jumps and heavy:
            ids = [e.id for e in jumps + heavy]
            add(
                ("impact", *ids),
                Finding("combination", "moderate", ids, week, day, detail={"jumps": jumps, "heavy": heavy}),
            )
        per_muscle: Counter[str] = Counter()
        contributors: dict[str, list[int]] = defaultdict(list)
        for occurrence in occurrences:
            for muscle in dict.fromkeys(_primary(occurrence.exercise)):
                per_muscle[muscle] += occurrence.sets
                if occurrence.exercise.id not in contributors[muscle]:
                    contributors[muscle].append(occurrence.exercise.id)
        for muscle, sets in per_muscle.items():
            if sets > DAY_SETS_MODERATE:
                severity = "high" if sets > DAY_SETS_HIGH else "moderate"
                ids = contributors[muscle]
                add(
                    ("volume", muscle, *ids),
                    Finding("volume", severity, ids, week, day, detail={"muscle": muscle, "sets": sets}),
                )
    return list(found.values())


# ---------------------------------------------------------------- substitutes


def _substitute_categories(exercise: Exercise) -> frozenset[str]:
    return SUBSTITUTE_CATEGORIES.get(exercise.category, frozenset({"strength", "powerlifting"}))


def substitute_pool(
    originals: Sequence[Exercise], areas: frozenset[str], level: str | None, *, avoid_ids: Iterable[int] = ()
) -> list[Exercise]:
    """The exercises that may replace any of `originals` (one query): a primary muscle among the
    originals' muscles, an allowed category, nothing the limitations or the level rule out, no heavy
    hinge or jump, not above the level (intermediate when it is unknown)."""
    if not originals:
        return []
    muscles = sorted({m for e in originals for m in [*_primary(e), *(e.secondary_muscles or [])]})
    categories = sorted(set().union(*(_substitute_categories(e) for e in originals)))
    if not muscles:
        return []
    cap = LEVEL_RANK[level] if level else LEVEL_RANK["intermediate"]
    rows = (
        Exercise.objects.filter(muscles__overlap=muscles, category__in=categories)
        .exclude(exercise_exclusions(areas, level))
        .exclude(id__in=list(avoid_ids))
        .only(*FIELDS)
        .annotate(is_staple=RawSQL(STAPLE_SQL, [], output_field=BooleanField()))  # noqa: S611 - constant SQL
        .order_by("id")
    )
    return [
        e
        for e in rows
        if not is_hinge_like(e)
        and not is_plyometric(e)
        and not _TECHNICAL_RE.search(e.exercise_en)
        and _rank(e.difficulty) <= cap
    ]


def _substitute_score(original: Exercise, candidate: Exercise, plan_equipment: frozenset[str]) -> float | None:
    """How well a candidate replaces an exercise (None: it does not work the same muscles)."""
    primary, candidate_primary = _primary(original), _primary(candidate)
    if primary and candidate_primary and candidate_primary[0] == primary[0]:
        score = 20.0
    elif set(primary) & set(candidate_primary):
        score = 18.0
    elif shared := [
        m for m in SECONDARY_PRIORITY if m in (original.secondary_muscles or []) and m in set(candidate_primary)
    ]:
        # only a secondary muscle in common (the library lists them alphabetically): the big ones first
        score = 8.0 - 1.0 * SECONDARY_PRIORITY.index(shared[0])
    else:
        return None
    equipment, candidate_equipment = _equipment(original), _equipment(candidate)
    if candidate_equipment == equipment:
        score += 4
    elif candidate_equipment <= equipment | {BODY_WEIGHT}:
        score += 3
    elif candidate_equipment <= plan_equipment | {BODY_WEIGHT}:
        score += 2
    if candidate.category == original.category:
        score += 1
    if candidate.mechanic and candidate.mechanic == original.mechanic:
        score += 0.5
    if candidate.force and candidate.force == original.force:
        score += 0.5
    if getattr(candidate, "is_staple", False):
        score += 1
    if candidate.difficulty is None:
        score -= 0.5
    return score


def rank_substitutes(
    original: Exercise, pool: Sequence[Exercise], plan_equipment: frozenset[str]
) -> list[tuple[float, Exercise]]:
    """The pool's exercises that may replace `original`, best first."""
    scored: list[tuple[float, Exercise]] = []
    for candidate in pool:
        score = _substitute_score(original, candidate, plan_equipment) if candidate.id != original.id else None
        if score is not None:
            scored.append((score, candidate))
    return sorted(scored, key=lambda pair: (-pair[0], pair[1].id))


def choose_substitutes(analysis: Analysis, replace_ids: Sequence[int]) -> dict[int, Exercise]:
    """A substitute for each exercise to replace (when the library has one): the best-scored,
    different for each exercise when possible, never an exercise already planned."""
    originals = [analysis.library[i] for i in replace_ids]
    pool = substitute_pool(originals, analysis.areas, analysis.level, avoid_ids=analysis.planned_ids)
    plan_equipment = frozenset(e for o in analysis.occurrences for e in _equipment(o.exercise))
    chosen: dict[int, Exercise] = {}
    for original in originals:
        ranked = rank_substitutes(original, pool, plan_equipment)
        taken = {e.id for e in chosen.values()}
        fresh = [e for _score, e in ranked if e.id not in taken]
        pick = fresh[0] if fresh else (ranked[0][1] if ranked else None)
        if pick is not None:
            chosen[original.id] = pick
    return chosen


# ---------------------------------------------------------------- warm-up and cool-down


def mobility_pool(areas: frozenset[str], level: str | None) -> list[Exercise]:
    """Body-weight stretching and cardio exercises nothing rules out (one query)."""
    rows = (
        Exercise.objects.filter(category__in=["stretching", "cardio"], equipments__contained_by=[BODY_WEIGHT])
        .exclude(exercise_exclusions(areas, level))
        .exclude(difficulty="advanced")
        .only(*FIELDS)
        .order_by("id")
    )
    return [e for e in rows if not _NOT_MOBILITY_RE.search(e.exercise_en) or _GENERAL_WARM_UP_RE.search(e.exercise_en)]


def _mobility_key(exercise: Exercise) -> tuple[int, int]:
    return (LEVEL_RANK.get(exercise.difficulty or "", 1), exercise.id)


def _is_dynamic(exercise: Exercise) -> bool:
    return exercise.category == "stretching" and bool(_DYNAMIC_RE.search(exercise.exercise_en))


def _is_static(exercise: Exercise) -> bool:
    return exercise.category == "stretching" and not _DYNAMIC_RE.search(exercise.exercise_en)


def main_muscles(occurrences: Sequence[Occurrence]) -> list[str]:
    """The primary muscles with the most sets, at most MAX_SPECIFIC_MUSCLES."""
    sets: Counter[str] = Counter()
    for occurrence in occurrences:
        for muscle in _primary(occurrence.exercise):
            sets[muscle] += occurrence.sets
    return [muscle for muscle, _sets in sets.most_common(MAX_SPECIFIC_MUSCLES)]


def _pick_per_muscle(
    muscles: Sequence[str], pool: Sequence[Exercise], accept: Callable[[Exercise], bool]
) -> list[Exercise]:
    picked: list[Exercise] = []
    for muscle in muscles:
        options = sorted(
            (e for e in pool if accept(e) and muscle in (e.muscles or []) and e not in picked), key=_mobility_key
        )
        if options:
            picked.append(options[0])
    return picked


def routines(
    occurrences: Sequence[Occurrence], areas: frozenset[str], level: str | None, language: str
) -> tuple[list[RoutineItem], list[RoutineItem], list[str]]:
    """The warm-up (general, then moving stretches for the main muscles: 5-10 minutes) and the
    cool-down (easy walking, then held stretches for the same muscles), and the muscles they target."""

    def t(english: str, french: str) -> str:
        return french if language == "fr" else english

    pool = mobility_pool(areas, level)
    muscles = main_muscles(occurrences)
    general = next(
        (e for e in pool if e.category == "cardio" and _GENERAL_WARM_UP_RE.search(e.exercise_en)),
        None,
    )
    specific = _pick_per_muscle(muscles, pool, _is_dynamic)
    if len(specific) < 2:  # too few muscles named: whole-body moving stretches fill in
        fillers = sorted((e for e in pool if _is_dynamic(e) and e not in specific), key=_mobility_key)
        specific += fillers[: 2 - len(specific)]
    general_seconds = max(GENERAL_WARM_UP_SECONDS, WARM_UP_MIN_SECONDS - SPECIFIC_WARM_UP_SECONDS * len(specific))
    general_item = (
        RoutineItem(name=_name(general, language), duration_seconds=general_seconds, exercise_id=general.id)
        if general is not None
        else RoutineItem(
            name=t("Brisk walk or march in place", "Marche rapide ou marche sur place"),
            duration_seconds=general_seconds,
        )
    )
    warm_up = [general_item] + [
        RoutineItem(name=_name(e, language), duration_seconds=SPECIFIC_WARM_UP_SECONDS, exercise_id=e.id)
        for e in specific
    ]
    stretches = _pick_per_muscle(muscles, pool, _is_static)
    if not stretches:
        stretches = sorted((e for e in pool if _is_static(e)), key=_mobility_key)[:2]
    cool_down = [
        RoutineItem(
            name=t("Easy walk, slow breathing", "Marche lente, respiration calme"),
            duration_seconds=EASY_COOL_DOWN_SECONDS,
        )
    ] + [RoutineItem(name=_name(e, language), duration_seconds=STRETCH_SECONDS, exercise_id=e.id) for e in stretches]
    return warm_up, cool_down, muscles


# ---------------------------------------------------------------- messages


def _where(week: int | None, day: int | None, language: str) -> str:
    if week is not None and day is not None:
        return f"semaine {week}, jour {day}" if language == "fr" else f"week {week}, day {day}"
    if day is not None:
        return f"jour {day}" if language == "fr" else f"day {day}"
    if week is not None:
        return f"semaine {week}" if language == "fr" else f"week {week}"
    return "ce jour-là" if language == "fr" else "that day"


_FRENCH_ARTICLES = {"knee": "le", "back": "le", "wrist": "le", "neck": "le", "elbow": "le", "ankle": "la", "hip": "la"}


def _areas_text(areas: Sequence[str], language: str, *, article: bool = False) -> str:
    """ "knee and back"; with article: "the knee and back" / "le genou et le dos"."""
    labels = [area_label(area, language) for area in areas if area != NO_IMPACT]
    if article and language == "fr":
        labels = [
            f"{_FRENCH_ARTICLES[area]} {text}" if area in _FRENCH_ARTICLES else f"l'{text}"
            for area, text in zip([a for a in areas if a != NO_IMPACT], labels, strict=True)
        ]
    elif article and labels:
        labels[0] = f"the {labels[0]}"
    return _join(labels, language)


def _repeats_text(finding: Finding, language: str) -> str:
    if not finding.repeats:
        return ""
    if language == "fr":
        return f" (et {finding.repeats} autre(s) jour(s))"
    return f" (and {finding.repeats} other day{'s' if finding.repeats > 1 else ''})"


class Writer:
    """Writes the messages and required changes of the findings, in one language."""

    def __init__(self, analysis: Analysis, substitutes: dict[int, Exercise], language: str) -> None:
        self.analysis = analysis
        self.substitutes = substitutes
        self.language = language

    def t(self, english: str, french: str) -> str:
        return french if self.language == "fr" else english

    def name(self, exercise_id: int) -> str:
        return _name(self.analysis.library[exercise_id], self.language)

    def ref(self, exercise_id: int) -> str:
        name = self.name(exercise_id)
        return self.t(f"exercise {exercise_id} ({name})", f"l'exercice {exercise_id} ({name})")

    def areas(self, finding: Finding) -> str:
        return _areas_text(finding.detail.get("areas", []), self.language, article=True)

    def message(self, finding: Finding) -> str:
        return getattr(self, f"_{finding.kind}_message")(finding) + _repeats_text(finding, self.language)  # type: ignore[no-any-return]

    def _limitation_message(self, finding: Finding) -> str:
        exercise_id = finding.exercise_ids[0]
        rules: list[Contraindication] = finding.detail["rules"]
        why = "; ".join(rule.why(self.language) for rule in rules)
        areas = _areas_text(finding.detail["areas"], self.language)
        name = self.name(exercise_id)
        substitute = self.substitutes.get(exercise_id)
        if areas:
            opening = self.t(f"{name} loads your {areas} ({why}).", f"{name} sollicite votre {areas} ({why}).")
        else:
            opening = self.t(
                f"{name} is high impact, and you asked to avoid impact ({why}).",
                f"{name} est à fort impact, alors que vous voulez éviter les impacts ({why}).",
            )
        replace = (
            self.t(f" Replace it with {_name(substitute, 'en')}.", f" Remplacez-le par {_name(substitute, 'fr')}.")
            if substitute is not None
            else self.t(" Leave it out.", " Retirez-le.")
        )
        return (
            opening
            + replace
            + self.t(
                " If you feel pain, stop and see a health professional.",
                " En cas de douleur, arrêtez et consultez un professionnel de santé.",
            )
        )

    def _combination_message(self, finding: Finding) -> str:
        where = _where(finding.week, finding.day, self.language)
        if finding.severity == "high":
            names = _join([self.name(i) for i in finding.exercise_ids], self.language)
            return self.t(
                f"{names} on the same day ({where}): heavy hinges all load the lower back; keep one per day.",
                f"{names} le même jour ({where}) : ces charnières lourdes sollicitent toutes le bas du dos ; "
                "gardez-en une par jour.",
            )
        jumps = _join([_name(e, self.language) for e in finding.detail["jumps"]], self.language)
        heavy = _join([_name(e, self.language) for e in finding.detail["heavy"]], self.language)
        return self.t(
            f"Jumps ({jumps}) and heavy leg lifts ({heavy}) on the same day ({where}): do the jumps first, "
            "while fresh, and keep them few.",
            f"Des sauts ({jumps}) et des exercices lourds pour les jambes ({heavy}) le même jour ({where}) : "
            "faites les sauts en premier, sans fatigue, et en petit nombre.",
        )

    def _volume_message(self, finding: Finding) -> str:
        muscle = _muscle(finding.detail["muscle"], self.language)
        sets = finding.detail["sets"]
        where = _where(finding.week, finding.day, self.language)
        limit = DAY_SETS_MODERATE
        return self.t(
            f"{sets} sets for the {muscle} on one day ({where}): beyond {limit}, extra sets add fatigue and "
            "strain more than progress.",
            f"{sets} séries le même jour ({where}) pour : {muscle}. Au-delà de {limit}, les séries en plus "
            "ajoutent surtout de la fatigue.",
        )

    def _level_message(self, finding: Finding) -> str:
        exercise_id = finding.exercise_ids[0]
        level = self.analysis.level or ""
        level_text = {"beginner": ("beginner", "débutant"), "intermediate": ("intermediate", "intermédiaire")}.get(
            level, (level, level)
        )
        if finding.detail["technical"]:
            return self.t(
                f"{self.name(exercise_id)} is a technical lift, not for a {level_text[0]} level yet.",
                f"{self.name(exercise_id)} est un mouvement technique, pas encore adapté à un niveau {level_text[1]}.",
            )
        if finding.severity == "high":
            return self.t(
                f"{self.name(exercise_id)} is an advanced exercise for a {level_text[0]} level: choose an easier one.",
                f"{self.name(exercise_id)} est un exercice avancé pour un niveau {level_text[1]} : "
                "choisissez-en un plus simple.",
            )
        return self.t(
            f"{self.name(exercise_id)} is a step above a {level_text[0]} level: learn it with light loads first.",
            f"{self.name(exercise_id)} est un cran au-dessus d'un niveau {level_text[1]} : apprenez-le d'abord "
            "avec des charges légères.",
        )

    def changes(self, finding: Finding, *, done: set[int]) -> list[str]:
        """The required changes of a high-severity finding, one per exercise to change (none for an
        exercise in `done`: already changed by an earlier finding)."""
        if finding.severity != "high":
            return []
        if finding.kind == "volume":
            ids = ", ".join(str(i) for i in finding.exercise_ids)
            muscle = _muscle(finding.detail["muscle"], self.language)
            where = _where(finding.week, finding.day, self.language)
            return [
                self.t(
                    f"Cut sets of exercises {ids} on {where}: {finding.detail['sets']} sets for the {muscle}, "
                    f"at most {DAY_SETS_HIGH}.",
                    f"Réduire les séries des exercices {ids} ({where}) : {finding.detail['sets']} séries pour : "
                    f"{muscle}, au plus {DAY_SETS_HIGH}.",
                )
            ]
        changes = []
        for exercise_id in finding.replace_ids:
            if exercise_id in done:
                continue
            done.add(exercise_id)
            why = {
                "limitation": self.t(
                    f"it loads {self.areas(finding) or 'the body with impact'}",
                    f"il sollicite {self.areas(finding) or 'le corps par des impacts'}",
                ),
                "combination": self.t(
                    f"a second heavy hinge on {_where(finding.week, finding.day, 'en')}",
                    f"une deuxième charnière lourde ({_where(finding.week, finding.day, 'fr')})",
                ),
                "level": self.t("it is above the level", "il dépasse le niveau"),
            }[finding.kind]
            if exercise_id in self.substitutes:
                # the substitute is named in `substitutions`, not here: a planner reading the ids and
                # names of a change must find only the exercise to change
                changes.append(
                    self.t(
                        f"Replace {self.ref(exercise_id)} with the proposed substitute: {why}.",
                        f"Remplacer {self.ref(exercise_id)} par le remplaçant proposé : {why}.",
                    )
                )
            elif finding.kind == "combination":
                changes.append(
                    self.t(
                        f"Move {self.ref(exercise_id)} to another day: {why}.",
                        f"Déplacer {self.ref(exercise_id)} sur un autre jour : {why}.",
                    )
                )
            else:
                changes.append(
                    self.t(
                        f"Remove {self.ref(exercise_id)}: {why}, and no safe substitute was found.",
                        f"Retirer {self.ref(exercise_id)} : {why}, et aucun remplaçant sûr n'a été trouvé.",
                    )
                )
        return changes

    def substitution_why(self, finding: Finding, substitute: Exercise) -> str:
        muscles = _join([_muscle(m, self.language) for m in _primary(substitute)[:2]], self.language)
        spares = {
            "limitation": self.t(
                f"spares {self.areas(finding) or 'the joints (no impact)'}",
                f"ménage {self.areas(finding) or 'les articulations (sans impact)'}",
            ),
            "combination": self.t("not a heavy hinge", "pas une charnière lourde"),
            "level": self.t("at your level", "à votre niveau"),
        }[finding.kind]
        return self.t(f"Works the {muscles} and {spares}.", f"Muscles travaillés : {muscles} ; {spares}.")


# ---------------------------------------------------------------- the review


def review(data: InjuryInput, language: str) -> InjuryReview:
    """The rules' review (three queries: the planned exercises, the substitutes, the mobility work)."""
    analysis = analyse(data)

    def t(english: str, french: str) -> str:
        return french if language == "fr" else english

    reasoning: list[ReasoningStep] = []
    unread = [text for text in data.limitations if not limitation_areas([text])]
    reasoning.append(
        step(
            t("Read the limitations as body areas", "Limitations lues comme zones du corps"),
            t(
                "Exercises that load these areas are flagged and replaced.",
                "Les exercices qui sollicitent ces zones sont signalés et remplacés.",
            )
            if analysis.areas
            else t("No limitation names a body area.", "Aucune limitation ne nomme une zone du corps."),
            areas=sorted(analysis.areas),
            not_understood=unread,
            level=analysis.level,
        )
    )
    replace_ids = list(dict.fromkeys(i for f in analysis.findings if f.severity == "high" for i in f.replace_ids))
    substitutes = choose_substitutes(analysis, replace_ids)
    writer = Writer(analysis, substitutes, language)

    warnings = [
        RiskWarning(
            kind=finding.kind,  # type: ignore[arg-type]
            severity=finding.severity,  # type: ignore[arg-type]
            exercise_ids=finding.exercise_ids,
            week=finding.week,
            day=finding.day,
            message=writer.message(finding),
        )
        for finding in analysis.findings
    ]
    substitutions: list[Substitution] = []
    required: list[str] = []
    changed: set[int] = set()
    for finding in analysis.findings:
        required += writer.changes(finding, done=changed)
        for exercise_id in finding.replace_ids:
            substitute = substitutes.get(exercise_id)
            if substitute is not None and all(s.exercise_id != exercise_id for s in substitutions):
                substitutions.append(
                    Substitution(
                        exercise_id=exercise_id,
                        substitute_id=substitute.id,
                        substitute_name=_name(substitute, language),
                        why=writer.substitution_why(finding, substitute),
                    )
                )
    for unknown_id in analysis.unknown_ids:
        required.append(
            t(
                f"Replace exercise {unknown_id}: it is not in the exercise library.",
                f"Remplacer l'exercice {unknown_id} : il n'est pas dans la bibliothèque d'exercices.",
            )
        )
    by_kind = Counter(f"{f.kind}:{f.severity}" for f in analysis.findings)
    reasoning.append(
        step(
            t("Checked each exercise and each day", "Chaque exercice et chaque jour vérifiés"),
            t(
                f"{len(analysis.planned_ids)} exercises over {len({o.group for o in analysis.occurrences})} day(s): "
                f"limitations, level, heavy hinges and jumps on one day, sets per muscle per day "
                f"(over {DAY_SETS_MODERATE}: moderate, over {DAY_SETS_HIGH}: high).",
                f"{len(analysis.planned_ids)} exercices sur {len({o.group for o in analysis.occurrences})} jour(s) : "
                f"limitations, niveau, charnières lourdes et sauts le même jour, séries par muscle et par jour "
                f"(plus de {DAY_SETS_MODERATE} : modéré, plus de {DAY_SETS_HIGH} : élevé).",
            ),
            findings=dict(by_kind),
            unknown_ids=analysis.unknown_ids,
        )
    )
    if substitutions:
        reasoning.append(
            step(
                t("Proposed substitutes", "Remplaçants proposés"),
                t(
                    "Same primary muscle, similar equipment, nothing the limitations or the level rule out, "
                    "no heavy hinge and no jump.",
                    "Même muscle principal, matériel proche, rien d'exclu par les limitations ou le niveau, "
                    "ni charnière lourde ni saut.",
                ),
                substitutions={str(s.exercise_id): s.substitute_id for s in substitutions},
            )
        )
    warm_up, cool_down, muscles = routines(analysis.occurrences, analysis.areas, analysis.level, language)
    reasoning.append(
        step(
            t("Added a warm-up and a cool-down", "Échauffement et retour au calme ajoutés"),
            t(
                "General warm-up, then moving stretches for the most trained muscles; held stretches after. "
                "Body weight only, nothing the limitations rule out.",
                "Échauffement général, puis mobilité pour les muscles les plus travaillés ; étirements tenus "
                "après. Au poids du corps, rien d'exclu par les limitations.",
            ),
            muscles=muscles,
            warm_up_seconds=sum(item.duration_seconds for item in warm_up),
        )
    )
    high = [w for w in warnings if w.severity == "high"]
    approved = not high and not analysis.unknown_ids
    risk = "high" if high else ("moderate" if any(w.severity == "moderate" for w in warnings) else "low")
    reasoning.append(
        step(
            t("Approved", "Approuvé")
            if approved
            else t("Not approved: the plan must change", "Non approuvé : le programme doit changer"),
            t(
                f"{len(high)} high-severity warning(s), {len(required)} required change(s).",
                f"{len(high)} alerte(s) élevée(s), {len(required)} changement(s) requis.",
            ),
            risk_level=risk,
        )
    )
    return InjuryReview(
        reasoning=reasoning,
        approved=approved,
        risk_level=risk,  # type: ignore[arg-type]
        warnings=warnings,
        substitutions=substitutions,
        warm_up=warm_up,
        cool_down=cool_down,
        required_changes=required,
    )


# ---------------------------------------------------------------- the model's tools


class ExerciseFactsArgs(BaseModel):
    exercise_ids: list[int] = Field(max_length=MAX_TOOL_IDS, description="Library ids, at most 30")


class FindSubstitutesArgs(BaseModel):
    exercise_id: int = Field(description="The planned exercise to replace")
    avoid_ids: list[int] = Field(default_factory=list, max_length=MAX_TOOL_IDS, description="Ids not to propose")


class MobilityArgs(BaseModel):
    muscles: list[str] = Field(default_factory=list, max_length=8, description="Muscle codes, e.g. quadriceps")
    kind: Literal["warm_up", "cool_down"] = "warm_up"


def _facts(exercise: Exercise, areas: frozenset[str], level: str | None, language: str) -> dict[str, Any]:
    above = _rank(exercise.difficulty) > LEVEL_RANK.get(level or "", 2)
    hinge_like = is_hinge_like(exercise)
    return {
        "id": exercise.id,
        "name": _name(exercise, language),
        "category": exercise.category,
        "muscles": _primary(exercise),
        "secondary_muscles": list(exercise.secondary_muscles or []),
        "equipment": sorted(_equipment(exercise)),
        "difficulty": exercise.difficulty,
        "loads_limitation": [rule.why(language) for rule in _area_rules(areas) if rule.matches(exercise)],
        "above_level": level is not None and exercise.difficulty is not None and above,
        "heavy_hinge": (
            "always" if is_heavy_hinge(exercise) else (f"at {HEAVY_ROW_REPS} reps or fewer" if hinge_like else None)
        ),
        "plyometric": is_plyometric(exercise),
    }


def review_tools(data: InjuryInput, language: str) -> list[BaseTool]:
    """The tools of the model path, closed over the review's limitations and level."""
    areas = limitation_areas(data.limitations)
    level = level_code(data.level)
    planned = [item.exercise_id for item in data.exercises]

    def exercise_facts(**arguments: Any) -> dict[str, Any]:
        try:
            args = ExerciseFactsArgs(**arguments)
        except ValidationError as error:
            return {"error": str(error.errors()[:3])}
        found = Exercise.objects.only(*FIELDS).in_bulk(args.exercise_ids)
        return {
            "exercises": [_facts(found[i], areas, level, language) for i in args.exercise_ids if i in found],
            "unknown_ids": [i for i in args.exercise_ids if i not in found],
        }

    def find_substitutes(**arguments: Any) -> dict[str, Any]:
        try:
            args = FindSubstitutesArgs(**arguments)
        except ValidationError as error:
            return {"error": str(error.errors()[:3])}
        original = Exercise.objects.only(*FIELDS).filter(id=args.exercise_id).first()
        if original is None:
            return {"error": f"no exercise {args.exercise_id}"}
        pool = substitute_pool([original], areas, level, avoid_ids=[*planned, *args.avoid_ids])
        ranked = rank_substitutes(original, pool, _equipment(original))
        return {
            "exercise_id": original.id,
            "substitutes": [_facts(e, areas, level, language) for _score, e in ranked[:MAX_TOOL_RESULTS]],
        }

    def mobility_options(**arguments: Any) -> dict[str, Any]:
        try:
            args = MobilityArgs(**arguments)
        except ValidationError as error:
            return {"error": str(error.errors()[:3])}
        accept = _is_dynamic if args.kind == "warm_up" else _is_static
        cardio = args.kind == "warm_up"
        pool = [e for e in mobility_pool(areas, level) if accept(e) or (cardio and e.category == "cardio")]
        if args.muscles:
            pool = [e for e in pool if set(args.muscles) & set(e.muscles or [])] or pool
        pool.sort(key=_mobility_key)
        return {"options": [_facts(e, areas, level, language) for e in pool[:MAX_TOOL_RESULTS]]}

    specs: list[tuple[Callable[..., dict[str, Any]], str, type[BaseModel]]] = [
        (
            exercise_facts,
            "Facts about library exercises: name, category, primary and secondary muscles, equipment, difficulty, "
            "which stated limitation each loads, whether it is above the level, a heavy hinge or a jump.",
            ExerciseFactsArgs,
        ),
        (
            find_substitutes,
            "Up to 8 substitutes for an exercise, best first: same primary muscle, similar equipment, not ruled out "
            "by the limitations or the level, no heavy hinge or jump, not already planned.",
            FindSubstitutesArgs,
        ),
        (
            mobility_options,
            "Body-weight warm-up (moving stretches, light cardio) or cool-down (held stretches) exercises the "
            "limitations allow, for the given muscles.",
            MobilityArgs,
        ),
    ]
    return [
        StructuredTool.from_function(func=function, name=function.__name__, description=text, args_schema=schema)
        for function, text, schema in specs
    ]


# ---------------------------------------------------------------- the agent


class InjuryPreventionAgent(Agent[InjuryInput, InjuryReview]):
    name: ClassVar[str] = INJURY_PREVENTION
    purpose: ClassVar[str] = (
        "Reviews planned exercises for injury risk: exercises that load a stated limitation, risky combinations "
        "on one day, too many sets for one muscle, exercises above the level; proposes substitutes and adds a "
        "warm-up and a cool-down."
    )
    prompt: ClassVar[str] = (
        "You are the injury-prevention reviewer of a fitness coach. You review a list of planned exercises "
        "(library ids, with week, day, sets and reps) for a person with stated limitations and a fitness level.\n"
        "Rules:\n"
        "- Every exercise that loads a stated limitation is a warning of kind 'limitation' with severity 'high', "
        "and gets a substitute (same primary muscle, similar equipment, not ruled out: use find_substitutes).\n"
        "- On one day (same week and day), two or more heavy hinges (deadlifts, good mornings, heavy bent-over "
        "rows) are a 'combination' warning with severity 'high'; jumps beside heavy leg lifts are 'moderate'.\n"
        f"- More than {DAY_SETS_MODERATE} sets for one primary muscle on one day is a 'volume' warning "
        f"('high' above {DAY_SETS_HIGH}). An exercise above the person's level is a 'level' warning.\n"
        "- approved is false while any high-severity warning remains; required_changes lists each change the "
        "planner must make, one string per change, naming the exercise id.\n"
        "- Add a warm-up of 5 to 10 minutes (general, then moving stretches for the day's muscles) and a cool-down, "
        "body weight only, from mobility_options where possible.\n"
        "- Use only exercise ids from the input or from your tools. The findings listed in the message are a floor: "
        "keep them.\n"
        "- Never diagnose or treat: at most advise stopping and seeing a health professional if something hurts.\n"
        "Write every message in the requested language."
    )
    input_model: ClassVar[type[BaseModel]] = InjuryInput
    output_model: ClassVar[type[AgentOutput]] = InjuryReview
    max_tokens: ClassVar[int] = 3000

    def rules(self, data: InjuryInput, ctx: AgentContext) -> InjuryReview:
        return review(data, ctx.language)

    def tools(self, data: InjuryInput, ctx: AgentContext) -> Sequence[BaseTool]:
        return review_tools(data, ctx.language)

    def user_message(self, data: InjuryInput, ctx: AgentContext) -> str:
        analysis = analyse(data)
        floor = [{"kind": f.kind, "exercise_ids": f.exercise_ids, "week": f.week, "day": f.day} for f in analysis.high]
        language = "French" if ctx.language == "fr" else "English"
        return (
            f"Answer in {language}. Input:\n{data.model_dump_json()}\n"
            f"Limitations understood as body areas: {json.dumps(sorted(analysis.areas))}; "
            f"level: {json.dumps(analysis.level)}.\n"
            f"High-severity findings of the checks (keep each one; the plan cannot be approved while any "
            f"remains): {json.dumps(floor)}"
        )

    def check(self, output: InjuryReview, data: InjuryInput, ctx: AgentContext) -> list[str]:
        analysis = analyse(data)
        planned = set(analysis.planned_ids)
        problems: list[str] = []
        for warning in output.warnings:
            unknown = [i for i in warning.exercise_ids if i not in planned]
            if unknown:
                problems.append(f"warning names exercises not in the plan: {unknown}")
        referenced = [s.substitute_id for s in output.substitutions] + [
            item.exercise_id for item in [*output.warm_up, *output.cool_down] if item.exercise_id is not None
        ]
        library = Exercise.objects.only(*FIELDS).in_bulk(referenced)
        for substitution in output.substitutions:
            if substitution.exercise_id not in planned:
                problems.append(f"substitution for exercise {substitution.exercise_id}, which is not in the plan")
            substitute = library.get(substitution.substitute_id)
            if substitute is None:
                problems.append(f"substitute {substitution.substitute_id} is not in the library")
            elif contraindication_reasons(substitute, analysis.areas, analysis.level):
                problems.append(f"substitute {substitute.id} is itself ruled out by the limitations or the level")
        for item in [*output.warm_up, *output.cool_down]:
            if item.exercise_id is None:
                continue
            exercise = library.get(item.exercise_id)
            if exercise is None:
                problems.append(f"warm-up or cool-down exercise {item.exercise_id} is not in the library")
            elif contraindication_reasons(exercise, analysis.areas, analysis.level) or _equipment(exercise) - {
                BODY_WEIGHT
            }:
                problems.append(f"warm-up or cool-down exercise {exercise.id} is ruled out or needs equipment")
        warm_up_seconds = sum(item.duration_seconds for item in output.warm_up)
        if not WARM_UP_MIN_SECONDS <= warm_up_seconds <= WARM_UP_MAX_SECONDS:
            problems.append(f"the warm-up lasts {warm_up_seconds} s, not 5-10 minutes")
        if not output.cool_down:
            problems.append("no cool-down")
        high = [w for w in output.warnings if w.severity == "high"]
        if output.approved and (high or analysis.high or analysis.unknown_ids):
            problems.append("approves a plan with a high-severity risk or an unknown exercise")
        if high and output.risk_level != "high":
            problems.append("risk_level is not high despite a high-severity warning")
        for finding in analysis.findings:
            if finding.kind != "limitation":
                continue
            exercise_id = finding.exercise_ids[0]
            if not any(
                w.kind == "limitation" and w.severity == "high" and exercise_id in w.exercise_ids
                for w in output.warnings
            ):
                problems.append(f"exercise {exercise_id} loads a stated limitation but has no high warning")
        return problems


AGENT = InjuryPreventionAgent()
