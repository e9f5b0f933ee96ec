"""The workout planner: a multi-week programme from the exercise selection (mode "generate"), or
suggested changes to the user's current plan from their progress (mode "optimize").

Generate (rules): the selection's sessions sit at the training days of coach.workouts.WEEK_LAYOUT
with rest days between; the weeks run in blocks of four, base, build and peak, then a deload (weeks
4, 8, 12: a 4-week plan deloads in week 4). Week to week the load progresses the double-progression
way: reps rise to the top of the exercise's range, then a set is added and the reps start again from
the bottom, while the week's total sets rise at most AGENT_PROGRESSION_STEP over the week before
(none of that limit right after a deload) and each session keeps within its minutes. A deload keeps
about 60 % of the sets at the bottom of the ranges. Substitutions (from the injury review) and
revision notes that name an exercise (from the validator or the review) replace it with a similar
exercise for the same muscle, or drop it; the other notes are met by construction.

Optimize (rules): plateaus become "progress_load" (or "replace" with a similar exercise for the
same muscle after a long plateau), high fatigue a deload and less volume, low adherence fewer
training days and shorter sessions; each suggestion says why, with the numbers.

With a model configured, the model writes the draft; `check` runs coach.plan_validation on it.
"""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, Field, ValidationError

from coach import workouts
from coach.agents.base import WORKOUT_PLANNER, Agent, AgentContext, AgentOutput, ReasoningStep, step
from coach.agents.exercise_selector import (
    AGENT as SELECTOR,
)
from coach.agents.exercise_selector import (
    SelectedExercise,
    SelectedSession,
    SelectorInput,
    SelectorOutput,
    whole_reps,
)
from coach.plan_validation import (
    DELOAD,
    LOADED_SETS,
    deload_week_numbers,
    expected_deload_weeks,
    loaded_muscles,
    max_next_volume,
    progression_step,
    session_minutes_estimate,
    validate_plan,
    weekly_volumes,
)
from coach.validation import (
    DURATION_RANGE,
    MAX_TRAINING_DAYS,
    REPS_RANGE,
    REST_RANGE,
    SETS_RANGE,
    goal_codes,
    level_code,
)
from coach.workouts import WorkoutRequest
from exercises.models import Exercise

MAX_WEEKS = 12
DELOAD_SHARE = 0.6
LEVEL_MAX_SETS = {"beginner": 4, "intermediate": 5, "advanced": 6}
LONG_PLATEAU_WEEKS = 4
LOW_ADHERENCE = 0.6
HIGH_ADHERENCE = 0.9
HIGH_RPE = 8.5
MAX_SUGGESTIONS = 8
LIGHTER_WEEK = 0.8  # optimize: a stored week with at most 80 % of the sets of the week before is a deload
MAX_SIMILAR = 10
# A base session uses at most this share of its minutes (while it keeps more than 3 exercises), so
# that sets can be added in the weeks that follow.
ROOM_SHARE = 0.9
ROOM_MIN_EXERCISES = 3
# Sets for one primary muscle in one session: more is volume the injury review warns about (and
# little use); base sessions are trimmed to it and progression never passes it.
MAX_MUSCLE_DAY_SETS = 10

Phase = Literal["base", "build", "peak", "deload"]
Change = Literal["replace", "add_set", "remove_set", "deload", "reduce_volume", "add_rest_day", "progress_load"]
PHASE_IN_BLOCK: tuple[Phase, Phase, Phase] = ("base", "build", "peak")


# ---------------------------------------------------------------- schemas


class Substitution(BaseModel):
    exercise_id: int
    substitute_id: int


class PlannerInput(BaseModel):
    mode: Literal["generate", "optimize"] = "generate"
    weeks: int = Field(default=4, description="1 to 12 (optimize: the current plan's)")
    days_per_week: int = Field(default=3, description="1 to 6 training days")
    goal: str = "general_fitness"
    level: str = "beginner"
    session_minutes: int = 45
    selection: dict[str, Any] | None = Field(default=None, description="The exercise selector's output (week)")
    analysis: dict[str, Any] | None = Field(default=None, description="The progress analyst's output")
    revision_notes: list[str] = Field(default_factory=list, description="Problems to fix in the previous draft")
    substitutions: list[Substitution] = Field(default_factory=list)
    previous_draft: dict[str, Any] | None = None
    current_plan: dict[str, Any] | None = Field(default=None, description='Optimize: {"plan_id", "weeks": [...]}')
    # Beyond the shared contract (optional): what the plan must respect, for `check` and replacements.
    equipment: list[str] = Field(default_factory=list, description="Equipment codes; empty: any")
    limitations: list[str] = Field(default_factory=list)


class DraftExercise(BaseModel):
    exercise_id: int
    name: str
    sets: int = Field(description="1 to 10")
    reps: int | None = Field(default=None, description="A whole number 1-50; null for a timed exercise")
    duration_seconds: int | None = None
    rest_seconds: int = Field(description="15 to 300")
    notes: str = ""


class DraftDay(BaseModel):
    day: int = Field(description="1 to 7")
    name: str = ""
    rest: bool = False
    exercises: list[DraftExercise] = Field(default_factory=list)


class DraftWeek(BaseModel):
    week: int
    phase: Phase = "base"
    volume_factor: float = Field(default=1.0, description="The week's total sets over week 1's")
    days: list[DraftDay]


class Suggestion(BaseModel):
    change: Change
    week: int | None = None
    day: int | None = None
    exercise_id: int | None = None
    suggested_exercise_id: int | None = None
    why: str


class PlanDraft(AgentOutput):
    title: str
    summary: str
    weeks: list[DraftWeek] = Field(default_factory=list)
    deload_weeks: list[int] = Field(default_factory=list)
    suggestions: list[Suggestion] = Field(default_factory=list, description="Optimize only")


# ---------------------------------------------------------------- the input in the engine's terms


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def weeks_of(data: PlannerInput) -> int:
    return _clamp(data.weeks, 1, MAX_WEEKS)


def days_of(data: PlannerInput) -> int:
    return _clamp(data.days_per_week, 1, MAX_TRAINING_DAYS)


def goal_of(data: PlannerInput) -> str:
    codes = goal_codes([data.goal])
    return codes[0] if codes else workouts.DEFAULT_GOAL


def level_of(data: PlannerInput) -> str:
    return level_code(data.level) or "beginner"


def phase_of(week: int, weeks: int) -> Phase:
    """base, build, peak in each block of four weeks, the fourth a deload."""
    if week in expected_deload_weeks(weeks):
        return "deload"
    return PHASE_IN_BLOCK[(week - 1) % 4]


def _engine_plan(data: PlannerInput, ctx: AgentContext) -> workouts.Plan:
    request = WorkoutRequest(
        goals=[goal_of(data)],
        available_equipment=list(data.equipment),
        minutes_per_session=data.session_minutes,
        days_per_week=days_of(data),
        fitness_level=level_of(data),
        limitations=list(data.limitations),
    )
    return workouts.read_request(request, user=None, language=ctx.language)


