"""What a chat message asks the coach, in English or French, found by rules (no database, no model).

`detect_intent` normalizes the message like search does (lower case, accents removed), scores each intent by
the phrases it contains, and extracts the slots the rule-based engine needs: muscles, equipment and difficulty
as taxonomy codes, days per week, the exercise asked about, and the plan goal. The same message always gives
the same `Intent`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from exercises.taxonomy import DIFFICULTIES, EQUIPMENT, MUSCLES, SEARCH_SYNONYMS, normalize

INTENT_NAMES = (
    "find_exercises",
    "explain_exercise",
    "plan_week",
    "progress",
    "today",
    "greeting",
    "help",
    "unknown",
)

# A chat message longer than this is cut before the rules run, so a pasted essay costs no more than a paragraph.
MAX_MESSAGE_CHARS = 2000


@dataclass(frozen=True)
class Intent:
    """One message's intent, its language, how sure the rules are (0..1), and the slots they found."""

    name: str
    language: str
    confidence: float
    muscles: tuple[str, ...] = ()
    equipment: tuple[str, ...] = ()
    difficulty: str | None = None
    days_per_week: int | None = None
    exercise_query: str | None = None
    goal: str | None = None


# Intent rules: (pattern over the normalized text, weight). Strong phrases weigh 2 or more, hints 0.5 to 1.
_Rule = tuple["re.Pattern[str]", float]


def _rules(*pairs: tuple[str, float]) -> tuple[_Rule, ...]:
    return tuple((re.compile(pattern), weight) for pattern, weight in pairs)


_INTENT_RULES: dict[str, tuple[_Rule, ...]] = {
    "find_exercises": _rules(
        (r"\bexercises?\b", 1.5),
        (r"\bexercices?\b", 1.5),
        (r"\b(?:moves?|movements?|mouvements?)\b", 1.0),
        (r"\b(?:find|show|give|suggest|recommend|list)\b", 0.5),
        (r"\b(?:trouve\w*|cherche\w*|montre\w*|propose\w*|donne\w*|conseille\w*|liste)\b", 0.5),
        (r"\b(?:what|which) exercises?\b", 1.0),
        (r"\bquels? exercices?\b", 1.0),
        (r"\bwork(?:ing)? (?:on|out) (?:my|the)\b", 1.0),
        (r"\b(?:travailler|muscler|renforcer)\b", 1.0),
    ),
    "explain_exercise": _rules(
        (r"\bhow (?:do|should|can|would) (?:i|you|we) (?:do|perform|execute)\b", 2.5),
        (r"\bhow to (?:do|perform|execute)\b", 2.5),
        (r"\bexplain\b", 2.5),
        (r"\bexpliqu\w*\b", 2.5),
        (r"\bcomment (?:faire|realiser|executer|bien faire|on fait|fait on|je fais|effectuer)\b", 2.5),
        (r"\b(?:proper )?(?:form|technique) (?:for|of|on|du|de|pour)\b", 2.0),
        (r"\bwhat is (?:a|an|the)\b", 1.5),
        (r"\bc est quoi\b", 1.5),
        (r"\bwhat muscles? (?:does|do) .+ (?:work|target|hit)\b", 2.5),
        (r"\bquels muscles? (?:travaille|sollicite|fait travailler)\b", 2.5),
        (r"\bqu est ce (?:que|qu) (?:un|une|le|la|l)\b", 1.5),
    ),
    "plan_week": _rules(
        (r"\bplan\b", 1.5),
        (r"\b(?:program|programme|schedule|routine|split|planning)\b", 1.5),
        (r"\b(?:planifie\w*|organise\w*)\b", 1.5),
        (r"\b(?:week|weekly|semaine|hebdo\w*)\b", 1.0),
        (r"\b(?:days?|times) (?:a|per) week\b", 1.0),
        (r"\b(?:jours?|fois|seances?) par semaine\b", 1.0),
    ),
    "progress": _rules(
        (r"\bhow am i doing\b", 3.0),
        (r"\bhow (?:is|s|are) my\b", 1.5),
        (r"\bprogress\w*\b", 2.5),
        (r"\b(?:improv\w*|ameliore\w*)\b", 1.5),
        (r"\b(?:results?|resultats?|stats|statistics|statistiques|bilan|streak)\b", 1.5),
        (r"\bou j en suis\b", 3.0),
        (r"\bcomment je m en sors\b", 3.0),
        (r"\b(?:so far|jusqu ici|depuis le debut)\b", 1.0),
    ),
    "today": _rules(
        (r"\btoday\b", 2.0),
        (r"\baujourd hui\b", 2.0),
        (r"\b(?:tonight|this morning|this evening|this afternoon|right now)\b", 1.5),
        (r"\b(?:ce matin|ce soir|cet apres midi|maintenant)\b", 1.5),
        (r"\bwhat (?:should|do|can) i (?:do|train|work on)\b", 1.0),
        (r"\b(?:je fais quoi|que faire|qu est ce que je (?:fais|fait|dois|peux))\b", 1.0),
        (r"\bque (?:dois|devrais|peux) je faire\b", 1.0),
        (r"\b(?:workout|session) of the day\b", 2.0),
        (r"\bseance du jour\b", 2.0),
    ),
    "greeting": _rules(
        (r"^(?:hi|hello|hey|yo|hiya|good (?:morning|afternoon|evening)|greetings)\b", 1.0),
        (r"^(?:bonjour|bonsoir|salut|coucou)\b", 1.0),
        # a message that is only a greeting
        (r"^(?:hi|hello|hey|yo|hiya|bonjour|bonsoir|salut|coucou)(?: (?:there|coach|everyone|toi|a tous))?$", 1.0),
    ),
    "help": _rules(
        (r"\bhelp\b", 1.0),
        (r"^(?:help|help me|aide|aide moi|aidez moi|au secours)$", 1.0),
        (r"\b(?:aide|aider|aidez)\b", 1.0),
        (r"\bwhat can you do\b", 2.0),
        (r"\b(?:que|qu est ce que) (?:peux|sais) tu faire\b", 2.0),
        (r"\bhow does (?:this|it) work\b", 2.0),
        (r"\bcomment (?:ca|tu) (?:marche|fonctionne)\b", 2.0),
    ),
}

