"""The checks every multi-week plan draft passes before it is saved, whoever wrote it (the workout
planner's rules or a model): the validator node of the plan generation workflow runs
`validate_plan`, and the planner revises its draft while problems remain.

A draft is the workout planner's PlanDraft as JSON: {"weeks": [{"week", "phase", "volume_factor",
"days": [{"day", "name", "rest", "exercises": [{"exercise_id", "name", "sets", "reps",
"duration_seconds", "rest_seconds", "notes"}]}]}], "deload_weeks": [...]}.

Each problem is one sentence a person (or the planner) can act on, and names where it is:
"week 2, day 3, exercise 1 (Goblet Squat): rest 10 s outside 15-300".
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings

from coach.safety import contraindication_reasons
from coach.validation import (
    DURATION_RANGE,
    REPS_RANGE,
    REST_RANGE,
    SETS_RANGE,
    allowed_equipment,
    level_code,
    request_areas,
)
from coach.workouts import Prescription, estimated_minutes
from exercises.models import Exercise

DAYS_PER_WEEK = 7
PHASES = ("base", "build", "peak", "deload")
DELOAD = "deload"
DELOAD_EVERY = 4  # weeks 4, 8, 12 deload
# A primary muscle is "loaded" on a day by this many exercises, or this many sets in all.
LOADED_EXERCISES = 2
LOADED_SETS = 6
# Estimated session length may run this much over the minutes asked.
MINUTES_TOLERANCE = 1.2
NOT_LOADING = frozenset({"stretching"})  # a stretch does not load a muscle


def progression_step() -> float:
    """How much the weekly total of sets may rise over the previous week (0.10: 10 %)."""
    return float(getattr(settings, "AGENT_PROGRESSION_STEP", 0.10))


def max_next_volume(previous: int, step: float | None = None) -> int:
    """The most sets a week may total after a (non-deload) week of `previous` sets."""
    step = progression_step() if step is None else step
    return math.floor(previous * (1 + step) + 1e-9)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _int_or(value: object, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _within(value: object, bounds: tuple[int, int]) -> bool:
    return _is_int(value) and bounds[0] <= value <= bounds[1]  # type: ignore[operator]


def _weeks(draft: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    weeks = draft.get("weeks") if isinstance(draft, Mapping) else None
    if not isinstance(weeks, list):
        return []
    return [week for week in weeks if isinstance(week, Mapping)]


def _days(week: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    days = week.get("days")
    if not isinstance(days, list):
        return []
    return [day for day in days if isinstance(day, Mapping)]


def _exercises(day: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    items = day.get("exercises")
    if not isinstance(items, list):
        return []
    return [item for item in items if isinstance(item, Mapping)]


def weekly_volumes(draft: Mapping[str, Any]) -> list[int]:
    """The total number of sets of each week of the draft, in order."""
    return [
        sum(item["sets"] for day in _days(week) for item in _exercises(day) if _is_int(item.get("sets")))
        for week in _weeks(draft)
    ]


def deload_week_numbers(draft: Mapping[str, Any]) -> set[int]:
    """The weeks the draft calls deload weeks (by their phase, or listed in deload_weeks)."""
    listed = draft.get("deload_weeks") if isinstance(draft, Mapping) else None
    numbers = {number for number in listed if _is_int(number)} if isinstance(listed, list) else set()
    numbers |= {week["week"] for week in _weeks(draft) if week.get("phase") == DELOAD and _is_int(week.get("week"))}
    return numbers


def expected_deload_weeks(weeks: int) -> list[int]:
    """The deload weeks of a plan of `weeks` weeks: every 4th week (a 4-week plan deloads in week 4)."""
    return list(range(DELOAD_EVERY, weeks + 1, DELOAD_EVERY))


def item_prescription(item: Mapping[str, Any]) -> Prescription:
    """A draft exercise as the workout engine's Prescription, to time it (coach.workouts)."""
    reps = _int_or(item.get("reps"), 0)
    duration = _int_or(item.get("duration_seconds"), 0) or None
    amount = str(reps) if reps > 0 else None
    if amount is None and duration is None:
        amount = "10"
    return Prescription(
        sets=max(1, _int_or(item.get("sets"), 1)),
        reps=amount,
        duration_seconds=duration,
        rest_seconds=max(0, _int_or(item.get("rest_seconds"), REST_RANGE[0])),
    )


def session_minutes_estimate(items: Iterable[Mapping[str, Any]], session_minutes: int) -> int:
    """How long a training day takes, warm-up included, the way coach.workouts times a session."""
    return estimated_minutes((item_prescription(item) for item in items), session_minutes)