def similar_exercises(
    exercise: Exercise, data: PlannerInput, ctx: AgentContext, *, exclude: set[int], limit: int = MAX_SIMILAR
) -> list[Exercise]:
    """Exercises for the same primary muscle that the person may do (equipment, limitations, level),
    of the same kind (resistance, conditioning, stretching) where possible; staples first."""
    plan = _engine_plan(data, ctx)
    if not exercise.muscles:
        return []
    muscle = exercise.muscles[0]
    pool = (
        workouts.exercise_pool(plan).filter(muscles__overlap=[muscle]).exclude(id__in=sorted(exclude | {exercise.id}))
    )
    candidates = workouts._candidates(plan, pool)
    candidates.sort(
        key=lambda c: (
            c.exercise.category != exercise.category,
            c.muscles[:1] != [muscle],
            c.exercise.mechanic != exercise.mechanic,
            not c.staple,
            c.id,
        )
    )
    return [c.exercise for c in candidates[:limit]]


# ---------------------------------------------------------------- doses and their progression


@dataclass
class Dose:
    """One exercise of a training day, with what its progression may do."""

    exercise_id: int
    name: str
    muscles: tuple[str, ...]
    stretch: bool
    compound: bool
    sets: int
    reps: int | None
    duration: int | None
    rest: int
    low: int  # the bottom of the reps range (or of the duration)
    high: int  # the top
    step: int  # reps or seconds added per week
    max_sets: int
    notes: str = ""

    @property
    def amount(self) -> int:
        return self.reps if self.reps is not None else (self.duration or 0)

    def at_top(self) -> bool:
        return self.amount >= self.high

    def as_item(self) -> dict[str, Any]:
        return {
            "exercise_id": self.exercise_id,
            "name": self.name,
            "sets": self.sets,
            "reps": self.reps,
            "duration_seconds": self.duration if self.reps is None else None,
            "rest_seconds": self.rest,
            "notes": self.notes,
        }


@dataclass
class Day:
    day: int
    name: str
    doses: list[Dose] = field(default_factory=list)


def make_dose(
    exercise: Exercise, selected: SelectedExercise | None, *, goal: str, level: str, minutes: int, language: str
) -> Dose:
    """A dose from the selection (or the engine's prescription when none), with its range: the
    engine's range for the goal, widened to hold the selected number."""
    engine = workouts.prescription(exercise, goal, level, short_session=minutes < 25)
    engine_reps, bounds = whole_reps(engine.reps)
    sets = _clamp(selected.sets, *SETS_RANGE) if selected else engine.sets
    rest = _clamp(selected.rest_seconds, *REST_RANGE) if selected else engine.rest_seconds
    reps: int | None
    duration: int | None
    if selected is not None and selected.reps is not None:
        reps, duration = _clamp(selected.reps, *REPS_RANGE), None
    elif selected is not None and selected.duration_seconds is not None:
        reps, duration = None, _clamp(selected.duration_seconds, *DURATION_RANGE)
    else:
        reps, duration = engine_reps, engine.duration_seconds if engine_reps is None else None
    stretch = exercise.category in workouts.STRETCHING
    if reps is not None:
        low, high = (min(reps, bounds[0]), max(reps, bounds[1])) if bounds else (reps, min(REPS_RANGE[1], reps + 2))
        step_size = 2 if high - low >= 4 else 1
    else:
        duration = duration or 30
        step_size = 60 if exercise.category == "cardio" else 5
        low, high = duration, min(DURATION_RANGE[1], duration + 4 * step_size)
    extra = 1 if stretch or exercise.category == "cardio" else 2
    max_sets = max(sets, min(SETS_RANGE[1], sets + extra, LEVEL_MAX_SETS.get(level, 4)))
    return Dose(
        exercise_id=exercise.id,
        name=exercise.name_in(language),
        muscles=tuple(exercise.muscles or ()),
        stretch=stretch,
        compound=exercise.mechanic == "compound",
        sets=sets,
        reps=reps,
        duration=duration,
        rest=rest,
        low=low,
        high=high,
        step=step_size,
        max_sets=max_sets,
    )


def _day_minutes(day: Day, minutes: int) -> int:
    return session_minutes_estimate([dose.as_item() for dose in day.doses], minutes)


def _loaded(day: Day) -> set[str]:
    muscles_of = {dose.exercise_id: dose.muscles for dose in day.doses}
    stretches = [dose.exercise_id for dose in day.doses if dose.stretch]
    return loaded_muscles([dose.as_item() for dose in day.doses], muscles_of, stretches=stretches)


def _muscle_sets(day: Day) -> Counter[str]:
    sets: Counter[str] = Counter()
    for dose in day.doses:
        for muscle in set(dose.muscles):
            sets[muscle] += dose.sets
    return sets


def cap_muscle_sets(day: Day) -> list[str]:
    """At most MAX_MUSCLE_DAY_SETS sets for a primary muscle in the day: the third and later
    exercises for it go (while two exercises remain), else its biggest exercise loses sets (down to
    two). What was done, for the reasoning."""
    done: list[str] = []
    for _ in range(100):
        over = {m: n for m, n in _muscle_sets(day).items() if n > MAX_MUSCLE_DAY_SETS}
        if not over:
            break
        muscle = max(sorted(over), key=lambda m: over[m])
        hitting = [dose for dose in day.doses if muscle in dose.muscles]
        biggest = max(reversed(hitting), key=lambda dose: dose.sets)
        if len(hitting) >= 3 and len(day.doses) > 2:
            day.doses.remove(hitting[-1])
            done.append(f"{hitting[-1].name} left out: {over[muscle]} sets for the {muscle} is too many")
        elif biggest.sets > 2:
            biggest.sets -= 1
            biggest.max_sets = min(biggest.max_sets, biggest.sets)
            done.append(f"one set less of {biggest.name} ({muscle})")
        elif len(day.doses) > 1 and len(hitting) > 1:
            day.doses.remove(hitting[-1])
            done.append(f"{hitting[-1].name} left out: {over[muscle]} sets for the {muscle} is too many")
        else:
            break
    return done


def _neighbours_ok(days: list[Day], index: int) -> bool:
    """Whether the day at `index` loads no muscle its calendar neighbours load."""
    mine = _loaded(days[index])
    for other in (index - 1, index + 1):
        if 0 <= other < len(days) and abs(days[other].day - days[index].day) == 1 and mine & _loaded(days[other]):
            return False
    return True


def _total(days: list[Day]) -> int:
    return sum(dose.sets for day in days for dose in day.doses)


def fit_minutes(day: Day, minutes: int) -> list[str]:
    """Trim a day to its minutes: fewer sets on the biggest exercise (down to 2), shorter rests
    (down to 60 s), then the last exercise (one stays), then single sets. What was done, for the reasoning."""
    done: list[str] = []
    while _day_minutes(day, minutes) > minutes:
        biggest = max(day.doses, key=lambda d: d.sets)
        long_rest = [d for d in day.doses if d.rest > 60]
        if biggest.sets > 2:
            biggest.sets -= 1
            biggest.max_sets = max(biggest.sets, biggest.max_sets - 1)
            done.append(f"one set less of {biggest.name}")
        elif long_rest:
            for dose in long_rest:
                dose.rest = 60
            done.append("rests shortened to 60 s")
        elif len(day.doses) > 1:
            dropped = day.doses.pop()
            done.append(f"{dropped.name} left out")
        elif day.doses and day.doses[0].sets > 1:
            day.doses[0].sets -= 1
            done.append(f"one set less of {day.doses[0].name}")
        else:
            break
    return done


