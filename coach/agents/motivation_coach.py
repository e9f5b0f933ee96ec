"""Motivation coach: a short personal message and 2 to 3 concrete next actions from adherence patterns.

The tone follows the numbers of the progress analysis (given, or computed from the user's logs when
not): no history is a welcome, no workout for 7 days or more a re-engagement, a streak of 3 days or
an adherence of 80 % a celebration, anything else encouragement. The message quotes the person's
own numbers (streak, workouts this week, the best lift trend); a model may word it, and `check`
rejects a message that is empty, too long, in another tone or quoting numbers that are not theirs.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import asdict, dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field

from coach.agents.base import MOTIVATION_COACH, Agent, AgentContext, AgentOutput, step
from coach.agents.progress_analyst import AGENT as PROGRESS_ANALYST_AGENT
from coach.agents.progress_analyst import AnalystInput
from coach.analysis import invented_numbers, known_numbers
from tracking.selectors import user_today

Tone = Literal["welcome", "celebrate", "encourage", "re_engage"]

RE_ENGAGE_DAYS = 7
CELEBRATE_STREAK_DAYS = 3
CELEBRATE_ADHERENCE = 0.8
MAX_MESSAGE_CHARS = 600
MAX_ACTION_CHARS = 200
MIN_ACTIONS, MAX_ACTIONS = 2, 3
SESSION_TIME = "18:00"  # the time an action books when the person's own is unknown
# Numbers the rules' own actions use (minutes, % of the last loads): a model may quote them too.
TEXT_CONSTANTS = frozenset({20.0, 30.0, 70.0})
_TIME_RE = re.compile(r"\b\d{1,2}[:h]\d{2}\b")
_WEEKDAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


class MotivationInput(BaseModel):
    analysis: dict[str, Any] | None = Field(
        default=None, description="The progress analyst's output; None: analysed from the user's logs"
    )
    planned_days_per_week: int | None = Field(default=None, ge=1, le=7)


class MotivationMessage(AgentOutput):
    message: str = Field(description=f"At most {MAX_MESSAGE_CHARS} characters, quoting the person's own numbers")
    tone: Tone
    accountability: list[str] = Field(description="2 to 3 concrete next actions")
    streak_days: int
    adherence: float | None


@dataclass(frozen=True)
class _Facts:
    """The numbers a message may quote, read from the analysis."""

    has_history: bool
    workouts_count: int
    streak_days: int
    workouts_this_week: int
    planned_days_per_week: int | None
    adherence: float | None
    adherence_pct: int | None
    days_since_last_workout: int | None
    last_workout_date: str | None
    best_trend: dict[str, Any] | None  # the "up" trend with the largest change
    plateau: dict[str, Any] | None
    rest_recommended: bool
    today: str


def _int(value: Any, default: int = 0) -> int:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else default


def _number(value: float, ctx: AgentContext) -> str:
    text = f"{value:g}"
    return text.replace(".", ",") if ctx.language == "fr" else text


def _weekday(day: datetime.date, ctx: AgentContext) -> str:
    return ctx.t(day.strftime("%A"), _WEEKDAYS_FR[day.weekday()])


class MotivationCoach(Agent[MotivationInput, MotivationMessage]):
    name = MOTIVATION_COACH
    purpose = "Encourages and keeps a person accountable from their adherence patterns: a message and next actions."
    prompt = (
        "You are MovoAI's motivation coach. From the person's numbers (given), write a warm, direct message of "
        f"at most {MAX_MESSAGE_CHARS} characters in the tone given (welcome, celebrate, encourage or re_engage) "
        "that quotes their own numbers (streak, workouts this week, their best lift trend) and no other number, "
        f"and {MIN_ACTIONS} to {MAX_ACTIONS} concrete next actions (a day and time for the next session, a small "
        "target). Copy tone, streak_days and adherence as given. No guilt, no medical claims. Add a reasoning "
        "step for the tone. Write in the language asked."
    )
    input_model = MotivationInput
    output_model = MotivationMessage
    max_tokens = 1024

    # -- the numbers

    def facts(self, data: MotivationInput, ctx: AgentContext) -> _Facts:
        analysis = data.analysis
        if analysis is None and ctx.user is not None:
            analysis = PROGRESS_ANALYST_AGENT.rules(
                AnalystInput(planned_days_per_week=data.planned_days_per_week), ctx
            ).model_dump(mode="json")
        analysis = analysis or {}
        today = user_today(user=ctx.user) if ctx.user is not None else datetime.date.today()
        workouts = _int(analysis.get("workouts_count"))
        has_history = bool(analysis.get("has_history", workouts > 0)) and workouts > 0
        planned = data.planned_days_per_week or (_int(analysis.get("planned_days_per_week")) or None)
        adherence = analysis.get("adherence")
        if not isinstance(adherence, (int, float)) or isinstance(adherence, bool):
            adherence = None
            sessions_per_week = analysis.get("sessions_per_week")
            # a target given here but not to the analysis: the weekly rate against it
            if has_history and planned and isinstance(sessions_per_week, (int, float)):
                adherence = round(min(1.0, float(sessions_per_week) / planned), 2)
        last = analysis.get("last_workout_date")
        days_since = analysis.get("days_since_last_workout")
        if not isinstance(days_since, int) and isinstance(last, str):
            try:
                days_since = (today - datetime.date.fromisoformat(last)).days
            except ValueError:
                days_since = None
        trends = [t for t in analysis.get("trends") or [] if isinstance(t, dict) and t.get("direction") == "up"]
        best = max(trends, key=lambda t: float(t.get("change_pct") or 0), default=None)
        plateaus = [p for p in analysis.get("plateaus") or [] if isinstance(p, dict) and p.get("name")]
        recovery = analysis.get("recovery") or {}
        return _Facts(
            has_history=has_history,
            workouts_count=workouts,
            streak_days=_int(analysis.get("streak_days")),
            workouts_this_week=_int(analysis.get("workouts_this_week")),
            planned_days_per_week=planned,
            adherence=float(adherence) if adherence is not None else None,
            adherence_pct=round(float(adherence) * 100) if adherence is not None else None,
            days_since_last_workout=days_since if isinstance(days_since, int) else None,
            last_workout_date=last if isinstance(last, str) else None,
            best_trend=best,
            plateau=plateaus[0] if plateaus else None,
            rest_recommended=bool(recovery.get("rest_recommended")) if isinstance(recovery, dict) else False,
            today=today.isoformat(),
        )

    @staticmethod
    def tone(facts: _Facts, ctx: AgentContext) -> tuple[Tone, str]:
        """The tone and why."""
        if not facts.has_history:
            return "welcome", ctx.t("No workout logged yet.", "Aucune séance enregistrée pour l'instant.")
        days = facts.days_since_last_workout
        if days is not None and days >= RE_ENGAGE_DAYS:
            return "re_engage", ctx.t(
                f"No workout for {days} days ({RE_ENGAGE_DAYS} or more).",
                f"Aucune séance depuis {days} jours ({RE_ENGAGE_DAYS} ou plus).",
            )
        if facts.streak_days >= CELEBRATE_STREAK_DAYS:
            return "celebrate", ctx.t(
                f"A {facts.streak_days}-day streak ({CELEBRATE_STREAK_DAYS} or more).",
                f"Une série de {facts.streak_days} jours ({CELEBRATE_STREAK_DAYS} ou plus).",
            )
        if facts.adherence is not None and facts.adherence >= CELEBRATE_ADHERENCE:
            return "celebrate", ctx.t(
                f"Adherence {facts.adherence_pct}% ({round(CELEBRATE_ADHERENCE * 100)}% or more).",
                f"Assiduité {facts.adherence_pct} % ({round(CELEBRATE_ADHERENCE * 100)} % ou plus).",
            )
        return "encourage", ctx.t(
            "Training, with room to be more regular.",
            "Entraînement en cours, avec de la marge pour plus de régularité.",
        )

    # -- rules

    def rules(self, data: MotivationInput, ctx: AgentContext) -> MotivationMessage:
        facts = self.facts(data, ctx)
        tone, why = self.tone(facts, ctx)
        message = self._message(tone, facts, ctx)
        actions = self._actions(tone, facts, ctx)
        return MotivationMessage(
            message=message[:MAX_MESSAGE_CHARS],
            tone=tone,
            accountability=actions,
            streak_days=facts.streak_days,
            adherence=facts.adherence,
            reasoning=[
                step(
                    ctx.t(f"Tone: {tone}", f"Ton : {tone}"),
                    why,
                    streak_days=facts.streak_days,
                    adherence=facts.adherence,
                    workouts_this_week=facts.workouts_this_week,
                    days_since_last_workout=facts.days_since_last_workout,
                ),
                step(
                    ctx.t("Next actions", "Prochaines actions"),
                    ctx.t(
                        "A booked day for the next session, then a small target for the week.",
                        "Un jour réservé pour la prochaine séance, puis un petit objectif pour la semaine.",
                    ),
                    rest_recommended=facts.rest_recommended,
                    actions=len(actions),
                ),
            ],
        )

    def _week_part(self, facts: _Facts, ctx: AgentContext) -> str:
        done = facts.workouts_this_week
        if facts.planned_days_per_week:
            return ctx.t(
                f"{done} of your {facts.planned_days_per_week} planned workouts done this week",
                f"{done} séance(s) sur les {facts.planned_days_per_week} prévues cette semaine",
            )
        return ctx.t(f"{done} workout(s) this week", f"{done} séance(s) cette semaine")

    def _trend_part(self, facts: _Facts, ctx: AgentContext) -> str:
        trend = facts.best_trend
        if trend is None or not trend.get("name"):
            return ""
        change = _number(float(trend.get("change_pct") or 0), ctx)
        if trend.get("metric") == "estimated_1rm_kg":
            return ctx.t(
                f" Your {trend['name']} estimated max is up {change}%.",
                f" Votre max estimé en {trend['name']} a progressé de {change} %.",
            )
        return ctx.t(f" Your {trend['name']} is up {change}%.", f" {trend['name']} : +{change} %.")

    def _message(self, tone: Tone, facts: _Facts, ctx: AgentContext) -> str:
        if tone == "welcome":
            return ctx.t(
                "Welcome to MovoAI! The hardest step is the first one: one short session is enough to start the "
                "habit. Log it, and I will track your streak and your progress from there.",
                "Bienvenue sur MovoAI ! Le plus dur, c'est le premier pas : une séance courte suffit pour lancer "
                "l'habitude. Enregistrez-la, et je suivrai votre série et vos progrès à partir de là.",
            )
        if tone == "re_engage":
            return ctx.t(
                f"It has been {facts.days_since_last_workout} days since your last workout: breaks happen, and "
                "your progress has not vanished. One easy session this week restarts the habit; begin lighter "
                "than last time and build back up.",
                f"Cela fait {facts.days_since_last_workout} jours depuis votre dernière séance : les pauses "
                "arrivent, et vos progrès ne se sont pas envolés. Une séance facile cette semaine relance "
                "l'habitude ; repartez plus léger que la dernière fois et remontez progressivement.",
            )
        week = self._week_part(facts, ctx)
        trend = self._trend_part(facts, ctx)
        adherence = (
            ctx.t(
                f" You kept {facts.adherence_pct}% of your planned sessions over the last weeks.",
                f" Vous avez tenu {facts.adherence_pct} % de vos séances prévues ces dernières semaines.",
            )
            if facts.adherence_pct is not None
            else ""
        )
        if tone == "celebrate":
            streak = (
                ctx.t(f"a {facts.streak_days}-day streak and ", f"une série de {facts.streak_days} jours et ")
                if facts.streak_days >= 2
                else ""
            )
            return (
                ctx.t(f"Great work: {streak}{week}.", f"Bravo : {streak}{week}.")
                + adherence
                + trend
                + ctx.t(" Keep this rhythm going!", " Gardez ce rythme !")
            )
        streak = (
            ctx.t(f" Your streak is {facts.streak_days} day(s).", f" Votre série est de {facts.streak_days} jour(s).")
            if facts.streak_days
            else ""
        )
        return (
            ctx.t(f"You are on your way: {week}.", f"Vous êtes en route : {week}.")
            + streak
            + adherence
            + trend
            + ctx.t(
                " Every session counts, and the next one keeps the momentum.",
                " Chaque séance compte, et la prochaine entretient l'élan.",
            )
        )

    def _actions(self, tone: Tone, facts: _Facts, ctx: AgentContext) -> list[str]:
        today = datetime.date.fromisoformat(facts.today)
        actions: list[str] = []
        # rest when recovery calls for it: today, or tomorrow when they trained today already
        rest = facts.rest_recommended and tone != "welcome"
        trained_today = facts.days_since_last_workout == 0
        if rest and trained_today:
            actions.append(
                ctx.t(
                    "Take tomorrow off: a walk or 10 minutes of stretching is enough.",
                    "Reposez-vous demain : une marche ou 10 minutes d'étirements suffisent.",
                )
            )
        elif rest:
            actions.append(
                ctx.t(
                    "Rest today: a walk or 10 minutes of stretching is enough.",
                    "Reposez-vous aujourd'hui : une marche ou 10 minutes d'étirements suffisent.",
                )
            )
        next_day = _weekday(today + datetime.timedelta(days=2 if rest and trained_today else 1), ctx)
        time = SESSION_TIME if ctx.language == "en" else SESSION_TIME.replace(":", "h")
        actions.append(
            ctx.t(
                f"Book {next_day} {time} (or your usual time) for your next session.",
                f"Réservez {next_day} {time} (ou votre heure habituelle) pour votre prochaine séance.",
            )
        )
        if tone == "welcome":
            actions += [
                ctx.t(
                    "Keep it to 20 to 30 minutes: a full-body session of 4 to 5 exercises.",
                    "Restez sur 20 à 30 minutes : une séance corps entier de 4 à 5 exercices.",
                ),
                ctx.t(
                    "Log it right after (sets, reps, weight) so your progress can be tracked.",
                    "Enregistrez-la juste après (séries, répétitions, charge) pour suivre vos progrès.",
                ),
            ]
        elif tone == "re_engage":
            actions += [
                ctx.t(
                    "Start at about 70% of your last loads and stop at 30 minutes.",
                    "Reprenez à environ 70 % de vos dernières charges et arrêtez-vous à 30 minutes.",
                ),
                ctx.t(
                    "Put your next two sessions in your calendar now.",
                    "Notez dès maintenant vos deux prochaines séances dans votre agenda.",
                ),
            ]
        else:
            remaining = (facts.planned_days_per_week or 0) - facts.workouts_this_week
            if remaining > 0:
                actions.append(
                    ctx.t(
                        f"Do {remaining} more session(s) by Sunday to reach your {facts.planned_days_per_week} "
                        "this week.",
                        f"Faites encore {remaining} séance(s) d'ici dimanche pour atteindre vos "
                        f"{facts.planned_days_per_week} de la semaine.",
                    )
                )
            if facts.plateau is not None:
                actions.append(
                    ctx.t(
                        f"On {facts.plateau['name']}, switch to another rep range for 3 weeks.",
                        f"En {facts.plateau['name']}, changez de fourchette de répétitions pendant 3 semaines.",
                    )
                )
            elif facts.best_trend is not None:
                actions.append(
                    ctx.t(
                        f"On {facts.best_trend['name']}, add one rep or the smallest weight step next time.",
                        f"En {facts.best_trend['name']}, ajoutez une répétition ou le plus petit palier de charge "
                        "la prochaine fois.",
                    )
                )
            actions.append(
                ctx.t(
                    "Short on time? A 20-minute session still counts.",
                    "Peu de temps ? Une séance de 20 minutes compte quand même.",
                )
            )
        return actions[:MAX_ACTIONS]

    # -- model

    def user_message(self, data: MotivationInput, ctx: AgentContext) -> str:
        language = "French" if ctx.language == "fr" else "English"
        facts = self.facts(data, ctx)
        tone, why = self.tone(facts, ctx)
        return (
            f"Answer in {language}. Tone: {tone} ({why}). The person's numbers:\n"
            f"{json.dumps(asdict(facts), ensure_ascii=False, default=str)}"
        )

    def check(self, output: MotivationMessage, data: MotivationInput, ctx: AgentContext) -> list[str]:
        facts = self.facts(data, ctx)
        tone, _why = self.tone(facts, ctx)
        problems: list[str] = []
        if not output.message.strip():
            problems.append("an empty message")
        if len(output.message) > MAX_MESSAGE_CHARS:
            problems.append(f"the message is longer than {MAX_MESSAGE_CHARS} characters")
        if output.tone != tone:
            problems.append(f"tone {output.tone} where the numbers call for {tone}")
        if output.streak_days != facts.streak_days:
            problems.append(f"streak_days {output.streak_days} is not {facts.streak_days}")
        if (output.adherence is None) != (facts.adherence is None) or (
            output.adherence is not None
            and facts.adherence is not None
            and abs(output.adherence - facts.adherence) > 0.01
        ):
            problems.append(f"adherence {output.adherence} is not {facts.adherence}")
        if not MIN_ACTIONS <= len(output.accountability) <= MAX_ACTIONS:
            problems.append(f"{len(output.accountability)} actions, not {MIN_ACTIONS} to {MAX_ACTIONS}")
        if any(not action.strip() or len(action) > MAX_ACTION_CHARS for action in output.accountability):
            problems.append("an empty or overlong action")
        known = known_numbers(asdict(facts)) | TEXT_CONSTANTS
        for text in [output.message, *output.accountability]:
            invented = invented_numbers(_TIME_RE.sub("", text), known)
            if invented:
                problems.append(f"numbers that are not the person's: {invented}")
        return problems


AGENT = MotivationCoach()
