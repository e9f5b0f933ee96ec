"""Workout recommendations: a week of training from the exercise library.

The rules engine always answers: it picks a split by the days asked (full body for 1-3 days,
upper/lower for 4, push/pull/legs for 5-6), fills each session's slots (squat, hinge, press, row,
core, ...) with exercises from the library that the person's equipment allows, their limitations
and level do not rule out (coach.safety), preferring the staples of the template plans, their
free-text preferences (semantic search) and exercises they already log; then it sets sets, reps
and rest by goal, and fits the number of exercises to the minutes per session.

With a model configured, the model builds the week from a list of candidate exercises already
filtered the same way and writes the reasons; its answer is validated like the rules' (coach.
validation) and any failure (error, timeout, invalid answer) falls back to the rules, saying why.
"""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL
from pydantic import BaseModel, Field

from coach import llm
from coach.fallback import FallbackReason, InvalidModelOutput, fallback, fallback_for
from coach.models import Recommendation
from coach.safety import (
    NO_IMPACT,
    area_label,
    contraindications_for,
    exercise_exclusions,
    limitation_words,
    medical_notice,
    mentions_pain,
)
from coach.semantic import semantic_exercise_search, semantic_plan_search
from coach.validation import (
    BODY_WEIGHT,
    MAX_TRAINING_DAYS,
    allowed_equipment,
    equipment_codes,
    goal_codes,
    level_code,
    muscle_codes,
    parse_reps,
    request_areas,
    validate_workout,
)
from exercises.models import Exercise
from exercises.selectors import STAPLE_SQL, exercise_list
from exercises.taxonomy import EQUIPMENT, MUSCLES, label
from tracking.selectors import user_today, workout_log_list

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger("movoai.coach.workouts")

MIN_MINUTES, MAX_MINUTES = 10, 180
WARM_UP_SECONDS = 5 * 60
SHORT_WARM_UP_SECONDS = 3 * 60
TRANSITION_SECONDS = 60
SECONDS_PER_REP = 3.5
MIN_EXERCISES, MAX_EXERCISES = 2, 10
HISTORY_DAYS = 90
RECENT_DAYS = 2  # muscles trained today or yesterday are still recovering
MAX_CANDIDATES = 80
CANDIDATES_PER_SLOT = 6
DEFAULT_GOAL = "general_fitness"
LOADED_GOALS = frozenset({"strength", "hypertrophy"})
STAPLE_WEIGHT, STAPLE_WEIGHT_WITH_PREFERENCES = 3.0, 1.5
PREFERENCE_WEIGHT = 4.0
RULES_CONFIDENCE, RULES_CONFIDENCE_FILLED, MODEL_CONFIDENCE = 0.75, 0.5, 0.8
PREFERENCE_MATCH = 0.6  # from this share of the best match, a reason says the preference was followed

# What the engine reads of an exercise (a list needs no instructions or media).
POOL_FIELDS: tuple[str, ...] = (
    "id",
    "exercise_en",
    "exercise_fr",
    "difficulty",
    "category",
    "force",
    "mechanic",
    "muscles",
)
POOL_FIELDS += ("equipments",)
RESISTANCE = frozenset({"strength", "powerlifting"})
CONDITIONING = frozenset({"cardio", "plyometrics"})
STRETCHING = frozenset({"stretching"})

# Which days of the week train, by the number of training days: spread out, day 7 always rests.
WEEK_LAYOUT: dict[int, tuple[int, ...]] = {
    1: (1,),
    2: (1, 4),
    3: (1, 3, 5),
    4: (1, 2, 4, 5),
    5: (1, 2, 3, 5, 6),
    6: (1, 2, 3, 4, 5, 6),
}


@dataclass
class WorkoutRequest:
    """What the person asks for. Goals, equipment, muscles may be codes or English/French words;
    empty lists and None mean "not said" (a user's profile then fills them)."""

    goals: list[str] = field(default_factory=list)
    available_equipment: list[str] = field(default_factory=list)
    minutes_per_session: int = 45
    days_per_week: int = 3
    fitness_level: str | None = None
    limitations: list[str] = field(default_factory=list)
    preferences: str = ""
    target_muscles: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- sessions and their slots


@dataclass(frozen=True)
class Slot:
    """One exercise of a session: a role, the primary muscles it may work (any of them; none: any
    muscle), whether a compound or an isolation exercise is preferred, the force (push or pull) of
    the movement, words of the names that fit the role best, and the categories allowed."""

    key: str
    muscles: tuple[str, ...]
    compound: bool | None = None
    force: str | None = None
    hints: tuple[str, ...] = ()
    categories: frozenset[str] = RESISTANCE


SQUAT = Slot("squat", ("quadriceps",), True, "push", ("squat", "leg press"))
HINGE = Slot("hinge", ("hamstrings", "glutes"), True, "pull", ("deadlift", "romanian", "hip thrust", "swing"))
GLUTES = Slot("glutes", ("glutes", "hamstrings"), None, None, ("hip thrust", "bridge", "glute", "kickback"))
SINGLE_LEG = Slot("single_leg", ("quadriceps", "glutes"), None, "push", ("lunge", "split squat", "step", "bulgarian"))
HAMSTRINGS = Slot("hamstring_isolation", ("hamstrings",), False, "pull", ("leg curl", "curl", "stiff", "romanian"))
CALVES = Slot("calves", ("calves",), None, "push", ("calf raise",))
HORIZONTAL_PUSH = Slot("horizontal_push", ("chest",), True, "push", ("bench press", "push-up", "pushup", "press"))
CHEST_ISOLATION = Slot("chest_isolation", ("chest",), False, "push", ("fly", "flye", "crossover"))
VERTICAL_PUSH = Slot("vertical_push", ("shoulders",), True, "push", ("shoulder press", "military", "overhead", "press"))
SHOULDER_ISOLATION = Slot("shoulder_isolation", ("shoulders",), False, None, ("lateral raise", "face pull", "raise"))
ROW = Slot("row", ("middle back", "lats"), True, "pull", ("row",))
VERTICAL_PULL = Slot("vertical_pull", ("lats", "middle back"), True, "pull", ("pull-up", "pullup", "chin", "pulldown"))
TRAPS = Slot("traps", ("traps", "forearms"), None, "pull", ("shrug", "farmer"))
BICEPS = Slot("biceps", ("biceps",), False, "pull", ("curl",))
TRICEPS = Slot("triceps", ("triceps",), False, "push", ("extension", "pushdown", "kickback", "dip"))
CORE = Slot("core", ("abdominals",), None, None, ("plank", "crunch", "dead bug", "leg raise", "bridge", "pallof"))
CONDITIONING_SLOT = Slot("conditioning", (), None, None, (), CONDITIONING)