def leave_room(day: Day, minutes: int) -> list[str]:
    """Drop the last exercises (the engine's accessories) of a day filled to the brim, while more
    than ROOM_MIN_EXERCISES remain, so that sets can be added in the weeks to come."""
    done: list[str] = []
    while len(day.doses) > ROOM_MIN_EXERCISES and _day_minutes(day, minutes) > minutes * ROOM_SHARE:
        dropped = day.doses.pop()
        done.append(f"{dropped.name} left out to leave room for more sets")
    return done


def spare_consecutive(days: list[Day]) -> list[str]:
    """No primary muscle loaded on two consecutive days: drop the later day's extra exercises for it,
    else cut its sets below LOADED_SETS. What was done, for the reasoning."""
    done: list[str] = []
    for index in range(1, len(days)):
        before, today = days[index - 1], days[index]
        if today.day != before.day + 1:
            continue
        for _ in range(50):
            both = _loaded(before) & _loaded(today)
            if not both:
                break
            hitting = [d for d in today.doses if both.intersection(d.muscles) and not d.stretch]
            if len(hitting) > 1 and len(today.doses) > 1:
                dropped = hitting[-1]
                today.doses.remove(dropped)
                done.append(
                    f"day {today.day}: {dropped.name} left out ({', '.join(sorted(both))} trained the day before)"
                )
            else:
                for dose in hitting:
                    dose.sets = min(dose.sets, LOADED_SETS - 1)
                    dose.max_sets = min(dose.max_sets, dose.sets)
                done.append(f"day {today.day}: fewer sets for {', '.join(sorted(both))}")
                break
    return done


def progress_week(days: list[Day], previous_total: int, minutes: int) -> list[Day]:
    """The next loading week: reps (or seconds) up by a step where below the top of the range, then
    a set added to exercises at the top (reps back to the bottom), compound lifts first, while the
    week's total stays within the progression step, each day within its minutes, and no muscle gets
    loaded on consecutive days."""
    week = copy.deepcopy(days)
    for day in week:
        for dose in day.doses:
            dose.notes = ""
            if dose.at_top():
                continue
            before = (dose.reps, dose.duration)
            if dose.reps is not None:
                dose.reps = min(dose.high, dose.reps + dose.step)
            else:
                dose.duration = min(dose.high, (dose.duration or 0) + dose.step)
            if _day_minutes(day, minutes) > minutes:
                dose.reps, dose.duration = before
            else:
                dose.notes = "progress"
    room = max_next_volume(previous_total) - _total(week)
    ready = [
        (index, dose)
        for index, day in enumerate(week)
        for dose in day.doses
        if dose.at_top() and dose.sets < dose.max_sets and not dose.notes
    ]
    ready.sort(key=lambda pair: (not pair[1].compound, pair[0]))
    for index, dose in ready:
        if room <= 0:
            break
        sets_before, reps_before, duration_before = dose.sets, dose.reps, dose.duration
        dose.sets += 1
        if dose.reps is not None:
            dose.reps = dose.low
        else:
            dose.duration = dose.low
        too_many = max(_muscle_sets(week[index]).values(), default=0) > MAX_MUSCLE_DAY_SETS
        if too_many or _day_minutes(week[index], minutes) > minutes or not _neighbours_ok(week, index):
            dose.sets, dose.reps, dose.duration = sets_before, reps_before, duration_before
            continue
        dose.notes = "set"
        room -= 1
    return week


def deload_week(days: list[Day]) -> list[Day]:
    """About 60 % of the sets, at the bottom of each range."""
    week = copy.deepcopy(days)
    for day in week:
        for dose in day.doses:
            dose.sets = max(1, round(dose.sets * DELOAD_SHARE))
            if dose.reps is not None:
                dose.reps = dose.low
            else:
                dose.duration = dose.low
            dose.notes = "deload"
    return week


def _note(dose: Dose, phase: str, ctx: AgentContext) -> str:
    unit = ctx.t("reps", "répétitions") if dose.reps is not None else ctx.t("s", "s")
    span = f"{dose.low}-{dose.high} {unit}"
    if phase == DELOAD:
        return ctx.t(
            f"Deload: fewer sets, lighter, at the bottom of {span}.",
            f"Décharge : moins de séries, plus léger, en bas de {span}.",
        )
    if dose.notes == "progress":
        return ctx.t(
            f"Up from last week, toward the top of {span}.", f"En hausse sur la semaine passée, vers le haut de {span}."
        )
    if dose.notes == "set":
        return ctx.t(
            f"One more set; reps back to the bottom of {span}.",
            f"Une série de plus ; répétitions au bas de {span}.",
        )
    if dose.at_top():
        return ctx.t(
            f"Top of {span}: add a little load when every set feels solid.",
            f"Haut de {span} : ajoutez un peu de charge quand chaque série est solide.",
        )
    return ctx.t(f"Range {span}.", f"Fourchette {span}.")


# ---------------------------------------------------------------- the selection, revised


@dataclass
class Revision:
    """What the substitutions and the revision notes changed."""

    replaced: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    by_construction: list[str] = field(default_factory=list)
    by_substitution: list[str] = field(default_factory=list)
    not_understood: list[str] = field(default_factory=list)


_POSITION_RE = re.compile(r"week (\d+), day (\d+), exercise (\d+) \(([^)]*)\)", re.IGNORECASE)
# "exercise 85", "exercise id 85", "l'exercice 85", "(id 85)"; not "exercises 1, 2" (a volume note)
_ID_RE = re.compile(r"\b(?:exercise|exercice|id)(?: id)? #?(\d+)\b", re.IGNORECASE)
# "Replace exercise 85 (Row) with exercise 228 (Incline Row)": what follows "with" is the substitute
_REPLACE_WITH_RE = re.compile(r"\b(?:replace|remplacer)\b(.*?)\s(?:with|par)\s", re.IGNORECASE | re.DOTALL)
_REMOVE_WORDS = (
    *("remove", "move", "does not exist", "not in the exercise library", "retirer", "déplacer", "deplacer"),
    "pas dans la bibliothèque",
)
_ACTION_WORDS = (
    *_REMOVE_WORDS,
    *("ruled out", "not in the available equipment", "drop", "avoid", "replace", "rejected"),
    *("swap", "substitut", "contraindicat", "loads the", "load the", "risky", "unsafe", "flagged"),
    *("retir", "remplac", "supprim", "évit", "evit", "écart", "ecart", "rejet"),
)
_CONSTRUCTION_WORDS = (
    *("minutes", "sets in all", "training days", "rest day", "consecutive", "deload", "weeks", "numbered"),
    *("phase", "sets ", "reps", "rest ", "duration", "twice", "no exercise", "neither", "séries", "series"),
)


def _sessions_from_draft(draft: Mapping[str, Any]) -> list[SelectedSession]:
    plan = PlanDraft.model_validate({"title": "", "summary": "", **draft})
    if not plan.weeks:
        return []
    sessions: list[SelectedSession] = []
    for day in plan.weeks[0].days:
        if day.rest or not day.exercises:
            continue
        exercises = [
            SelectedExercise(
                exercise_id=item.exercise_id,
                name=item.name,
                sets=item.sets,
                reps=item.reps,
                duration_seconds=item.duration_seconds,
                rest_seconds=item.rest_seconds,
                reason=item.notes,
            )
            for item in day.exercises
        ]
        sessions.append(SelectedSession(index=len(sessions) + 1, name=day.name, exercises=exercises))
    return sessions


