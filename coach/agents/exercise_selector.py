"""The exercise selector: which exercises, how many sets and reps, for a week of sessions or for
today's session, balanced across muscles and sparing those that are still recovering.

The rules are the workout engine's (coach.workouts): its split by days, its slots per session, its
pool filtered by equipment, limitations and level (coach.safety), its scoring (staples of the
template plans, preferences, exercises the user already logs) and its doses by goal. On top of the
engine this agent leaves out the exercises the caller asks to avoid (rejected before, flagged by the
injury review), keeps a muscle loaded one day from being loaded again the next day (mode "week"),
keeps today's session off the muscles trained in the last two days (mode "today"), and gives reps
as a whole number (the engine's "8-12" becomes 10, the range said in the reason), as plans store it.

With a model configured, the model picks from the same filtered pool through a tool, and `check`
rejects anything the rules would not allow (unknown or ruled-out ids, bad doses, wrong session
count, a muscle loaded on consecutive days).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, Field

from coach import workouts
from coach.agents.base import EXERCISE_SELECTOR, Agent, AgentContext, AgentOutput, ReasoningStep, step
from coach.plan_validation import LOADED_SETS, MINUTES_TOLERANCE, loaded_muscles, session_minutes_estimate
from coach.safety import contraindication_reasons
from coach.validation import (
    DURATION_RANGE,
    MAX_TRAINING_DAYS,
    REPS_RANGE,
    REST_RANGE,
    SETS_RANGE,
    muscle_codes,
    parse_reps,
)
from coach.workouts import Candidate, Plan, Session, WorkoutRequest
from exercises.models import Exercise
from exercises.taxonomy import MUSCLES

MAX_TOOL_CANDIDATES = 25
DEFAULT_TOOL_CANDIDATES = 12
MAX_REPAIRS = 30


# ---------------------------------------------------------------- schemas


class SelectorInput(BaseModel):
    goal: str = Field(default="general_fitness", description="A coach goal code (plan goal codes are read too)")
    level: str = Field(default="beginner", description="beginner, intermediate or advanced")
    days_per_week: int = Field(default=3, description="1 to 6 training days (clamped)")
    session_minutes: int = Field(default=45, description="Minutes per session, warm-up included (10-180)")
    equipment: list[str] = Field(default_factory=list, description="Equipment codes; empty: any equipment")
    limitations: list[str] = Field(default_factory=list, description="Body areas to spare, e.g. 'knee'")
    target_muscles: list[str] = Field(default_factory=list)
    avoid_exercise_ids: list[int] = Field(default_factory=list, description="Exercises never to choose")
    recent_muscles: list[str] = Field(default_factory=list, description="Muscles trained in the last 2 days")
    preferences: str = ""
    mode: Literal["week", "today"] = "week"
    rest_recommended: bool = Field(default=False, description="Mode today: recovery says rest today")


class SelectedExercise(BaseModel):
    exercise_id: int = Field(description="An id from the candidate list")
    name: str = Field(description="The exercise's name as the candidate list gives it")
    muscles: list[str] = Field(default_factory=list, description="Its primary muscles")
    sets: int = Field(description="1 to 10")
    reps: int | None = Field(default=None, description="A whole number 1-50; null for a timed exercise")
    duration_seconds: int | None = Field(default=None, description="Holds, stretches and cardio; else null")
    rest_seconds: int = Field(description="15 to 300")
    reason: str = Field(description="One short sentence: why this exercise and dose, for this person")


class SelectedSession(BaseModel):
    index: int = Field(description="1 to the number of sessions")
    name: str = Field(description="e.g. 'Full body A', 'Upper body', 'Push'")
    focus: list[str] = Field(default_factory=list, description="The primary muscles the session works")
    exercises: list[SelectedExercise]


class SelectorOutput(AgentOutput):
    split: str = Field(description="full_body, upper_lower, push_pull_legs, push_pull_legs_upper_lower or mobility")
    sessions: list[SelectedSession] = Field(default_factory=list)
    rest_day: bool = Field(default=False, description="Mode today only: recovery says rest, and no session")


# ---------------------------------------------------------------- the engine's reading of the input


def days_of(data: SelectorInput) -> int:
    return max(1, min(data.days_per_week, MAX_TRAINING_DAYS))


def engine_plan(data: SelectorInput, ctx: AgentContext) -> Plan:
    """The input as the workout engine reads it. The input is the whole truth about goal, level,
    equipment and limitations (the workflow filled it from the profile); the user's logs add the
    exercises they already do (preferred, with the next load in the reason) and the muscles they
    trained in the last two days, to the recent muscles the caller gives."""
    request = WorkoutRequest(
        goals=[data.goal],
        available_equipment=list(data.equipment),
        minutes_per_session=data.session_minutes,
        days_per_week=days_of(data),
        fitness_level=data.level,
        limitations=list(data.limitations),
        preferences=data.preferences,
        target_muscles=list(data.target_muscles),
    )
    plan = workouts.read_request(request, user=None, language=ctx.language)
    history = workouts._history(ctx.user) if ctx.user is not None else workouts.History()
    recent, _unknown = muscle_codes(data.recent_muscles)
    history.recent_muscles |= set(recent)
    plan.history = history
    return plan


def candidate_pool(plan: Plan, avoid: Sequence[int]) -> list[Candidate]:
    """The exercises the selection may use: the engine's pool without the avoided ids."""
    queryset = workouts.exercise_pool(plan)
    if avoid:
        queryset = queryset.exclude(id__in=sorted(set(avoid)))
    return workouts._candidates(plan, queryset)


