"""The rule-based coach: answers a chat message with no language model, in English or French.

It reads the message with `coach.intents.detect_intent` and answers from the same tools the model
uses (`coach.tools.call_tool`) and the user's plan: exercises from the library, how to do one, a
week's plan, progress from the logs, today's session, a recap of the conversation, and basic
training tips; anything else gets what the coach can do, with examples.

It never diagnoses: when a message mentions pain or an injury, the answer says to see a health
professional and leaves out exercises that load that area (and the areas of the user's recorded
limitations).
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch

from coach import safety, workouts
from coach.intents import Intent, detect_intent
from coach.models import Conversation
from coach.tools import call_tool
from exercises.models import Exercise
from exercises.taxonomy import DIFFICULTIES, EQUIPMENT, MUSCLES, label, normalize
from plans.models import PlanExercise
from tracking.models import UserPlan
from tracking.selectors import user_plan_list, user_plan_progress, user_today

if TYPE_CHECKING:
    from accounts.models import User

MIN_EXERCISES = 3
MAX_LISTED = 5
MAX_INSTRUCTION_STEPS = 10
DEFAULT_DAYS = 3


@dataclass(frozen=True)
class RulesReply:
    """The rules engine's answer: its text, the intent it answered, the library exercises it names
    ({"id", "name"}) and the data it rests on."""

    text: str
    intent: str
    exercises: list[dict[str, Any]] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Turn:
    message: str
    intent: Intent
    user: User | None
    language: str
    pain_areas: frozenset[str]  # mentioned in this message
    avoid_areas: frozenset[str]  # the message's and the user's recorded limitations

    @property
    def fr(self) -> bool:
        return self.language == "fr"

    def t(self, english: str, french: str) -> str:
        return french if self.fr else english


# Words the intent rules leave out but a chat message often uses for groups of muscles.
_MUSCLE_GROUPS: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = tuple(
    (re.compile(pattern), muscles)
    for pattern, muscles in (
        (r"\b(?:legs?|leg day|lower body|jambes?|bas du corps)\b", ("quadriceps", "hamstrings", "glutes", "calves")),
        (r"\b(?:arms?|bras)\b", ("biceps", "triceps")),
        (r"\b(?:upper body|haut du corps)\b", ("chest", "lats", "shoulders")),
        (r"\b(?:core|sangle abdominale)\b", ("abdominals",)),
    )
)

_RECAP = re.compile(
    r"\b(?:remind me (?:of )?what we|what (?:did|have) we (?:talk|discuss|cover|say)\w*"
    r"|what were we (?:talking|saying)|where were we|recap\w*"
    r"|summar(?:y|ize|ise) (?:of )?(?:our|this|the) (?:conversation|chat|discussion)"
    r"|de quoi (?:avons nous|on a|nous avons|a t on) (?:parle|discute)"
    r"|qu est ce (?:qu on|que nous) (?:s est dit|a dit|avons dit)"
    r"|rappel(?:le|lez)(?: moi| nous)? (?:ce|de quoi)"
    r"|recapitul\w*|resume(?:r|z)? (?:moi )?(?:de )?(?:notre|la|cette) (?:conversation|discussion)"
    r"|ou en etions nous)\b"
)
_SETS_REPS = re.compile(
    r"\b(?:how many (?:sets|reps|repetitions)|sets and reps|(?:sets|reps) should i"
    r"|combien de (?:series|repetitions|reps)|series et (?:de )?repetitions)\b"
)
_REST = re.compile(
    r"\b(?:rest days?|rest between|recovery|how (?:long|much) (?:should i )?rest"
    r"|jours? de (?:repos|recuperation)|repos entre|recuperation|combien de repos)\b"
)


def rules_reply(
    message: str,
    *,
    user: User | None,
    language: str,
    summary: str = "",
    recent: Sequence[Conversation] = (),
) -> RulesReply:
    """The rule-based answer to `message`, in `language` ("en" or "fr").

    `summary` and `recent` are the conversation's memory (the running summary and the last
    messages before this one); they answer "remind me what we talked about"."""
    intent = detect_intent(message)
    text = normalize(message)
    muscles = tuple(intent.muscles)
    for pattern, group in _MUSCLE_GROUPS:
        if pattern.search(text):
            muscles += tuple(muscle for muscle in group if muscle not in muscles)
    name = intent.name
    if muscles and not intent.muscles and name in ("unknown", "help", "greeting", "find_exercises"):
        name = "find_exercises"
    intent = Intent(
        name=name,
        language=intent.language,
        confidence=intent.confidence,
        muscles=muscles,
        equipment=intent.equipment,
        difficulty=intent.difficulty,
        days_per_week=intent.days_per_week,
        exercise_query=intent.exercise_query,
        goal=intent.goal,
    )
    pain = safety.mentions_pain(message)
    limitations = safety.limitation_areas(user.limitations) if user is not None else frozenset()
    turn = _Turn(
        message=message,
        intent=intent,
        user=user,
        language=language if language in ("en", "fr") else "en",
        pain_areas=pain,
        avoid_areas=(pain | limitations) - {safety.UNSPECIFIED},
    )

    if _RECAP.search(text):
        reply = _recap(turn, summary, recent)
    elif name in ("unknown", "help") and _SETS_REPS.search(text):
        reply = _tips(turn, "sets_reps")
    elif name in ("unknown", "help", "plan_week") and _REST.search(text) and not intent.days_per_week:
        reply = _tips(turn, "rest")
    elif name == "find_exercises":
        reply = _find_exercises(turn)
    elif name == "explain_exercise":
        reply = _explain_exercise(turn)
    elif name == "plan_week":
        reply = _plan_week(turn)
    elif name == "progress":
        reply = _progress(turn)
    elif name == "today":
        reply = _today(turn)
    else:
        reply = _capabilities(turn, name)

    if turn.pain_areas:
        notice = pain_notice(turn.pain_areas, language=turn.language)
        data = {**reply.data, "pain_areas": sorted(turn.pain_areas)}
        return RulesReply(text=f"{notice}\n\n{reply.text}", intent=reply.intent, exercises=reply.exercises, data=data)
    return reply


# Pain and injuries: coach.safety reads the areas (from the message and the user's limitations)
# and knows which exercises load them.


def loads_area(exercise: Exercise, areas: frozenset[str]) -> bool:
    """Whether an exercise loads one of the areas (the contraindications recommendations use)."""
    return any(safety.CONTRAINDICATIONS[area].matches(exercise) for area in areas if area in safety.CONTRAINDICATIONS)


def pain_notice(areas: frozenset[str], *, language: str) -> str:
    """The chat's answer to a mention of pain (areas from safety.mentions_pain): no diagnosis, see a
    professional, stop what hurts."""
    named = sorted(area for area in areas if area in safety.CONTRAINDICATIONS and area != safety.NO_IMPACT)
    if language == "fr":
        where = f" ({', '.join(safety.area_label(area, 'fr') for area in named)})" if named else ""
        return (
            f"Je ne peux pas poser de diagnostic. Pour une douleur ou une blessure{where}, consultez un médecin ou "
            "un kinésithérapeute, surtout si elle est vive, s'accompagne d'un gonflement ou dure plusieurs jours. "
            "Arrêtez tout exercice qui la réveille."
        )
    where = f" in your {', '.join(safety.area_label(area, 'en') for area in named)}" if named else ""
    return (
        f"I can't diagnose pain or injuries. For the pain{where}, please see a doctor or a physiotherapist, "
        "especially if it is sharp, swollen or lasts more than a few days, and stop any exercise that brings "
        "it on."
    )


# Library look-ups through the tools


def _search(
    turn: _Turn,
    *,
    query: str = "",
    muscles: Iterable[str] = (),
    equipment: Iterable[str] = (),
    difficulty: str | None = None,
    limit: int = 10,
) -> list[dict[str, Any]]:
    """Exercises from search_exercises, minus those loading an area to avoid (at most `limit`).
    Training movements come before stretches and self-massage, unless the message is about mobility."""
    args: dict[str, Any] = {"query": query, "muscles": list(muscles), "equipment": list(equipment), "limit": 10}
    if difficulty:
        args["difficulty"] = difficulty
    result = call_tool("search_exercises", args, user=turn.user, language=turn.language)
    found: list[dict[str, Any]] = result.get("exercises") or []
    if not found:
        return []
    rows = Exercise.objects.in_bulk([item["id"] for item in found])
    found = [item for item in found if item["id"] in rows]
    if turn.avoid_areas:
        found = [item for item in found if not loads_area(rows[item["id"]], turn.avoid_areas)]
    mobility = turn.intent.goal == "mobility"
    found.sort(key=lambda item: _is_mobility_drill(rows[item["id"]]) != mobility)
    return found[:limit]


def _is_mobility_drill(exercise: Exercise) -> bool:
    name = exercise.exercise_en.lower()
    return exercise.category == "stretching" or "smr" in name or "stretch" in name


def _user_equipment(turn: _Turn) -> list[str]:
    """The user's recorded equipment as taxonomy codes (with body weight), or [] when unknown."""
    if turn.user is None:
        return []
    codes = [item for item in (turn.user.available_equipment or []) if item in EQUIPMENT]
    return [*codes, "body weight"] if codes and "body weight" not in codes else codes