def _draft_position(draft: Mapping[str, Any] | None, week: int, day: int, index: int) -> int | None:
    try:
        item = draft["weeks"][week - 1]["days"][day - 1]["exercises"][index - 1]  # type: ignore[index]
        return int(item["exercise_id"])
    except (KeyError, IndexError, TypeError, ValueError):
        return None


def _note_targets(note: str, named: Mapping[int, str], draft: Mapping[str, Any] | None) -> set[int]:
    """The exercises among `named` (id: name) that a note asks to change: by position in the previous
    draft, by id, by name; in "Replace A with B", A only."""
    replacing = _REPLACE_WITH_RE.search(note)
    text = replacing[1] if replacing else note
    found: set[int] = set()
    for match in _POSITION_RE.finditer(text):
        week, day, index, name = int(match[1]), int(match[2]), int(match[3]), match[4].strip().casefold()
        by_position = _draft_position(draft, week, day, index)
        if by_position is not None and by_position in named:
            found.add(by_position)
        found |= {i for i, n in named.items() if n.casefold() == name}
    # "exercise 2" of "week 1, day 3, exercise 2 (Row)" is a position, not an id
    found |= {int(m[1]) for m in _ID_RE.finditer(_POSITION_RE.sub(" ", text)) if int(m[1]) in named}
    lowered = text.casefold()
    found |= {i for i, n in named.items() if len(n) >= 4 and n.casefold() in lowered}
    return found


class _Reviser:
    """Applies substitutions and revision notes to the selected sessions."""

    def __init__(self, data: PlannerInput, ctx: AgentContext, library: dict[int, Exercise]) -> None:
        self.data, self.ctx, self.library = data, ctx, library
        self.goal, self.level = goal_of(data), level_of(data)
        self.revision = Revision()

    def _selected(self, exercise: Exercise, why: str) -> SelectedExercise:
        dose = workouts.prescription(exercise, self.goal, self.level, short_session=self.data.session_minutes < 25)
        reps, _bounds = whole_reps(dose.reps)
        return SelectedExercise(
            exercise_id=exercise.id,
            name=exercise.name_in(self.ctx.language),
            muscles=list(exercise.muscles or []),
            sets=dose.sets,
            reps=reps,
            duration_seconds=dose.duration_seconds if reps is None else None,
            rest_seconds=dose.rest_seconds,
            reason=why,
        )

    def swap(self, sessions: list[SelectedSession], old_id: int, new: Exercise | None, why: str) -> None:
        """Replace an exercise everywhere by `new` (None: drop it where the session keeps another)."""
        old = self.library.get(old_id)
        old_name = old.name_in(self.ctx.language) if old else str(old_id)
        for session in sessions:
            ids = [e.exercise_id for e in session.exercises]
            if old_id not in ids:
                continue
            position = ids.index(old_id)
            if new is not None and new.id not in ids:
                text = self.ctx.t(f"Replaces {old_name}: {why}", f"Remplace {old_name} : {why}")
                session.exercises[position] = self._selected(new, text)
                self.revision.replaced.append({"exercise_id": old_id, "by": new.id, "session": session.index})
            elif len(session.exercises) > 1:
                session.exercises.pop(position)
                self.revision.removed.append({"exercise_id": old_id, "session": session.index})
            elif new is None:
                # the only exercise of the session and nothing to put in its place: a similar one
                similar = self.similar(old_id, sessions)
                if similar is not None:
                    text = self.ctx.t(f"Replaces {old_name}: {why}", f"Remplace {old_name} : {why}")
                    session.exercises[position] = self._selected(similar, text)
                    self.revision.replaced.append({"exercise_id": old_id, "by": similar.id, "session": session.index})

    def similar(self, exercise_id: int, sessions: list[SelectedSession]) -> Exercise | None:
        exercise = self.library.get(exercise_id)
        if exercise is None:
            return None
        used = {e.exercise_id for s in sessions for e in s.exercises}
        found = similar_exercises(exercise, self.data, self.ctx, exclude=used, limit=1)
        return found[0] if found else None

    def substitute(self, sessions: list[SelectedSession]) -> None:
        why = self.ctx.t("the injury review asked for a safer exercise.", "la revue des risques demande plus sûr.")
        for substitution in self.data.substitutions:
            new = self.library.get(substitution.substitute_id)
            if new is None:
                new = self.similar(substitution.exercise_id, sessions)
            self.swap(sessions, substitution.exercise_id, new, why)

    def apply_notes(self, sessions: list[SelectedSession]) -> None:
        """Each note naming exercises of the plan with a verb of change (replace, remove, ruled out,
        rejected, ...) replaces them with a similar exercise for the same muscle, or removes them (a
        note that says remove or move, or an exercise that does not exist); a note about an exercise
        a substitution already replaced is done; notes about structure, time and volume are met by
        how the plan is built; the others are reported as not understood."""
        substituted = {s.exercise_id for s in self.data.substitutions}
        for note in self.data.revision_notes:
            lowered = note.casefold()
            named = {e.exercise_id: e.name for s in sessions for e in s.exercises}
            named.update({i: self.library[i].name_in(self.ctx.language) for i in substituted if i in self.library})
            targets = _note_targets(note, named, self.data.previous_draft)
            if targets and any(word in lowered for word in _ACTION_WORDS):
                why = self.ctx.t(f"a review asked for it ({note})", f"une revue l'a demandé ({note})")
                remove = any(word in lowered for word in _REMOVE_WORDS)
                for exercise_id in sorted(targets - substituted):
                    new = None if remove else self.similar(exercise_id, sessions)
                    self.swap(sessions, exercise_id, new, why)
                if targets <= substituted:
                    self.revision.by_substitution.append(note)
            elif any(word in lowered for word in _CONSTRUCTION_WORDS):
                self.revision.by_construction.append(note)
            else:
                self.revision.not_understood.append(note)


# ---------------------------------------------------------------- generate


def _selection_sessions(data: PlannerInput, ctx: AgentContext) -> tuple[list[SelectedSession], str]:
    """The sessions to lay out, and where they came from."""
    if data.selection:
        try:
            selection = SelectorOutput.model_validate(data.selection)
            if selection.sessions:
                return [s.model_copy(deep=True) for s in selection.sessions], "selection"
        except ValidationError:
            pass
    if data.previous_draft:
        try:
            sessions = _sessions_from_draft(data.previous_draft)
            if sessions:
                return sessions, "previous_draft"
        except ValidationError:
            pass
    selector_input = SelectorInput(
        goal=goal_of(data),
        level=level_of(data),
        days_per_week=days_of(data),
        session_minutes=data.session_minutes,
        equipment=list(data.equipment),
        limitations=list(data.limitations),
        mode="week",
    )
    return SELECTOR.rules(selector_input, ctx).sessions, "selector_rules"


