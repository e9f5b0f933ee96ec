"""The checks every recommended workout passes before it is returned, whoever wrote it (the rules
engine or a model), and the reading of the request's words into the library's codes.

`validate_workout` returns the problems found (empty: the workout may be shown). On a model's
answer, any problem means the answer is not used (InvalidModelOutput, then the rules answer).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from coach.safety import UNSPECIFIED, contraindication_reasons, limitation_areas, mentions_pain
from exercises.models import Exercise
from exercises.taxonomy import DIFFICULTIES, EQUIPMENT, MUSCLES, SEARCH_SYNONYMS, normalize

if TYPE_CHECKING:
    from coach.workouts import WorkoutRequest

SETS_RANGE = (1, 10)
REPS_RANGE = (1, 50)
REST_RANGE = (15, 300)
DURATION_RANGE = (5, 3600)
MAX_TRAINING_DAYS = 6  # a rest day in every week
BODY_WEIGHT = "body weight"
GOAL_CODES = ("strength", "hypertrophy", "endurance", "weight_loss", "mobility", "general_fitness")
LEVELS = tuple(DIFFICULTIES)

_REPS_RE = re.compile(r"^\s*(\d{1,3})\s*(?:(?:-|\u2013|to|à)\s*(\d{1,3})\s*)?$")

# ---------------------------------------------------------------- words to codes


def _lookup(vocabulary: Mapping[str, tuple[str, str]]) -> dict[str, str]:
    table: dict[str, str] = {}
    for code, (english, french) in vocabulary.items():
        for word in (code, english, french):
            key = normalize(word)
            table[key] = code
            table[key.rstrip("s")] = code
    return table


_EQUIPMENT_LOOKUP = _lookup(EQUIPMENT) | {
    **dict.fromkeys(("bodyweight", "none", "no equipment", "nothing", "aucun", "rien", "sans materiel"), BODY_WEIGHT),
    **dict.fromkeys(("poids du corps", "poids de corps", "body"), BODY_WEIGHT),
    **dict.fromkeys(("band", "bands", "elastique", "elastiques"), "resistance band"),
    **dict.fromkeys(("pull up bar", "pullup bar", "chin up bar", "barre de traction"), "pull-up bar"),
    **dict.fromkeys(("mat", "yoga mat", "tapis"), "gym mat"),
    **dict.fromkeys(("ez bar", "curl bar"), "ez curl bar"),
    **dict.fromkeys(("swiss ball", "stability ball", "fitball"), "exercise ball"),
}
_FULL_GYM = frozenset({"gym", "full gym", "salle", "salle de sport", "everything", "all", "tout"})

_MUSCLE_LOOKUP = _lookup(MUSCLES)
_MUSCLE_GROUPS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("leg", "legs", "jambe", "jambes", "lower body", "bas du corps"), ("quadriceps", "hamstrings")),
    **dict.fromkeys(("back", "dos"), ("lats", "middle back", "lower back")),
    **dict.fromkeys(("arm", "arms", "bras"), ("biceps", "triceps")),
    **dict.fromkeys(("core", "abs", "abdos", "abdo", "sangle abdominale"), ("abdominals",)),
}

_GOAL_LOOKUP: dict[str, str] = {
    **dict.fromkeys(("strength", "force", "power", "puissance", "strong", "stronger"), "strength"),
    **dict.fromkeys(("hypertrophy", "hypertrophie", "muscle gain", "muscle_gain", "muscle", "mass"), "hypertrophy"),
    **dict.fromkeys(("build muscle", "prise de muscle", "prise de masse", "masse", "bodybuilding"), "hypertrophy"),
    **dict.fromkeys(("endurance", "stamina", "cardio", "conditioning"), "endurance"),
    **dict.fromkeys(
        ("weight loss", "weight_loss", "fat loss", "fat_loss", "lose weight", "perte de poids"), "weight_loss"
    ),
    **dict.fromkeys(("perdre du poids", "minceur", "maigrir", "seche", "toning", "tone"), "weight_loss"),
    **dict.fromkeys(("mobility", "mobilite", "flexibility", "souplesse", "stretching", "etirements"), "mobility"),
    **dict.fromkeys(("general fitness", "general_fitness", "fitness", "health", "forme", "sante"), "general_fitness"),
}
_LEVEL_LOOKUP: dict[str, str] = {
    **_lookup(DIFFICULTIES),
    **dict.fromkeys(("novice", "new", "debutante", "starter"), "beginner"),
    **dict.fromkeys(("intermediaire", "medium", "moyen"), "intermediate"),
    **dict.fromkeys(("expert", "avancee", "experienced", "confirme"), "advanced"),
}


def equipment_codes(values: Iterable[str]) -> tuple[list[str], list[str]]:
    """The equipment codes of the values (codes or English/French labels, plurals, "bodyweight",
    "none"; "gym" is every piece of equipment), and the values not understood."""
    codes: list[str] = []
    unknown: list[str] = []
    for value in values:
        key = normalize(value)
        if key in _FULL_GYM:
            found: list[str] = list(EQUIPMENT)
        else:
            code = _EQUIPMENT_LOOKUP.get(key) or _EQUIPMENT_LOOKUP.get(key.rstrip("s"))
            found = [code] if code else []
        if not found:
            unknown.append(value)
        codes += [code for code in found if code not in codes]
    return codes, unknown


def muscle_codes(values: Iterable[str]) -> tuple[list[str], list[str]]:
    """The muscle codes of the values (codes, English/French labels, groups like "legs" or "dos",
    the search synonyms like "pecs" or "abdos"), and the values not understood."""
    codes: list[str] = []
    unknown: list[str] = []
    for value in values:
        key = normalize(value)
        code = _MUSCLE_LOOKUP.get(key) or _MUSCLE_LOOKUP.get(key.rstrip("s"))
        found = [code] if code else list(_MUSCLE_GROUPS.get(key, ()))
        if not found:
            found = [synonym for synonym in SEARCH_SYNONYMS.get(key, []) if synonym in MUSCLES]
        if not found:
            unknown.append(value)
        codes += [code for code in found if code not in codes]
    return codes, unknown


def goal_codes(values: Iterable[str]) -> list[str]:
    """The goals understood, in the order given (GOAL_CODES)."""
    codes: list[str] = []
    for value in values:
        code = _GOAL_LOOKUP.get(normalize(value).replace("_", " ")) or _GOAL_LOOKUP.get(normalize(value))
        if code and code not in codes:
            codes.append(code)
    return codes


def level_code(value: str | None) -> str | None:
    """beginner, intermediate or advanced (English or French words); None when not understood."""
    return _LEVEL_LOOKUP.get(normalize(value)) if value else None


def allowed_equipment(available: Sequence[str]) -> frozenset[str] | None:
    """What an exercise may use: the available equipment and body weight; None (anything) when no
    equipment was given."""
    codes, _unknown = equipment_codes(available)
    if not codes:
        return None
    return frozenset({*codes, BODY_WEIGHT})


def request_areas(limitations: Iterable[str], free_text: str = "") -> frozenset[str]:
    """The areas to spare: from the limitations list, and from free text (cued mentions and pain)."""
    areas = limitation_areas(limitations) | limitation_areas([free_text], free_text=True)
    return (areas | mentions_pain(free_text)) - {UNSPECIFIED}


def parse_reps(reps: object) -> tuple[int, int] | None:
    """(low, high) of a reps prescription: 10 or "10" or "8-12"; None when it is not one."""
    if isinstance(reps, bool):
        return None
    if isinstance(reps, int):
        return reps, reps
    if isinstance(reps, str):
        match = _REPS_RE.match(reps)
        if match:
            low = int(match.group(1))
            high = int(match.group(2) or low)
            return low, high
    return None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _within(value: object, bounds: tuple[int, int]) -> bool:
    return _is_int(value) and bounds[0] <= value <= bounds[1]  # type: ignore[operator]


# ---------------------------------------------------------------- the workout


def _item_problems(item: Any, where: str, exercise: Exercise | None) -> list[str]:
    problems: list[str] = []
    if exercise is None:
        return [f"{where}: exercise id {item.get('exercise_id')!r} does not exist"]
    if not _within(item.get("sets"), SETS_RANGE):
        problems.append(f"{where}: sets {item.get('sets')!r} outside {SETS_RANGE[0]}-{SETS_RANGE[1]}")
    reps, duration = item.get("reps"), item.get("duration_seconds")
    if reps is not None:
        parsed = parse_reps(reps)
        if parsed is None or not (REPS_RANGE[0] <= parsed[0] <= parsed[1] <= REPS_RANGE[1]):
            problems.append(f"{where}: reps {reps!r} is not 1-50 (a number or a range like '8-12')")
    if duration is not None and not _within(duration, DURATION_RANGE):
        problems.append(f"{where}: duration {duration!r} s outside {DURATION_RANGE[0]}-{DURATION_RANGE[1]}")
    if reps is None and duration is None:
        problems.append(f"{where}: neither reps nor a duration")
    if not _within(item.get("rest_seconds"), REST_RANGE):
        problems.append(f"{where}: rest {item.get('rest_seconds')!r} s outside {REST_RANGE[0]}-{REST_RANGE[1]}")
    if not (isinstance(item.get("reason"), str) and item["reason"].strip()):
        problems.append(f"{where}: no reason given")
    if not (isinstance(item.get("name"), str) and item["name"].strip()):
        problems.append(f"{where}: no name")
    return problems


def _week_problems(days: list[Any], days_asked: int) -> list[str]:
    problems: list[str] = []
    numbers = [day.get("day") for day in days]
    if numbers != list(range(1, len(days) + 1)):
        problems.append(f"days are not numbered 1 to {len(days)}: {numbers}")
    if len(days) % 7:
        problems.append(f"{len(days)} days do not make whole weeks")
    for start in range(0, len(days), 7):
        week = days[start : start + 7]
        training = sum(1 for day in week if not day.get("rest"))
        week_number = start // 7 + 1
        if training == len(week):
            problems.append(f"week {week_number} has no rest day")
        if training > days_asked:
            problems.append(f"week {week_number} has {training} training days, {days_asked} asked")
        if training == 0:
            problems.append(f"week {week_number} has no training day")
    return problems


def validate_workout(workout: Mapping[str, Any], request: WorkoutRequest) -> list[str]:
    """The problems of a workout, empty when it may be returned: every exercise exists; sets 1-10;
    reps 1-50 (a number or "8-12") or a duration; rest 15-300 s; no more training days a week than
    asked and a rest day in every week; each exercise's equipment within the available equipment
    (plus body weight); nothing the limitations, pain mentions or fitness level rule out
    (coach.safety's contraindications). One query for the exercises."""
    days = workout.get("days")
    if not isinstance(days, list) or not days or not all(isinstance(day, Mapping) for day in days):
        return ["no days"]
    problems = _week_problems(days, max(1, request.days_per_week))

    items: list[tuple[str, Any]] = []
    for day in days:
        exercises = day.get("exercises")
        if not isinstance(exercises, list):
            problems.append(f"day {day.get('day')}: no exercise list")
            continue
        if day.get("rest") and exercises:
            problems.append(f"day {day.get('day')}: a rest day with exercises")
        if not day.get("rest") and not exercises:
            problems.append(f"day {day.get('day')}: a training day with no exercise")
        seen: set[Any] = set()
        for index, item in enumerate(exercises, 1):
            if not isinstance(item, Mapping):
                problems.append(f"day {day.get('day')}, exercise {index}: not an object")
                continue
            if item.get("exercise_id") in seen:
                problems.append(f"day {day.get('day')}: exercise {item.get('exercise_id')} twice")
            seen.add(item.get("exercise_id"))
            items.append((f"day {day.get('day')}, exercise {index} ({item.get('name')})", item))

    ids = {item.get("exercise_id") for _, item in items if _is_int(item.get("exercise_id"))}
    library = Exercise.objects.in_bulk(sorted(ids))
    allowed = allowed_equipment(request.available_equipment)
    areas = request_areas(request.limitations, request.preferences)
    level = level_code(request.fitness_level)
    for where, item in items:
        exercise_id = item.get("exercise_id")
        exercise = library.get(exercise_id) if _is_int(exercise_id) else None
        problems += _item_problems(item, where, exercise)
        if exercise is None:
            continue
        if allowed is not None and not set(exercise.equipments or []) <= allowed:
            problems.append(f"{where}: needs {sorted(exercise.equipments)}, not in the available equipment")
        for reason in contraindication_reasons(exercise, areas, level):
            problems.append(f"{where}: ruled out ({reason})")
    return problems