def whole_reps(reps: str | int | None) -> tuple[int | None, tuple[int, int] | None]:
    """A whole number of reps for the engine's "8-12" (the middle, 10), and the range."""
    if reps is None:
        return None, None
    parsed = parse_reps(reps)
    if parsed is None:
        return None, None
    low, high = parsed
    return (low + high) // 2, parsed


def _range_text(reps: int, bounds: tuple[int, int] | None, ctx: AgentContext) -> str:
    if bounds is None or bounds[0] == bounds[1]:
        return ""
    low, high = bounds
    return ctx.t(
        f" Start at {reps} reps (range {low}-{high}): add reps up to {high}, then a set.",
        f" Commencez à {reps} répétitions (fourchette {low}-{high}) : ajoutez des répétitions jusqu'à {high}, "
        "puis une série.",
    )


def selected_exercise(item: dict[str, Any], candidate: Candidate | None, ctx: AgentContext) -> SelectedExercise:
    """An engine item (reps "8-12") as a selected exercise (reps 10, the range in the reason)."""
    reps, bounds = whole_reps(item.get("reps"))
    reason = str(item.get("reason") or "")
    if reps is not None:
        reason += _range_text(reps, bounds, ctx)
    return SelectedExercise(
        exercise_id=item["exercise_id"],
        name=item["name"],
        muscles=list(candidate.muscles) if candidate is not None else [],
        sets=item["sets"],
        reps=reps,
        duration_seconds=item.get("duration_seconds") if reps is None else None,
        rest_seconds=item["rest_seconds"],
        reason=reason.strip(),
    )


# ---------------------------------------------------------------- sparing muscles


@dataclass
class _Repairs:
    """What the sparing changed, for the reasoning."""

    replaced: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    kept: list[dict[str, Any]] = field(default_factory=list)


def _conflicts(
    items: list[dict[str, Any]], blocked: set[str], by_id: dict[int, Candidate], *, strict: bool
) -> set[str]:
    """The blocked muscles a session still works: loaded (2+ exercises or 6+ sets), or at all when strict."""
    if not blocked:
        return set()
    stretches = [c.id for c in by_id.values() if c.exercise.category in workouts.STRETCHING]
    muscles_of = {c.id: c.muscles for c in by_id.values()}
    if strict:
        worked = {m for item in items if item["exercise_id"] not in stretches for m in muscles_of[item["exercise_id"]]}
        return worked & blocked
    return loaded_muscles(items, muscles_of, stretches=stretches) & blocked


