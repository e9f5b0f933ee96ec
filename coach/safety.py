"""What the coach must not recommend, and what it must not answer: body areas named in limitations
or free text, the exercises that load them (as data, shared by the selection and the validation),
pain mentions, clearly abusive input, and the medical notice.

Everything here reads words, English and French, accents and case ignored (taxonomy.normalize), so
"j'ai mal au genou", "Knee pain" and "GENOU" name the same area. The lists are deliberately
conservative: a false "knee" costs a few exercises, a missed one can cost a knee.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import Q

from exercises.models import Exercise
from exercises.taxonomy import normalize

# Body areas (and one movement restriction) a limitation can name.
KNEE, BACK, SHOULDER, WRIST, ANKLE, HIP, NECK, ELBOW = (
    "knee",
    "back",
    "shoulder",
    "wrist",
    "ankle",
    "hip",
    "neck",
    "elbow",
)
NO_IMPACT = "no_impact"
AREAS: tuple[str, ...] = (KNEE, BACK, SHOULDER, WRIST, ANKLE, HIP, NECK, ELBOW, NO_IMPACT)
# mentions_pain() returns this when pain is mentioned without a body area.
UNSPECIFIED = "unspecified"

AREA_LABELS: dict[str, tuple[str, str]] = {
    KNEE: ("knee", "genou"),
    BACK: ("back", "dos"),
    SHOULDER: ("shoulder", "épaule"),
    WRIST: ("wrist", "poignet"),
    ANKLE: ("ankle", "cheville"),
    HIP: ("hip", "hanche"),
    NECK: ("neck", "cou"),
    ELBOW: ("elbow", "coude"),
    NO_IMPACT: ("no impact", "sans impact"),
    UNSPECIFIED: ("pain", "douleur"),
}

MEDICAL_NOTICE: dict[str, str] = {
    "en": (
        "The coach does not give medical diagnoses. If you have pain or an injury, see a doctor or a "
        "physiotherapist before training; this plan avoids exercises that load the areas you mentioned. "
        "Stop any exercise that hurts."
    ),
    "fr": (
        "Le coach ne pose pas de diagnostic médical. En cas de douleur ou de blessure, consultez un médecin ou "
        "un kinésithérapeute avant de vous entraîner ; ce programme évite les exercices qui sollicitent les zones "
        "mentionnées. Arrêtez tout exercice douloureux."
    ),
}


def limitation_words(text: str) -> str:
    """The text without its words about limitations (areas, cues, jumps, negations): what is left
    says what the person wants ("knee friendly leg exercises" -> "leg exercises")."""
    drop = _AREA_WORDS.keys() | _CUE_WORDS | _JUMP_WORDS | _NEGATIONS | {"mal", "my", "mon", "ma", "mes", "friendly"}
    return " ".join(word for word in _words(text) if word not in drop)


def medical_notice(language: str) -> str:
    return MEDICAL_NOTICE["fr" if language == "fr" else "en"]


def area_label(area: str, language: str) -> str:
    english, french = AREA_LABELS.get(area, (area, area))
    return french if language == "fr" else english


# ---------------------------------------------------------------- reading words

# Normalized words (accents removed) that name an area.
_AREA_WORDS: dict[str, str] = {
    **dict.fromkeys(("knee", "knees", "kneecap", "patella", "patellar", "acl", "mcl", "meniscus", "menisci"), KNEE),
    **dict.fromkeys(("genou", "genoux", "rotule", "rotules", "menisque", "menisques", "lca"), KNEE),
    **dict.fromkeys(("back", "spine", "spinal", "lumbar", "sciatica", "disc", "disk", "herniated"), BACK),
    **dict.fromkeys(("dos", "lombaire", "lombaires", "lombalgie", "colonne", "sciatique", "hernie"), BACK),
    **dict.fromkeys(("shoulder", "shoulders", "rotator", "epaule", "epaules", "coiffe"), SHOULDER),
    **dict.fromkeys(("wrist", "wrists", "carpal", "poignet", "poignets"), WRIST),
    **dict.fromkeys(("ankle", "ankles", "achilles", "cheville", "chevilles", "achille"), ANKLE),
    **dict.fromkeys(("hip", "hips", "hanche", "hanches"), HIP),
    **dict.fromkeys(("neck", "cervical", "cou", "nuque", "cervicales", "cervicale"), NECK),
    **dict.fromkeys(("elbow", "elbows", "coude", "coudes", "epicondylite", "epicondylitis"), ELBOW),
}
# Words that are a limitation on their own, whatever surrounds them.
_SELF_CUED = frozenset({"acl", "mcl", "meniscus", "menisci", "menisque", "lca", "sciatica", "sciatique"})
_SELF_CUED |= frozenset({"lombalgie", "herniated", "hernie", "carpal", "epicondylite", "epicondylitis"})

# Pain or injury, in the words people use.
_PAIN_WORDS = frozenset(
    {
        *("pain", "pains", "painful", "hurt", "hurts", "hurting", "sore", "ache", "aches", "aching", "injury"),
        *("injuries", "injured", "injure", "sprain", "sprained", "strain", "strained", "torn", "tear", "broken"),
        *("fracture", "fractured", "tendinitis", "tendonitis", "arthritis", "surgery", "operated", "dislocated"),
        *("douleur", "douleurs", "douloureux", "douloureuse", "blesse", "blessee", "blessure", "blessures"),
        *("entorse", "tendinite", "arthrose", "dechirure", "opere", "operee", "operation", "luxation"),
    }
)
# Words that, near an area, make it a limitation ("knee friendly", "bad back", "protect my shoulder").
_CUE_WORDS = _PAIN_WORDS | frozenset(
    {
        *("bad", "weak", "problem", "problems", "issue", "issues", "friendly", "safe", "gentle", "avoid"),
        *("no", "not", "without", "protect", "spare", "recovering", "recovery", "rehab", "limited", "stiff"),
        *("chronic", "condition", "replacement", "unstable", "fragile", "careful"),
        *("probleme", "problemes", "sans", "pas", "eviter", "evite", "menager", "proteger", "sensible"),
        *("sensibles", "raide", "faible", "faibles", "reeducation", "prothese", "attention"),
    }
)
_JUMP_WORDS = frozenset({"jump", "jumps", "jumping", "hop", "hops", "hopping", "plyo", "plyometric", "plyometrics"})
_JUMP_WORDS |= frozenset({"saut", "sauts", "sauter", "sautes", "pliometrie", "impact", "impacts"})
_NEGATIONS = frozenset({"no", "not", "without", "avoid", "zero", "low", "minimal", "sans", "pas", "eviter", "faible"})
_NO_IMPACT_PHRASES = ("low impact", "no impact", "joint friendly", "faible impact", "sans impact", "peu d impact")
# How far (in words) a cue may stand from the area it qualifies.
_WINDOW = 3


def _words(text: str) -> list[str]:
    return normalize(text).split()


def _near(words: list[str], index: int, vocabulary: frozenset[str]) -> bool:
    window = words[max(0, index - _WINDOW) : index] + words[index + 1 : index + 1 + _WINDOW]
    return any(word in vocabulary for word in window) or _french_pain_at(words, index)


def _french_pain_at(words: list[str], index: int) -> bool:
    """French "mal" is pain in "j'ai mal au genou" / "le genou me fait mal", not in "pas mal"."""
    for position in range(max(0, index - _WINDOW), min(len(words), index + 1 + _WINDOW)):
        if words[position] != "mal":
            continue
        before = words[position - 1] if position else ""
        after = words[position + 1] if position + 1 < len(words) else ""
        if after in {"au", "aux", "a"} or before in {"ai", "as", "fait", "fais", "font", "avons"}:
            return True
    return False


def _no_impact(words: list[str]) -> bool:
    joined = " ".join(words)
    if any(re.search(rf"(^| ){phrase}( |$)", joined) for phrase in _NO_IMPACT_PHRASES):
        return True
    for index, word in enumerate(words):
        if word in _JUMP_WORDS:
            before = words[max(0, index - _WINDOW) : index]
            if any(negation in before for negation in _NEGATIONS):
                return True
    return False


def limitation_areas(texts: Iterable[str], *, free_text: bool = False) -> frozenset[str]:
    """The body areas (AREAS) the texts name as limitations, plus NO_IMPACT for "no jumping",
    "low impact", "sans saut".

    Items of a limitations list (free_text=False) name an area by its word alone: "knee", "genou",
    "lower back". In free text (free_text=True: a context, a preference, a chat message) an area
    counts only with a cue near it ("knee friendly", "bad back", "j'ai mal au dos", "my shoulder
    hurts"), so "back exercises for posture" names no limitation."""
    areas: set[str] = set()
    for text in texts:
        words = _words(text or "")
        for index, word in enumerate(words):
            area = _AREA_WORDS.get(word)
            if area is None:
                continue
            if not free_text or word in _SELF_CUED or _near(words, index, _CUE_WORDS):
                areas.add(area)
        if _no_impact(words):
            areas.add(NO_IMPACT)
    return frozenset(areas)


def mentions_pain(text: str) -> frozenset[str]:
    """The areas the text says hurt or are injured ("my knee hurts", "j'ai mal au dos", "injured
    shoulder"); {UNSPECIFIED} for pain with no area ("it hurts"); empty when no pain is mentioned."""
    words = _words(text or "")
    areas = {
        area
        for index, word in enumerate(words)
        if (area := _AREA_WORDS.get(word)) is not None and (word in _SELF_CUED or _near(words, index, _PAIN_WORDS))
    }
    if areas:
        return frozenset(areas)
    said_pain = any(word in _PAIN_WORDS - {"surgery", "operation"} for word in words) or any(
        _french_pain_at(words, index) for index in range(len(words))
    )
    return frozenset({UNSPECIFIED}) if said_pain else frozenset()


# Clear abuse and hate (normalized, matched as whole words). Kept short on purpose: fitness talk is
# full of "kill this workout", "crushing it", "je suis crevé".
_ABUSIVE_PHRASES = (
    *("fuck you", "fuck off", "motherfucker", "cunt", "kill yourself", "kys", "go die", "die in a fire"),
    *("nigger", "nigga", "faggot", "whore", "slut", "bitch", "asshole", "bastard"),
    *("va te faire foutre", "ta gueule", "nique ta mere", "ntm", "encule", "connard", "connasse", "salope"),
    *("fils de pute", "sale pute", "tue toi", "salopard", "batard"),
)
_ABUSIVE_RE = re.compile(r"(?:^| )(?:" + "|".join(re.escape(p) for p in _ABUSIVE_PHRASES) + r")(?: |$)")

# A person speaking of harming themself is not abusive: they get support, never a refusal.
_SELF_HARM_PHRASES = (
    *("kill myself", "suicide", "suicidal", "self harm", "hurt myself", "end my life", "want to die"),
    *("me suicider", "suicider", "je veux mourir", "me tuer", "mettre fin a mes jours", "me faire du mal"),
)
_SELF_HARM_RE = re.compile(r"(?:^| )(?:" + "|".join(re.escape(p) for p in _SELF_HARM_PHRASES) + r")(?: |$)")

SELF_HARM_SUPPORT = {
    "en": (
        "I'm really sorry you're feeling this way. I'm a fitness coach and can't help with this the way a "
        "person can, but you don't have to face it alone: please talk to someone you trust, or call a crisis "
        "line now — 988 in the US and Canada, 116 123 (Samaritans) in the UK and Ireland, or your local "
        "emergency number (112 in Europe). If you are in immediate danger, call emergency services."
    ),
    "fr": (
        "Je suis vraiment désolé que vous traversiez cela. Je suis un coach sportif et je ne peux pas vous aider "
        "comme une personne le ferait, mais vous n'êtes pas seul : parlez-en à quelqu'un de confiance, ou appelez "
        "dès maintenant le 3114 (numéro national de prévention du suicide, gratuit, 24 h/24) en France, ou le 112. "
        "En cas de danger immédiat, appelez les secours."
    ),
}


def mentions_self_harm(text: str) -> bool:
    """Whether the text speaks of suicide or self-harm (a short EN/FR list): answered with support."""
    return bool(_SELF_HARM_RE.search(normalize(text or "")))


def is_abusive(text: str) -> bool:
    """Whether the text is clearly abusive or hateful (a short EN/FR list); self-harm is not abuse."""
    return bool(_ABUSIVE_RE.search(normalize(text or "")))


# ---------------------------------------------------------------- contraindications, as data


@dataclass(frozen=True)
class Clause:
    """Exercises matching every given part: a category among `categories`, a name with one of
    `name_words` (word prefixes or small regexes, English name), a primary muscle among `muscles`;
    never those of `except_categories`."""

    categories: frozenset[str] = frozenset()
    name_words: tuple[str, ...] = ()
    muscles: frozenset[str] = frozenset()
    except_categories: frozenset[str] = frozenset()

    def q(self) -> Q:
        parts = Q()
        if self.categories:
            parts &= Q(category__in=sorted(self.categories))
        if self.name_words:
            # PostgreSQL ARE: \m is the start of a word
            parts &= Q(exercise_en__iregex=r"\m(" + "|".join(self.name_words) + ")")
        if self.muscles:
            parts &= Q(muscles__overlap=sorted(self.muscles))
        if self.except_categories:
            parts &= ~Q(category__in=sorted(self.except_categories))
        return parts

    def matches(self, exercise: Exercise) -> bool:
        if self.categories and exercise.category not in self.categories:
            return False
        if self.name_words and not re.search(
            r"\b(" + "|".join(self.name_words) + ")", exercise.exercise_en, flags=re.IGNORECASE
        ):
            return False
        if self.muscles and not self.muscles.intersection(exercise.muscles or []):
            return False
        return not (self.except_categories and exercise.category in self.except_categories)


@dataclass(frozen=True)
class Contraindication:
    """The exercises a limitation (an area, or a fitness level) rules out, and why."""

    key: str
    clauses: tuple[Clause, ...]
    why_en: str
    why_fr: str = ""
    levels: frozenset[str] = field(default_factory=frozenset)

    def q(self) -> Q:
        return reduce(or_, (clause.q() for clause in self.clauses))

    def matches(self, exercise: Exercise) -> bool:
        return any(clause.matches(exercise) for clause in self.clauses)

    def why(self, language: str) -> str:
        return self.why_fr if language == "fr" and self.why_fr else self.why_en


_STRETCHING = frozenset({"stretching"})
_JUMPS = ("jump", "hop", "bound", "skip", "burpee", "depth", "sprint", "running", "high knee", "skater", "shuffle")

CONTRAINDICATIONS: dict[str, Contraindication] = {
    rule.key: rule
    for rule in (
        Contraindication(
            KNEE,
            (
                Clause(categories=frozenset({"plyometrics"})),
                Clause(
                    name_words=(
                        *_JUMPS,
                        *("pistol", "sissy", "lunge", "split squat", "full squat", "deep squat", "leg extension"),
                        *("kneeling jump", "frog", "jefferson", "one leg barbell squat", "cossack"),
                    )
                ),
            ),
            "jumps, lunges and deep knee bends load the knee",
            "les sauts, fentes et flexions profondes sollicitent le genou",
        ),
        Contraindication(
            BACK,
            (
                # jumps land through the spine
                Clause(categories=frozenset({"olympic weightlifting", "strongman", "plyometrics"})),
                Clause(
                    name_words=(
                        *_JUMPS,
                        # a bar across the back: lunges and step-ups load the spine like a squat
                        *("barbell (?:walking |side |rear )?lunge", "barbell step", "barbell side split"),
                        *("deadlift", "good morning", "bent over", "bent-over", "t-bar", "clean", "snatch", "jerk"),
                        *("hyperextension", "back extension", "sit-?up", "russian twist", "swing", "barbell squat"),
                        *("back squat", "front barbell squat", "front squat", "overhead squat", "jefferson"),
                        *("full squat", "zercher", "rack pull", "atlas", "yoke", "toes to bar", "v-up", "windmill"),
                    )
                ),
                Clause(muscles=frozenset({"lower back"}), except_categories=_STRETCHING),
            ),
            "heavy hinges, loaded spinal flexion, a bar across the back and jumps load the back",
            "les soulevés de terre, flexions chargées du tronc, une barre sur le dos et les sauts sollicitent le dos",
        ),
        Contraindication(
            SHOULDER,
            (
                Clause(categories=frozenset({"olympic weightlifting"})),
                Clause(
                    name_words=(
                        *("overhead", "military", "upright", "dip", "handstand", "behind the neck", "snatch"),
                        *("jerk", "push press", "arnold", "pullover", "muscle up", "kipping", "guillotine"),
                        *("neck press", "bradford", "cuban press", "turkish get"),
                    )
                ),
                Clause(name_words=("press",), muscles=frozenset({"shoulders"})),
            ),
            "overhead pressing, dips and upright rows load the shoulder",
            "les développés au-dessus de la tête, dips et tirages menton sollicitent l'épaule",
        ),
        Contraindication(
            WRIST,
            (
                Clause(
                    name_words=(
                        *("push[- ]?ups?", "pushups", "handstand", "wrist", "clean", "snatch", "front squat"),
                        *("planche", "burpee", "bear crawl", "mountain climb", "knuckle"),
                    )
                ),
                Clause(muscles=frozenset({"forearms"}), except_categories=_STRETCHING),
            ),
            "push-ups, planks and front-rack positions load the wrist",
            "les pompes, gainages et positions de front squat sollicitent le poignet",
        ),
        Contraindication(
            ANKLE,
            (Clause(categories=frozenset({"plyometrics"})), Clause(name_words=(*_JUMPS, "agility", "ladder", "cone"))),
            "jumps and running load the ankle",
            "les sauts et la course sollicitent la cheville",
        ),
        Contraindication(
            HIP,
            (
                Clause(categories=frozenset({"plyometrics"})),
                Clause(
                    name_words=(
                        *("pistol", "full squat", "deep squat", "sumo", "split squat", "side lunge", "lateral lunge"),
                        *("cossack", "frog", "groiner", "side split"),
                    )
                ),
            ),
            "deep hip flexion, wide stances and jumps load the hip",
            "les flexions profondes de hanche, écarts et sauts sollicitent la hanche",
        ),
        Contraindication(
            NECK,
            (
                Clause(muscles=frozenset({"neck"})),
                Clause(
                    name_words=(
                        *("neck", "headstand", "handstand", "shrug", "wrestler", "bridge on head", "overhead"),
                        *("behind the neck", "sit-?up", "crunch"),
                    )
                ),
            ),
            "neck work, shrugs, crunches and overhead loads strain the neck",
            "le travail du cou, les haussements d'épaules, crunchs et charges au-dessus de la tête sollicitent le cou",
        ),
        Contraindication(
            ELBOW,
            (
                Clause(
                    name_words=(
                        *("skull ?crusher", "dip", "triceps? extension", "lying triceps", "french press", "jm press"),
                        *("preacher", "chin-?up", "pull-?up", "pullups"),
                    )
                ),
            ),
            "triceps extensions, dips and pull-ups load the elbow",
            "les extensions triceps, dips et tractions sollicitent le coude",
        ),
        Contraindication(
            NO_IMPACT,
            (
                Clause(categories=frozenset({"plyometrics"})),
                Clause(name_words=_JUMPS),
            ),
            "jumps and running are high impact",
            "les sauts et la course sont à fort impact",
        ),
        Contraindication(
            "level:beginner",
            (
                Clause(categories=frozenset({"olympic weightlifting", "strongman"})),
                Clause(
                    name_words=(
                        *("pistol", "muscle up", "handstand", "dragon flag", "planche", "front lever", "human flag"),
                        *("one arm push", "one-arm push", "one arm chin", "one-arm chin", "depth jump"),
                    )
                ),
            ),
            "technical lifts and advanced skills are not for a beginner",
            "les mouvements techniques et les figures avancées ne conviennent pas à un débutant",
            levels=frozenset({"beginner"}),
        ),
    )
}


def contraindications_for(areas: Iterable[str], fitness_level: str | None) -> list[Contraindication]:
    """The rules that apply to these areas and this fitness level (None counts as beginner)."""
    rules = [CONTRAINDICATIONS[area] for area in sorted(set(areas)) if area in CONTRAINDICATIONS]
    level = fitness_level or "beginner"
    rules += [rule for rule in CONTRAINDICATIONS.values() if level in rule.levels]
    return rules


def exercise_exclusions(areas: Iterable[str], fitness_level: str | None) -> Q:
    """A Q matching the exercises to leave out for these areas and this fitness level: use it as
    `queryset.exclude(exercise_exclusions(...))`. A beginner (or an unknown level) also gets no
    advanced exercise. Matches nothing when nothing is ruled out."""
    rules = contraindications_for(areas, fitness_level)
    q = reduce(or_, (rule.q() for rule in rules), Q(pk__in=[]))
    if (fitness_level or "beginner") == "beginner":
        q |= Q(difficulty="advanced")
    return q


def contraindication_reasons(
    exercise: Exercise, areas: Iterable[str], fitness_level: str | None, *, language: str = "en"
) -> list[str]:
    """Why an exercise is ruled out for these areas and this level (empty: it is allowed). The same
    rules as exercise_exclusions, evaluated in Python on a loaded exercise."""
    reasons = [rule.why(language) for rule in contraindications_for(areas, fitness_level) if rule.matches(exercise)]
    if (fitness_level or "beginner") == "beginner" and exercise.difficulty == "advanced":
        reasons.append(
            "un exercice avancé pour un débutant" if language == "fr" else "an advanced exercise for a beginner"
        )
    return reasons