UPPER_MUSCLES = frozenset(
    {"chest", "lats", "middle back", "shoulders", "biceps", "triceps", "traps", "forearms", "neck"}
)
LOWER_MUSCLES = frozenset({"quadriceps", "hamstrings", "glutes", "calves", "adductors", "abductors"})
CORE_MUSCLES = frozenset({"abdominals", "lower back"})


@dataclass(frozen=True)
class Session:
    kind: str  # full_body, upper, lower, push, pull, legs, mobility
    variant: str
    slots: tuple[Slot, ...]
    region: frozenset[str]  # the muscles this session may train


ALL_MUSCLES = frozenset(MUSCLES)
FULL_BODY = (
    Session(
        "full_body",
        "A",
        (SQUAT, HORIZONTAL_PUSH, ROW, HINGE, VERTICAL_PUSH, CORE, BICEPS, TRICEPS, CALVES),
        ALL_MUSCLES,
    ),
    Session(
        "full_body",
        "B",
        (HINGE, VERTICAL_PULL, VERTICAL_PUSH, SINGLE_LEG, HORIZONTAL_PUSH, CORE, TRICEPS, BICEPS, CALVES),
        ALL_MUSCLES,
    ),
    Session(
        "full_body",
        "C",
        (SQUAT, ROW, HORIZONTAL_PUSH, GLUTES, SHOULDER_ISOLATION, CORE, BICEPS, TRICEPS, CALVES),
        ALL_MUSCLES,
    ),
)
_UPPER_A = (HORIZONTAL_PUSH, ROW, VERTICAL_PUSH, VERTICAL_PULL, CHEST_ISOLATION, BICEPS, TRICEPS, SHOULDER_ISOLATION)
_UPPER_B = (VERTICAL_PUSH, VERTICAL_PULL, HORIZONTAL_PUSH, ROW, SHOULDER_ISOLATION, TRICEPS, BICEPS, CHEST_ISOLATION)
_LOWER_A = (SQUAT, HINGE, SINGLE_LEG, HAMSTRINGS, CALVES, CORE, GLUTES)
_LOWER_B = (HINGE, SQUAT, GLUTES, SINGLE_LEG, CALVES, CORE, HAMSTRINGS)
LOWER_REGION = LOWER_MUSCLES | CORE_MUSCLES
UPPER = (Session("upper", "A", _UPPER_A, UPPER_MUSCLES), Session("upper", "B", _UPPER_B, UPPER_MUSCLES))
LOWER = (Session("lower", "A", _LOWER_A, LOWER_REGION), Session("lower", "B", _LOWER_B, LOWER_REGION))
PUSH = Session(
    "push",
    "",
    (
        HORIZONTAL_PUSH,
        VERTICAL_PUSH,
        CHEST_ISOLATION,
        TRICEPS,
        SHOULDER_ISOLATION,
        Slot("chest", ("chest",), True, "push"),
    ),
    frozenset({"chest", "shoulders", "triceps"}),
)
PULL = Session(
    "pull",
    "",
    (VERTICAL_PULL, ROW, BICEPS, Slot("row", ("middle back", "lats"), True, "pull", ("row",)), TRAPS, BICEPS),
    frozenset({"lats", "middle back", "biceps", "traps", "forearms", "neck"}),
)
LEGS = Session("legs", "", (SQUAT, HINGE, SINGLE_LEG, HAMSTRINGS, GLUTES, CALVES, CORE), LOWER_REGION)

_STRETCH_ORDER = (
    *("hamstrings", "quadriceps", "lower back", "chest", "shoulders", "glutes", "calves", "lats"),
    *("adductors", "middle back", "abductors", "triceps", "neck"),
)


def _mobility_session(variant: int) -> Session:
    shift = 3 * variant
    muscles = _STRETCH_ORDER[shift:] + _STRETCH_ORDER[:shift]
    slots = tuple(Slot("stretch", (muscle,), categories=STRETCHING) for muscle in muscles)
    return Session("mobility", "ABC"[variant % 3], slots, ALL_MUSCLES)


def week_sessions(days: int, goal: str) -> list[Session]:
    """The sessions of a week, in order, for a number of training days (1-6) and a goal."""
    if goal == "mobility":
        return [_mobility_session(index) for index in range(days)]
    if days <= 3:
        return list(FULL_BODY[:days])
    if days == 4:
        return [UPPER[0], LOWER[0], UPPER[1], LOWER[1]]
    if days == 5:
        return [PUSH, PULL, LEGS, UPPER[1], LOWER[1]]
    return [PUSH, PULL, LEGS, PUSH, PULL, LEGS]