def _replacement(
    offending: Candidate,
    blocked: set[str],
    session: Session,
    plan: Plan,
    candidates: list[Candidate],
    *,
    items: list[dict[str, Any]],
    by_id: dict[int, Candidate],
    used_in_week: set[int],
) -> Candidate | None:
    """Another exercise for the session that works none of the blocked muscles, of the same kind
    (resistance or conditioning) and movement where possible, scored by the engine: for the
    session's muscles not worked yet, else for any of its muscles, else for any muscle."""
    used_today = {item["exercise_id"] for item in items}
    worked = {m for item in items for m in by_id[item["exercise_id"]].muscles}
    region = session.region - blocked
    conditioning = offending.exercise.category in workouts.CONDITIONING
    categories = workouts.CONDITIONING if conditioning else workouts.RESISTANCE
    compound = offending.exercise.mechanic == "compound" if offending.exercise.mechanic else None
    for muscles in [m for m in (region - worked, region) if m] + [frozenset()]:
        slot = workouts.Slot("target", tuple(sorted(muscles)), compound, offending.exercise.force, (), categories)
        options = [
            c
            for c in candidates
            if c.id not in used_today and c.muscle_set and c.muscle_set.isdisjoint(blocked) and workouts._fits(c, slot)
        ]
        if options:
            return max(
                options,
                key=lambda c: (workouts._score(c, slot, plan, used_in_week=used_in_week, avoid=blocked), -c.id),
            )
    return None


def _replacement_item(
    old: dict[str, Any], new: Candidate, muscles: set[str], plan: Plan, ctx: AgentContext
) -> dict[str, Any]:
    dose = workouts.prescription(new.exercise, plan.goal, plan.level, short_session=plan.minutes < 25)
    names = ", ".join(workouts._muscle_label(m, plan.language) for m in sorted(muscles))
    worked = ", ".join(workouts._muscle_label(m, plan.language) for m in new.muscles[:2])
    purpose = workouts._t(workouts.GOAL_PURPOSE[plan.goal], plan.language)
    reason = ctx.t(
        f"Instead of {old['name']}: your {names} need a day off, so this works your {worked}. "
        f"{dose.text('en')}: {purpose}.",
        f"À la place de {old['name']} : vos {names} ont besoin d'un jour de repos, cet exercice travaille "
        f"vos {worked}. {dose.text('fr')} : {purpose}.",
    )
    return {
        "exercise_id": new.id,
        "name": new.exercise.name_in(plan.language),
        "sets": dose.sets,
        "reps": dose.reps,
        "duration_seconds": dose.duration_seconds,
        "rest_seconds": dose.rest_seconds,
        "reason": reason,
    }


def spare_muscles(
    items: list[dict[str, Any]],
    blocked: set[str],
    *,
    session: Session,
    plan: Plan,
    candidates: list[Candidate],
    by_id: dict[int, Candidate],
    used_in_week: set[int],
    strict: bool,
    ctx: AgentContext,
    repairs: _Repairs,
) -> list[dict[str, Any]]:
    """The session's items reworked so that they load none of `blocked` (strict: work none of them):
    an offending exercise is replaced by one for other muscles, else removed (while more than one
    exercise remains; strict: more than two), else kept (the library allows no better)."""
    items = list(items)
    floor = workouts.MIN_EXERCISES if strict else 1
    for _ in range(MAX_REPAIRS):
        conflicts = _conflicts(items, blocked, by_id, strict=strict)
        if not conflicts:
            break
        position = max(i for i, item in enumerate(items) if conflicts.intersection(by_id[item["exercise_id"]].muscles))
        old = items[position]
        offending = by_id[old["exercise_id"]]
        new = _replacement(
            offending, blocked, session, plan, candidates, items=items, by_id=by_id, used_in_week=used_in_week
        )
        muscles = conflicts.intersection(offending.muscles)
        if new is not None:
            items[position] = _replacement_item(old, new, muscles, plan, ctx)
            by_id.setdefault(new.id, new)
            repairs.replaced.append({"exercise_id": old["exercise_id"], "by": new.id, "muscles": sorted(muscles)})
        elif len(items) > floor:
            items.pop(position)
            repairs.removed.append({"exercise_id": old["exercise_id"], "muscles": sorted(muscles)})
        else:
            repairs.kept.append({"exercise_id": old["exercise_id"], "muscles": sorted(muscles)})
            break
    return items