# When two intents score the same, the one listed first wins: the more specific request before the generic.
_PRIORITY = ("explain_exercise", "plan_week", "progress", "today", "find_exercises", "help", "greeting")

# Slots that make an intent more likely: naming a muscle means exercises, a number of days or a goal a plan.
_MUSCLE_BOOST = 1.5
_EQUIPMENT_BOOST = 0.5
_DIFFICULTY_BOOST = 0.5
_DAYS_BOOST = 1.5
_GOAL_BOOST = 0.5

# Vocabulary words (normalized) -> slot codes, built from the taxonomy's codes, both labels and its search synonyms,
# plus the everyday English words the taxonomy has no entry for.
_Slot = tuple[str, str]  # (kind, code): kind is "muscle", "equipment" or "difficulty"

_EXTRA_WORDS: dict[str, list[_Slot]] = {
    "back": [("muscle", "lats"), ("muscle", "middle back")],
    "ab": [("muscle", "abdominals")],
    "bicep": [("muscle", "biceps")],
    "tricep": [("muscle", "triceps")],
    "quad": [("muscle", "quadriceps")],
    "calf": [("muscle", "calves")],
    "lat": [("muscle", "lats")],
    "trap": [("muscle", "traps")],
    "bodyweight": [("equipment", "body weight")],
    "no equipment": [("equipment", "body weight")],
    "sans materiel": [("equipment", "body weight")],
    "band": [("equipment", "resistance band")],
    "pullup bar": [("equipment", "pull-up bar")],
    "easy": [("difficulty", "beginner")],
    "facile": [("difficulty", "beginner")],
    "debutante": [("difficulty", "beginner")],
    "novice": [("difficulty", "beginner")],
}