def _labels(vocabulary: dict[str, tuple[str, str]], codes: Iterable[str], language: str) -> str:
    return ", ".join((label(vocabulary, code, language) or code).lower() for code in codes)


def _exercise_line(turn: _Turn, position: int, item: dict[str, Any]) -> str:
    details = [_labels(MUSCLES, item.get("muscles") or [], turn.language)]
    equipment = _labels(EQUIPMENT, item.get("equipment") or [], turn.language)
    if equipment:
        details.append(equipment)
    if item.get("difficulty"):
        details.append((label(DIFFICULTIES, item["difficulty"], turn.language) or "").lower())
    return f"{position}. {item['name']} ({' ; '.join(d for d in details if d) if turn.fr else ' · '.join(details)})"


def _refs(items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    refs: dict[int, dict[str, Any]] = {}
    for item in items:
        refs.setdefault(int(item["id"]), {"id": int(item["id"]), "name": str(item["name"])})
    return list(refs.values())


def _areas_text(turn: _Turn, areas: Iterable[str]) -> str:
    return ", ".join(safety.area_label(area, turn.language) for area in sorted(areas))


def _avoided(turn: _Turn) -> str:
    """What the areas to avoid rule out, as a phrase ("exercises that load the knee")."""
    body_areas = [area for area in turn.avoid_areas if area in safety.CONTRAINDICATIONS and area != safety.NO_IMPACT]
    parts: list[str] = []
    if body_areas:
        areas = _areas_text(turn, body_areas)
        parts.append(turn.t(f"exercises that load the {areas}", f"les exercices qui sollicitent cette zone ({areas})"))
    if safety.NO_IMPACT in turn.avoid_areas:
        parts.append(turn.t("high-impact exercises (jumps, running)", "les exercices à fort impact (sauts, course)"))
    return turn.t(" and ", " et ").join(parts)


def _avoid_note(turn: _Turn) -> str:
    """What was left out for the areas to avoid, or "" when there are none."""
    avoided = _avoided(turn)
    return turn.t(f"I left out {avoided}.", f"J'ai écarté {avoided}.") if avoided else ""


# Intents


def _find_exercises(turn: _Turn) -> RulesReply:
    intent = turn.intent
    muscles, difficulty = list(intent.muscles), intent.difficulty
    equipment = list(intent.equipment) or _user_equipment(turn)
    if not (muscles or equipment or difficulty):
        return _popular_picks(turn)
    found = _search_each(turn, muscles, equipment=equipment, difficulty=difficulty)
    relaxed = ""
    if len(found) < MIN_EXERCISES and equipment and muscles:
        found = _search_each(turn, muscles, difficulty=difficulty)
        relaxed = turn.t(
            f"Few exercises match with {_labels(EQUIPMENT, equipment, 'en')}, so the list is not limited to it.",
            f"Peu d'exercices correspondent avec ce matériel ({_labels(EQUIPMENT, equipment, 'fr')}) : "
            "la liste ne s'y limite donc pas.",
        )
    if not found and turn.avoid_areas:
        return _alternatives(turn, muscles)
    if not found:
        return RulesReply(
            text=turn.t(
                "I found no exercise in the library for that. Try a muscle (chest, back, legs...) or equipment "
                "(dumbbell, body weight...).",
                "Je n'ai trouvé aucun exercice de la bibliothèque pour cette demande. Essayez avec un muscle "
                "(pectoraux, dos, jambes...) ou un matériel (haltère, poids du corps...).",
            ),
            intent="find_exercises",
            data={"muscles": muscles, "equipment": equipment, "exercises": []},
        )
    criteria: list[str] = []
    if muscles:
        criteria.append(
            turn.t(f"for the {_labels(MUSCLES, muscles, 'en')}", f"muscles : {_labels(MUSCLES, muscles, 'fr')}")
        )
    if equipment and not relaxed:
        criteria.append(
            turn.t(f"with {_labels(EQUIPMENT, equipment, 'en')}", f"matériel : {_labels(EQUIPMENT, equipment, 'fr')}")
        )
    if difficulty:
        level = (label(DIFFICULTIES, difficulty, turn.language) or difficulty).lower()
        criteria.append(turn.t(f"at {level} level", f"niveau : {level}"))
    heading = turn.t(
        f"Here are {len(found)} exercises from the library {' '.join(criteria)}:".replace("  ", " "),
        f"Voici {len(found)} exercices de la bibliothèque ({' ; '.join(criteria)}) :"
        if criteria
        else f"Voici {len(found)} exercices de la bibliothèque :",
    )
    lines = [heading, *(_exercise_line(turn, i, item) for i, item in enumerate(found, 1))]
    lines += [note for note in (relaxed, _avoid_note(turn)) if note]
    lines.append(
        turn.t(
            f'Ask me "how do I do {found[0]["name"]}?" for step-by-step instructions.',
            f"Demandez-moi « comment faire {found[0]['name']} ? » pour avoir les consignes pas à pas.",
        )
    )
    return RulesReply(
        text="\n".join(lines),
        intent="find_exercises",
        exercises=_refs(found),
        data={"muscles": muscles, "equipment": equipment, "difficulty": difficulty, "exercises": found},
    )


def _search_each(
    turn: _Turn, muscles: list[str], *, equipment: Iterable[str] = (), difficulty: str | None = None
) -> list[dict[str, Any]]:
    """Up to MAX_LISTED exercises taking turns between the muscles asked for (one search each), so
    that "chest and back" shows both and a painful area's exercises leave room for the others."""
    if len(muscles) <= 1:
        return _search(turn, muscles=muscles, equipment=equipment, difficulty=difficulty, limit=MAX_LISTED)
    per_muscle = [_search(turn, muscles=[muscle], equipment=equipment, difficulty=difficulty) for muscle in muscles]
    picked: dict[int, dict[str, Any]] = {}
    for rank in range(max(len(found) for found in per_muscle)):
        for found in per_muscle:
            if rank < len(found) and len(picked) < MAX_LISTED:
                picked.setdefault(found[rank]["id"], found[rank])
    return list(picked.values())


_ALTERNATIVE_MUSCLES = ("glutes", "abdominals", "chest", "lats", "shoulders", "biceps", "triceps", "calves")


def _alternatives(turn: _Turn, muscles: list[str]) -> RulesReply:
    """When every exercise asked for loads a painful area: exercises for other muscles that do not."""
    picked: list[dict[str, Any]] = []
    for muscle in _ALTERNATIVE_MUSCLES:
        if len(picked) == MAX_LISTED:
            break
        choice = next(iter(_search(turn, muscles=[muscle], limit=1)), None)
        if choice is not None and choice["id"] not in {item["id"] for item in picked}:
            picked.append(choice)
    avoided = _avoided(turn)
    lines = [
        turn.t(
            f"Everything I found for that is among {avoided}. Until a professional clears you, you can keep "
            "training other areas, for example:",
            f"Tout ce que j'ai trouvé pour cette demande fait partie de {avoided}. En attendant l'avis d'un "
            "professionnel, vous pouvez continuer à travailler d'autres zones, par exemple :",
        ),
        *(_exercise_line(turn, i, item) for i, item in enumerate(picked, 1)),
    ]
    return RulesReply(
        text="\n".join(lines),
        intent="find_exercises",
        exercises=_refs(picked),
        data={"muscles": muscles, "exercises": picked, "alternatives": True},
    )


def _popular_picks(turn: _Turn) -> RulesReply:
    found = _search(turn, difficulty="beginner", limit=MAX_LISTED)
    lines = [
        turn.t(
            "Tell me which muscles or equipment you have in mind (for example: chest with dumbbells). "
            "Meanwhile, here are some popular exercises from the library:",
            "Dites-moi quels muscles ou quel matériel vous intéressent (par exemple : pectoraux avec haltères). "
            "En attendant, voici des exercices courants de la bibliothèque :",
        ),
        *(_exercise_line(turn, i, item) for i, item in enumerate(found, 1)),
    ]
    if turn.avoid_areas:
        lines.append(_avoid_note(turn))
    return RulesReply(text="\n".join(lines), intent="find_exercises", exercises=_refs(found), data={"exercises": found})


def _find_named(turn: _Turn, query: str) -> Exercise | None:
    """The library exercise a query names: the full query, then without its last words (down to
    two words), so that "goblet squat please 3" still finds the Goblet Squat."""
    words = query.split()
    shortest = min(2, len(words))
    for size in range(len(words), shortest - 1, -1):
        result = call_tool(
            "search_exercises", {"query": " ".join(words[:size]), "limit": 1}, user=turn.user, language=turn.language
        )
        found = result.get("exercises") or []
        if found:
            return Exercise.objects.filter(id=found[0]["id"]).first()
    return None


def _explain_exercise(turn: _Turn) -> RulesReply:
    query = turn.intent.exercise_query
    exercise = _find_named(turn, query) if query else None
    if exercise is None:
        asked = f" « {query} »" if query and turn.fr else f' "{query}"' if query else ""
        return RulesReply(
            text=turn.t(
                f"I could not find the exercise{asked} in the library. Give me its name, for example "
                '"How do I do a goblet squat?", or ask for exercises for a muscle.',
                f"Je n'ai pas trouvé l'exercice{asked} dans la bibliothèque. Donnez-moi son nom, par exemple "
                "« Comment faire le squat gobelet ? », ou demandez des exercices pour un muscle.",
            ),
            intent="explain_exercise",
            data={"query": query},
        )
    name = exercise.name_in(turn.language)
    steps = list(exercise.instructions_fr or []) if turn.fr else []
    english_only = turn.fr and not steps
    if not steps:
        steps = list(exercise.instructions_en or [])
    facts = [
        turn.t(
            f"Muscles: {_labels(MUSCLES, exercise.muscles, 'en')}",
            f"Muscles : {_labels(MUSCLES, exercise.muscles, 'fr')}",
        )
    ]
    if exercise.secondary_muscles:
        secondary = _labels(MUSCLES, exercise.secondary_muscles, turn.language)
        facts.append(turn.t(f"also works: {secondary}", f"sollicite aussi : {secondary}"))
    if exercise.equipments:
        equipment = _labels(EQUIPMENT, exercise.equipments, turn.language)
        facts.append(turn.t(f"equipment: {equipment}", f"matériel : {equipment}"))
    if exercise.difficulty:
        level = (label(DIFFICULTIES, exercise.difficulty, turn.language) or "").lower()
        facts.append(turn.t(f"level: {level}", f"niveau : {level}"))
    lines = [f"{name} — {(' ; ' if turn.fr else '; ').join(facts)}."]
    if steps:
        lines.append(turn.t("How to do it:", "Comment le réaliser :"))
        lines += [f"{i}. {step.strip()}" for i, step in enumerate(steps[:MAX_INSTRUCTION_STEPS], 1)]
        if english_only:
            lines.append("(Les consignes de cet exercice n'existent qu'en anglais pour le moment.)")
    else:
        lines.append(
            turn.t(
                "The library has no written instructions for this exercise yet.",
                "La bibliothèque n'a pas encore de consignes écrites pour cet exercice.",
            )
        )
    loaded = {area for area in turn.avoid_areas if loads_area(exercise, frozenset({area}))}
    if loaded:
        areas = _areas_text(turn, loaded)
        lines.append(
            turn.t(
                f"Careful: this exercise loads the {areas}. Skip it until a health professional says it is fine.",
                f"Attention : cet exercice sollicite cette zone ({areas}). Évitez-le tant qu'un professionnel de "
                "santé ne vous a pas donné son accord.",
            )
        )
    else:
        lines.append(
            turn.t(
                "Start light, keep the movement controlled, and stop if you feel pain.",
                "Commencez léger, contrôlez le mouvement et arrêtez si vous ressentez une douleur.",
            )
        )
    ref = {"id": exercise.id, "name": name}
    return RulesReply(
        text="\n".join(lines),
        intent="explain_exercise",
        exercises=[ref],
        data={
            "exercise": ref,
            "steps": steps[:MAX_INSTRUCTION_STEPS],
            "instructions_language": "en" if not turn.fr or english_only else "fr",
        },
    )


_WEEKDAYS = (
    ("Monday", "Lundi"),
    ("Tuesday", "Mardi"),
    ("Wednesday", "Mercredi"),
    ("Thursday", "Jeudi"),
    ("Friday", "Vendredi"),
    ("Saturday", "Samedi"),
    ("Sunday", "Dimanche"),
)


def _dose(turn: _Turn, item: dict[str, Any]) -> str:
    if item.get("reps"):
        return f"{item['sets']} x {item['reps']}"
    return f"{item['sets']} x {item.get('duration_seconds') or 30} s"


def _plan_week(turn: _Turn) -> RulesReply:
    """A week from the recommendation rules engine (coach.workouts), the same as POST
    /recommend-workout answers with no model, told as a message."""
    intent = turn.intent
    request = workouts.WorkoutRequest(
        goals=[intent.goal] if intent.goal else [],
        available_equipment=list(intent.equipment),
        days_per_week=intent.days_per_week or DEFAULT_DAYS,
        fitness_level=intent.difficulty,
        limitations=sorted(turn.avoid_areas),
        target_muscles=list(intent.muscles),
    )
    plan = workouts.read_request(request, user=turn.user, language=turn.language)
    week, _confidence = workouts.rules_week(plan)
    lines = [turn.t(f"Here is a week for you: {week['title']}.", f"Voici une semaine pour vous : {week['title']}.")]
    lines.append(week["summary"])
    rest_days: list[str] = []
    for day in week["days"]:
        weekday = _WEEKDAYS[day["day"] - 1][1 if turn.fr else 0]
        if day["rest"]:
            rest_days.append(weekday.lower())
            continue
        exercises = ", ".join(f"{item['name']} {_dose(turn, item)}" for item in day["exercises"])
        lines.append(
            f"- {weekday} ({day['name']}) : {exercises}" if turn.fr else f"- {weekday} ({day['name']}): {exercises}"
        )
    lines.append(
        turn.t(
            f"Rest days: {', '.join(rest_days)} (walking or stretching is fine).",
            f"Jours de repos : {', '.join(rest_days)} (marche ou étirements possibles).",
        )
    )
    notices = set(safety.MEDICAL_NOTICE.values())
    lines += [warning for warning in week["warnings"] if warning not in notices]
    lines += week["notes"][:2]
    items = [item for day in week["days"] for item in day["exercises"]]
    return RulesReply(
        text="\n".join(lines),
        intent="plan_week",
        exercises=_refs({"id": item["exercise_id"], "name": item["name"]} for item in items),
        data={"workout": week},
    )


def _number(value: float, language: str) -> str:
    text = f"{value:,.1f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"
    return text.replace(",", "\u202f").replace(".", ",") if language == "fr" else text


def _progress(turn: _Turn) -> RulesReply:
    if turn.user is None:
        return RulesReply(
            text=turn.t(
                "I can't see any workout history: no user is linked to this conversation. To get tracked, create "
                "a profile or sign in, follow a plan and log your workouts, then chat with your user id and ask "
                "me again. Meanwhile, I can suggest exercises or plan your week.",
                "Je ne vois aucun historique d'entraînement : aucun utilisateur n'est lié à cette conversation. "
                "Pour être suivi, créez un profil ou connectez-vous, suivez un programme et enregistrez vos "
                "séances, puis revenez me poser la question avec votre identifiant. En attendant, je peux vous "
                "proposer des exercices ou planifier votre semaine.",
            ),
            intent="progress",
            data={"tracked": False},
        )
    history = call_tool("get_workout_history", {"days": 30, "limit": 30}, user=turn.user, language=turn.language)
    fitness = call_tool("calculate_fitness_metrics", {"weeks": 8}, user=turn.user, language=turn.language)
    logs: list[dict[str, Any]] = history.get("logs") or []
    if not logs:
        return RulesReply(
            text=turn.t(
                "You have no workouts logged in the last 30 days. Log your sessions as you train and ask me "
                'again: I will show your volume, your best lifts and the trend. Want a start? Ask "what should '
                'I do today?"',
                "Vous n'avez enregistré aucune séance ces 30 derniers jours. Enregistrez vos séances au fil de "
                "l'eau et reposez-moi la question : je vous montrerai votre volume, vos meilleures charges et la "
                "tendance. Pour commencer, demandez-moi « que faire aujourd'hui ? »",
            ),
            intent="progress",
            data={"tracked": True, "logs": 0},
        )
    days = sorted({log["date"] for log in logs})
    volume = sum(log.get("volume_kg") or 0 for log in logs)
    counts = Counter(log["exercise_name"] for log in logs if log.get("exercise_name"))
    heaviest = max((log for log in logs if log.get("weight_kg")), key=lambda log: log["weight_kg"], default=None)
    language = turn.language
    lines = [
        turn.t(
            f"Over the last 30 days you logged {len(logs)} exercises on {len(days)} days (last: {days[-1]}).",
            f"Ces 30 derniers jours, vous avez enregistré {len(logs)} exercices sur {len(days)} jours "
            f"(dernier : {days[-1]}).",
        )
    ]
    if volume:
        lines.append(
            turn.t(
                f"Total volume: {_number(volume, language)} kg (sets x reps x weight).",
                f"Volume total : {_number(volume, language)} kg (séries x répétitions x charge).",
            )
        )
    if counts:
        top = ", ".join(f"{name} ({count}x)" for name, count in counts.most_common(3))
        lines.append(turn.t(f"Most logged: {top}.", f"Les plus fréquents : {top}."))
    if heaviest is not None:
        weight = _number(heaviest["weight_kg"], language)
        lines.append(
            turn.t(
                f"Heaviest set: {heaviest['exercise_name']} at {weight} kg x {heaviest['reps'] or '?'}.",
                f"Charge la plus lourde : {heaviest['exercise_name']} à {weight} kg x {heaviest['reps'] or '?'}.",
            )
        )
    trend = fitness.get("volume_trend")
    if trend:
        slope = trend.get("relative_slope_per_week")
        change = f" ({slope * 100:+.0f} %/" + turn.t("week)", "semaine)") if slope is not None else ""
        advice = {
            "improving": turn.t(
                f"Your weekly volume is improving{change}: keep adding a little weight or a rep each week.",
                f"Votre volume hebdomadaire progresse{change} : continuez d'ajouter un peu de charge ou une "
                "répétition chaque semaine.",
            ),
            "flat": turn.t(
                "Your weekly volume is flat: add a set or 2.5 kg to one lift to move again.",
                "Votre volume hebdomadaire stagne : ajoutez une série ou 2,5 kg sur un exercice pour relancer.",
            ),
            "declining": turn.t(
                f"Your weekly volume is going down{change}: check your sleep and recovery, and plan your sessions "
                "in advance.",
                f"Votre volume hebdomadaire baisse{change} : surveillez sommeil et récupération, et planifiez vos "
                "séances à l'avance.",
            ),
        }
        lines.append(advice.get(str(trend.get("label")), ""))
    else:
        lines.append(
            turn.t(
                "Log a few more complete weeks and I will show your trend.",
                "Enregistrez encore quelques semaines complètes et je vous montrerai la tendance.",
            )
        )
    bmi = fitness.get("bmi")
    if bmi:
        lines.append(turn.t(f"BMI: {_number(bmi['value'], language)}.", f"IMC : {_number(bmi['value'], language)}."))
    exercises = [{"id": log["exercise_id"], "name": log["exercise_name"]} for log in logs if log.get("exercise_id")]
    return RulesReply(
        text="\n".join(line for line in lines if line),
        intent="progress",
        exercises=_refs(exercises),
        data={
            "tracked": True,
            "logs": len(logs),
            "days_trained": len(days),
            "volume_kg": round(volume, 1),
            "volume_trend": trend,
            "bmi": bmi,
        },
    )


def _plan_session(turn: _Turn, user: User) -> RulesReply | None:
    """Today's (or the next) session of the user's active plan, or None without an active plan."""
    user_plan = (
        user_plan_list(user=user, status=UserPlan.Status.ACTIVE)
        .prefetch_related(Prefetch("plan__plan_exercises", queryset=PlanExercise.objects.select_related("exercise")))
        .first()
    )
    if user_plan is None:
        return None
    today = user_today(user=user)
    plan = user_plan.plan
    progress = user_plan_progress(user_plan=user_plan, plan=plan, today=today)
    plan_name = plan.name_fr if turn.fr and plan.name_fr else plan.name_en
    upcoming = progress["next_workout"]
    if upcoming is None:
        return RulesReply(
            text=turn.t(
                f'You have done every session of "{plan_name}". Well done! Pick a new plan, or ask me to plan '
                "your week.",
                f"Vous avez terminé toutes les séances de « {plan_name} ». Bravo ! Choisissez un nouveau programme "
                "ou demandez-moi de planifier votre semaine.",
            ),
            intent="today",
            data={"plan_id": plan.id, "next_workout": None},
        )
    week, day = upcoming["week_number"], upcoming["day_number"]
    entries = [pe for pe in plan.plan_exercises.all() if (pe.week_number, pe.day_number) == (week, day)]
    date = datetime.date.fromisoformat(upcoming["date"])
    if date == today:
        heading = turn.t(
            f'Today: week {week}, day {day} of "{plan_name}":',
            f"Aujourd'hui : semaine {week}, jour {day} de « {plan_name} » :",
        )
    elif date > today:
        heading = turn.t(
            f'Nothing is planned today in "{plan_name}": it is a rest day. Your next session is on {date} '
            f"(week {week}, day {day}):",
            f"Rien n'est prévu aujourd'hui dans « {plan_name} » : c'est un jour de repos. Votre prochaine "
            f"séance est le {date:%d/%m/%Y} (semaine {week}, jour {day}) :",
        )
    else:
        heading = turn.t(
            f'Your next session of "{plan_name}" (week {week}, day {day}, planned for {date}) is still to do:',
            f"Votre prochaine séance de « {plan_name} » (semaine {week}, jour {day}, prévue le "
            f"{date:%d/%m/%Y}) reste à faire :",
        )
    lines = [heading]
    skipped: list[str] = []
    items: list[dict[str, Any]] = []
    for position, entry in enumerate(entries, 1):
        name = entry.exercise.name_in(turn.language)
        if turn.avoid_areas and loads_area(entry.exercise, turn.avoid_areas):
            skipped.append(name)
            continue
        dose = f"{entry.sets} x {entry.reps}" if entry.reps else f"{entry.sets} x {entry.duration_seconds or 30} s"
        lines.append(
            turn.t(
                f"{position}. {name} — {dose}, rest {entry.rest_seconds} s",
                f"{position}. {name} — {dose}, repos {entry.rest_seconds} s",
            )
        )
        items.append({"id": entry.exercise_id, "name": name, "plan_exercise_id": entry.id})
    if skipped:
        lines.append(
            turn.t(
                f"Skip {', '.join(skipped)} for now: it loads the area you mentioned.",
                f"Laissez de côté {', '.join(skipped)} pour l'instant : cela sollicite la zone concernée.",
            )
        )
    return RulesReply(
        text="\n".join(lines),
        intent="today",
        exercises=_refs(items),
        data={"plan_id": plan.id, "next_workout": upcoming, "exercises": items, "skipped": skipped},
    )


_TODAY_MUSCLES = ("quadriceps", "chest", "lats", "shoulders", "abdominals", "glutes", "hamstrings")


def _today(turn: _Turn) -> RulesReply:
    if turn.user is not None:
        planned = _plan_session(turn, turn.user)
        if planned is not None:
            return planned
    equipment = list(turn.intent.equipment) or _user_equipment(turn) or ["body weight"]
    used: set[int] = set()
    picked: list[dict[str, Any]] = []
    for muscle in _TODAY_MUSCLES:
        if len(picked) == MAX_LISTED:
            break
        candidates = _search(turn, muscles=[muscle], equipment=equipment, difficulty="beginner") or _search(
            turn, muscles=[muscle], equipment=equipment
        )
        choice = next((item for item in candidates if item["id"] not in used), None)
        if choice is not None:
            used.add(choice["id"])
            picked.append(choice)
    lines = [
        turn.t(
            "You have no plan running, so here is a full-body session for today (3 sets of 10 to 12 reps, 60 s rest):",
            "Vous n'avez pas de programme en cours : voici une séance complète pour aujourd'hui (3 séries de 10 "
            "à 12 répétitions, 60 s de repos) :",
        ),
        *(_exercise_line(turn, i, item) for i, item in enumerate(picked, 1)),
        turn.t(
            "Warm up for 5 minutes first, and finish with a few stretches.",
            "Échauffez-vous 5 minutes avant, et terminez par quelques étirements.",
        ),
    ]
    if turn.avoid_areas:
        lines.append(_avoid_note(turn))
    return RulesReply(
        text="\n".join(lines), intent="today", exercises=_refs(picked), data={"plan_id": None, "exercises": picked}
    )


def _recap(turn: _Turn, summary: str, recent: Sequence[Conversation]) -> RulesReply:
    questions = [entry.message for entry in recent if entry.role == Conversation.Role.USER]
    exercises = [
        exercise
        for entry in recent
        if entry.role != Conversation.Role.USER
        for exercise in entry.context_data.get("exercises") or []
        if isinstance(exercise, dict) and exercise.get("id") is not None
    ]
    if not summary and not questions:
        return RulesReply(
            text=turn.t(
                "We have not talked about anything yet in this conversation. Ask me for exercises, a plan for "
                "the week or today's session.",
                "Nous n'avons encore parlé de rien dans cette conversation. Demandez-moi des exercices, un "
                "programme pour la semaine ou la séance du jour.",
            ),
            intent="recap",
            data={"summary": "", "recent_questions": []},
        )
    lines = [turn.t("Here is what we talked about:", "Voici ce dont nous avons parlé :")]
    if summary:
        lines.append(summary)
    if questions:
        lines.append(turn.t("Most recently, you asked:", "Plus récemment, vous avez demandé :"))
        lines += [f"- {' '.join(question.split())[:160]}" for question in questions[-5:]]
    named = _refs(exercises)
    if named:
        names = ", ".join(item["name"] for item in named[:8])
        lines.append(turn.t(f"Exercises mentioned: {names}.", f"Exercices mentionnés : {names}."))
    return RulesReply(
        text="\n".join(lines),
        intent="recap",
        exercises=named[:8],
        data={"summary": summary, "recent_questions": questions[-5:]},
    )


def _tips(turn: _Turn, topic: str) -> RulesReply:
    if topic == "sets_reps":
        text = turn.t(
            "It depends on your goal:\n"
            "- strength: 3 to 5 sets of 3 to 6 reps, 2 to 3 minutes of rest;\n"
            "- muscle gain: 3 or 4 sets of 8 to 12 reps, 60 to 90 s of rest;\n"
            "- endurance or fat loss: 2 or 3 sets of 12 to 20 reps, 30 to 60 s of rest.\n"
            "Beginners do well with 2 or 3 sets per exercise. Stop each set 1 or 2 reps before failure.",
            "Cela dépend de votre objectif :\n"
            "- force : 3 à 5 séries de 3 à 6 répétitions, 2 à 3 minutes de repos ;\n"
            "- prise de muscle : 3 ou 4 séries de 8 à 12 répétitions, 60 à 90 s de repos ;\n"
            "- endurance ou perte de gras : 2 ou 3 séries de 12 à 20 répétitions, 30 à 60 s de repos.\n"
            "Pour débuter, 2 ou 3 séries par exercice suffisent. Arrêtez chaque série 1 ou 2 répétitions avant "
            "l'échec.",
        )
    else:
        text = turn.t(
            "Take at least one full rest day a week, and leave about 48 hours before training the same muscles "
            "hard again. On rest days, walking or light stretching helps recovery. Sleep counts as much as "
            "training.",
            "Prenez au moins un jour de repos complet par semaine, et laissez environ 48 heures avant de "
            "retravailler intensément les mêmes muscles. Les jours de repos, la marche ou des étirements légers "
            "aident la récupération. Le sommeil compte autant que l'entraînement.",
        )
    return RulesReply(text=text, intent="training_tips", data={"topic": topic})


def _capabilities(turn: _Turn, intent: str) -> RulesReply:
    opening = {
        "greeting": turn.t("Hello! I'm your MovoAI coach.", "Bonjour ! Je suis votre coach MovoAI."),
        "help": turn.t("I'm your MovoAI coach.", "Je suis votre coach MovoAI."),
    }.get(
        intent, turn.t("I'm not sure I understood your question.", "Je ne suis pas sûr d'avoir compris votre question.")
    )
    body = turn.t(
        "Here is what I can do:\n"
        '- find exercises from the library ("Which exercises for chest with dumbbells?")\n'
        '- explain an exercise ("How do I do a goblet squat?")\n'
        '- plan your week ("Plan 3 days a week for strength")\n'
        '- tell you how you are doing from your logs ("How am I doing?")\n'
        '- suggest today\'s session ("What should I do today?")\n'
        "I don't give medical diagnoses: for pain or an injury, see a health professional.",
        "Voici ce que je peux faire pour vous :\n"
        "- trouver des exercices de la bibliothèque (« Quels exercices pour les pectoraux avec des haltères ? »)\n"
        "- expliquer un exercice (« Comment faire le squat gobelet ? »)\n"
        "- planifier votre semaine (« Fais-moi un programme de 3 jours par semaine pour la force »)\n"
        "- faire le point sur vos progrès à partir de vos séances (« Où j'en suis ? »)\n"
        "- proposer la séance du jour (« Que dois-je faire aujourd'hui ? »)\n"
        "Je ne pose pas de diagnostic médical : pour une douleur ou une blessure, consultez un professionnel "
        "de santé.",
    )
    return RulesReply(text=f"{opening}\n{body}", intent=intent, data={})