# ---------------------------------------------------------------- the rules


def _session_out(
    index: int, name: str, items: list[dict[str, Any]], by_id: dict[int, Candidate], ctx: AgentContext
) -> SelectedSession:
    exercises = [selected_exercise(item, by_id.get(item["exercise_id"]), ctx) for item in items]
    return SelectedSession(
        index=index,
        name=name,
        focus=workouts._focus(exercise.muscles for exercise in exercises),
        exercises=exercises,
    )


def _filters_step(data: SelectorInput, plan: Plan, candidates: list[Candidate], ctx: AgentContext) -> ReasoningStep:
    equipment = sorted(plan.allowed) if plan.allowed is not None else []
    return step(
        ctx.t(
            f"Chose from {len(candidates)} exercises that fit the equipment, limitations and level.",
            f"Choix parmi {len(candidates)} exercices adaptés au matériel, aux limitations et au niveau.",
        ),
        ctx.t(
            "Exercises needing other equipment, loading a stated limitation, too hard for the level or "
            "asked to be avoided are left out before anything is chosen.",
            "Les exercices demandant un autre matériel, sollicitant une limitation, trop difficiles pour le "
            "niveau ou à éviter sont écartés avant tout choix.",
        ),
        candidates=len(candidates),
        equipment=equipment or "any",
        limitation_areas=sorted(plan.areas),
        level=plan.level,
        goal=plan.goal,
        avoided_exercise_ids=sorted(set(data.avoid_exercise_ids)),
    )


def _repairs_step(repairs: _Repairs, ctx: AgentContext, *, today: bool) -> ReasoningStep | None:
    if not (repairs.replaced or repairs.removed or repairs.kept):
        return None
    if today:
        decision = ctx.t(
            "Kept today's session off the muscles trained in the last two days.",
            "Séance du jour tenue à l'écart des muscles travaillés ces deux derniers jours.",
        )
    else:
        decision = ctx.t(
            "Kept every muscle loaded one day from being loaded again the next day.",
            "Aucun muscle chargé un jour ne l'est de nouveau le lendemain.",
        )
    return step(
        decision,
        ctx.t(
            "A muscle needs about 48 hours to recover from a hard session: exercises for it were swapped "
            "for others, or dropped when the library had none.",
            "Un muscle a besoin d'environ 48 heures pour récupérer d'une séance dure : ses exercices ont été "
            "remplacés, ou retirés quand la bibliothèque n'en offrait pas d'autre.",
        ),
        replaced=repairs.replaced,
        removed=repairs.removed,
        kept_for_lack_of_alternatives=repairs.kept,
    )