def loaded_muscles(
    items: Iterable[Mapping[str, Any]], muscles_of: Mapping[int, Sequence[str]], *, stretches: Iterable[int] = ()
) -> set[str]:
    """The primary muscles a day loads: worked by LOADED_EXERCISES exercises or LOADED_SETS sets
    in all. `muscles_of` gives each exercise's primary muscles; stretches load nothing."""
    skip = set(stretches)
    exercises: Counter[str] = Counter()
    sets: Counter[str] = Counter()
    for item in items:
        exercise_id = _int_or(item.get("exercise_id"), -1)
        if exercise_id < 0 or exercise_id in skip:
            continue
        count = _int_or(item.get("sets"), 0)
        for muscle in set(muscles_of.get(exercise_id, ())):
            exercises[muscle] += 1
            sets[muscle] += count
    return {m for m in exercises if exercises[m] >= LOADED_EXERCISES or sets[m] >= LOADED_SETS}


# ---------------------------------------------------------------- the checks


def _structure_problems(weeks_found: list[Mapping[str, Any]], weeks: int, days_per_week: int) -> list[str]:
    problems: list[str] = []
    numbers = [week.get("week") for week in weeks_found]
    if len(weeks_found) != weeks:
        problems.append(f"the plan has {len(weeks_found)} weeks, {weeks} asked")
    if numbers != list(range(1, len(weeks_found) + 1)):
        problems.append(f"weeks are not numbered 1 to {len(weeks_found)}: {numbers}")
    for week in weeks_found:
        label = f"week {week.get('week')}"
        if week.get("phase") not in PHASES:
            problems.append(f"{label}: phase {week.get('phase')!r} is not one of {', '.join(PHASES)}")
        days = _days(week)
        day_numbers = [day.get("day") for day in days]
        if day_numbers != list(range(1, DAYS_PER_WEEK + 1)):
            problems.append(f"{label}: days are not numbered 1 to 7: {day_numbers}")
        training = [day for day in days if not day.get("rest")]
        if len(training) != days_per_week:
            problems.append(f"{label} has {len(training)} training days, {days_per_week} asked")
        if days and len(training) == len(days):
            problems.append(f"{label} has no rest day")
        for day in days:
            where = f"{label}, day {day.get('day')}"
            items = _exercises(day)
            if day.get("rest") and items:
                problems.append(f"{where}: a rest day with exercises")
            if not day.get("rest") and not items:
                problems.append(f"{where}: a training day with no exercise")
            repeated = [eid for eid, n in Counter(item.get("exercise_id") for item in items).items() if n > 1]
            for exercise_id in repeated:
                problems.append(f"{where}: exercise {exercise_id} twice in one day")
    return problems


def _item_problems(item: Mapping[str, Any], where: str) -> list[str]:
    problems: list[str] = []
    if not _within(item.get("sets"), SETS_RANGE):
        problems.append(f"{where}: sets {item.get('sets')!r} outside {SETS_RANGE[0]}-{SETS_RANGE[1]}")
    reps, duration = item.get("reps"), item.get("duration_seconds")
    if reps is not None and not _within(reps, REPS_RANGE):
        problems.append(f"{where}: reps {reps!r} is not a whole number from {REPS_RANGE[0]} to {REPS_RANGE[1]}")
    if duration is not None and not _within(duration, DURATION_RANGE):
        problems.append(f"{where}: duration {duration!r} s outside {DURATION_RANGE[0]}-{DURATION_RANGE[1]}")
    if reps is None and duration is None:
        problems.append(f"{where}: neither reps nor a duration")
    if not _within(item.get("rest_seconds"), REST_RANGE):
        problems.append(f"{where}: rest {item.get('rest_seconds')!r} s outside {REST_RANGE[0]}-{REST_RANGE[1]}")
    return problems


def _progression_problems(draft: Mapping[str, Any], weeks_found: list[Mapping[str, Any]]) -> list[str]:
    problems: list[str] = []
    volumes = weekly_volumes(draft)
    deloads = deload_week_numbers(draft)
    numbers = [week.get("week") for week in weeks_found]
    for index in range(1, len(volumes)):
        before, now = volumes[index - 1], volumes[index]
        previous, week = numbers[index - 1], numbers[index]
        if week in deloads:
            if now > before:
                problems.append(
                    f"week {week} is a deload week but has {now} sets, more than week {previous}'s {before}"
                )
        elif previous not in deloads and now > max_next_volume(before):
            step = round(progression_step() * 100)
            problems.append(
                f"week {week}: {now} sets in all, more than {step}% over week {previous}'s {before} "
                f"(at most {max_next_volume(before)})"
            )
    run: list[Any] = []
    for week in numbers:
        run = [] if week in deloads else [*run, week]
        if len(run) == DELOAD_EVERY:
            problems.append(
                f"weeks {run[0]}-{run[-1]}: {DELOAD_EVERY} loading weeks in a row without a deload "
                f"(every {DELOAD_EVERY}th week deloads)"
            )
    for week in weeks_found:
        listed = week.get("week") in set(draft.get("deload_weeks") or [])
        if listed != (week.get("phase") == DELOAD):
            problems.append(f"week {week.get('week')}: phase {week.get('phase')!r} disagrees with deload_weeks")
    return problems