def _title(data: PlannerInput, ctx: AgentContext) -> tuple[str, str]:
    weeks, days, goal = weeks_of(data), days_of(data), goal_of(data)
    goal_name = workouts._t(workouts.GOAL_NAMES[goal], ctx.language)
    deloads = expected_deload_weeks(weeks)
    title = ctx.t(
        f"{weeks}-week {goal_name} plan, {days} days a week",
        f"Programme {goal_name} : {weeks} semaines, {days} jours par semaine",
    )
    if deloads:
        listed = ", ".join(str(w) for w in deloads)
        deload_en = (
            f"week {listed} is a lighter deload week"
            if len(deloads) == 1
            else f"weeks {listed} are lighter deload weeks"
        )
        deload_fr = (
            f"la semaine {listed} est une semaine de décharge"
            if len(deloads) == 1
            else f"les semaines {listed} sont des semaines de décharge"
        )
        summary = ctx.t(
            f"{weeks} weeks of {days} sessions of about {data.session_minutes} minutes. Reps rise to the top of "
            f"each range, then a set is added; {deload_en} to recover.",
            f"{weeks} semaines de {days} séances d'environ {data.session_minutes} minutes. Les répétitions montent "
            f"jusqu'au haut de chaque fourchette, puis une série s'ajoute ; {deload_fr} pour récupérer.",
        )
    else:
        summary = ctx.t(
            f"{weeks} week{'s' if weeks > 1 else ''} of {days} sessions of about {data.session_minutes} minutes. "
            "Reps rise to the top of each range, then a set is added.",
            f"{weeks} semaine{'s' if weeks > 1 else ''} de {days} séances d'environ {data.session_minutes} "
            "minutes. Les répétitions montent jusqu'au haut de chaque fourchette, puis une série s'ajoute.",
        )
    return title, summary


def _base_week(
    sessions: list[SelectedSession], data: PlannerInput, ctx: AgentContext, library: dict[int, Exercise]
) -> tuple[list[Day], list[str]]:
    days = days_of(data)
    layout = workouts.WEEK_LAYOUT[days]
    goal, level = goal_of(data), level_of(data)
    trims: list[str] = []
    base: list[Day] = []
    for index, day_number in enumerate(layout):
        session = sessions[index % len(sessions)]
        name = session.name
        if index >= len(sessions):
            name = f"{session.name} ({ctx.t('again', 'bis')})"
        day = Day(day=day_number, name=name)
        seen: set[int] = set()
        for selected in session.exercises:
            exercise = library.get(selected.exercise_id)
            if exercise is None or exercise.id in seen:
                trims.append(f"day {day_number}: exercise {selected.exercise_id} left out (unknown or repeated)")
                continue
            seen.add(exercise.id)
            day.doses.append(
                make_dose(
                    exercise, selected, goal=goal, level=level, minutes=data.session_minutes, language=ctx.language
                )
            )
        base.append(day)
    for day in base:
        trims += [f"day {day.day}: {change}" for change in cap_muscle_sets(day)]
        trims += [f"day {day.day}: {change}" for change in fit_minutes(day, data.session_minutes)]
        if weeks_of(data) >= 3:
            trims += [f"day {day.day}: {change}" for change in leave_room(day, data.session_minutes)]
    trims += spare_consecutive(base)
    return base, trims


def _plateaued(analysis: Mapping[str, Any] | None) -> dict[int, int]:
    """The analysis's plateaus: exercise id -> weeks flat."""
    plateaus = (analysis or {}).get("plateaus") or []
    return {
        p["exercise_id"]: int(p.get("weeks_flat") or 0)
        for p in plateaus
        if isinstance(p, Mapping) and isinstance(p.get("exercise_id"), int)
    }


def _draft_weeks(base: list[Day], data: PlannerInput, ctx: AgentContext) -> list[DraftWeek]:
    weeks = weeks_of(data)
    states: list[list[Day]] = []
    last_loading = base
    for week in range(1, weeks + 1):
        phase = phase_of(week, weeks)
        if week == 1:
            state = base
        elif phase == DELOAD:
            state = deload_week(last_loading)
        else:
            state = progress_week(last_loading, _total(last_loading), data.session_minutes)
        if phase != DELOAD:
            last_loading = state
        states.append(state)
    base_total = max(1, _total(base))
    plateaued = _plateaued(data.analysis)
    drafts: list[DraftWeek] = []
    rest_name = workouts._t(workouts.SESSION_NAMES["rest"], ctx.language)
    for week, state in enumerate(states, 1):
        phase = phase_of(week, weeks)
        by_day = {day.day: day for day in state}
        days: list[DraftDay] = []
        for number in range(1, 8):
            training = by_day.get(number)
            if training is None:
                days.append(DraftDay(day=number, name=rest_name, rest=True, exercises=[]))
                continue
            exercises = [
                DraftExercise(**{**dose.as_item(), "notes": _note(dose, phase, ctx)}) for dose in training.doses
            ]
            if week == 1:
                for exercise in exercises:
                    if exercise.exercise_id in plateaued:
                        exercise.notes += " " + ctx.t(
                            f"Flat for {plateaued[exercise.exercise_id]} weeks in your logs: restart a little "
                            "lighter, with strict form, and build back up.",
                            f"Stable depuis {plateaued[exercise.exercise_id]} semaines dans vos séances : repartez "
                            "un peu plus léger, technique stricte, puis remontez.",
                        )
            days.append(DraftDay(day=number, name=training.name, rest=False, exercises=exercises))
        drafts.append(DraftWeek(week=week, phase=phase, volume_factor=round(_total(state) / base_total, 2), days=days))
    return drafts


def _revision_step(revision: Revision, ctx: AgentContext) -> ReasoningStep | None:
    if not (
        revision.replaced
        or revision.removed
        or revision.by_construction
        or revision.by_substitution
        or revision.not_understood
    ):
        return None
    return step(
        ctx.t("Revised the draft as the reviews asked.", "Brouillon révisé selon les revues."),
        ctx.t(
            "Exercises the injury review or the validator named were replaced by similar ones for the same "
            "muscle, or left out; problems of structure, time and volume are met by how the plan is built.",
            "Les exercices signalés par la revue des risques ou le validateur ont été remplacés par des exercices "
            "semblables pour le même muscle, ou retirés ; structure, durée et volume sont respectés par construction.",
        ),
        replaced=revision.replaced,
        removed=revision.removed,
        met_by_construction=revision.by_construction,
        done_by_substitutions=revision.by_substitution,
        not_understood=revision.not_understood,
    )