# Words that read as a vocabulary word but mean something else in a chat message.
_IGNORED_LABELS = frozenset({"other", "autre"})


def _vocabulary() -> dict[str, list[_Slot]]:
    words: dict[str, list[_Slot]] = {}

    def add(phrase: str, slot: _Slot) -> None:
        key = normalize(phrase)
        if key and key not in _IGNORED_LABELS and slot not in words.setdefault(key, []):
            words[key].append(slot)

    for kind, vocabulary in (("muscle", MUSCLES), ("equipment", EQUIPMENT), ("difficulty", DIFFICULTIES)):
        for code, (english, french) in vocabulary.items():
            if code == "other":
                continue
            for phrase in (code, english, french):
                add(phrase, (kind, code))
    for word, meanings in SEARCH_SYNONYMS.items():
        for meaning in meanings:
            if meaning in MUSCLES:
                add(word, ("muscle", meaning))
            elif meaning in EQUIPMENT:
                add(word, ("equipment", meaning))
    for word, slots in _EXTRA_WORDS.items():
        for slot in slots:
            add(word, slot)
    return words


_VOCABULARY = _vocabulary()
_LONGEST_PHRASE = max(len(phrase.split()) for phrase in _VOCABULARY)

_NUMBER_WORDS: dict[str, int] = {
    **{str(n): n for n in range(1, 8)},
    **dict(zip(("one", "two", "three", "four", "five", "six", "seven"), range(1, 8), strict=True)),
    **dict(zip(("un", "deux", "trois", "quatre", "cinq", "six", "sept"), range(1, 8), strict=True)),
    "une": 1,
}
_NUMBER = r"(\d{1,2}|one|two|three|four|five|six|seven|un|une|deux|trois|quatre|cinq|six|sept)"
_WEEK = r"(?:a|per|each|every|par|chaque) (?:week|semaine)"
_DAY_UNIT = r"(?:days?|jours?|sessions?|seances?|workouts?|entrainements?)"
# "5x a week", "quatre seances par semaine" first; then "4 day plan", "3 jours". Without the week, "x"/"times"
# usually count sets ("4 x 10") and "one day"/"un jour" usually means "some day", so neither counts.
_DAYS_WITH_WEEK = re.compile(rf"\b{_NUMBER} ?(?:x|times|fois|{_DAY_UNIT}) ?{_WEEK}\b")
_DAYS_ALONE = re.compile(rf"\b{_NUMBER} ?{_DAY_UNIT}\b")

_GOAL_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), goal)
    for pattern, goal in (
        (r"\b(?:lose|losing|lost|shed|burn|burning) (?:some )?(?:weight|fat|kilos?|pounds)\b", "fat_loss"),
        (r"\b(?:weight|fat) loss\b", "fat_loss"),
        (r"\b(?:perdre|perte de|bruler) (?:du |de la |des )?(?:poids|gras|graisse|kilos?)\b", "fat_loss"),
        (r"\b(?:maigrir|mincir|seche|lean|slim down|get shredded)\b", "fat_loss"),
        (r"\b(?:muscle|muscular|muscle gain|bulk\w*|hypertroph\w*|mass|masse|muscler)\b", "muscle_gain"),
        (r"\bprise de (?:masse|muscle)\b", "muscle_gain"),
        (r"\b(?:strength|stronger|strong|force|powerlifting|plus forte?)\b", "strength"),
        (r"\b(?:mobility|mobilite|flexib\w*|souplesse|stretch\w*|etirements?|assouplissements?)\b", "mobility"),
        (r"\b(?:endurance|cardio|stamina|souffle)\b", "endurance"),
        (
            r"\b(?:general fitness|get fit|stay fit|keep fit|healthy|health|remise en forme|en forme|sante)\b",
            "general_fitness",
        ),
    )
)