def _rules_week(data: SelectorInput, ctx: AgentContext, plan: Plan, candidates: list[Candidate]) -> SelectorOutput:
    body, confidence = workouts.rules_workout(plan, candidates)
    sessions = workouts._rotate_for_recovery(workouts.week_sessions(plan.days, plan.goal), plan.history.recent_muscles)
    layout = workouts.WEEK_LAYOUT[plan.days]
    by_id = {c.id: c for c in candidates}
    training = [day for day in body["days"] if not day["rest"]]
    repairs = _Repairs()
    used_in_week = {item["exercise_id"] for day in training for item in day["exercises"]}
    outputs: list[SelectedSession] = []
    previous: list[dict[str, Any]] = []
    for index, (day, session) in enumerate(zip(training, sessions, strict=True)):
        items = list(day["exercises"])
        consecutive = index > 0 and layout[index] == layout[index - 1] + 1
        if consecutive and plan.goal != "mobility":
            blocked = _conflicts(previous, set(MUSCLES), by_id, strict=False)
            items = spare_muscles(
                items,
                blocked,
                session=session,
                plan=plan,
                candidates=candidates,
                by_id=by_id,
                used_in_week=used_in_week,
                strict=False,
                ctx=ctx,
                repairs=repairs,
            )
        previous = items
        outputs.append(_session_out(index + 1, day["name"], items, by_id, ctx))

    reasoning = [
        _filters_step(data, plan, candidates, ctx),
        step(
            ctx.t(
                f"A {workouts._t(workouts.SPLIT_NAMES[workouts._split_key(plan)], 'en')} split over {plan.days} days.",
                f"Une répartition {workouts._t(workouts.SPLIT_NAMES[workouts._split_key(plan)], 'fr')} sur "
                f"{plan.days} jours.",
            ),
            ctx.t(
                "Full body for 1-3 days, upper/lower for 4, push/pull/legs for 5-6: each muscle gets trained "
                "about twice a week with time to recover.",
                "Corps entier pour 1 à 3 jours, haut/bas pour 4, poussée/tirage/jambes pour 5 ou 6 : chaque "
                "muscle est travaillé environ deux fois par semaine avec le temps de récupérer.",
            ),
            split=workouts._split_key(plan),
            sessions=[session.name for session in outputs],
            training_days=list(layout),
            confidence=confidence,
        ),
        step(
            ctx.t(
                "Sets, reps and rest follow the goal; reps are a whole number inside the goal's range.",
                "Séries, répétitions et repos suivent l'objectif ; les répétitions sont un nombre entier dans la "
                "fourchette de l'objectif.",
            ),
            ctx.t(
                f"Goal {plan.goal}: {workouts._SCHEMES[plan.goal]}. Plans store one number of reps, so each "
                "exercise starts in the middle of its range.",
                f"Objectif {plan.goal} : {workouts._SCHEMES[plan.goal]}. Un programme enregistre un seul nombre "
                "de répétitions : chaque exercice commence au milieu de sa fourchette.",
            ),
            goal=plan.goal,
            session_minutes=plan.minutes,
        ),
    ]
    if plan.history.recent_muscles:
        reasoning.append(
            step(
                ctx.t(
                    "The week starts with the session that spares the muscles trained in the last two days.",
                    "La semaine commence par la séance qui ménage les muscles travaillés ces deux derniers jours.",
                ),
                ctx.t("They are still recovering.", "Ils récupèrent encore."),
                recent_muscles=sorted(plan.history.recent_muscles),
            )
        )
    repaired = _repairs_step(repairs, ctx, today=False)
    if repaired is not None:
        reasoning.append(repaired)
    return SelectorOutput(split=workouts._split_key(plan), sessions=outputs, rest_day=False, reasoning=reasoning)


def _rules_today(data: SelectorInput, ctx: AgentContext, plan: Plan, candidates: list[Candidate]) -> SelectorOutput:
    split = workouts._split_key(plan)
    recent = set(plan.history.recent_muscles)
    if data.rest_recommended:
        return SelectorOutput(
            split=split,
            sessions=[],
            rest_day=True,
            reasoning=[
                step(
                    ctx.t("Rest today.", "Repos aujourd'hui."),
                    ctx.t(
                        "Your recovery says rest: a day off now lets you train well tomorrow. A walk or light "
                        "stretching is fine.",
                        "Votre récupération demande du repos : un jour off maintenant permet de bien vous entraîner "
                        "demain. Une marche ou des étirements légers conviennent.",
                    ),
                    rest_recommended=True,
                    recent_muscles=sorted(recent),
                )
            ],
        )
    sessions = workouts.week_sessions(plan.days, plan.goal)
    chosen = min(range(len(sessions)), key=lambda i: (len(sessions[i].region & recent), i))
    session = sessions[chosen]
    blocked = set() if session.kind == "mobility" else recent - set(plan.targets)
    picks, enough = workouts._pick_session(session, plan, candidates, used_in_week=set(), avoid=blocked)
    items = [workouts._item(pick, plan) for pick in picks]
    by_id = {c.id: c for c in candidates}
    repairs = _Repairs()
    items = spare_muscles(
        items,
        blocked,
        session=session,
        plan=plan,
        candidates=candidates,
        by_id=by_id,
        used_in_week=set(),
        strict=True,
        ctx=ctx,
        repairs=repairs,
    )
    name = workouts._session_name(session, plan.language, repeated=False)
    reasoning = [
        _filters_step(data, plan, candidates, ctx),
        step(
            ctx.t(f"Today: {name}.", f"Aujourd'hui : {name}."),
            ctx.t(
                "Of the sessions of your week, this one works the fewest muscles trained in the last two days."
                if recent
                else "Nothing was trained in the last two days: today starts your week.",
                "Parmi les séances de votre semaine, celle-ci travaille le moins de muscles sollicités ces deux "
                "derniers jours."
                if recent
                else "Rien n'a été travaillé ces deux derniers jours : aujourd'hui commence votre semaine.",
            ),
            session=session.kind,
            recent_muscles=sorted(recent),
            slots_filled=enough,
        ),
    ]
    repaired = _repairs_step(repairs, ctx, today=True)
    if repaired is not None:
        reasoning.append(repaired)
    return SelectorOutput(
        split=split, sessions=[_session_out(1, name, items, by_id, ctx)], rest_day=False, reasoning=reasoning
    )


