"""Progress analyst: what a person's workouts say about their progress, consistency and recovery.

The numbers come from the existing code: the workouts from `coach.analysis` (a user's logs, or
workouts given inline), sessions per week from its consistency figures, the per-exercise series
from `coach.metrics` (Brzycki, least-squares trend), the streak from `tracking.progress` (the same
SQL the progress page shows). This module adds what the planner needs on top: trends per exercise,
plateaus in weeks, adherence to the planned days, and recovery (muscles trained in the last two days
of the user's calendar, fatigue from RPE and a volume jump, whether to rest).

With a model, the model reads the same numbers through its tools and writes the recommendations;
`check` rejects any figure or exercise id that is not in the data.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, Field, field_validator

from coach import metrics
from coach.agents.base import PROGRESS_ANALYST, Agent, AgentContext, AgentOutput, step
from coach.analysis import (
    WorkoutEntry,
    invented_numbers,
    known_numbers,
    rules_analysis,
    workouts_for_user,
    workouts_from_inline,
)
from coach.tools import MAX_LOGS, call_tool
from exercises.models import Exercise
from tracking.models import UserPlan
from tracking.progress import user_progress
from tracking.selectors import user_plan_list, user_today, workout_log_list

PLATEAU_WEEKS = 3  # no new best for this many weeks is a plateau
PLATEAU_MIN_SESSIONS = 3
RECENT_DAYS = 2  # today and yesterday, in the user's calendar
FATIGUE_DAYS = 7  # RPE and sets of the last week...
BASELINE_DAYS = 21  # ...against the weekly average of the three weeks before
ADHERENCE_DAYS = 28
HIGH_RPE = 8.5
MODERATE_RPE = 7.5
HIGH_VOLUME_JUMP = 1.5  # the last week's sets over the previous weeks' average
MODERATE_VOLUME_JUMP = 1.2
BUSY_RUN_DAYS = 4  # consecutive training days that make fatigue at least moderate
REST_RUN_DAYS = 6  # ... and that call for a rest day
GOOD_ADHERENCE = 0.8
MAX_TRENDS = 10
MAX_RECOMMENDATIONS = 6
MAX_TEXT_CHARS = 600
MAX_INLINE_WORKOUTS = 400
# Numbers the rules' own texts use (rep ranges, minutes): a model may quote them too.
TEXT_CONSTANTS = frozenset({12.0, 20.0, 30.0})
FATIGUE_FR = {"low": "faible", "moderate": "modérée", "high": "élevée"}

Metric = Literal["estimated_1rm_kg", "volume_kg", "reps"]
_TIME_RE = re.compile(r"\b\d{1,2}[:h]\d{2}\b")


# ---------------------------------------------------------------- input


class InlineExercise(BaseModel):
    """One exercise of a workout given inline (as the workout log accepts it)."""

    exercise_id: int | None = None
    sets: int = Field(default=1, ge=0, le=50)
    reps: int | None = Field(default=None, ge=0, le=1000)
    weight_kg: float | None = Field(default=None, ge=0, le=1000)
    duration_seconds: int | None = Field(default=None, ge=0, le=24 * 3600)
    rpe: float | None = Field(default=None, ge=1, le=10)


class InlineWorkout(BaseModel):
    """A workout given inline: a date and its exercises."""

    date: datetime.date
    exercises: list[InlineExercise] = Field(min_length=1, max_length=50)


class AnalystInput(BaseModel):
    workouts: list[dict[str, Any]] | None = Field(
        default=None,
        description="Workouts given inline, [{date, exercises: [{exercise_id, sets, reps, weight_kg, "
        "duration_seconds, rpe}]}] (a flat {date, exercise_id, sets, ...} is one workout of one "
        "exercise); None: the user's own logs",
    )
    days: int = Field(default=90, ge=1, le=365, description="How many days back from today to analyse")
    planned_days_per_week: int | None = Field(
        default=None, ge=1, le=7, description="The target for adherence; None: the user's active plan's"
    )

    @field_validator("workouts")
    @classmethod
    def _valid_workouts(cls, value: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
        """Each workout checked and written the one canonical way (ISO dates)."""
        if value is None:
            return None
        if len(value) > MAX_INLINE_WORKOUTS:
            raise ValueError(f"at most {MAX_INLINE_WORKOUTS} workouts")
        workouts = [
            InlineWorkout.model_validate(
                item if "exercises" in item else {"date": item.get("date"), "exercises": [item]}
            )
            for item in value
        ]
        return [workout.model_dump(mode="json") for workout in workouts]


# ---------------------------------------------------------------- output


class ExerciseTrend(BaseModel):
    exercise_id: int
    name: str
    metric: Metric = Field(description="estimated_1rm_kg (Brzycki), else volume_kg, else reps (sets x reps)")
    direction: Literal["up", "flat", "down"] = Field(description="The least-squares trend of the metric")
    change_pct: float = Field(description="From the first to the last session of the period, in %")
    first_value: float
    last_value: float
    sessions: int


class Plateau(BaseModel):
    exercise_id: int
    name: str
    metric: Metric
    best_value: float
    weeks_flat: int = Field(description="Weeks from the last new best to the last session")
    suggestion: str


class Recovery(BaseModel):
    recent_muscles: list[str] = Field(description="Primary muscles trained today or yesterday (user's calendar)")
    fatigue: Literal["low", "moderate", "high"]
    avg_rpe: float | None = Field(description="Mean RPE of the last 7 days' logs that have one")
    volume_change_pct: float | None = Field(
        default=None, description="Sets of the last 7 days against the weekly average of the 3 weeks before, in %"
    )
    consecutive_days: int = Field(default=0, description="Training days in a row, up to today or yesterday")
    rest_recommended: bool


class AnalystOutput(AgentOutput):
    has_history: bool
    workouts_count: int = Field(description="Days trained in the period")
    sessions_per_week: float
    adherence: float | None = Field(description="Sessions done over sessions planned (last 4 weeks), 0 to 1")
    planned_days_per_week: int | None = Field(default=None, description="The target adherence was measured on")
    streak_days: int
    workouts_this_week: int = Field(default=0, description="Days trained since Monday")
    last_workout_date: str | None
    days_since_last_workout: int | None = None
    trends: list[ExerciseTrend]
    plateaus: list[Plateau]
    recovery: Recovery
    recommendations: list[str]


# ---------------------------------------------------------------- the numbers


@dataclass
class _History:
    today: datetime.date
    start: datetime.date
    entries: list[WorkoutEntry]
    rpes: list[tuple[datetime.date, float]]
    source: str  # "logs", "inline" or "none"


def _today(ctx: AgentContext) -> datetime.date:
    return user_today(user=ctx.user) if ctx.user is not None else datetime.date.today()


def _history(data: AnalystInput, ctx: AgentContext) -> _History:
    today = _today(ctx)
    start = today - datetime.timedelta(days=data.days - 1)
    recent = today - datetime.timedelta(days=FATIGUE_DAYS - 1)
    if data.workouts is not None:
        workouts = [InlineWorkout.model_validate(item) for item in data.workouts]
        entries = workouts_from_inline(
            [{"date": w.date, "exercises": [e.model_dump() for e in w.exercises]} for w in workouts], start, today
        )
        rpes = [
            (w.date, e.rpe) for w in workouts for e in w.exercises if e.rpe is not None and recent <= w.date <= today
        ]
        return _History(today, start, entries, rpes, "inline")
    if ctx.user is None:
        return _History(today, start, [], [], "none")
    entries = workouts_for_user(ctx.user, start, today)
    logged = workout_log_list(user=ctx.user, start_date=recent, end_date=today).values_list("date_performed", "rpe")
    rpes = [(day, float(rpe)) for day, rpe in logged if rpe is not None]
    return _History(today, start, entries, rpes, "logs")


def _run_ending(days: set[datetime.date], today: datetime.date) -> int:
    """Training days in a row ending today, or yesterday while today is not over (the rule of
    tracking.progress's streak)."""
    day = today if today in days else today - datetime.timedelta(days=1)
    run = 0
    while day in days:
        run += 1
        day -= datetime.timedelta(days=1)
    return run


def _planned_days(data: AnalystInput, ctx: AgentContext) -> tuple[int | None, str]:
    if data.planned_days_per_week is not None:
        return data.planned_days_per_week, "input"
    if ctx.user is not None:
        active = user_plan_list(user=ctx.user, status=UserPlan.Status.ACTIVE).first()
        if active is not None:
            return int(active.plan.days_per_week), "active_plan"
    return None, "unknown"


def _series(logs: Sequence[WorkoutEntry]) -> tuple[Metric, list[tuple[datetime.date, float]]] | None:
    """The series an exercise is followed on: its best estimated 1RM per day, else its volume in kg
    per day, else its sets x reps per day; None with fewer than two days."""
    best: dict[datetime.date, float] = {}
    volume: dict[datetime.date, float] = defaultdict(float)
    reps: dict[datetime.date, float] = defaultdict(float)
    for entry in logs:
        estimate = metrics.one_rep_max(weight_kg=entry.weight_kg, reps=entry.reps)
        if estimate:
            best[entry.date] = max(best.get(entry.date, 0.0), estimate)
        kg = metrics.log_volume(sets=entry.sets, reps=entry.reps, weight_kg=entry.weight_kg)
        if kg:
            volume[entry.date] += kg
        if entry.reps:
            reps[entry.date] += entry.sets * entry.reps
    for metric, values in (("estimated_1rm_kg", best), ("volume_kg", volume), ("reps", reps)):
        if len(values) >= 2:
            return metric, sorted((day, round(value, 1)) for day, value in values.items())  # type: ignore[return-value]
    return None


def _pct(first: float, last: float) -> float:
    return round((last - first) / first * 100, 1) if first else 0.0


def _number(value: float, ctx: AgentContext) -> str:
    text = f"{value:g}"
    return text.replace(".", ",") if ctx.language == "fr" else text


def _fixed_tool(name: str, description: str, result: dict[str, Any]) -> BaseTool:
    """A tool without arguments that answers with a result computed beforehand."""

    def read() -> dict[str, Any]:
        return result

    return StructuredTool.from_function(func=read, name=name, description=description)


class ProgressAnalyst(Agent[AnalystInput, AnalystOutput]):
    name = PROGRESS_ANALYST
    purpose = (
        "Reads a person's workout logs and finds trends per exercise, plateaus, sessions per week, adherence "
        "to the planned days, the streak and recovery needs."
    )
    prompt = (
        "You are MovoAI's progress analyst. Call get_progress_summary first: it holds the computed numbers "
        "(sessions per week, adherence, streak, trends per exercise, plateaus, recovery). You may read the "
        "workout history for context. Answer with the AnalystOutput: copy every number, date and exercise id "
        "from the summary exactly (never recompute or invent one; leave out a trend rather than guess it), "
        "write plateau suggestions and 2 to 6 short, concrete recommendations that quote only numbers of the "
        "summary, and a reasoning step for each decision. rest_recommended may only go from false to true. "
        "No medical diagnosis. Write the texts in the language asked."
    )
    input_model = AnalystInput
    output_model = AnalystOutput
    max_tokens = 3072

    # -- rules

    def rules(self, data: AnalystInput, ctx: AgentContext) -> AnalystOutput:
        history = _history(data, ctx)
        today = history.today
        entries = history.entries
        sessions = sorted({entry.date for entry in entries})
        reasoning = [
            step(
                ctx.t("Read the workouts", "Lecture des séances"),
                ctx.t(
                    f"{len(sessions)} training days between {history.start} and {today}.",
                    f"{len(sessions)} jours d'entraînement entre le {history.start} et le {today}.",
                ),
                source=history.source,
                period_from=history.start.isoformat(),
                period_to=today.isoformat(),
                workouts=len(sessions),
                entries=len(entries),
            )
        ]
        ids = sorted({entry.exercise_id for entry in entries if entry.exercise_id is not None})
        exercises = Exercise.objects.only("id", "exercise_en", "exercise_fr", "muscles").in_bulk(ids)

        # sessions per week, from the analysis' consistency figures over the time since the first workout
        sessions_per_week = 0.0
        analysis_suggestions: list[str] = []
        analysis_plateaus: list[str] = []
        if sessions:
            analysis = rules_analysis(entries, language=ctx.language, date_from=sessions[0], date_to=today, today=today)
            consistency = next(i for i in analysis["insights"] if i["type"] == "consistency")
            sessions_per_week = float(consistency["numbers"]["sessions_per_week"])
            analysis_suggestions = [s["text"] for s in analysis["suggestions"]]
            stuck = next(i for i in analysis["insights"] if i["type"] == "plateaus")
            analysis_plateaus = [str(p["name"]) for p in stuck["numbers"]["plateaus"]]
            reasoning.append(
                step(
                    ctx.t("Measured the training frequency", "Fréquence d'entraînement mesurée"),
                    ctx.t(
                        f"{len(sessions)} sessions since {sessions[0]}: {_number(sessions_per_week, ctx)} a week.",
                        f"{len(sessions)} séances depuis le {sessions[0]} : {_number(sessions_per_week, ctx)} par "
                        "semaine.",
                    ),
                    **consistency["numbers"],
                )
            )

        # adherence to the planned days, over the last 4 weeks (or since the first workout)
        planned, planned_source = _planned_days(data, ctx)
        adherence: float | None = None
        if planned and sessions:
            window_start = max(today - datetime.timedelta(days=ADHERENCE_DAYS - 1), sessions[0])
            window_days = max(FATIGUE_DAYS, (today - window_start).days + 1)
            done = sum(1 for day in sessions if day >= window_start)
            expected = planned * window_days / 7
            adherence = round(min(1.0, done / expected), 2)
            reasoning.append(
                step(
                    ctx.t("Measured adherence", "Assiduité mesurée"),
                    ctx.t(
                        f"{done} sessions in the last {window_days} days for {planned} planned a week.",
                        f"{done} séances sur les {window_days} derniers jours pour {planned} prévues par semaine.",
                    ),
                    done=done,
                    days=window_days,
                    planned_days_per_week=planned,
                    target_source=planned_source,
                    adherence=adherence,
                )
            )
        elif sessions:
            reasoning.append(
                step(
                    ctx.t("No adherence", "Assiduité non mesurée"),
                    ctx.t("No planned days per week and no active plan.", "Ni jours prévus ni programme actif."),
                    target_source=planned_source,
                )
            )

        # the streak: tracking's (over every log) for the user's own logs, the same rule for inline ones
        session_days = set(sessions)
        run = _run_ending(session_days, today)
        if history.source == "logs" and ctx.user is not None:
            streak = int(user_progress(user=ctx.user, today=today, lang=ctx.language)["streaks"]["current_days"])
        else:
            streak = run
        this_week = sum(1 for day in sessions if metrics.week_start(day) == metrics.week_start(today))
        last = sessions[-1] if sessions else None

        trends, plateaus = self._exercises(entries, exercises, ctx, reasoning)
        recovery = self._recovery(history, exercises, run, ctx, reasoning)

        output = AnalystOutput(
            has_history=bool(sessions),
            workouts_count=len(sessions),
            sessions_per_week=sessions_per_week,
            adherence=adherence,
            planned_days_per_week=planned,
            streak_days=streak,
            workouts_this_week=this_week,
            last_workout_date=last.isoformat() if last else None,
            days_since_last_workout=(today - last).days if last else None,
            trends=trends,
            plateaus=plateaus,
            recovery=recovery,
            recommendations=[],
            reasoning=reasoning,
        )
        output.recommendations = self._recommendations(output, analysis_suggestions, analysis_plateaus, ctx)
        output.reasoning.append(
            step(
                ctx.t("Wrote the recommendations", "Recommandations rédigées"),
                ctx.t(
                    "Recovery first, then plateaus, adherence and falling lifts, then the analysis' suggestions.",
                    "D'abord la récupération, puis les plateaux, l'assiduité et les baisses, puis les suggestions "
                    "de l'analyse.",
                ),
                count=len(output.recommendations),
            )
        )
        return output

    def _exercises(
        self,
        entries: Sequence[WorkoutEntry],
        exercises: dict[int, Exercise],
        ctx: AgentContext,
        reasoning: list[Any],
    ) -> tuple[list[ExerciseTrend], list[Plateau]]:
        grouped: dict[int, list[WorkoutEntry]] = defaultdict(list)
        for entry in entries:
            if entry.exercise_id in exercises:
                grouped[entry.exercise_id].append(entry)
        trends: list[ExerciseTrend] = []
        plateaus: list[Plateau] = []
        for exercise_id, logs in grouped.items():
            found = _series(logs)
            if found is None:
                continue
            metric, series = found
            name = exercises[exercise_id].name_in(ctx.language)
            trend = metrics.progress_trend(series)
            direction: Literal["up", "flat", "down"] = (
                "up"
                if trend and trend.label == "improving"
                else "down"
                if trend and trend.label == "declining"
                else "flat"
            )
            trends.append(
                ExerciseTrend(
                    exercise_id=exercise_id,
                    name=name,
                    metric=metric,
                    direction=direction,
                    change_pct=_pct(series[0][1], series[-1][1]),
                    first_value=series[0][1],
                    last_value=series[-1][1],
                    sessions=len(series),
                )
            )
            # a plateau: no new best for PLATEAU_WEEKS weeks, over at least two sessions since the best
            best, best_day = series[0][1], series[0][0]
            for day, value in series[1:]:
                if value > best:
                    best, best_day = value, day
            since = sum(1 for day, _ in series if day > best_day)
            weeks_flat = (series[-1][0] - best_day).days // 7
            if len(series) >= PLATEAU_MIN_SESSIONS and since >= 2 and weeks_flat >= PLATEAU_WEEKS:
                plateaus.append(
                    Plateau(
                        exercise_id=exercise_id,
                        name=name,
                        metric=metric,
                        best_value=best,
                        weeks_flat=weeks_flat,
                        suggestion=ctx.t(
                            f"{name}: change the stimulus for 3 weeks: another rep range (heavier sets of 5, or "
                            "lighter sets of 12) or one more set, then test again.",
                            f"{name} : changez le stimulus pendant 3 semaines : une autre fourchette de répétitions "
                            "(séries de 5 plus lourdes, ou de 12 plus légères) ou une série de plus, puis refaites "
                            "le test.",
                        ),
                    )
                )
        trends.sort(key=lambda t: (-t.sessions, -abs(t.change_pct), t.name))
        trends = trends[:MAX_TRENDS]
        plateaus.sort(key=lambda p: (-p.weeks_flat, p.name))
        reasoning.append(
            step(
                ctx.t("Followed each exercise", "Suivi de chaque exercice"),
                ctx.t(
                    f"{len(trends)} exercise(s) done on 2 days or more; {len(plateaus)} without a new best for "
                    f"{PLATEAU_WEEKS} weeks or more.",
                    f"{len(trends)} exercice(s) fait(s) sur 2 jours ou plus ; {len(plateaus)} sans nouveau record "
                    f"depuis {PLATEAU_WEEKS} semaines ou plus.",
                ),
                trends={str(t.exercise_id): [t.metric, t.direction, t.change_pct] for t in trends},
                plateaus={str(p.exercise_id): p.weeks_flat for p in plateaus},
            )
        )
        return trends, plateaus

    def _recovery(
        self,
        history: _History,
        exercises: dict[int, Exercise],
        run: int,
        ctx: AgentContext,
        reasoning: list[Any],
    ) -> Recovery:
        today = history.today
        recent_from = today - datetime.timedelta(days=RECENT_DAYS - 1)
        week_from = today - datetime.timedelta(days=FATIGUE_DAYS - 1)
        baseline_from = week_from - datetime.timedelta(days=BASELINE_DAYS)
        muscles: set[str] = set()
        week_sets = baseline_sets = 0
        for entry in history.entries:
            exercise = exercises.get(entry.exercise_id) if entry.exercise_id is not None else None
            if entry.date >= recent_from and exercise is not None:
                muscles.update(exercise.muscles or [])
            if entry.date >= week_from:
                week_sets += entry.sets
            elif entry.date >= baseline_from:
                baseline_sets += entry.sets
        avg_rpe = round(sum(r for _, r in history.rpes) / len(history.rpes), 1) if history.rpes else None
        baseline = baseline_sets / (BASELINE_DAYS / 7)
        jump = week_sets / baseline if baseline else None
        fatigue: Literal["low", "moderate", "high"] = "low"
        if (avg_rpe is not None and avg_rpe >= HIGH_RPE) or (jump is not None and jump >= HIGH_VOLUME_JUMP):
            fatigue = "high"
        elif (
            (avg_rpe is not None and avg_rpe >= MODERATE_RPE)
            or (jump is not None and jump >= MODERATE_VOLUME_JUMP)
            or run >= BUSY_RUN_DAYS
        ):
            fatigue = "moderate"
        rest = fatigue == "high" or run >= REST_RUN_DAYS
        recovery = Recovery(
            recent_muscles=sorted(muscles),
            fatigue=fatigue,
            avg_rpe=avg_rpe,
            volume_change_pct=round((jump - 1) * 100, 1) if jump is not None else None,
            consecutive_days=run,
            rest_recommended=rest,
        )
        reasoning.append(
            step(
                ctx.t(f"Fatigue {fatigue}", f"Fatigue {FATIGUE_FR[fatigue]}"),
                ctx.t(
                    f"High from RPE >= {HIGH_RPE} or sets +{round((HIGH_VOLUME_JUMP - 1) * 100)}% over the previous "
                    f"weeks; moderate from RPE >= {MODERATE_RPE}, sets +{round((MODERATE_VOLUME_JUMP - 1) * 100)}% or "
                    f"{BUSY_RUN_DAYS} days in a row; rest after {REST_RUN_DAYS} days in a row or when high.",
                    f"Élevée dès un RPE >= {HIGH_RPE} ou +{round((HIGH_VOLUME_JUMP - 1) * 100)} % de séries ; modérée "
                    f"dès un RPE >= {MODERATE_RPE}, +{round((MODERATE_VOLUME_JUMP - 1) * 100)} % de séries ou "
                    f"{BUSY_RUN_DAYS} jours d'affilée ; repos après {REST_RUN_DAYS} jours d'affilée ou si élevée.",
                ),
                avg_rpe=avg_rpe,
                rpe_logs=len(history.rpes),
                sets_last_7_days=week_sets,
                weekly_sets_before=round(baseline, 1),
                consecutive_days=run,
                recent_muscles=sorted(muscles),
                rest_recommended=rest,
            )
        )
        return recovery

    def _recommendations(
        self, output: AnalystOutput, analysis_suggestions: list[str], analysis_plateaus: list[str], ctx: AgentContext
    ) -> list[str]:
        if not output.has_history:
            return [
                ctx.t(
                    "Start with 2 to 3 full-body sessions a week on fixed days; 30 minutes is enough.",
                    "Commencez par 2 à 3 séances corps entier par semaine à jours fixes ; 30 minutes suffisent.",
                ),
                ctx.t(
                    "Log every exercise with its sets, reps and weight: trends and plateaus need a few weeks of logs.",
                    "Notez chaque exercice avec séries, répétitions et charge : tendances et plateaux demandent "
                    "quelques semaines de données.",
                ),
            ]
        texts: list[str] = []
        recovery = output.recovery
        if recovery.rest_recommended:
            texts.append(
                ctx.t(
                    "Take a rest day (or an easy mobility session) before your next hard session: your recovery "
                    "needs it.",
                    "Prenez un jour de repos (ou une séance de mobilité légère) avant votre prochaine séance "
                    "intense : votre récupération en a besoin.",
                )
            )
        elif recovery.fatigue == "moderate":
            texts.append(
                ctx.t(
                    "Keep today's session moderate (leave 3 reps in reserve) and sleep well.",
                    "Gardez une séance modérée aujourd'hui (3 répétitions en réserve) et dormez bien.",
                )
            )
        texts += [plateau.suggestion for plateau in output.plateaus[:2]]
        if output.adherence is not None and output.adherence < GOOD_ADHERENCE and output.planned_days_per_week:
            texts.append(
                ctx.t(
                    f"Fix your {output.planned_days_per_week} training days in your calendar and keep them like "
                    "appointments; a short session still counts.",
                    f"Fixez vos {output.planned_days_per_week} jours d'entraînement dans votre agenda comme des "
                    "rendez-vous ; une séance courte compte aussi.",
                )
            )
        for trend in output.trends:
            if trend.direction == "down":
                texts.append(
                    ctx.t(
                        f"{trend.name} is going down: check sleep and recovery, and hold the load until it comes back.",
                        f"{trend.name} est en baisse : vérifiez sommeil et récupération, et gardez la charge jusqu'à "
                        "ce qu'elle revienne.",
                    )
                )
                break
        if recovery.recent_muscles and not recovery.rest_recommended:
            texts.append(
                ctx.t(
                    "Train different muscles from those worked today and yesterday.",
                    "Travaillez d'autres muscles que ceux d'aujourd'hui et d'hier.",
                )
            )
        # the analysis' own plateau advice (same load for 3 sessions) is left to the plateaus in weeks above
        skipped = [*analysis_plateaus, *(plateau.name for plateau in output.plateaus)]
        for text in analysis_suggestions:
            if text not in texts and not any(name in text for name in skipped):
                texts.append(text)
        return texts[:MAX_RECOMMENDATIONS]

    # -- model

    def tools(self, data: AnalystInput, ctx: AgentContext) -> Sequence[BaseTool]:
        """The summary and the history, read here in the caller's thread: LangGraph runs tools in a
        thread pool, whose threads would open database connections of their own (outside the
        caller's transaction)."""
        summary = self.rules(data, ctx).model_dump(mode="json", exclude={"reasoning"})
        tools = [
            _fixed_tool(
                "get_progress_summary",
                "The computed progress numbers of the period analysed: sessions per week, adherence, streak, "
                "workouts this week, trends per exercise (with exercise ids), plateaus, recovery (recent muscles, "
                "fatigue, average RPE, rest) and the rules' recommendations.",
                summary,
            )
        ]
        if data.workouts is None and ctx.user is not None:
            history = call_tool("get_workout_history", {"days": data.days}, user=ctx.user, language=ctx.language)
            tools.append(
                _fixed_tool(
                    "get_workout_history",
                    f"The user's most recent workout logs of the period, newest first (at most {MAX_LOGS}): date, "
                    "exercise id and name, sets, reps, weight, duration, RPE, volume.",
                    history,
                )
            )
        return tools

    def check(self, output: AnalystOutput, data: AnalystInput, ctx: AgentContext) -> list[str]:
        facts = self.rules(data, ctx)
        problems: list[str] = []
        for field in ("has_history", "workouts_count", "streak_days", "workouts_this_week", "last_workout_date"):
            if getattr(output, field) != getattr(facts, field):
                problems.append(f"{field} is {getattr(output, field)!r}, the data say {getattr(facts, field)!r}")
        if abs(output.sessions_per_week - facts.sessions_per_week) > 0.05:
            problems.append(f"sessions_per_week {output.sessions_per_week} is not {facts.sessions_per_week}")
        if (output.adherence is None) != (facts.adherence is None) or (
            output.adherence is not None
            and facts.adherence is not None
            and abs(output.adherence - facts.adherence) > 0.02
        ):
            problems.append(f"adherence {output.adherence} is not {facts.adherence}")
        trends = {trend.exercise_id: trend for trend in facts.trends}
        for trend in output.trends:
            fact = trends.get(trend.exercise_id)
            if fact is None:
                problems.append(f"unknown exercise id {trend.exercise_id} in the trends")
            elif trend.metric != fact.metric or trend.direction != fact.direction:
                problems.append(f"trend of exercise {trend.exercise_id} is not {fact.metric} {fact.direction}")
            elif abs(trend.change_pct - fact.change_pct) > 1.0:
                problems.append(
                    f"change_pct {trend.change_pct} of exercise {trend.exercise_id} is not {fact.change_pct}"
                )
        plateaus = {plateau.exercise_id: plateau for plateau in facts.plateaus}
        for plateau in output.plateaus:
            found = plateaus.get(plateau.exercise_id)
            if found is None:
                problems.append(f"exercise {plateau.exercise_id} has no plateau in the data")
            elif plateau.weeks_flat != found.weeks_flat:
                problems.append(
                    f"weeks_flat {plateau.weeks_flat} of exercise {plateau.exercise_id} is not {found.weeks_flat}"
                )
        recovery, fact_recovery = output.recovery, facts.recovery
        if set(recovery.recent_muscles) != set(fact_recovery.recent_muscles):
            problems.append(f"recent_muscles are {fact_recovery.recent_muscles}")
        if (recovery.avg_rpe is None) != (fact_recovery.avg_rpe is None) or (
            recovery.avg_rpe is not None
            and fact_recovery.avg_rpe is not None
            and abs(recovery.avg_rpe - fact_recovery.avg_rpe) > 0.05
        ):
            problems.append(f"avg_rpe {recovery.avg_rpe} is not {fact_recovery.avg_rpe}")
        if fact_recovery.rest_recommended and not recovery.rest_recommended:
            problems.append("the data call for rest")
        if not output.recommendations:
            problems.append("no recommendation")
        known = known_numbers(facts.model_dump(mode="json")) | TEXT_CONSTANTS
        for text in [*output.recommendations, *(p.suggestion for p in output.plateaus)]:
            if not text.strip() or len(text) > MAX_TEXT_CHARS:
                problems.append("an empty or overlong recommendation")
                continue
            invented = invented_numbers(_TIME_RE.sub("", text), known)
            if invented:
                problems.append(f"numbers not in the data: {invented}")
        return problems

    def user_message(self, data: AnalystInput, ctx: AgentContext) -> str:
        language = "French" if ctx.language == "fr" else "English"
        source = "the workouts given inline" if data.workouts is not None else "the user's own workout logs"
        return (
            f"Answer in {language}. Analyse {source} of the last {data.days} days"
            + (f", against {data.planned_days_per_week} planned days a week" if data.planned_days_per_week else "")
            + ". Read get_progress_summary first."
        )


AGENT = ProgressAnalyst()