SPLIT_NAMES: dict[str, tuple[str, str]] = {
    "full_body": ("full body", "corps entier"),
    "upper_lower": ("upper/lower", "haut/bas du corps"),
    "push_pull_legs": ("push/pull/legs", "poussée/tirage/jambes"),
    "push_pull_legs_upper_lower": ("push/pull/legs + upper/lower", "poussée/tirage/jambes + haut/bas du corps"),
    "mobility": ("mobility", "mobilité"),
}
SESSION_NAMES: dict[str, tuple[str, str]] = {
    "full_body": ("Full body", "Corps entier"),
    "upper": ("Upper body", "Haut du corps"),
    "lower": ("Lower body", "Bas du corps"),
    "push": ("Push", "Poussée"),
    "pull": ("Pull", "Tirage"),
    "legs": ("Legs", "Jambes"),
    "mobility": ("Mobility", "Mobilité"),
    "rest": ("Rest", "Repos"),
}
GOAL_NAMES: dict[str, tuple[str, str]] = {
    "strength": ("strength", "force"),
    "hypertrophy": ("muscle gain", "prise de muscle"),
    "endurance": ("endurance", "endurance"),
    "weight_loss": ("weight loss", "perte de poids"),
    "mobility": ("mobility", "mobilité"),
    "general_fitness": ("general fitness", "forme générale"),
}
LEVEL_NAMES: dict[str, tuple[str, str]] = {
    "beginner": ("beginner", "débutant"),
    "intermediate": ("intermediate", "intermédiaire"),
    "advanced": ("advanced", "avancé"),
}
ROLE_NAMES: dict[str, tuple[str, str]] = {
    "squat": ("Squat pattern", "Squat"),
    "hinge": ("Hip hinge", "Charnière de hanche"),
    "glutes": ("Glute work", "Travail des fessiers"),
    "single_leg": ("Leg exercise", "Exercice de jambes"),
    "hamstring_isolation": ("Hamstring accessory", "Accessoire ischio-jambiers"),
    "calves": ("Calf work", "Travail des mollets"),
    "horizontal_push": ("Horizontal press", "Poussée horizontale"),
    "chest_isolation": ("Chest accessory", "Accessoire pectoraux"),
    "chest": ("Chest work", "Travail des pectoraux"),
    "vertical_push": ("Shoulder work", "Travail des épaules"),
    "shoulder_isolation": ("Shoulder accessory", "Accessoire épaules"),
    "row": ("Row", "Tirage horizontal"),
    "vertical_pull": ("Vertical pull", "Tirage vertical"),
    "traps": ("Upper-back accessory", "Accessoire haut du dos"),
    "biceps": ("Arm accessory", "Accessoire bras"),
    "triceps": ("Arm accessory", "Accessoire bras"),
    "core": ("Core", "Gainage et abdominaux"),
    "conditioning": ("Conditioning", "Cardio"),
    "stretch": ("Stretch", "Étirement"),
    "target": ("For your target muscle", "Pour votre muscle cible"),
}
GOAL_PURPOSE: dict[str, tuple[str, str]] = {
    "strength": ("heavy sets build strength", "des séries lourdes pour la force"),
    "hypertrophy": (
        "moderate loads near failure build muscle",
        "des charges modérées proches de l'échec pour le muscle",
    ),
    "endurance": (
        "high reps and short rest build endurance",
        "beaucoup de répétitions et peu de repos pour l'endurance",
    ),
    "weight_loss": ("circuit pace keeps your heart rate up", "un rythme de circuit garde le cœur élevé"),
    "mobility": ("hold the stretch and breathe slowly", "tenez l'étirement en respirant lentement"),
    "general_fitness": ("a balanced dose for general fitness", "une dose équilibrée pour la forme générale"),
}
# Which slots a limitation area concerns, so a reason can say the choice spares it.
AREA_SLOTS: dict[str, frozenset[str]] = {
    "knee": frozenset({"squat", "single_leg", "glutes", "hamstring_isolation", "conditioning"}),
    "back": frozenset({"hinge", "row", "squat", "core"}),
    "shoulder": frozenset({"vertical_push", "horizontal_push", "shoulder_isolation", "vertical_pull", "chest"}),
    "wrist": frozenset({"horizontal_push", "core", "chest"}),
    "ankle": frozenset({"squat", "calves", "conditioning"}),
    "hip": frozenset({"squat", "hinge", "glutes", "single_leg"}),
    "neck": frozenset({"core", "vertical_push", "traps"}),
    "elbow": frozenset({"triceps", "biceps", "vertical_pull"}),
    NO_IMPACT: frozenset({"conditioning", "squat"}),
}


def _t(pair: tuple[str, str], language: str) -> str:
    return pair[1] if language == "fr" else pair[0]


def _lower_first(text: str) -> str:
    """ "Chest" -> "chest", but "EZ curl bar" stays."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _muscle_label(code: str, language: str) -> str:
    return _lower_first(label(MUSCLES, code, language) or code)


def _equipment_label(code: str, language: str) -> str:
    return _lower_first(label(EQUIPMENT, code, language) or code)


# ---------------------------------------------------------------- prescription


@dataclass(frozen=True)
class Prescription:
    sets: int
    reps: str | None
    duration_seconds: int | None
    rest_seconds: int

    def seconds(self) -> int:
        """How long the exercise takes: the sets' work and rest, and moving to the next one."""
        if self.duration_seconds is not None:
            work = float(self.duration_seconds)
        else:
            low, _, high = (self.reps or "10").partition("-")
            work = (int(low) + int(high or low)) / 2 * SECONDS_PER_REP
        return round(self.sets * (work + self.rest_seconds) + TRANSITION_SECONDS)

    def text(self, language: str) -> str:
        amount = f"{self.duration_seconds} s" if self.duration_seconds is not None else str(self.reps)
        rest = "s de repos" if language == "fr" else "s rest"
        return f"{self.sets} x {amount}, {self.rest_seconds} {rest}"


def prescription(exercise: Exercise, goal: str, level: str, *, short_session: bool = False) -> Prescription:
    """Sets, reps (or a duration) and rest for an exercise, by goal and level.

    strength 4-5 x 4-6 with 120-180 s; hypertrophy 3-4 x 8-12 with 60-90 s; endurance 2-3 x 15-20
    with 30-45 s; weight loss circuits of 3 x 12-15 with 30 s; mobility holds of 45 s. Holds
    (static exercises), stretches and conditioning drills are timed. A beginner does at most 3 sets.
    """
    compound = exercise.mechanic == "compound"

    def dose(sets: int, reps: str | None = None, rest: int = 60, duration: int | None = None) -> Prescription:
        return Prescription(sets=sets, reps=reps, duration_seconds=duration, rest_seconds=rest)

    if exercise.category in STRETCHING:
        result = dose(2, rest=15, duration=45 if goal == "mobility" else 30)
    elif exercise.category == "cardio":
        result = dose(1, rest=60, duration=600 if goal == "endurance" else 300)
    elif exercise.category == "plyometrics":
        result = dose(3, rest=30, duration=30)
    elif exercise.force == "static":
        result = dose(3, rest=45, duration=30 if level == "beginner" else 45)
    elif goal == "strength":
        if compound:
            result = dose(5 if level == "advanced" else 4, "6-8" if level == "beginner" else "4-6", 150)
        else:
            result = dose(3, "8-10", 90)
    elif goal == "hypertrophy":
        result = dose(4, "8-12", 90) if compound else dose(3, "10-12", 60)
    elif goal == "endurance":
        result = dose(3, "15-20", 45) if compound else dose(2, "15-20", 30)
    elif goal == "weight_loss":
        result = dose(3, "12-15", 30)
    else:
        result = dose(3, "10-12", 75) if compound else dose(3, "12-15", 60)
    sets, rest = result.sets, result.rest_seconds
    if level == "beginner":
        sets = min(sets, 3)
    if short_session:
        sets, rest = min(sets, 3), min(rest, 90)
    if goal == "strength" and result.reps and compound and level == "beginner":
        rest = min(rest, 120)
    return Prescription(sets, result.reps, result.duration_seconds, max(15, rest))


# ---------------------------------------------------------------- what the request means


@dataclass(frozen=True)
class LastLog:
    date: datetime.date
    sets: int | None
    reps: int | None
    weight_kg: float | None


@dataclass
class History:
    last_logs: dict[int, LastLog] = field(default_factory=dict)
    recent_muscles: set[str] = field(default_factory=set)