# ---------------------------------------------------------------- the model's side


class CandidateArgs(BaseModel):
    muscles: list[str] = Field(
        default_factory=list,
        description="Primary muscles, any of: " + ", ".join(MUSCLES) + ". Empty: all muscles.",
    )
    limit: int = Field(default=DEFAULT_TOOL_CANDIDATES, description=f"How many, at most {MAX_TOOL_CANDIDATES}.")


def _candidate_rows(plan: Plan, candidates: list[Candidate], args: CandidateArgs) -> dict[str, Any]:
    wanted, unknown = muscle_codes(args.muscles)
    if unknown:
        return {"error": f"Unknown muscles {unknown}. Use: {', '.join(MUSCLES)}."}
    options = [c for c in candidates if not wanted or not c.muscle_set.isdisjoint(wanted)]
    options.sort(key=lambda c: (not c.staple, -c.preference, c.id))
    limit = max(1, min(args.limit, MAX_TOOL_CANDIDATES))
    rows = []
    for candidate in options[:limit]:
        exercise = candidate.exercise
        dose = workouts.prescription(exercise, plan.goal, plan.level, short_session=plan.minutes < 25)
        reps, bounds = whole_reps(dose.reps)
        rows.append(
            {
                "id": candidate.id,
                "name": exercise.name_in(plan.language),
                "muscles": candidate.muscles,
                "equipment": list(exercise.equipments or []),
                "category": exercise.category,
                "mechanic": exercise.mechanic,
                "difficulty": exercise.difficulty,
                "suggested": {
                    "sets": dose.sets,
                    "reps": reps,
                    "reps_range": f"{bounds[0]}-{bounds[1]}" if bounds else None,
                    "duration_seconds": dose.duration_seconds,
                    "rest_seconds": dose.rest_seconds,
                },
            }
        )
    return {"count": len(rows), "of": len(options), "exercises": rows}


def _session_plan_text(plan: Plan, data: SelectorInput) -> str:
    """The engine's suggested sessions and their slots, for the model to follow or improve."""
    sessions = workouts.week_sessions(plan.days, plan.goal)
    lines = []
    for index, session in enumerate(sessions, 1):
        slots = ", ".join(
            f"{slot.key} ({'/'.join(slot.muscles) or 'any'})" for slot in workouts._session_slots(session, plan)
        )
        lines.append(f"{index}. {session.kind} {session.variant}: {slots}")
    layout = workouts.WEEK_LAYOUT[plan.days]
    return f"Training days of the week: {list(layout)}. Suggested sessions:\n" + "\n".join(lines)