def _consecutive_problems(
    weeks_found: list[Mapping[str, Any]], muscles_of: Mapping[int, Sequence[str]], stretches: set[int]
) -> list[str]:
    """A primary muscle loaded on two consecutive calendar days (week 1 day 7 runs into week 2 day 1)."""
    problems: list[str] = []
    previous: tuple[str, set[str]] | None = None
    for week in weeks_found:
        for day in _days(week):
            where = f"week {week.get('week')}, day {day.get('day')}"
            loaded = set() if day.get("rest") else loaded_muscles(_exercises(day), muscles_of, stretches=stretches)
            if previous is not None and loaded & previous[1]:
                muscles = ", ".join(sorted(loaded & previous[1]))
                problems.append(
                    f"{where}: {muscles} loaded on two consecutive days ({previous[0]} too): at most one exercise "
                    f"and {LOADED_SETS - 1} sets for a muscle trained the day before"
                )
            previous = (where, loaded)
    return problems


def validate_plan(
    draft: Mapping[str, Any],
    *,
    weeks: int,
    days_per_week: int,
    session_minutes: int,
    equipment: list[str],
    limitations: list[str],
    level: str | None,
) -> list[str]:
    """The problems of a plan draft, empty when it may be saved: exactly `weeks` weeks numbered 1..n
    of 7 days numbered 1..7, `days_per_week` training days and a rest day in each, no empty training
    day and no exercises on a rest day; every exercise exists (one query), sets 1-10, reps 1-50 or a
    duration, rest 15-300 s; each session's estimated minutes within `session_minutes` + 20 %; only
    the equipment given (plus body weight; none given: any); nothing the limitations or the level
    rule out (coach.safety); no primary muscle loaded (2+ exercises or 6+ sets) on two consecutive
    days; weekly sets rising at most AGENT_PROGRESSION_STEP over the week before (except after a
    deload), a deload at least every 4th week and no deload adding volume."""
    weeks_found = _weeks(draft)
    if not weeks_found:
        return ["the plan has no weeks"]
    problems = _structure_problems(weeks_found, weeks, days_per_week)

    located: list[tuple[str, Mapping[str, Any]]] = []
    for week in weeks_found:
        for day in _days(week):
            for index, item in enumerate(_exercises(day), 1):
                where = f"week {week.get('week')}, day {day.get('day')}, exercise {index} ({item.get('name')})"
                located.append((where, item))
    ids = {_int_or(item.get("exercise_id"), -1) for _, item in located} - {-1}
    library = Exercise.objects.in_bulk(sorted(ids))
    allowed = allowed_equipment(equipment)
    areas = request_areas(limitations)
    level = level_code(level)
    reported: set[tuple[int, str]] = set()  # an exercise's equipment or safety problem, said once
    for where, item in located:
        exercise_id = item.get("exercise_id")
        exercise = library.get(_int_or(exercise_id, -1))
        if exercise is None:
            problems.append(f"{where}: exercise id {exercise_id!r} does not exist")
            continue
        problems += _item_problems(item, where)
        found: list[str] = []
        if allowed is not None and not set(exercise.equipments or []) <= allowed:
            needed = ", ".join(sorted(set(exercise.equipments) - allowed))
            found.append(f"{where}: needs {needed}, not in the available equipment")
        found += [f"{where}: ruled out ({reason})" for reason in contraindication_reasons(exercise, areas, level)]
        for problem in found:
            key = (exercise.id, problem.split(": ", 1)[1])
            if key not in reported:
                reported.add(key)
                problems.append(problem)

    for week in weeks_found:
        for day in _days(week):
            items = _exercises(day)
            if day.get("rest") or not items:
                continue
            minutes = session_minutes_estimate(items, session_minutes)
            if minutes > session_minutes * MINUTES_TOLERANCE:
                problems.append(
                    f"week {week.get('week')}, day {day.get('day')} ({day.get('name')}): about {minutes} minutes, "
                    f"more than the {session_minutes} asked (+{round((MINUTES_TOLERANCE - 1) * 100)}% allowed)"
                )

    muscles_of = {exercise_id: list(exercise.muscles or []) for exercise_id, exercise in library.items()}
    stretches = {exercise_id for exercise_id, exercise in library.items() if exercise.category in NOT_LOADING}
    problems += _consecutive_problems(weeks_found, muscles_of, stretches)
    problems += _progression_problems(draft, weeks_found)
    return problems