@dataclass
class Plan:
    """The request as the engine reads it: codes, the profile's gaps filled, safety areas, history."""

    request: WorkoutRequest  # with the profile's values filled in, codes only
    goal: str
    level: str
    days: int
    minutes: int
    allowed: frozenset[str] | None
    areas: frozenset[str]
    pain: frozenset[str]
    targets: list[str]
    language: str
    history: History
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def t(self, english: str, french: str) -> str:
        return french if self.language == "fr" else english

    @property
    def loaded(self) -> bool:
        """Whether there is equipment to load an exercise (any equipment when none was given)."""
        return self.allowed is None or bool(self.allowed - {BODY_WEIGHT, "gym mat", "foam roller"})


def _history(user: User) -> History:
    today = user_today(user=user)
    logs = workout_log_list(user=user, start_date=today - datetime.timedelta(days=HISTORY_DAYS - 1))
    history = History()
    for log in logs.filter(exercise__isnull=False)[:500]:
        assert log.exercise_id is not None
        assert log.exercise is not None
        if log.exercise_id not in history.last_logs:  # newest first
            weight = float(log.weight_kg) if log.weight_kg is not None else None
            history.last_logs[log.exercise_id] = LastLog(
                log.date_performed, log.sets_completed, log.reps_completed, weight
            )
        if (today - log.date_performed).days < RECENT_DAYS:
            history.recent_muscles.update(log.exercise.muscles or [])
    return history


def read_request(request: WorkoutRequest, *, user: User | None, language: str) -> Plan:
    """The request in codes, with the user's profile filling what it leaves out, and notes saying so."""
    notes: list[str] = []
    warnings: list[str] = []
    fr = language == "fr"
    filled: list[str] = []

    goals = goal_codes(request.goals)
    if not goals and user is not None and user.fitness_goals:
        goals = goal_codes(user.fitness_goals)
        filled += ["objectifs" if fr else "goals"] if goals else []
    equipment, unknown_equipment = equipment_codes(request.available_equipment)
    if not request.available_equipment and user is not None and user.available_equipment:
        equipment, unknown_equipment = equipment_codes(user.available_equipment)
        filled += ["matériel" if fr else "equipment"] if equipment else []
    level = level_code(request.fitness_level)
    if level is None and user is not None and user.fitness_level:
        level = level_code(user.fitness_level)
        filled += ["niveau" if fr else "fitness level"] if level else []
    limitations = list(request.limitations)
    if user is not None and user.limitations:
        limitations += [item for item in user.limitations if item not in limitations]
        filled += ["limitations"]
    targets, unknown_muscles = muscle_codes(request.target_muscles)

    if filled:
        notes.append(
            f"Complété depuis votre profil : {', '.join(filled)}."
            if fr
            else f"Filled in from your profile: {', '.join(filled)}."
        )
    for value in [*unknown_equipment, *unknown_muscles]:
        warnings.append(f"« {value} » n'a pas été compris et a été ignoré." if fr else f"'{value}' was not understood.")
    if level is None:
        level = "beginner"
        notes.append(
            "Niveau non précisé : programme prévu pour un débutant. Indiquez votre niveau pour plus de difficulté."
            if fr
            else "No fitness level given: planned for a beginner. Give your level for a harder plan."
        )
    days = max(1, min(request.days_per_week, MAX_TRAINING_DAYS))
    if request.days_per_week > MAX_TRAINING_DAYS:
        notes.append(
            f"{MAX_TRAINING_DAYS} jours d'entraînement au plus : un jour de repos par semaine est indispensable."
            if fr
            else f"At most {MAX_TRAINING_DAYS} training days: every week needs a rest day."
        )
    minutes = max(MIN_MINUTES, min(request.minutes_per_session, MAX_MINUTES))
    effective = WorkoutRequest(
        goals=goals,
        available_equipment=equipment,
        minutes_per_session=minutes,
        days_per_week=days,
        fitness_level=level,
        limitations=limitations,
        preferences=request.preferences,
        target_muscles=targets,
    )
    return Plan(
        request=effective,
        goal=goals[0] if goals else DEFAULT_GOAL,
        level=level,
        days=days,
        minutes=minutes,
        allowed=allowed_equipment(equipment),
        areas=request_areas(limitations, request.preferences),
        pain=mentions_pain(request.preferences),
        targets=targets,
        language=language,
        history=_history(user) if user is not None else History(),
        notes=notes,
        warnings=warnings,
    )


# ---------------------------------------------------------------- the exercise pool


@dataclass
class Candidate:
    exercise: Exercise
    staple: bool
    preference: float = 0.0  # 0..1: how well it matches the free-text preferences
    muscles: list[str] = field(init=False)
    muscle_set: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        self.muscles = list(self.exercise.muscles or [])
        self.muscle_set = frozenset(self.muscles)

    @property
    def id(self) -> int:
        return self.exercise.id


def _difficulties(level: str) -> Q:
    if level == "advanced":
        return Q()
    allowed = ["beginner"] if level == "beginner" else ["beginner", "intermediate"]
    return Q(difficulty__in=allowed) | Q(difficulty__isnull=True)


def exercise_pool(plan: Plan) -> QuerySet[Exercise]:
    """The exercises this plan may use: its equipment (plus body weight), nothing its limitations
    and level rule out, a difficulty suited to the level, in the categories the goal trains."""
    categories = STRETCHING if plan.goal == "mobility" else RESISTANCE | CONDITIONING
    queryset = exercise_list().filter(_difficulties(plan.level), category__in=sorted(categories))
    if plan.allowed is not None:
        queryset = queryset.filter(equipments__contained_by=sorted(plan.allowed))
    return queryset.exclude(exercise_exclusions(plan.areas, plan.level))


def _candidates(plan: Plan, queryset: QuerySet[Exercise]) -> list[Candidate]:
    staple = RawSQL(STAPLE_SQL, [], output_field=BooleanField())  # noqa: S611 - constant SQL
    rows = list(queryset.only(*POOL_FIELDS).annotate(is_staple=staple))
    candidates = [Candidate(exercise, bool(getattr(exercise, "is_staple", False))) for exercise in rows]
    # what the preferences ask for, without their limitation words (the exclusions handle those)
    text = limitation_words(plan.request.preferences) if plan.areas or plan.pain else plan.request.preferences.strip()
    if text and candidates:
        scores = _preference_scores(queryset.only(*POOL_FIELDS), text, plan.language)
        best = max(scores.values(), default=0.0)
        for candidate in candidates:
            # relative to the best match, so that the preference weighs the same whatever the text
            candidate.preference = scores.get(candidate.id, 0.0) / best if best > 0 else 0.0
    return candidates