class ExerciseSelector(Agent[SelectorInput, SelectorOutput]):
    name = EXERCISE_SELECTOR
    purpose = (
        "Chooses the exercises and their doses for a week of sessions or for today's session, balanced "
        "across muscles, within the equipment, limitations and level, sparing recovering muscles."
    )
    prompt = (
        "You are MovoAI's exercise selector. Choose exercises for the person's sessions ONLY from the "
        "list_candidates tool (it returns exercises already filtered for their equipment, limitations and "
        "level, with a suggested dose); use their exact id and name. Rules: mode 'week': exactly "
        "days_per_week sessions, indexed from 1, in the order of the training days; mode 'today': one session "
        "sparing recent_muscles, or rest_day true with no session when rest_recommended is true. Never a "
        "muscle worked by 2+ exercises or 6+ sets on one training day and again the next training day. "
        "No exercise twice in a session, none of avoid_exercise_ids. sets 1-10; reps a whole number 1-50 "
        "(null for holds, stretches and cardio, which take duration_seconds); rest_seconds 15-300; each "
        "session fits in session_minutes including a 5-minute warm-up. Each reason is one short sentence in "
        "the person's language. Record your main decisions in `reasoning`. Do not diagnose anything."
    )
    input_model = SelectorInput
    output_model = SelectorOutput
    max_tokens = 4096

    def rules(self, data: SelectorInput, ctx: AgentContext) -> SelectorOutput:
        plan = engine_plan(data, ctx)
        candidates = candidate_pool(plan, data.avoid_exercise_ids)
        if data.mode == "today":
            return _rules_today(data, ctx, plan, candidates)
        return _rules_week(data, ctx, plan, candidates)

    def tools(self, data: SelectorInput, ctx: AgentContext) -> Sequence[BaseTool]:
        plan = engine_plan(data, ctx)
        pool: list[list[Candidate]] = []

        def list_candidates(muscles: list[str] | None = None, limit: int = DEFAULT_TOOL_CANDIDATES) -> str:
            if not pool:
                pool.append(candidate_pool(plan, data.avoid_exercise_ids))
            args = CandidateArgs(muscles=muscles or [], limit=limit)
            return json.dumps(_candidate_rows(plan, pool[0], args), ensure_ascii=False)

        return [
            StructuredTool.from_function(
                func=list_candidates,
                name="list_candidates",
                description=(
                    "Exercises this person may do (equipment, limitations, level and avoided exercises already "
                    "applied), for the given primary muscles: id, name, muscles, equipment, category, mechanic, "
                    "difficulty and a suggested dose (sets, whole reps, rep range, duration, rest)."
                ),
                args_schema=CandidateArgs,
            )
        ]

    def user_message(self, data: SelectorInput, ctx: AgentContext) -> str:
        plan = engine_plan(data, ctx)
        language = "French" if ctx.language == "fr" else "English"
        return (
            f"Answer in {language}. Input:\n{data.model_dump_json()}\n\n"
            f"Goal {plan.goal}: {workouts._SCHEMES[plan.goal]}.\n{_session_plan_text(plan, data)}"
        )

    def check(self, output: SelectorOutput, data: SelectorInput, ctx: AgentContext) -> list[str]:
        return selection_problems(output, data, ctx)


def _dose_problems(exercise: SelectedExercise, where: str) -> list[str]:
    problems: list[str] = []
    if not SETS_RANGE[0] <= exercise.sets <= SETS_RANGE[1]:
        problems.append(f"{where}: sets {exercise.sets} outside {SETS_RANGE[0]}-{SETS_RANGE[1]}")
    if exercise.reps is not None and not REPS_RANGE[0] <= exercise.reps <= REPS_RANGE[1]:
        problems.append(f"{where}: reps {exercise.reps} outside {REPS_RANGE[0]}-{REPS_RANGE[1]}")
    duration = exercise.duration_seconds
    if duration is not None and not DURATION_RANGE[0] <= duration <= DURATION_RANGE[1]:
        problems.append(f"{where}: duration {duration} s outside {DURATION_RANGE[0]}-{DURATION_RANGE[1]}")
    if exercise.reps is None and duration is None:
        problems.append(f"{where}: neither reps nor a duration")
    if not REST_RANGE[0] <= exercise.rest_seconds <= REST_RANGE[1]:
        problems.append(f"{where}: rest {exercise.rest_seconds} s outside {REST_RANGE[0]}-{REST_RANGE[1]}")
    return problems


