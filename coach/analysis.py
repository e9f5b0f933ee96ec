"""Progress analysis: what a person's workouts say, with the numbers it rests on.

The numbers are always computed here (coach.metrics): totals, consistency, the weekly volume and
its trend, the sets per muscle and the push/pull balance, plateaus and personal records. The rules
write the insights and suggestions over them; with a model configured, the model writes that
narrative instead (over the same numbers, which it may not change), and any model failure falls
back to the rules' words.
"""

from __future__ import annotations

import datetime
import json
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from coach import llm, metrics
from coach.fallback import FallbackReason, InvalidModelOutput, fallback, fallback_for
from coach.models import Recommendation
from exercises.models import Exercise
from exercises.taxonomy import MUSCLES, label
from tracking.selectors import user_today, workout_log_list

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger("movoai.coach.analysis")

PLATEAU_SESSIONS = 3
MAX_RECORDS = 5
MAX_SUGGESTIONS = 6
MAX_TEXT_CHARS = 600
GOOD_SESSIONS_PER_WEEK = 3.0
LOW_SESSIONS_PER_WEEK = 2.0
LONG_GAP_DAYS = 7
IMBALANCE_RATIO = 1.5
MAJOR_GROUPS: dict[str, tuple[str, ...]] = {
    "chest": ("chest",),
    "back": ("lats", "middle back"),
    "shoulders": ("shoulders",),
    "quadriceps": ("quadriceps",),
    "hamstrings": ("hamstrings", "glutes"),
}
GROUP_NAMES: dict[str, tuple[str, str]] = {
    "chest": ("chest", "pectoraux"),
    "back": ("back", "dos"),
    "shoulders": ("shoulders", "épaules"),
    "quadriceps": ("quadriceps", "quadriceps"),
    "hamstrings": ("hamstrings and glutes", "ischio-jambiers et fessiers"),
}
UPPER = frozenset({"chest", "lats", "middle back", "shoulders", "biceps", "triceps", "traps", "forearms", "neck"})
LOWER = frozenset({"quadriceps", "hamstrings", "glutes", "calves", "adductors", "abductors"})


@dataclass(frozen=True)
class WorkoutEntry:
    """One exercise done on a day: a workout log, or an exercise of a workout given inline."""

    date: datetime.date
    exercise_id: int | None
    sets: int
    reps: int | None
    weight_kg: float | None
    duration_seconds: int | None


def workouts_for_user(
    user: User, date_from: datetime.date | None = None, date_to: datetime.date | None = None
) -> list[WorkoutEntry]:
    """The user's workout logs in the period (both ends included, open when None), oldest first."""
    logs = workout_log_list(user=user, start_date=date_from, end_date=date_to)
    rows = logs.values_list(
        "date_performed", "exercise_id", "sets_completed", "reps_completed", "weight_kg", "duration_seconds"
    )
    entries = [
        WorkoutEntry(
            date=day,
            exercise_id=exercise_id,
            # a log without sets but with reps or a duration is one set
            sets=sets if sets is not None else (1 if reps or duration else 0),
            reps=reps,
            weight_kg=float(weight) if weight is not None else None,
            duration_seconds=duration,
        )
        for day, exercise_id, sets, reps, weight, duration in rows
    ]
    return sorted(entries, key=lambda entry: entry.date)


def workouts_from_inline(
    workouts: Iterable[Mapping[str, Any]], date_from: datetime.date | None = None, date_to: datetime.date | None = None
) -> list[WorkoutEntry]:
    """The entries of workouts given inline (`[{date, exercises: [{exercise_id, sets, reps, weight_kg,
    duration_seconds}]}]`, as the API validated them) in the period (both ends included, open when
    None), oldest first."""
    entries = [
        WorkoutEntry(
            date=workout["date"],
            exercise_id=item.get("exercise_id"),
            sets=item["sets"],
            reps=item.get("reps"),
            weight_kg=float(item["weight_kg"]) if item.get("weight_kg") is not None else None,
            duration_seconds=item.get("duration_seconds"),
        )
        for workout in workouts
        if (date_from is None or workout["date"] >= date_from) and (date_to is None or workout["date"] <= date_to)
        for item in workout["exercises"]
    ]
    return sorted(entries, key=lambda entry: entry.date)


# ---------------------------------------------------------------- the numbers