def _preference_scores(queryset: QuerySet[Exercise], text: str, language: str) -> dict[int, float]:
    """How well each exercise matches the preferences (semantic search, hybrid with the lexical
    one). A failure of the search leaves the preferences out rather than failing the plan."""
    try:
        matches = semantic_exercise_search(queryset, text=text, limit=60, language=language)
    except Exception:
        logger.exception("semantic search for the workout preferences failed")
        return {}
    return {match.exercise.id: float(match.score) for match in matches}


# ---------------------------------------------------------------- the rules engine


@dataclass
class Pick:
    slot: Slot
    candidate: Candidate
    prescription: Prescription


def _score(candidate: Candidate, slot: Slot, plan: Plan, *, used_in_week: set[int], avoid: set[str]) -> float:
    exercise = candidate.exercise
    muscles = candidate.muscles
    # the staples of the template plans lead, unless the person said what they prefer
    score = (
        (STAPLE_WEIGHT_WITH_PREFERENCES if plan.request.preferences.strip() else STAPLE_WEIGHT)
        if candidate.staple
        else 0
    )
    score += PREFERENCE_WEIGHT * candidate.preference
    if slot.muscles and muscles and muscles[0] == slot.muscles[0]:
        score += 0.5
    if slot.compound is not None and exercise.mechanic:
        score += 1.0 if (exercise.mechanic == "compound") == slot.compound else -0.5
    if slot.force and exercise.force:
        score += 1.0 if exercise.force == slot.force else -1.0
    name = exercise.exercise_en.lower()
    if any(hint in name for hint in slot.hints):
        score += 1.0
    if exercise.difficulty == plan.level:
        score += 0.2
    if plan.loaded and plan.goal in LOADED_GOALS and not set(exercise.equipments or []) - {BODY_WEIGHT}:
        score -= 1.0  # with weights at hand, heavy sets want them
    if candidate.id in plan.history.last_logs:
        score += 1.0
    if candidate.id in used_in_week:
        score -= 4.0
    if avoid.intersection(muscles):
        score -= 6.0
    if len(muscles) > 1:
        score -= 0.3  # a clean single-muscle pick balances the week better
    return score


def _fits(candidate: Candidate, slot: Slot) -> bool:
    if candidate.exercise.category not in slot.categories:
        return False
    return not slot.muscles or not candidate.muscle_set.isdisjoint(slot.muscles)


def _session_slots(session: Session, plan: Plan) -> list[Slot]:
    slots = list(session.slots)
    if plan.goal == "mobility":
        return slots
    for muscle in reversed(plan.targets):
        if muscle in session.region and not any(muscle in slot.muscles for slot in slots[:3]):
            slots.insert(1, Slot("target", (muscle,)))
    if plan.goal in {"weight_loss", "endurance"}:
        slots.insert(min(3, len(slots)), CONDITIONING_SLOT)
    return slots


def _pick_session(
    session: Session,
    plan: Plan,
    candidates: list[Candidate],
    *,
    used_in_week: set[int],
    avoid: set[str],
) -> tuple[list[Pick], bool]:
    """Fill a session's slots in order until the minutes run out; whether the slots were enough
    (False: other exercises had to fill the session)."""
    short = plan.minutes < 25
    budget = plan.minutes * 60 - (SHORT_WARM_UP_SECONDS if short else WARM_UP_SECONDS)
    picks: list[Pick] = []
    used_today: set[int] = set()
    spent = 0
    slots = _session_slots(session, plan)
    for slot in slots:
        if len(picks) >= MAX_EXERCISES:
            break
        options = [c for c in candidates if c.id not in used_today and _fits(c, slot)]
        if not options:
            continue
        best = max(options, key=lambda c: (_score(c, slot, plan, used_in_week=used_in_week, avoid=avoid), -c.id))
        dose = prescription(best.exercise, plan.goal, plan.level, short_session=short)
        if picks and len(picks) >= MIN_EXERCISES and spent + dose.seconds() > budget:
            break
        picks.append(Pick(slot, best, dose))
        used_today.add(best.id)
        spent += dose.seconds()
    enough = len(picks) >= MIN_EXERCISES
    if not enough:
        # too few slots could be filled (narrow equipment, many limitations): any other exercise
        # of the session's muscles, then any at all
        rest = [c for c in candidates if c.id not in used_today]
        rest.sort(key=lambda c: (not session.region.intersection(c.muscles), not c.staple, c.id))
        for candidate in rest[: MIN_EXERCISES - len(picks)]:
            dose = prescription(candidate.exercise, plan.goal, plan.level, short_session=short)
            picks.append(Pick(Slot("target", tuple(candidate.muscles[:1])), candidate, dose))
    return picks, enough


def _rotate_for_recovery(sessions: list[Session], recent: set[str]) -> list[Session]:
    """Start the week with the session that trains least of what was trained in the last two days."""
    if not recent or len({s.kind for s in sessions}) < 2:
        return sessions
    best = min(range(len(sessions)), key=lambda i: (len(sessions[i].region & recent), i))
    return sessions[best:] + sessions[:best]


def _progression_text(last: LastLog, language: str) -> str:
    fr = language == "fr"
    done = f"{last.sets or '?'} x {last.reps or '?'}"
    if last.weight_kg:
        step = 2.5 if last.weight_kg >= 40 else 1.0
        target = last.weight_kg + step
        return (
            f"Dernière fois ({last.date.isoformat()}) : {done} à {last.weight_kg:g} kg ; visez {target:g} kg "
            "quand toutes les séries atteignent le haut de la fourchette."
            if fr
            else f"Last time ({last.date.isoformat()}): {done} at {last.weight_kg:g} kg; go for {target:g} kg "
            "once every set reaches the top of the range."
        )
    return (
        f"Dernière fois ({last.date.isoformat()}) : {done} ; ajoutez une répétition par série."
        if fr
        else f"Last time ({last.date.isoformat()}): {done}; add a rep to each set."
    )