def _shape_problems(output: SelectorOutput, data: SelectorInput) -> list[str]:
    problems: list[str] = []
    if data.mode == "today":
        if output.rest_day and not data.rest_recommended:
            problems.append("a rest day although recovery does not ask for one")
        if output.rest_day and output.sessions:
            problems.append("a rest day with a session")
        if not output.rest_day and len(output.sessions) != 1:
            problems.append(f"{len(output.sessions)} sessions for today, one expected")
    else:
        if output.rest_day:
            problems.append("rest_day is for mode 'today' only")
        if len(output.sessions) != days_of(data):
            problems.append(f"{len(output.sessions)} sessions, {days_of(data)} asked")
    if [s.index for s in output.sessions] != list(range(1, len(output.sessions) + 1)):
        problems.append("sessions are not indexed from 1")
    for session in output.sessions:
        if not session.exercises:
            problems.append(f"session {session.index}: no exercise")
        ids = [e.exercise_id for e in session.exercises]
        for exercise_id in sorted({i for i in ids if ids.count(i) > 1}):
            problems.append(f"session {session.index}: exercise {exercise_id} twice")
    return problems


def selection_problems(output: SelectorOutput, data: SelectorInput, ctx: AgentContext) -> list[str]:
    """What the rules would not allow in a selection: wrong session count, unknown ids, an exercise
    outside the pool (equipment, limitations, level, goal's categories, avoided), a name that is not
    the exercise's, bad doses, a session too long, a muscle loaded on consecutive training days (mode
    week) or a recovering muscle worked today (mode today). Two queries."""
    problems = _shape_problems(output, data)
    plan = engine_plan(data, ctx)
    located = [
        (f"session {s.index}, exercise {n} ({e.name})", s, e)
        for s in output.sessions
        for n, e in enumerate(s.exercises, 1)
    ]
    ids = sorted({e.exercise_id for _, _, e in located})
    library = Exercise.objects.in_bulk(ids)
    pool = set(workouts.exercise_pool(plan).filter(id__in=ids).values_list("id", flat=True))
    avoided = set(data.avoid_exercise_ids)
    for where, _session, exercise in located:
        found = library.get(exercise.exercise_id)
        if found is None:
            problems.append(f"{where}: exercise id {exercise.exercise_id} does not exist")
            continue
        problems += _dose_problems(exercise, where)
        if exercise.name.strip().casefold() not in {found.exercise_en.casefold(), (found.exercise_fr or "").casefold()}:
            problems.append(f"{where}: the name of exercise {found.id} is {found.name_in(ctx.language)!r}")
        if found.id in avoided:
            problems.append(f"{where}: exercise {found.id} is to be avoided")
        elif found.id not in pool:
            reasons = contraindication_reasons(found, plan.areas, plan.level)
            if plan.allowed is not None and not set(found.equipments or []) <= plan.allowed:
                reasons.append(f"needs {', '.join(sorted(set(found.equipments) - plan.allowed))}")
            reasons = reasons or [f"not suited to the goal or level ({found.category}, {found.difficulty})"]
            problems.append(f"{where}: ruled out ({'; '.join(reasons)})")

    muscles_of = {i: list(e.muscles or []) for i, e in library.items()}
    stretches = [i for i, e in library.items() if e.category in workouts.STRETCHING]
    sessions_items = [[e.model_dump() for e in s.exercises] for s in output.sessions]
    for session, items in zip(output.sessions, sessions_items, strict=True):
        minutes = session_minutes_estimate(items, plan.minutes)
        if minutes > plan.minutes * MINUTES_TOLERANCE:
            problems.append(f"session {session.index}: about {minutes} minutes, {plan.minutes} asked")
    if data.mode == "week" and plan.goal != "mobility":
        layout = workouts.WEEK_LAYOUT[days_of(data)]
        for index in range(1, min(len(sessions_items), len(layout))):
            if layout[index] != layout[index - 1] + 1:
                continue
            both = loaded_muscles(sessions_items[index - 1], muscles_of, stretches=stretches) & loaded_muscles(
                sessions_items[index], muscles_of, stretches=stretches
            )
            if both:
                problems.append(
                    f"sessions {index} and {index + 1} (consecutive days) both load {', '.join(sorted(both))}: "
                    f"at most one exercise and {LOADED_SETS - 1} sets for a muscle trained the day before"
                )
    if data.mode == "today" and output.sessions:
        recent = plan.history.recent_muscles - set(plan.targets)
        tired = loaded_muscles(sessions_items[0], muscles_of, stretches=stretches) & recent
        if tired:
            problems.append(f"today's session loads {', '.join(sorted(tired))}, trained in the last two days")
    return problems


AGENT = ExerciseSelector()