def generate_rules(data: PlannerInput, ctx: AgentContext) -> PlanDraft:
    sessions, source = _selection_sessions(data, ctx)
    wanted = {e.exercise_id for s in sessions for e in s.exercises}
    wanted |= {s.substitute_id for s in data.substitutions} | {s.exercise_id for s in data.substitutions}
    library = Exercise.objects.in_bulk(sorted(wanted))
    reviser = _Reviser(data, ctx, library)
    reviser.substitute(sessions)
    reviser.apply_notes(sessions)
    # the substitutes and replacements chosen along the way
    missing = {e.exercise_id for s in sessions for e in s.exercises} - set(library)
    if missing:
        library.update(Exercise.objects.in_bulk(sorted(missing)))
    sessions = [s for s in sessions if s.exercises] or sessions

    base, trims = _base_week(sessions, data, ctx, library)
    weeks = _draft_weeks(base, data, ctx)
    title, summary = _title(data, ctx)
    draft = PlanDraft(
        title=title,
        summary=summary,
        weeks=weeks,
        deload_weeks=expected_deload_weeks(weeks_of(data)),
        suggestions=[],
    )
    volumes = weekly_volumes(draft.model_dump())
    layout = list(workouts.WEEK_LAYOUT[days_of(data)])
    deloads = draft.deload_weeks
    reasoning = [
        step(
            ctx.t(
                f"Laid out {len(sessions)} sessions on days {layout} of each week.",
                f"{len(sessions)} séances placées aux jours {layout} de chaque semaine.",
            ),
            ctx.t(
                "Training days are spread out with rest days between them, and day 7 always rests.",
                "Les jours d'entraînement sont espacés par des jours de repos, et le jour 7 est toujours au repos.",
            ),
            source=source,
            days_per_week=days_of(data),
            adjustments=trims,
        ),
        step(
            ctx.t(
                f"Periodised in blocks of four weeks: base, build, peak, then deload (weeks {deloads or 'none'}).",
                f"Périodisation par blocs de quatre semaines : base, développement, pic, puis décharge (semaines "
                f"{deloads or 'aucune'}).",
            ),
            ctx.t(
                "Three weeks of rising load then a lighter week (about 60% of the sets) lets the body adapt "
                "without piling up fatigue.",
                "Trois semaines de charge croissante puis une semaine plus légère (environ 60 % des séries) "
                "laissent le corps s'adapter sans accumuler de fatigue.",
            ),
            phases=[week.phase for week in weeks],
            deload_weeks=draft.deload_weeks,
        ),
        step(
            ctx.t(
                "Progressive overload: reps first, then sets, within each exercise's range.",
                "Surcharge progressive : d'abord les répétitions, puis les séries, dans la fourchette de chaque "
                "exercice.",
            ),
            ctx.t(
                f"Weekly sets never rise more than {round(progression_step() * 100)}% over the week before "
                "(except after a deload), and sessions keep within their minutes.",
                f"Les séries de la semaine n'augmentent jamais de plus de {round(progression_step() * 100)} % sur "
                "la semaine précédente (sauf après une décharge), et les séances tiennent dans leur durée.",
            ),
            weekly_sets=volumes,
            volume_factors=[week.volume_factor for week in weeks],
            session_minutes=data.session_minutes,
        ),
    ]
    if data.analysis:
        recovery = data.analysis.get("recovery") if isinstance(data.analysis.get("recovery"), Mapping) else None
        in_plan = sorted(set(_plateaued(data.analysis)) & {d.exercise_id for day in base for d in day.doses})
        reasoning.append(
            step(
                ctx.t("Read the progress analysis.", "Analyse de progression lue."),
                ctx.t(
                    "Exercises that stalled in the logs restart a little lighter in week 1; the progression "
                    "then builds them back up.",
                    "Les exercices qui stagnent repartent un peu plus léger en semaine 1 ; la progression les "
                    "fait ensuite remonter.",
                ),
                plateaued_in_plan=in_plan,
                adherence=data.analysis.get("adherence"),
                fatigue=recovery.get("fatigue") if recovery else None,
            )
        )
    revised = _revision_step(reviser.revision, ctx)
    if revised is not None:
        reasoning.insert(1, revised)
    draft.reasoning = reasoning
    return draft


# ---------------------------------------------------------------- optimize


def _stored_item(item: Any) -> dict[str, Any] | None:
    """A stored plan exercise in the draft's shape (a stored row may lack notes, sets or rest)."""
    if not isinstance(item, Mapping) or not isinstance(item.get("exercise_id"), int):
        return None
    return {
        "exercise_id": item["exercise_id"],
        "name": str(item.get("name") or ""),
        "sets": item.get("sets") if isinstance(item.get("sets"), int) else 3,
        "reps": item.get("reps") if isinstance(item.get("reps"), int) else None,
        "duration_seconds": item.get("duration_seconds") if isinstance(item.get("duration_seconds"), int) else None,
        "rest_seconds": item.get("rest_seconds") if isinstance(item.get("rest_seconds"), int) else 60,
        "notes": str(item.get("notes") or ""),
    }


def _current_weeks(current: Mapping[str, Any] | None) -> list[DraftWeek]:
    """The current plan's weeks, read leniently (what cannot be read is left out)."""
    weeks: list[DraftWeek] = []
    raw = current.get("weeks") if isinstance(current, Mapping) else None
    for index, week in enumerate(raw if isinstance(raw, list) else [], 1):
        if not isinstance(week, Mapping):
            continue
        days = []
        for number, day in enumerate(week.get("days") or [], 1):
            if not isinstance(day, Mapping):
                continue
            items = [found for item in day.get("exercises") or [] if (found := _stored_item(item)) is not None]
            days.append(
                {
                    "day": day.get("day") or number,
                    "name": str(day.get("name") or ""),
                    "rest": not items,
                    "exercises": items,
                }
            )
        try:
            weeks.append(
                DraftWeek.model_validate(
                    {
                        "week": week.get("week") or index,
                        "phase": week.get("phase") or "base",
                        "volume_factor": week.get("volume_factor") or 1.0,
                        "days": days,
                    }
                )
            )
        except ValidationError:
            continue
    return weeks