def _reason(pick: Pick, plan: Plan) -> str:
    language = plan.language
    exercise = pick.candidate.exercise
    muscles = ", ".join(_muscle_label(m, language) for m in pick.candidate.muscles[:2])
    role = _t(ROLE_NAMES.get(pick.slot.key, ROLE_NAMES["target"]), language)
    whys: list[str] = []
    if pick.candidate.staple:
        whys.append(plan.t("a staple of our template plans", "un classique de nos programmes"))
    if pick.candidate.preference >= PREFERENCE_MATCH:
        whys.append(plan.t("matches your preferences", "correspond à vos préférences"))
    equipment = [e for e in exercise.equipments or [] if e != BODY_WEIGHT]
    if equipment:
        labels = ", ".join(_equipment_label(e, language) for e in equipment)
        whys.append(plan.t(f"uses your {labels}", f"avec {labels}"))
    else:
        whys.append(plan.t("no equipment needed", "sans matériel"))
    spared = sorted(area for area in plan.areas if pick.slot.key in AREA_SLOTS.get(area, frozenset()))
    if spared:
        names = ", ".join(area_label(area, language) for area in spared)
        whys.append(plan.t(f"chosen to spare your {names}", f"choisi pour ménager votre {names}"))
    purpose = _t(GOAL_PURPOSE[plan.goal], language)
    head = f"{role} ({muscles})" if muscles else role
    colon = " :" if language == "fr" else ":"
    text = f"{head}{colon} {', '.join(whys)}. {pick.prescription.text(language)}{colon} {purpose}."
    last = plan.history.last_logs.get(exercise.id)
    if last is not None:
        text += " " + _progression_text(last, language)
    return text


def _item(pick: Pick, plan: Plan) -> dict[str, Any]:
    dose = pick.prescription
    return {
        "exercise_id": pick.candidate.id,
        "name": pick.candidate.exercise.name_in(plan.language),
        "sets": dose.sets,
        "reps": dose.reps,
        "duration_seconds": dose.duration_seconds,
        "rest_seconds": dose.rest_seconds,
        "reason": _reason(pick, plan),
    }


def _focus(muscle_lists: Iterable[Sequence[str]]) -> list[str]:
    focus: list[str] = []
    for muscles in muscle_lists:
        focus += [m for m in muscles if m not in focus]
    return focus


def estimated_minutes(prescriptions: Iterable[Prescription], minutes_asked: int) -> int:
    warm_up = SHORT_WARM_UP_SECONDS if minutes_asked < 25 else WARM_UP_SECONDS
    return round((warm_up + sum(p.seconds() for p in prescriptions)) / 60)


def _session_name(session: Session, language: str, *, repeated: bool) -> str:
    name = _t(SESSION_NAMES[session.kind], language)
    return f"{name} {session.variant}" if session.variant and repeated else name


def _rest_day(day: int, language: str) -> dict[str, Any]:
    return {
        "day": day,
        "name": _t(SESSION_NAMES["rest"], language),
        "rest": True,
        "focus": [],
        "estimated_minutes": 0,
        "exercises": [],
    }


def _week(training: list[dict[str, Any]], language: str) -> list[dict[str, Any]]:
    """The 7 days of the week: the training days at their places in WEEK_LAYOUT, rest days between."""
    layout = WEEK_LAYOUT[len(training)]
    days: list[dict[str, Any]] = []
    sessions = iter(training)
    for day in range(1, 8):
        days.append({"day": day, **next(sessions)} if day in layout else _rest_day(day, language))
    return days


def _split_key(plan: Plan) -> str:
    if plan.goal == "mobility":
        return "mobility"
    return {4: "upper_lower", 5: "push_pull_legs_upper_lower", 6: "push_pull_legs"}.get(plan.days, "full_body")


def rules_workout(plan: Plan, candidates: list[Candidate]) -> tuple[dict[str, Any], float]:
    """The rules engine's week (without the envelope) and its confidence (0..1)."""
    sessions = _rotate_for_recovery(week_sessions(plan.days, plan.goal), plan.history.recent_muscles)
    kinds = [s.kind for s in sessions]
    used_in_week: set[int] = set()
    training: list[dict[str, Any]] = []
    layout = WEEK_LAYOUT[plan.days]
    previous_muscles: set[str] = set()
    slots_enough = True
    for index, session in enumerate(sessions):
        # no primary muscle of yesterday's session today, where the library allows
        consecutive = index > 0 and layout[index] == layout[index - 1] + 1
        avoid = set(previous_muscles) if consecutive and plan.goal != "mobility" else set()
        if index == 0 and session.kind != "mobility":
            avoid |= plan.history.recent_muscles - set(plan.targets)
        picks, enough = _pick_session(session, plan, candidates, used_in_week=used_in_week, avoid=avoid)
        slots_enough = slots_enough and enough
        used_in_week.update(p.candidate.id for p in picks)
        previous_muscles = set(_focus(p.candidate.muscles for p in picks))
        training.append(
            {
                "name": _session_name(session, plan.language, repeated=kinds.count(session.kind) > 1),
                "rest": False,
                "focus": _focus(p.candidate.muscles for p in picks),
                "estimated_minutes": estimated_minutes((p.prescription for p in picks), plan.minutes),
                "exercises": [_item(p, plan) for p in picks],
            }
        )
    # lower when the library could not fill the sessions' roles (narrow equipment, many limitations)
    confidence = RULES_CONFIDENCE if slots_enough else RULES_CONFIDENCE_FILLED
    return _workout_body(plan, training, split=_split_key(plan)), confidence


def _workout_body(
    plan: Plan, training: list[dict[str, Any]], *, split: str, title: str = "", summary: str = ""
) -> dict[str, Any]:
    language = plan.language
    goal = _t(GOAL_NAMES[plan.goal], language)
    split_name = _t(SPLIT_NAMES[split], language)
    level = _t(LEVEL_NAMES[plan.level], language)
    days = len(training)
    longest = max((day["estimated_minutes"] for day in training), default=0)
    if not title:
        title = plan.t(
            f"{days}-day {goal} plan ({split_name})",
            f"Programme {goal} sur {days} jour{'s' if days > 1 else ''} ({split_name})",
        )
    if not summary:
        summary = plan.t(
            f"{days} training day{'s' if days > 1 else ''} a week, {split_name}, for {goal} at {level} level: "
            f"each session takes about {longest} minutes or less, warm-up included.",
            f"{days} séance{'s' if days > 1 else ''} par semaine, {split_name}, pour l'objectif {goal} au niveau "
            f"{level} : chaque séance dure environ {longest} minutes ou moins, échauffement compris.",
        )
    return {
        "title": title,
        "summary": summary,
        "goal": plan.goal,
        "fitness_level": plan.level,
        "days_per_week": days,
        "minutes_per_session": plan.minutes,
        "days": _week(training, language),
        "notes": [*_standard_notes(plan, longest), *plan.notes],
        "warnings": _warnings(plan),
    }