def _round(value: float, places: int = 2) -> float:
    """Rounded half away from zero, as by hand."""
    return float(Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def _num(value: float) -> int | float:
    """A number as people write it: 2392 rather than 2392.0."""
    return int(value) if float(value).is_integer() else value


def _weight(entry: WorkoutEntry) -> float | None:
    return entry.weight_kg if entry.weight_kg is not None and entry.weight_kg > 0 else None


@dataclass
class Numbers:
    """Everything the analysis says, computed once."""

    period_from: datetime.date | None
    period_to: datetime.date | None
    totals: dict[str, Any]
    exercises: dict[int, Exercise]
    sessions: list[datetime.date] = field(default_factory=list)


def totals_of(entries: Sequence[WorkoutEntry]) -> dict[str, Any]:
    """workouts (days trained), entries, sets, reps (summed), set_reps (sets x reps), volume_kg
    (sets x reps x kg), best_weight_kg, estimated_1rm_kg (best Brzycki estimate), duration_minutes."""
    volume = 0.0
    for entry in entries:
        log_volume = metrics.log_volume(sets=entry.sets, reps=entry.reps, weight_kg=_weight(entry))
        volume += log_volume or 0.0
    weights = [w for entry in entries if (w := _weight(entry)) is not None]
    maxes = [m for entry in entries if (m := metrics.one_rep_max(weight_kg=_weight(entry), reps=entry.reps))]
    return {
        "workouts": len({entry.date for entry in entries}),
        "entries": len(entries),
        "sets": sum(entry.sets for entry in entries),
        "reps": sum(entry.reps or 0 for entry in entries),
        "set_reps": sum(entry.sets * (entry.reps or 0) for entry in entries),
        "volume_kg": _num(_round(volume)),
        "best_weight_kg": _num(max(weights)) if weights else None,
        "estimated_1rm_kg": _num(max(maxes)) if maxes else None,
        "duration_minutes": _num(_round(sum(entry.duration_seconds or 0 for entry in entries) / 60, 1)),
    }


class _Writer:
    """Words in the request's language."""

    def __init__(self, language: str) -> None:
        self.language = language

    def t(self, english: str, french: str) -> str:
        return french if self.language == "fr" else english

    def number(self, value: float | int | None) -> str:
        if value is None:
            return "-"
        if isinstance(value, float) and not value.is_integer():
            text = f"{value:.2f}".rstrip("0").rstrip(".")
        else:
            text = str(int(value))
        return text.replace(".", ",") if self.language == "fr" else text

    def muscle(self, code: str) -> str:
        text = label(MUSCLES, code, self.language) or code
        return text[:1].lower() + text[1:]

    def exercise(self, exercise: Exercise | None) -> str:
        if exercise is None:
            return self.t("an unnamed exercise", "un exercice non précisé")
        if self.language == "fr" and exercise.exercise_fr:
            return exercise.exercise_fr
        return exercise.exercise_en


def _insight(kind: str, title: str, detail: str, numbers: dict[str, Any]) -> dict[str, Any]:
    return {"type": kind, "title": title, "detail": detail, "numbers": numbers}


def _suggestion(text: str, reason: str) -> dict[str, str]:
    return {"text": text, "reason": reason}


def _consistency(numbers: Numbers, w: _Writer) -> tuple[dict[str, Any], list[dict[str, str]]]:
    sessions = numbers.sessions
    assert numbers.period_from is not None
    assert numbers.period_to is not None
    span_days = (numbers.period_to - numbers.period_from).days + 1
    weeks = max(1.0, span_days / 7)
    per_week = _round(len(sessions) / weeks, 1)
    gaps = [(later - earlier).days for earlier, later in pairwise(sessions)]
    longest_gap = max(gaps, default=0)
    active_weeks = len({metrics.week_start(day) for day in sessions})
    all_weeks = (metrics.week_start(numbers.period_to) - metrics.week_start(numbers.period_from)).days // 7 + 1
    detail = w.t(
        f"{len(sessions)} sessions over {span_days} days ({numbers.period_from} to {numbers.period_to}): "
        f"{w.number(per_week)} sessions a week, trained in {active_weeks} of {all_weeks} weeks, "
        f"longest gap between sessions {longest_gap} days.",
        f"{len(sessions)} séances sur {span_days} jours (du {numbers.period_from} au {numbers.period_to}) : "
        f"{w.number(per_week)} séances par semaine, entraînement {active_weeks} semaines sur {all_weeks}, "
        f"plus long écart entre deux séances {longest_gap} jours.",
    )
    if per_week >= GOOD_SESSIONS_PER_WEEK:
        title = w.t("Consistent training", "Entraînement régulier")
    elif per_week >= LOW_SESSIONS_PER_WEEK:
        title = w.t("Fairly regular training", "Entraînement assez régulier")
    else:
        title = w.t("Training is irregular", "Entraînement irrégulier")
    suggestions: list[dict[str, str]] = []
    if per_week < LOW_SESSIONS_PER_WEEK:
        suggestions.append(
            _suggestion(
                w.t(
                    "Aim for 3 sessions a week on fixed days; short sessions count.",
                    "Visez 3 séances par semaine à jours fixes ; les séances courtes comptent.",
                ),
                w.t(
                    f"You averaged {w.number(per_week)} sessions a week.",
                    f"Vous avez fait en moyenne {w.number(per_week)} séances par semaine.",
                ),
            )
        )
    if longest_gap >= LONG_GAP_DAYS:
        suggestions.append(
            _suggestion(
                w.t(
                    "Put your next sessions in your calendar so that no week goes without training.",
                    "Notez vos prochaines séances dans votre agenda pour ne sauter aucune semaine.",
                ),
                w.t(
                    f"Your longest break was {longest_gap} days.",
                    f"Votre plus longue pause a duré {longest_gap} jours.",
                ),
            )
        )
    data = {
        "sessions": len(sessions),
        "days": span_days,
        "sessions_per_week": per_week,
        "active_weeks": active_weeks,
        "weeks": all_weeks,
        "longest_gap_days": longest_gap,
    }
    return _insight("consistency", title, detail, data), suggestions


def _volume_trend(
    entries: Sequence[WorkoutEntry], numbers: Numbers, w: _Writer, today: datetime.date
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    volume_entries = [metrics.LogVolumeEntry(e.date, e.sets, e.reps, _weight(e)) for e in entries]
    weekly = metrics.weekly_volume(volume_entries, start=numbers.period_from, end=numbers.period_to)
    series = list(weekly)
    # the current week is not over: read the trend on complete weeks when there are enough
    if len(series) >= 3 and series[-1].week_start == metrics.week_start(today):
        series = series[:-1]
    trend = metrics.progress_trend([(week.week_start, week.volume_kg) for week in series])
    weeks = [{"week_start": week.week_start.isoformat(), "volume_kg": _num(week.volume_kg)} for week in weekly]
    total = numbers.totals["volume_kg"]
    data: dict[str, Any] = {"volume_kg": total, "weeks": weeks, "trend": trend.label if trend else None}
    suggestions: list[dict[str, str]] = []
    if trend is None:
        title = w.t("Training volume", "Volume d'entraînement")
        detail = w.t(
            f"Total volume {w.number(total)} kg (sets x reps x kg) over {len(weekly)} week(s); "
            "two weeks or more of logs show a trend.",
            f"Volume total {w.number(total)} kg (séries x répétitions x kg) sur {len(weekly)} semaine(s) ; "
            "il faut au moins deux semaines de données pour une tendance.",
        )
        return _insight("volume_trend", title, detail, data), suggestions
    first, last = series[0], series[-1]
    data.update(
        first_week_kg=_num(first.volume_kg),
        last_week_kg=_num(last.volume_kg),
        slope_kg_per_week=_num(trend.slope_per_week),
        relative_change_per_week=trend.relative_slope_per_week,
    )
    sign = "+" if trend.slope_per_week >= 0 else ""
    labels = {
        "improving": w.t("rising", "en hausse"),
        "flat": w.t("flat", "stable"),
        "declining": w.t("falling", "en baisse"),
    }
    title = w.t(f"Weekly volume is {labels[trend.label]}", f"Volume hebdomadaire {labels[trend.label]}")
    detail = w.t(
        f"Weekly volume went from {w.number(first.volume_kg)} kg (week of {first.week_start}) to "
        f"{w.number(last.volume_kg)} kg (week of {last.week_start}), {sign}{w.number(trend.slope_per_week)} kg a "
        f"week; {w.number(total)} kg in total.",
        f"Le volume hebdomadaire est passé de {w.number(first.volume_kg)} kg (semaine du {first.week_start}) à "
        f"{w.number(last.volume_kg)} kg (semaine du {last.week_start}), {sign}{w.number(trend.slope_per_week)} kg "
        f"par semaine ; {w.number(total)} kg au total.",
    )
    if trend.label == "declining":
        suggestions.append(
            _suggestion(
                w.t(
                    "Check sleep and recovery; if this was a planned deload, build back up by one set per exercise.",
                    "Vérifiez sommeil et récupération ; si c'était une décharge prévue, remontez d'une série par "
                    "exercice.",
                ),
                w.t(
                    f"Weekly volume fell by {w.number(abs(trend.slope_per_week))} kg a week.",
                    f"Le volume a baissé de {w.number(abs(trend.slope_per_week))} kg par semaine.",
                ),
            )
        )
    elif trend.label == "flat":
        suggestions.append(
            _suggestion(
                w.t(
                    "Add one set to your main lifts, or 2.5 % more load when all sets reach the top of the range.",
                    "Ajoutez une série aux exercices principaux, ou 2,5 % de charge quand toutes les séries "
                    "atteignent le haut de la fourchette.",
                ),
                w.t("Your weekly volume has not moved.", "Votre volume hebdomadaire ne progresse plus."),
            )
        )
    else:
        suggestions.append(
            _suggestion(
                w.t(
                    "Keep progressing gradually, and plan an easier week every 4 to 6 weeks.",
                    "Continuez à progresser graduellement et prévoyez une semaine plus légère toutes les 4 à "
                    "6 semaines.",
                ),
                w.t(
                    f"Weekly volume rose by {w.number(trend.slope_per_week)} kg a week.",
                    f"Le volume a augmenté de {w.number(trend.slope_per_week)} kg par semaine.",
                ),
            )
        )
    return _insight("volume_trend", title, detail, data), suggestions


def _muscle_balance(
    entries: Sequence[WorkoutEntry], numbers: Numbers, w: _Writer
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    sets_by_muscle: dict[str, int] = defaultdict(int)
    push = pull = upper = lower = 0
    for entry in entries:
        exercise = numbers.exercises.get(entry.exercise_id) if entry.exercise_id is not None else None
        if exercise is None:
            continue
        for muscle in exercise.muscles or []:
            sets_by_muscle[muscle] += entry.sets
        if exercise.force == "push":
            push += entry.sets
        elif exercise.force == "pull":
            pull += entry.sets
        muscles = set(exercise.muscles or [])
        upper += entry.sets if muscles & UPPER else 0
        lower += entry.sets if muscles & LOWER else 0
    ranked = sorted(sets_by_muscle.items(), key=lambda item: (-item[1], item[0]))
    ratio = _round(push / pull, 2) if pull else None
    missing = [group for group, muscles in MAJOR_GROUPS.items() if not any(sets_by_muscle.get(m) for m in muscles)]
    data: dict[str, Any] = {
        "sets_per_muscle": dict(ranked),
        "push_sets": push,
        "pull_sets": pull,
        "push_pull_ratio": ratio,
        "upper_sets": upper,
        "lower_sets": lower,
        "untrained_groups": missing,
    }
    suggestions: list[dict[str, str]] = []
    if not ranked:
        title = w.t("Muscle balance unknown", "Équilibre musculaire inconnu")
        detail = w.t(
            "The workouts do not name library exercises, so the muscles trained are unknown.",
            "Les séances ne désignent pas d'exercices de la bibliothèque : les muscles travaillés sont inconnus.",
        )
        return _insight("muscle_balance", title, detail, data), suggestions
    listed = ", ".join(f"{w.muscle(m)} {n}" for m, n in ranked[:6])
    detail = w.t(
        f"Sets per muscle: {listed}. Push {push} sets, pull {pull}; upper body {upper}, lower body {lower}.",
        f"Séries par muscle : {listed}. Poussée {push} séries, tirage {pull} ; haut du corps {upper}, "
        f"bas du corps {lower}.",
    )
    balanced = True
    if push and (not pull or push / pull > IMBALANCE_RATIO):
        balanced = False
        suggestions.append(
            _suggestion(
                w.t(
                    "Add pulling work (rows, pull-downs, face pulls) to match your pressing.",
                    "Ajoutez du tirage (rowings, tirages verticaux, face pulls) pour équilibrer vos poussées.",
                ),
                w.t(
                    f"{push} pushing sets for {pull} pulling sets.", f"{push} séries de poussée pour {pull} de tirage."
                ),
            )
        )
    elif pull and (not push or pull / push > IMBALANCE_RATIO):
        balanced = False
        suggestions.append(
            _suggestion(
                w.t(
                    "Add pressing work (push-ups, presses) to match your pulling.",
                    "Ajoutez de la poussée (pompes, développés) pour équilibrer vos tirages.",
                ),
                w.t(
                    f"{pull} pulling sets for {push} pushing sets.", f"{pull} séries de tirage pour {push} de poussée."
                ),
            )
        )
    if missing:
        balanced = False
        names = ", ".join(w.t(*GROUP_NAMES[group]) for group in missing)
        suggestions.append(
            _suggestion(
                w.t(f"Add exercises for the {names}.", f"Ajoutez des exercices pour : {names}."),
                w.t(f"No sets for the {names} in this period.", f"Aucune série pour : {names} sur cette période."),
            )
        )
    title = (
        w.t("Balanced training", "Entraînement équilibré")
        if balanced
        else w.t("Muscle balance to improve", "Équilibre musculaire à améliorer")
    )
    return _insight("muscle_balance", title, detail, data), suggestions


def _by_exercise(entries: Iterable[WorkoutEntry]) -> dict[int | None, list[WorkoutEntry]]:
    grouped: dict[int | None, list[WorkoutEntry]] = defaultdict(list)
    for entry in entries:
        grouped[entry.exercise_id].append(entry)
    return grouped


def _plateaus(
    entries: Sequence[WorkoutEntry], numbers: Numbers, w: _Writer
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    plateaus: list[dict[str, Any]] = []
    checked = 0
    for exercise_id, logs in _by_exercise(entries).items():
        if exercise_id is None:
            continue
        best_by_day: dict[datetime.date, tuple[float, int]] = {}
        for entry in logs:
            weight = _weight(entry)
            if weight is None:
                continue
            best_by_day[entry.date] = max(best_by_day.get(entry.date, (0.0, 0)), (weight, entry.reps or 0))
        days = sorted(best_by_day)
        if len(days) < PLATEAU_SESSIONS:
            continue
        checked += 1
        last_weight, last_reps = best_by_day[days[-1]]
        run = 0
        for day in reversed(days):
            if best_by_day[day][0] != last_weight:
                break
            run += 1
        first_of_run = days[-run]
        if run >= PLATEAU_SESSIONS and last_reps <= best_by_day[first_of_run][1]:
            plateaus.append(
                {
                    "exercise_id": exercise_id,
                    "name": w.exercise(numbers.exercises.get(exercise_id)),
                    "weight_kg": _num(last_weight),
                    "sessions": run,
                    "since": first_of_run.isoformat(),
                }
            )
    data = {"plateaus": plateaus, "exercises_checked": checked}
    suggestions: list[dict[str, str]] = []
    if not plateaus:
        title = w.t("No plateau", "Pas de plateau")
        detail = w.t(
            f"{checked} exercise(s) logged in {PLATEAU_SESSIONS} sessions or more: none is stuck at the same best "
            f"load for {PLATEAU_SESSIONS} sessions.",
            f"{checked} exercice(s) fait(s) sur {PLATEAU_SESSIONS} séances ou plus : aucun ne stagne à la même "
            f"charge maximale depuis {PLATEAU_SESSIONS} séances.",
        )
        return _insight("plateaus", title, detail, data), suggestions
    listed = "; ".join(
        w.t(
            f"{p['name']} at {w.number(p['weight_kg'])} kg for {p['sessions']} sessions",
            f"{p['name']} à {w.number(p['weight_kg'])} kg depuis {p['sessions']} séances",
        )
        for p in plateaus
    )
    title = w.t("Plateau", "Plateau")
    detail = w.t(
        f"Same best load, no more reps: {listed}.", f"Même charge maximale, pas plus de répétitions : {listed}."
    )
    for plateau in plateaus[:2]:
        suggestions.append(
            _suggestion(
                w.t(
                    f"{plateau['name']}: add one or two reps per set before adding weight, or change the rep range "
                    "for three weeks.",
                    f"{plateau['name']} : ajoutez une ou deux répétitions par série avant d'augmenter la charge, ou "
                    "changez de fourchette de répétitions pendant trois semaines.",
                ),
                w.t(
                    f"Best load stuck at {w.number(plateau['weight_kg'])} kg for {plateau['sessions']} sessions.",
                    f"Charge maximale bloquée à {w.number(plateau['weight_kg'])} kg depuis {plateau['sessions']} "
                    "séances.",
                ),
            )
        )
    return _insight("plateaus", title, detail, data), suggestions


def _records(
    entries: Sequence[WorkoutEntry], numbers: Numbers, w: _Writer
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    records: list[dict[str, Any]] = []
    for exercise_id, logs in _by_exercise(entries).items():
        weighted = [e for e in logs if _weight(e) is not None]
        if not weighted:
            continue
        heaviest = max(weighted, key=lambda e: (_weight(e) or 0.0, e.reps or 0, e.date))
        estimates = [(m, e) for e in weighted if (m := metrics.one_rep_max(weight_kg=_weight(e), reps=e.reps))]
        best_max, best_max_entry = (
            max(estimates, key=lambda item: (item[0], item[1].date)) if estimates else (None, None)
        )
        records.append(
            {
                "exercise_id": exercise_id,
                "name": w.exercise(numbers.exercises.get(exercise_id) if exercise_id is not None else None),
                "best_weight_kg": _num(_weight(heaviest) or 0.0),
                "reps": heaviest.reps,
                "date": heaviest.date.isoformat(),
                "estimated_1rm_kg": _num(best_max) if best_max is not None else None,
                "estimated_1rm_date": best_max_entry.date.isoformat() if best_max_entry else None,
            }
        )
    records.sort(key=lambda r: (-(r["estimated_1rm_kg"] or r["best_weight_kg"]), str(r["name"])))
    records = records[:MAX_RECORDS]
    data = {
        "records": records,
        "best_weight_kg": numbers.totals["best_weight_kg"],
        "estimated_1rm_kg": numbers.totals["estimated_1rm_kg"],
    }
    suggestions: list[dict[str, str]] = []
    if not records:
        title = w.t("No weighted lifts yet", "Pas encore de charges")
        detail = w.t(
            "No workout has a weight, so there is no load record yet; log the kilograms you lift.",
            "Aucune séance n'indique de charge : pas encore de record ; notez les kilos soulevés.",
        )
        return _insight("personal_records", title, detail, data), suggestions

    def line(r: dict[str, Any]) -> str:
        reps = f" x {r['reps']}" if r["reps"] else ""
        estimate = (
            w.t(
                f", estimated 1RM {w.number(r['estimated_1rm_kg'])} kg",
                f", 1RM estimé {w.number(r['estimated_1rm_kg'])} kg",
            )
            if r["estimated_1rm_kg"] is not None
            else ""
        )
        return f"{r['name']} {w.number(r['best_weight_kg'])} kg{reps} ({r['date']}){estimate}"

    title = w.t("Personal records", "Records personnels")
    detail = w.t(
        f"Best lifts (estimated 1RM by Brzycki): {'; '.join(line(r) for r in records)}.",
        f"Meilleures charges (1RM estimé par Brzycki) : {'; '.join(line(r) for r in records)}.",
    )
    top = records[0]
    if top["estimated_1rm_kg"] is not None and top["exercise_id"] is not None:
        step = 2.5 if top["best_weight_kg"] >= 40 else 1.0
        target = _num(top["best_weight_kg"] + step)
        suggestions.append(
            _suggestion(
                w.t(
                    f"Next target on {top['name']}: {w.number(target)} kg for the same reps.",
                    f"Prochain objectif en {top['name']} : {w.number(target)} kg pour le même nombre de répétitions.",
                ),
                w.t(
                    f"Your best is {w.number(top['best_weight_kg'])} kg (estimated 1RM "
                    f"{w.number(top['estimated_1rm_kg'])} kg).",
                    f"Votre meilleure charge est {w.number(top['best_weight_kg'])} kg (1RM estimé "
                    f"{w.number(top['estimated_1rm_kg'])} kg).",
                ),
            )
        )
    return _insight("personal_records", title, detail, data), suggestions


def _nothing_yet(numbers: Numbers, w: _Writer) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    period = (
        w.t(
            f" between {numbers.period_from} and {numbers.period_to}",
            f" entre le {numbers.period_from} et le {numbers.period_to}",
        )
        if numbers.period_from and numbers.period_to
        else ""
    )
    insight = _insight(
        "no_data",
        w.t("Nothing to analyse yet", "Rien à analyser pour l'instant"),
        w.t(
            f"0 workouts logged{period}: log your sessions (sets, reps, kilograms) and ask again.",
            f"0 séance enregistrée{period} : notez vos séances (séries, répétitions, kilos) et redemandez.",
        ),
        {"workouts": 0, "sets": 0},
    )
    suggestions = [
        _suggestion(
            w.t(
                "Start with 2 to 3 full-body sessions a week; ask for a recommended workout to get one.",
                "Commencez par 2 à 3 séances corps entier par semaine ; demandez un programme recommandé.",
            ),
            w.t("No workout is logged yet.", "Aucune séance n'est encore enregistrée."),
        ),
        _suggestion(
            w.t(
                "Log every exercise with its sets, reps and weight: the analysis reads them.",
                "Notez chaque exercice avec ses séries, répétitions et charge : l'analyse s'en sert.",
            ),
            w.t(
                "Trends, plateaus and records need a few weeks of logs.",
                "Tendances, plateaux et records demandent quelques semaines de données.",
            ),
        ),
    ]
    return [insight], suggestions


def rules_analysis(
    entries: Sequence[WorkoutEntry],
    *,
    language: str,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    today: datetime.date | None = None,
) -> dict[str, Any]:
    """The analysis without the envelope: period, totals, insights (each with its numbers),
    suggestions, warnings."""
    w = _Writer(language)
    dated = sorted(
        (e for e in entries if (date_from is None or e.date >= date_from) and (date_to is None or e.date <= date_to)),
        key=lambda e: e.date,
    )
    warnings: list[str] = []
    if len(dated) < len(entries):
        warnings.append(
            w.t(
                f"{len(entries) - len(dated)} workout(s) outside the period were left out.",
                f"{len(entries) - len(dated)} séance(s) hors de la période ont été ignorées.",
            )
        )
    ids = {e.exercise_id for e in dated if e.exercise_id is not None}
    exercises = Exercise.objects.only("id", "exercise_en", "exercise_fr", "muscles", "force").in_bulk(sorted(ids))
    unknown = ids - set(exercises)
    if unknown:
        warnings.append(
            w.t(
                f"Unknown exercise ids left out of the muscle balance: {sorted(unknown)}.",
                f"Identifiants d'exercice inconnus, ignorés pour l'équilibre musculaire : {sorted(unknown)}.",
            )
        )
    numbers = Numbers(
        period_from=date_from or (dated[0].date if dated else None),
        period_to=date_to or (dated[-1].date if dated else None),
        totals=totals_of(dated),
        exercises=exercises,
        sessions=sorted({e.date for e in dated}),
    )
    if not dated:
        insights, suggestions = _nothing_yet(numbers, w)
    else:
        insights, suggestions = [], []
        for part in (
            _consistency(numbers, w),
            _volume_trend(dated, numbers, w, today or datetime.date.today()),
            _muscle_balance(dated, numbers, w),
            _plateaus(dated, numbers, w),
            _records(dated, numbers, w),
        ):
            insights.append(part[0])
            suggestions += part[1]
    no_weight = sum(1 for e in dated if _weight(e) is None)
    if dated and no_weight:
        warnings.append(
            w.t(
                f"{no_weight} workout(s) without a weight count in sets and reps, not in the volume in kg.",
                f"{no_weight} séance(s) sans charge comptent en séries et répétitions, pas dans le volume en kg.",
            )
        )
    return {
        "period": {
            "from": numbers.period_from.isoformat() if numbers.period_from else None,
            "to": numbers.period_to.isoformat() if numbers.period_to else None,
        },
        "totals": numbers.totals,
        "insights": insights,
        "suggestions": suggestions[:MAX_SUGGESTIONS],
        "warnings": warnings,
    }


# ---------------------------------------------------------------- the model's narrative


class NarratedInsight(BaseModel):
    type: str = Field(description="The type of one of the computed insights")
    title: str = Field(description="A short title")
    detail: str = Field(description="Two sentences at most, quoting only numbers from the data")


class NarratedSuggestion(BaseModel):
    text: str = Field(description="One concrete action")
    reason: str = Field(description="The number or fact it rests on")


class ProgressNarrative(BaseModel):
    """Insights and suggestions written over computed training numbers."""

    insights: list[NarratedInsight]
    suggestions: list[NarratedSuggestion]


_DATE_RE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)?")


def known_numbers(value: Any) -> set[float]:
    found: set[float] = set()
    if isinstance(value, bool):
        return found
    if isinstance(value, (int, float)):
        found.add(float(value))
    elif isinstance(value, str):
        found.update(float(n.replace(",", ".")) for n in _NUMBER_RE.findall(_DATE_RE.sub("", value)))
    elif isinstance(value, dict):
        for item in value.values():
            found |= known_numbers(item)
    elif isinstance(value, list):
        for item in value:
            found |= known_numbers(item)
    return found


def invented_numbers(text: str, known: set[float]) -> list[str]:
    """Numbers in the text that are not in the data (dates, 1-10 and percentages aside)."""
    invented: list[str] = []
    for raw in _NUMBER_RE.findall(_DATE_RE.sub("", text.replace("\u202f", "").replace("\u00a0", ""))):
        number = float(raw.replace(",", "."))
        if number <= 10 or any(abs(number - k) <= max(0.06, 0.01 * abs(k)) for k in known):
            continue
        invented.append(raw)
    return invented


def _merge_narrative(answer: ProgressNarrative, body: dict[str, Any]) -> dict[str, Any]:
    """The model's words over the computed numbers, or InvalidModelOutput when the words do not fit."""
    computed = {insight["type"]: insight for insight in body["insights"]}
    if not answer.insights or not answer.suggestions:
        raise InvalidModelOutput("no insight or no suggestion")
    known = known_numbers(body["insights"]) | known_numbers(body["totals"])
    written: dict[str, NarratedInsight] = {}
    for insight in answer.insights:
        if insight.type not in computed:
            raise InvalidModelOutput(f"insight type {insight.type!r} was not computed")
        if insight.type in written:
            raise InvalidModelOutput(f"insight {insight.type!r} twice")
        if not insight.title.strip() or not insight.detail.strip() or len(insight.detail) > MAX_TEXT_CHARS:
            raise InvalidModelOutput(f"insight {insight.type!r} has an empty or overlong text")
        invented = invented_numbers(insight.detail, known)
        if invented:
            raise InvalidModelOutput(f"insight {insight.type!r} quotes numbers not in the data: {invented}")
        written[insight.type] = insight
    suggestions = [
        {"text": s.text.strip(), "reason": s.reason.strip()}
        for s in answer.suggestions[:MAX_SUGGESTIONS]
        if s.text.strip() and len(s.text) <= MAX_TEXT_CHARS and len(s.reason) <= MAX_TEXT_CHARS
    ]
    if not suggestions:
        raise InvalidModelOutput("no usable suggestion")
    insights = [
        {**insight, "title": written[kind].title.strip(), "detail": written[kind].detail.strip()}
        if kind in written
        else insight
        for kind, insight in computed.items()
    ]
    return {**body, "insights": insights, "suggestions": suggestions}


def _model_analysis(body: dict[str, Any], *, user: User | None, language: str) -> dict[str, Any] | None:
    model = llm.chat_model("analysis", max_tokens=2048)
    if model is None:
        return None
    language_name = "French" if language == "fr" else "English"
    system = (
        "You are MovoAI's coach. Below are a person's training numbers, already computed. Write one insight for "
        "each computed insight type (a short title and at most two sentences of detail that quote the numbers) "
        "and up to 6 concrete suggestions, each with the number or fact it rests on. Quote only numbers present "
        f"in the data; never invent or recompute one. No medical diagnosis. Write in {language_name}."
    )
    data = {key: body[key] for key in ("period", "totals", "insights")}
    messages = [("system", system), ("human", json.dumps(data, ensure_ascii=False, default=str))]
    structured = model.with_structured_output(ProgressNarrative)
    answer = structured.invoke(messages, config=llm.recorded_config(purpose="analysis", user=user))
    if not isinstance(answer, ProgressNarrative):
        raise InvalidModelOutput(f"expected a ProgressNarrative, got {type(answer).__name__}")
    return _merge_narrative(answer, body)


def analyze_progress(
    entries: Sequence[WorkoutEntry],
    *,
    user: User | None = None,
    language: str = "en",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> dict[str, Any]:
    """Insights and suggestions over the workouts (a user's logs or workouts given inline), each
    insight with the numbers it rests on; the model writes the words when configured, the numbers are
    always computed. No workouts: an insight saying so and starter suggestions. Saved as a
    Recommendation (type progress_analysis).

    Returns {"engine", "fallback_reason", "fallback_detail", "language", "period": {"from", "to"},
    "totals": {"workouts", "entries", "sets", "reps", "set_reps", "volume_kg", "best_weight_kg",
    "estimated_1rm_kg", "duration_minutes"}, "insights": [{"type", "title", "detail", "numbers"}],
    "suggestions": [{"text", "reason"}], "warnings", "recommendation_id"}."""
    language = "fr" if language == "fr" else "en"
    today = user_today(user=user) if user is not None else datetime.date.today()
    body = rules_analysis(entries, language=language, date_from=date_from, date_to=date_to, today=today)
    envelope: dict[str, Any]
    try:
        narrated = _model_analysis(body, user=user, language=language)
        if narrated is None:
            envelope = fallback(FallbackReason.NOT_CONFIGURED).as_fields()
        else:
            body = narrated
            envelope = {"engine": "llm", "fallback_reason": None, "fallback_detail": None}
    except Exception as error:
        envelope = fallback_for(error, what="progress analysis").as_fields()
    answer = {**envelope, "language": language, **body}
    sessions = body["totals"]["workouts"]
    saved = Recommendation.objects.create(
        user=user,
        recommendation_type=Recommendation.RecommendationType.PROGRESS_ANALYSIS,
        data=answer,
        confidence_score=round(min(0.95, 0.5 + 0.05 * sessions), 2) if sessions else 0.3,
        engine=answer["engine"],
    )
    return {**answer, "recommendation_id": saved.id}