class _Optimizer:
    def __init__(self, data: PlannerInput, ctx: AgentContext) -> None:
        self.data, self.ctx = data, ctx
        self.weeks = _current_weeks(data.current_plan)
        self.analysis: dict[str, Any] = dict(data.analysis or {})
        self.in_plan: dict[int, list[tuple[int, int]]] = {}
        for week in self.weeks:
            for day in week.days:
                for item in day.exercises:
                    self.in_plan.setdefault(item.exercise_id, []).append((week.week, day.day))
        self.suggestions: list[Suggestion] = []
        self.reasoning: list[ReasoningStep] = []

    def t(self, english: str, french: str) -> str:
        return self.ctx.t(english, french)

    def add(self, change: Change, why: str, **where: Any) -> None:
        self.suggestions.append(Suggestion(change=change, why=why, **where))

    def plateaus(self) -> None:
        plateaus = [p for p in self.analysis.get("plateaus") or [] if isinstance(p, Mapping)]
        ids = {int(p["exercise_id"]) for p in plateaus if isinstance(p.get("exercise_id"), int)}
        library = Exercise.objects.in_bulk(sorted(ids))
        for plateau in plateaus:
            exercise_id = plateau.get("exercise_id")
            exercise = library.get(exercise_id) if isinstance(exercise_id, int) else None
            if exercise is None:
                continue
            name = exercise.name_in(self.ctx.language)
            flat = int(plateau.get("weeks_flat") or 0)
            where = self.in_plan.get(exercise.id, [])
            week, day = where[0] if where else (None, None)
            similar = (
                similar_exercises(exercise, self.data, self.ctx, exclude=set(self.in_plan), limit=1)
                if flat >= LONG_PLATEAU_WEEKS
                else []
            )
            if similar:
                other = similar[0]
                self.add(
                    "replace",
                    self.t(
                        f"{name} has not progressed for {flat} weeks: {other.name_in('en')} works the same "
                        f"{(exercise.muscles or ['muscles'])[0]} from a new angle and restarts progress.",
                        f"{name} stagne depuis {flat} semaines : {other.name_in('fr')} travaille le même muscle "
                        "sous un autre angle et relance la progression.",
                    ),
                    week=week,
                    day=day,
                    exercise_id=exercise.id,
                    suggested_exercise_id=other.id,
                )
            else:
                self.add(
                    "progress_load",
                    self.t(
                        f"{name} has been flat for {flat} weeks: add a small load (2.5 kg, or one more rep per "
                        "set) and keep it until every set feels solid.",
                        f"{name} stagne depuis {flat} semaines : ajoutez une petite charge (2,5 kg, ou une "
                        "répétition par série) et gardez-la jusqu'à ce que chaque série soit solide.",
                    ),
                    week=week,
                    day=day,
                    exercise_id=exercise.id,
                )
        if plateaus:
            self.reasoning.append(
                step(
                    self.t("Answered each plateau.", "Réponse à chaque plateau."),
                    self.t(
                        f"A plateau of {LONG_PLATEAU_WEEKS}+ weeks calls for a similar exercise; a shorter one for "
                        "a small load increase.",
                        f"Un plateau de {LONG_PLATEAU_WEEKS} semaines ou plus appelle un exercice semblable ; un "
                        "plus court, une petite hausse de charge.",
                    ),
                    plateaus=[
                        {"exercise_id": p.get("exercise_id"), "weeks_flat": p.get("weeks_flat")} for p in plateaus
                    ],
                )
            )

    def biggest(self) -> DraftExercise | None:
        items = [item for week in self.weeks[:1] for day in week.days for item in day.exercises]
        return max(items, key=lambda item: item.sets, default=None)

    def fatigue(self) -> None:
        found = self.analysis.get("recovery")
        recovery: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
        fatigue = recovery.get("fatigue")
        rpe = recovery.get("avg_rpe")
        rest = bool(recovery.get("rest_recommended"))
        high_rpe = isinstance(rpe, (int, float)) and rpe >= HIGH_RPE
        if fatigue == "high" or rest:
            self.add(
                "deload",
                self.t(
                    f"Fatigue is high{f' (average RPE {rpe})' if rpe else ''}: make next week a deload, about 60% "
                    "of the sets at lighter loads, then resume.",
                    f"La fatigue est élevée{f' (RPE moyen {rpe})' if rpe else ''} : faites de la semaine prochaine "
                    "une décharge, environ 60 % des séries avec des charges plus légères, puis reprenez.",
                ),
            )
        if fatigue == "high" or high_rpe:
            biggest = self.biggest()
            self.add(
                "reduce_volume",
                self.t(
                    f"Sessions feel hard{f' (average RPE {rpe})' if rpe else ''}: one set less on the biggest "
                    "exercises keeps the quality of the work.",
                    f"Les séances sont dures{f' (RPE moyen {rpe})' if rpe else ''} : une série de moins sur les "
                    "plus gros exercices préserve la qualité du travail.",
                ),
                exercise_id=biggest.exercise_id if biggest else None,
            )
        if fatigue or rpe is not None:
            self.reasoning.append(
                step(
                    self.t("Read the recovery signals.", "Lecture des signaux de récupération."),
                    self.t(
                        "High fatigue or an average RPE of 8.5+ calls for less volume before more.",
                        "Une fatigue élevée ou un RPE moyen de 8,5 ou plus demande moins de volume avant d'en ajouter.",
                    ),
                    fatigue=fatigue,
                    avg_rpe=rpe,
                    rest_recommended=rest,
                )
            )

    def adherence(self) -> None:
        adherence = self.analysis.get("adherence")
        if not isinstance(adherence, (int, float)):
            return
        days = days_of(self.data)
        percent = round(adherence * 100)
        if adherence < LOW_ADHERENCE:
            if days > 2:
                self.add(
                    "add_rest_day",
                    self.t(
                        f"You completed {percent}% of planned sessions: {days - 1} days a week you can keep beats "
                        f"{days} you miss.",
                        f"Vous avez fait {percent} % des séances prévues : {days - 1} jours par semaine tenus "
                        f"valent mieux que {days} manqués.",
                    ),
                )
            self.add(
                "reduce_volume",
                self.t(
                    f"With {percent}% of sessions done, shorter sessions (one set less per exercise) are easier to fit "
                    "into your week.",
                    f"Avec {percent} % des séances faites, des séances plus courtes (une série de moins par exercice) "
                    "trouvent plus facilement leur place dans la semaine.",
                ),
            )
        elif adherence >= HIGH_ADHERENCE and not self.suggestions:
            biggest = self.biggest()
            if biggest is not None:
                self.add(
                    "add_set",
                    self.t(
                        f"You completed {percent}% of sessions with no sign of fatigue: one more set of "
                        f"{biggest.name} moves you forward.",
                        f"Vous avez fait {percent} % des séances sans signe de fatigue : une série de plus de "
                        f"{biggest.name} vous fait progresser.",
                    ),
                    exercise_id=biggest.exercise_id,
                )
        self.reasoning.append(
            step(
                self.t("Weighed adherence.", "Prise en compte de l'assiduité."),
                self.t(
                    f"Below {round(LOW_ADHERENCE * 100)}% of planned sessions, the plan is too much for the week "
                    "as lived; above 90% with low fatigue, it can grow.",
                    f"Sous {round(LOW_ADHERENCE * 100)} % des séances prévues, le programme est trop lourd pour la "
                    "semaine réelle ; au-dessus de 90 % avec peu de fatigue, il peut grandir.",
                ),
                adherence=adherence,
                days_per_week=days,
            )
        )

    def structure(self) -> None:
        """The plan itself: a deload every 4th week, and volume rising within the step."""
        if not self.weeks:
            return
        draft = {"weeks": [week.model_dump() for week in self.weeks], "deload_weeks": []}
        volumes = weekly_volumes(draft)
        # a stored plan names no phases: a week with a fifth fewer sets than the one before is a deload
        deloads = deload_week_numbers(draft) | {
            index + 1 for index in range(1, len(volumes)) if volumes[index] <= volumes[index - 1] * LIGHTER_WEEK
        }
        if len(self.weeks) >= 4 and not deloads:
            self.add(
                "deload",
                self.t(
                    "The plan has no lighter week: a deload every 4th week (about 60% of the sets) lets you "
                    "recover and keep progressing.",
                    "Le programme n'a pas de semaine légère : une décharge toutes les 4 semaines (environ 60 % des "
                    "séries) permet de récupérer et de continuer à progresser.",
                ),
                week=4,
            )
        for index in range(1, len(volumes)):
            previous_week, week = index, index + 1
            if week in deloads or previous_week in deloads:
                continue
            if volumes[index] > max_next_volume(volumes[index - 1]):
                self.add(
                    "remove_set",
                    self.t(
                        f"Week {index + 1} jumps from {volumes[index - 1]} to {volumes[index]} sets: rises of "
                        f"more than {round(progression_step() * 100)}% a week raise the risk of injury.",
                        f"La semaine {index + 1} passe de {volumes[index - 1]} à {volumes[index]} séries : des "
                        f"hausses de plus de {round(progression_step() * 100)} % par semaine augmentent le risque "
                        "de blessure.",
                    ),
                    week=index + 1,
                )
                break

    def run(self) -> PlanDraft:
        if not self.analysis or not self.analysis.get("has_history", True):
            self.reasoning.append(
                step(
                    self.t(
                        "No training history to read: looked at the plan only.",
                        "Pas d'historique : seul le programme est examiné.",
                    ),
                    self.t(
                        "Plateaus, fatigue and adherence come from logged workouts.",
                        "Plateaux, fatigue et assiduité viennent des séances enregistrées.",
                    ),
                    has_history=False,
                )
            )
        self.plateaus()
        self.fatigue()
        self.adherence()
        self.structure()
        if not self.suggestions:
            self.reasoning.append(
                step(
                    self.t("No change needed.", "Aucun changement nécessaire."),
                    self.t(
                        "No plateau, no sign of fatigue and good adherence: keep following the plan.",
                        "Pas de plateau, pas de fatigue et une bonne assiduité : continuez le programme.",
                    ),
                )
            )
        plan_id = (self.data.current_plan or {}).get("plan_id")
        return PlanDraft(
            title=self.t("Suggested changes to your plan", "Changements suggérés pour votre programme"),
            summary=self.t(
                f"{len(self.suggestions)} suggested change{'s' if len(self.suggestions) != 1 else ''}, each with why.",
                f"{len(self.suggestions)} changement{'s' if len(self.suggestions) != 1 else ''} suggéré"
                f"{'s' if len(self.suggestions) != 1 else ''}, chacun avec sa raison.",
            ),
            weeks=self.weeks,
            deload_weeks=sorted(w.week for w in self.weeks if w.phase == DELOAD),
            suggestions=self.suggestions[:MAX_SUGGESTIONS],
            reasoning=[
                step(
                    self.t("Reviewed the current plan.", "Programme actuel examiné."),
                    self.t("Suggestions come from the progress analysis.", "Les suggestions viennent de l'analyse."),
                    plan_id=plan_id,
                    weeks=len(self.weeks),
                ),
                *self.reasoning,
            ],
        )