def _standard_notes(plan: Plan, longest: int) -> list[str]:
    notes = [
        plan.t(
            "Warm up for 5 minutes before each session (easy cardio, then light sets of the first exercise).",
            "Échauffez-vous 5 minutes avant chaque séance (cardio léger, puis séries légères du premier exercice).",
        )
    ]
    if plan.goal == "weight_loss":
        notes.append(
            plan.t(
                "Do each session as a circuit: one set of each exercise in turn, 30 s between exercises, 3 rounds.",
                "Faites chaque séance en circuit : une série de chaque exercice à la suite, 30 s entre les exercices, "
                "3 tours.",
            )
        )
    elif plan.goal != "mobility":
        notes.append(
            plan.t(
                "When every set reaches the top of the rep range, add a little weight (or reps) next time.",
                "Quand toutes les séries atteignent le haut de la fourchette, ajoutez un peu de charge (ou de "
                "répétitions) la fois suivante.",
            )
        )
    if longest > plan.minutes:
        notes.append(
            plan.t(
                f"{plan.minutes} minutes is short for this goal: sessions take about {longest} minutes.",
                f"{plan.minutes} minutes, c'est court pour cet objectif : les séances durent environ "
                f"{longest} minutes.",
            )
        )
    if plan.history.recent_muscles:
        recent = ", ".join(_muscle_label(m, plan.language) for m in sorted(plan.history.recent_muscles))
        notes.append(
            plan.t(
                f"You trained {recent} in the last two days: the first session spares them where possible.",
                f"Vous avez travaillé {recent} ces deux derniers jours : la première séance les ménage si possible.",
            )
        )
    return notes


def _warnings(plan: Plan) -> list[str]:
    warnings = list(plan.warnings)
    if plan.areas or plan.pain:
        warnings.append(medical_notice(plan.language))
        # "advanced": the areas' rules only, not those of a level
        rules = contraindications_for(plan.areas, "advanced")
        if rules:
            names = ", ".join(area_label(rule.key, plan.language) for rule in rules)
            whys = "; ".join(rule.why(plan.language) for rule in rules)
            warnings.append(
                plan.t(
                    f"Left out for your {names}: {whys}.",
                    f"Exclus pour ménager : {names} ({whys}).",
                )
            )
    return warnings


# ---------------------------------------------------------------- the model's week


class PlannedExercise(BaseModel):
    exercise_id: int = Field(description="The id of an exercise from the candidate list")
    sets: int = Field(description="1 to 10")
    reps: int | str | None = Field(default=None, description="e.g. 10 or '8-12' (1-50); null for a timed exercise")
    duration_seconds: int | None = Field(default=None, description="For holds, stretches and cardio; else null")
    rest_seconds: int = Field(description="15 to 300")
    reason: str = Field(description="One short sentence: why this exercise, for this person")


class PlannedDay(BaseModel):
    name: str = Field(description="e.g. 'Full body A', 'Upper body', 'Push'")
    exercises: list[PlannedExercise]


class WorkoutWeek(BaseModel):
    """A week of training built only from the candidate exercises."""

    title: str
    summary: str
    training_days: list[PlannedDay] = Field(description="The training days, in order (rest days are added for you)")
    notes: list[str] = Field(default_factory=list)


def _candidate_list(plan: Plan, candidates: list[Candidate]) -> list[Candidate]:
    """The exercises offered to the model: the best few for every slot of the week's sessions."""
    chosen: dict[int, Candidate] = {}
    for session in week_sessions(plan.days, plan.goal):
        for slot in _session_slots(session, plan):
            options = [c for c in candidates if _fits(c, slot)]
            options.sort(key=lambda c: (-_score(c, slot, plan, used_in_week=set(), avoid=set()), c.id))
            for candidate in options[:CANDIDATES_PER_SLOT]:
                chosen.setdefault(candidate.id, candidate)
    return list(chosen.values())[:MAX_CANDIDATES]


def _prompt(plan: Plan, candidates: list[Candidate], user: User | None) -> list[tuple[str, str]]:
    language_name = "French" if plan.language == "fr" else "English"
    system = (
        "You are MovoAI's strength and conditioning coach. Build one week of training for the person below, "
        "using ONLY exercises from the candidate list, by their id (they already fit the person's equipment, "
        f"limitations and level). Rules: at most {plan.days} training days (rest days are added for you); sets 1-10; "
        "reps 1-50 as a number or a range like '8-12', or duration_seconds for holds, stretches and cardio "
        f"(reps null); rest_seconds 15-300; each session fits in {plan.minutes} minutes including a 5-minute warm-up; "
        "no exercise twice in a day; balance the muscles and avoid the same primary muscles on consecutive days. "
        f"Goal {plan.goal}: {_SCHEMES[plan.goal]}. Write the title, summary, day names, reasons and notes in "
        f"{language_name}; each reason is one short sentence. Do not diagnose anything."
    )
    person = {
        "goals": plan.request.goals or [plan.goal],
        "fitness_level": plan.level,
        "days_per_week": plan.days,
        "minutes_per_session": plan.minutes,
        "available_equipment": plan.request.available_equipment or "any",
        "limitations": plan.request.limitations,
        "target_muscles": plan.targets,
        "preferences": plan.request.preferences,
        "suggested_split": _t(SPLIT_NAMES[_split_key(plan)], "en"),
    }
    if user is not None:
        person["age"] = user.age
        person["gender"] = user.gender
        person["recently_trained_muscles"] = sorted(plan.history.recent_muscles)
        person["last_logged"] = {
            str(exercise_id): {
                "date": last.date.isoformat(),
                "sets": last.sets,
                "reps": last.reps,
                "kg": last.weight_kg,
            }
            for exercise_id, last in list(plan.history.last_logs.items())[:20]
        }
    lines = [
        f"{c.id} | {c.exercise.name_in(plan.language)} | muscles: {', '.join(c.muscles) or '-'} | "
        f"equipment: {', '.join(c.exercise.equipments or []) or 'none'} | {c.exercise.category} | "
        f"{c.exercise.mechanic or '-'} | {c.exercise.difficulty or '-'}"
        for c in candidates
    ]
    human = (
        "Person:\n"
        + json.dumps(person, ensure_ascii=False)
        + "\n\nCandidate exercises (id | name | primary muscles | equipment | category | mechanic | difficulty):\n"
        + "\n".join(lines)
    )
    return [("system", system), ("human", human)]


_SCHEMES = {
    "strength": "main lifts 4-5 x 4-6 with 120-180 s rest, accessories 3 x 8-10 with 90 s",
    "hypertrophy": "3-4 x 8-12 with 60-90 s rest",
    "endurance": "2-3 x 15-20 with 30-45 s rest",
    "weight_loss": "circuits of 3 x 12-15 with 30 s rest, plus a timed conditioning drill",
    "mobility": "stretches held 30-60 s, 2 sets, 15 s rest",
    "general_fitness": "3 x 10-15 with 60-75 s rest",
}