_EXPLAIN_PREFIX = re.compile(
    r"\b(?:how (?:do|should|can|would) (?:i|you|we) (?:do|perform|execute)(?: properly| correctly)?"
    r"|how to (?:do|perform|execute)"
    r"|explain(?: to me| me)?(?: how to (?:do|perform))?(?: what is)?"
    r"|expliqu\w*(?: moi| nous)?(?: comment (?:faire|realiser))?"
    r"|comment (?:faire|realiser|executer|bien faire|on fait|fait on|je fais|effectuer)"
    r"|(?:proper )?(?:form|technique) (?:for|of|on|du|de|pour)"
    r"|what is(?= (?:a|an|the)\b)"
    r"|c est quoi"
    r"|what muscles? (?:does|do)"
    r"|quels muscles? (?:travaille|sollicite|fait travailler)"
    r"|qu est ce (?:que|qu)(?= (?:un|une|le|la|l)\b))"
    r" (.+)$"
)
_QUERY_LEADING = frozenset(
    {
        *("a", "an", "the", "my", "this", "that", "proper", "correct", "good", "exercise", "movement"),
        *("un", "une", "le", "la", "les", "l", "des", "du", "de", "d", "mon", "ma", "ce", "cet", "cette", "bon"),
        *("exercice", "mouvement", "bien", "correctement"),
    }
)
_QUERY_TRAILING = re.compile(
    r"(?: (?:properly|correctly|correctement|please|plz|stp|svp|s il te plait|s il vous plait|exactly|exercise"
    r"|exercice|right|bien|en detail|in detail|work|target|hit))+$"
)
_MAX_QUERY_CHARS = 100

# Language markers among normalized words; an accented letter counts double for French.
_FRENCH_WORDS = frozenset(
    {
        *("je", "tu", "il", "nous", "vous", "moi", "mon", "ma", "mes", "les", "des", "du", "de", "la", "le"),
        *("un", "une", "pour", "avec", "est", "ce", "que", "qu", "quel", "quels", "quelle", "quelles", "comment"),
        *("faire", "fais", "aujourd", "hui", "bonjour", "bonsoir", "salut", "coucou", "aide", "semaine", "jours"),
        *("jour", "exercices", "exercice", "et", "sur", "dans", "pas", "ne", "suis", "quoi", "peux", "dois"),
        *("merci", "en", "au", "aux", "c", "j", "l", "d", "s", "seance", "seances", "souhaite", "veux", "ou"),
    }
)
_ENGLISH_WORDS = frozenset(
    {
        *("i", "me", "my", "you", "your", "the", "a", "an", "what", "which", "how", "should", "do", "does"),
        *("today", "with", "for", "and", "is", "am", "are", "to", "of", "week", "days", "day", "hello", "hi"),
        *("hey", "help", "can", "please", "exercises", "exercise", "make", "show", "give", "want", "need", "this"),
        *("that", "in", "on", "some", "good", "morning", "thanks", "doing", "train", "workout", "build", "lose"),
    }
)
_FRENCH_ACCENTS = frozenset("àâäçéèêëîïôöùûüÿœæ")


def detect_language(message: str) -> str:
    """'fr' when French words and accents outnumber English words, otherwise 'en' (also for an empty message)."""
    message = message[:MAX_MESSAGE_CHARS]
    words = normalize(message).split()
    french = sum(word in _FRENCH_WORDS for word in words)
    if any(char in _FRENCH_ACCENTS for char in message.lower()):
        french += 2
    english = sum(word in _ENGLISH_WORDS for word in words)
    return "fr" if french > english else "en"