# ---------------------------------------------------------------- the agent


class SimilarArgs(BaseModel):
    exercise_id: int = Field(description="The exercise to find alternatives for")
    limit: int = Field(default=5, description=f"How many, at most {MAX_SIMILAR}")


class WorkoutPlanner(Agent[PlannerInput, PlanDraft]):
    name = WORKOUT_PLANNER
    purpose = (
        "Builds multi-week programmes from the selected exercises, with periodisation, progressive overload "
        "and deload weeks, revises them on review, and suggests changes to a current plan from progress."
    )
    prompt = (
        "You are MovoAI's workout planner. Mode 'generate': lay out exactly `weeks` weeks of 7 days (day 1-7) "
        "from the selection's sessions: exactly days_per_week training days per week at the given training "
        "days, the other days rest (rest true, no exercises). Periodise in blocks of four weeks: base, build, "
        "peak, then a deload week (weeks 4, 8, 12; phase 'deload', about 60% of the sets), list them in "
        "deload_weeks. Progressive overload: add reps up to the top of each exercise's range, then a set. The "
        "total sets of a week may never exceed the previous week's by more than the allowed step, except the "
        "week right after a deload. No muscle worked by 2+ exercises or 6+ sets on two consecutive days. Keep "
        "sets 1-10, reps a whole number 1-50 (or duration_seconds for timed work), rest 15-300 s, and each "
        "session within session_minutes including a 5-minute warm-up. Apply every substitution and fix every "
        "revision note; use similar_exercises for a replacement. volume_factor is the week's total sets over "
        "week 1's. suggestions stay empty. Mode 'optimize': keep the current plan's weeks and write "
        "suggestions (replace, add_set, remove_set, deload, reduce_volume, add_rest_day, progress_load), each "
        "with why citing the analysis (plateaus, fatigue, adherence). Texts in the person's language; record "
        "your main decisions in `reasoning`."
    )
    input_model = PlannerInput
    output_model = PlanDraft
    max_tokens = 16000

    def rules(self, data: PlannerInput, ctx: AgentContext) -> PlanDraft:
        if data.mode == "optimize":
            return _Optimizer(data, ctx).run()
        return generate_rules(data, ctx)

    def tools(self, data: PlannerInput, ctx: AgentContext) -> Sequence[BaseTool]:
        def find_similar(exercise_id: int, limit: int = 5) -> str:
            exercise = Exercise.objects.filter(id=exercise_id).first()
            if exercise is None:
                return json.dumps({"error": f"No exercise {exercise_id}."})
            found = similar_exercises(exercise, data, ctx, exclude=set(), limit=max(1, min(limit, MAX_SIMILAR)))
            rows = [
                {
                    "id": other.id,
                    "name": other.name_in(ctx.language),
                    "muscles": list(other.muscles or []),
                    "equipment": list(other.equipments or []),
                    "category": other.category,
                }
                for other in found
            ]
            return json.dumps({"exercise_id": exercise_id, "similar": rows}, ensure_ascii=False)

        return [
            StructuredTool.from_function(
                func=find_similar,
                name="similar_exercises",
                description=(
                    "Exercises for the same primary muscle as the given one that this person may do (equipment, "
                    "limitations and level applied): id, name, muscles, equipment, category."
                ),
                args_schema=SimilarArgs,
            )
        ]

    def user_message(self, data: PlannerInput, ctx: AgentContext) -> str:
        language = "French" if ctx.language == "fr" else "English"
        facts = {
            "training_days": list(workouts.WEEK_LAYOUT[days_of(data)]),
            "deload_weeks": expected_deload_weeks(weeks_of(data)),
            "progression_step": progression_step(),
            "max_sets_for_level": LEVEL_MAX_SETS.get(level_of(data), 4),
        }
        return f"Answer in {language}. Input:\n{data.model_dump_json()}\n\nRules in numbers: {json.dumps(facts)}"

    def check(self, output: PlanDraft, data: PlannerInput, ctx: AgentContext) -> list[str]:
        if data.mode == "optimize":
            return suggestion_problems(output, data)
        problems = validate_plan(
            output.model_dump(mode="json"),
            weeks=weeks_of(data),
            days_per_week=days_of(data),
            session_minutes=data.session_minutes,
            equipment=list(data.equipment),
            limitations=list(data.limitations),
            level=level_of(data),
        )
        if output.suggestions:
            problems.append("suggestions are for mode 'optimize' only")
        flagged = {s.exercise_id for s in data.substitutions}
        used = {item.exercise_id for week in output.weeks for day in week.days for item in day.exercises}
        for exercise_id in sorted(flagged & used):
            problems.append(f"exercise {exercise_id} was to be substituted and is still in the plan")
        return problems


def suggestion_problems(output: PlanDraft, data: PlannerInput) -> list[str]:
    """A model's optimize answer: suggestions with a reason, weeks and days within the plan, and
    exercise ids that exist (one query)."""
    problems: list[str] = []
    weeks = len(_current_weeks(data.current_plan)) or weeks_of(data)
    ids = {s.exercise_id for s in output.suggestions} | {s.suggested_exercise_id for s in output.suggestions}
    known = set(Exercise.objects.filter(id__in=[i for i in ids if i is not None]).values_list("id", flat=True))
    for number, suggestion in enumerate(output.suggestions, 1):
        where = f"suggestion {number} ({suggestion.change})"
        if not suggestion.why.strip():
            problems.append(f"{where}: no why")
        if suggestion.week is not None and not 1 <= suggestion.week <= weeks:
            problems.append(f"{where}: week {suggestion.week} is not in the plan")
        if suggestion.day is not None and not 1 <= suggestion.day <= 7:
            problems.append(f"{where}: day {suggestion.day} is not 1-7")
        for exercise_id in (suggestion.exercise_id, suggestion.suggested_exercise_id):
            if exercise_id is not None and exercise_id not in known:
                problems.append(f"{where}: exercise id {exercise_id} does not exist")
        if suggestion.change == "replace" and suggestion.suggested_exercise_id is None:
            problems.append(f"{where}: a replacement names no exercise")
    return problems


AGENT = WorkoutPlanner()