def _from_model(answer: WorkoutWeek, plan: Plan, candidates: list[Candidate]) -> dict[str, Any]:
    """The model's week in our shape, or InvalidModelOutput when it breaks a rule."""
    by_id = {c.id: c for c in candidates}
    if not 1 <= len(answer.training_days) <= plan.days:
        raise InvalidModelOutput(f"{len(answer.training_days)} training days for {plan.days} asked")
    training: list[dict[str, Any]] = []
    for day in answer.training_days:
        items: list[dict[str, Any]] = []
        doses: list[Prescription] = []
        muscles: list[list[str]] = []
        for planned in day.exercises:
            candidate = by_id.get(planned.exercise_id)
            if candidate is None:
                raise InvalidModelOutput(f"exercise {planned.exercise_id} is not among the candidates")
            reps = str(planned.reps).replace(" ", "") if planned.reps is not None else None
            items.append(
                {
                    "exercise_id": candidate.id,
                    "name": candidate.exercise.name_in(plan.language),
                    "sets": planned.sets,
                    "reps": reps,
                    "duration_seconds": planned.duration_seconds,
                    "rest_seconds": planned.rest_seconds,
                    "reason": planned.reason.strip(),
                }
            )
            muscles.append(candidate.muscles)
            parsed = parse_reps(reps) if reps is not None else None
            if parsed or planned.duration_seconds:
                amount = f"{parsed[0]}-{parsed[1]}" if parsed else None
                duration = None if parsed else planned.duration_seconds
                doses.append(Prescription(planned.sets, amount, duration, planned.rest_seconds))
        training.append(
            {
                "name": day.name.strip() or _t(SESSION_NAMES["full_body"], plan.language),
                "rest": False,
                "focus": _focus(muscles),
                "estimated_minutes": estimated_minutes(doses, plan.minutes) if doses else 0,
                "exercises": items,
            }
        )
    body = _workout_body(
        plan, training, split=_split_key(plan), title=answer.title.strip(), summary=answer.summary.strip()
    )
    body["notes"] = [note.strip() for note in answer.notes if note.strip()][:6] + plan.notes
    return body


def _model_workout(plan: Plan, candidates: list[Candidate], user: User | None) -> dict[str, Any] | None:
    """The model's week, validated; None when no model is configured. Raises on any model failure."""
    model = llm.chat_model("recommend", max_tokens=4096)
    if model is None:
        return None
    offered = _candidate_list(plan, candidates)
    if not offered:
        raise InvalidModelOutput("no candidate exercise to offer the model")
    structured = model.with_structured_output(WorkoutWeek)
    answer = structured.invoke(_prompt(plan, offered, user), config=llm.recorded_config(purpose="recommend", user=user))
    if not isinstance(answer, WorkoutWeek):
        raise InvalidModelOutput(f"expected a WorkoutWeek, got {type(answer).__name__}")
    body = _from_model(answer, plan, offered)
    problems = validate_workout(body, plan.request)
    if problems:
        raise InvalidModelOutput("; ".join(problems[:5]))
    return body


# ---------------------------------------------------------------- the service


SIMILAR_PLANS = 3


def similar_template_plans(plan: Plan) -> list[dict[str, Any]]:
    """The template plans closest to the request (semantic search over the plans' embeddings), to
    follow as a whole programme: [{"plan_id", "name", "goal", "difficulty", "days_per_week", "weeks",
    "similarity"}]. Plans asking for more days than the request are left out. Without a working
    embedding model: the featured plans, with no similarity."""
    equipment = ", ".join(sorted(plan.allowed)) if plan.allowed else "any equipment"
    text = f"{plan.goal.replace('_', ' ')} plan, {plan.level}, {plan.days} days a week, {equipment}"
    matches = semantic_plan_search(text=text, limit=SIMILAR_PLANS * 3)
    similar = [match for match in matches if match.plan.days_per_week <= plan.days][:SIMILAR_PLANS]
    return [
        {
            "plan_id": match.plan.id,
            "name": match.plan.name_fr if plan.language == "fr" and match.plan.name_fr else match.plan.name_en,
            "goal": match.plan.goal,
            "difficulty": match.plan.difficulty,
            "days_per_week": match.plan.days_per_week,
            "weeks": match.plan.weeks,
            "similarity": round(match.similarity, 4) if match.similarity is not None else None,
        }
        for match in similar
    ]


def rules_week(plan: Plan) -> tuple[dict[str, Any], float]:
    """The rules engine's week for a read request (`read_request`), and its confidence: no model
    call, nothing saved. The chat uses it after its own model has answered or failed."""
    return rules_workout(plan, _candidates(plan, exercise_pool(plan)))


def recommend_workout(request: WorkoutRequest, *, user: User | None = None, language: str = "en") -> dict[str, Any]:
    """A week of training for the request (and the user's profile and history when given), from the
    model when one is configured and answers validly, else from the rules. Always validated; saved
    as a Recommendation (type workout).

    Returns {"engine", "fallback_reason", "fallback_detail", "language", "title", "summary", "goal",
    "fitness_level", "days_per_week", "minutes_per_session", "days": [7 days: {"day", "name", "rest",
    "focus", "estimated_minutes", "exercises": [{"exercise_id", "name", "sets", "reps",
    "duration_seconds", "rest_seconds", "reason"}]}], "notes", "warnings", "recommendation_id"}."""
    language = "fr" if language == "fr" else "en"
    plan = read_request(request, user=user, language=language)
    candidates = _candidates(plan, exercise_pool(plan))

    body: dict[str, Any] | None = None
    envelope: dict[str, Any]
    confidence = MODEL_CONFIDENCE
    try:
        body = _model_workout(plan, candidates, user)
        envelope = {"engine": "llm", "fallback_reason": None, "fallback_detail": None}
        if body is None:
            envelope = fallback(FallbackReason.NOT_CONFIGURED).as_fields()
    except Exception as error:
        envelope = fallback_for(error, what="workout recommendation").as_fields()
        body = None
    if body is None:
        body, confidence = rules_workout(plan, candidates)
        problems = validate_workout(body, plan.request)
        if problems:  # a bug of the rules: say so loudly, the tests forbid it
            logger.error("the rules engine's workout failed validation: %s", "; ".join(problems[:10]))
    answer = {**envelope, "language": language, **body, "similar_plans": similar_template_plans(plan)}
    saved = Recommendation.objects.create(
        user=user,
        recommendation_type=Recommendation.RecommendationType.WORKOUT,
        data=answer,
        confidence_score=confidence,
        engine=answer["engine"],
    )
    return {**answer, "recommendation_id": saved.id}