def _vocabulary_slots(words: list[str]) -> tuple[tuple[str, ...], tuple[str, ...], str | None]:
    """Muscles, equipment and difficulty named in the words, longest phrase first ("bas du dos" before "dos")."""
    muscles: list[str] = []
    equipment: list[str] = []
    difficulty: str | None = None
    position = 0
    while position < len(words):
        slots: list[_Slot] = []
        length = 1
        for size in range(min(_LONGEST_PHRASE, len(words) - position), 0, -1):
            phrase = " ".join(words[position : position + size])
            slots = _VOCABULARY.get(phrase, [])
            if not slots and size == 1 and len(phrase) > 3 and phrase.endswith("s"):
                slots = _VOCABULARY.get(phrase[:-1], [])  # plurals: "barres", "machines", "glutes"
            if slots:
                length = size
                break
        for kind, code in slots:
            if kind == "muscle" and code not in muscles:
                muscles.append(code)
            elif kind == "equipment" and code not in equipment:
                equipment.append(code)
            elif kind == "difficulty" and difficulty is None:
                difficulty = code
        position += length
    return tuple(muscles), tuple(equipment), difficulty


def _days_per_week(text: str) -> int | None:
    """The number of training days (1..7) the message asks for, in digits or words."""
    for match in _DAYS_WITH_WEEK.finditer(text):
        days = _NUMBER_WORDS.get(match.group(1))
        if days is not None:
            return days
    for match in _DAYS_ALONE.finditer(text):
        days = _NUMBER_WORDS.get(match.group(1))
        if days is not None and days > 1:
            return days
    return None


def _goal(text: str) -> str | None:
    """The plan goal the message names first, as a PLAN_GOALS code."""
    found: list[tuple[int, str]] = []
    for pattern, goal in _GOAL_RULES:
        match = pattern.search(text)
        if match:
            found.append((match.start(), goal))
    return min(found)[1] if found else None


def _exercise_query(text: str) -> str | None:
    """The exercise the message asks about: the words after "how do I do", "comment faire", "explain"..."""
    match = _EXPLAIN_PREFIX.search(text)
    if match is None:
        return None
    query = _QUERY_TRAILING.sub("", match.group(1))
    words = query.split()
    while words and words[0] in _QUERY_LEADING:
        words.pop(0)
    query = " ".join(words)[:_MAX_QUERY_CHARS].strip()
    return query or None


def _confidence(best: float, runner_up: float) -> float:
    """Strong evidence with a clear margin gives near 1; a single weak hint or a close second gives less."""
    strength = min(1.0, best / 2.0)
    margin = best / (best + runner_up)
    return round(strength * margin, 2)


def detect_intent(message: str) -> Intent:
    """The intent of a chat message, its language and its slots.

    Deterministic and pure: keyword and pattern rules over the normalized text (accents removed). A message
    no rule matches is "unknown" with confidence 0. Muscles, equipment and difficulty are taxonomy codes;
    goal is a PLAN_GOALS code; exercise_query (normalized, without articles) is set for explain_exercise only.
    """
    message = message[:MAX_MESSAGE_CHARS]
    language = detect_language(message)
    text = normalize(message)
    words = text.split()
    muscles, equipment, difficulty = _vocabulary_slots(words)
    days_per_week = _days_per_week(text)
    goal = _goal(text)

    scores = {
        name: sum(weight for pattern, weight in rules if pattern.search(text)) for name, rules in _INTENT_RULES.items()
    }
    if muscles:
        scores["find_exercises"] += _MUSCLE_BOOST
    if equipment:
        scores["find_exercises"] += _EQUIPMENT_BOOST
    if difficulty:
        scores["find_exercises"] += _DIFFICULTY_BOOST
    if days_per_week is not None:
        scores["plan_week"] += _DAYS_BOOST
    if goal is not None:
        scores["plan_week"] += _GOAL_BOOST

    ranked = sorted(_PRIORITY, key=lambda name: -scores[name])  # stable: ties keep the priority order
    best, runner_up = scores[ranked[0]], scores[ranked[1]]
    name = ranked[0] if best > 0 else "unknown"
    confidence = _confidence(best, runner_up) if best > 0 else 0.0

    return Intent(
        name=name,
        language=language,
        confidence=confidence,
        muscles=muscles,
        equipment=equipment,
        difficulty=difficulty,
        days_per_week=days_per_week,
        exercise_query=_exercise_query(text) if name == "explain_exercise" else None,
        goal=goal,
    )
